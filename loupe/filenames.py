"""File names taken from a leak (attachments, documents), made safe to write on any system.

A name in a message is chosen by whoever sent it: it may hold folders
(``../../etc/passwd``), control characters that rewrite a terminal, names
reserved on Windows, or thousands of characters. Whatever Loupe writes to disk
under such a name (an export, an evidence pack) goes through ``safe_file_name``;
the name as sent is kept beside it in the manifest.
"""

from __future__ import annotations

import re
import unicodedata

#: Bytes (UTF-8) of a name kept in a file name (the full name is in the manifest).
MAX_FILE_NAME = 100


def safe_file_name(name: str, fallback: str) -> str:
    """An attachment's name made safe as a file name on any system: no folders, no control or
    reserved characters, no leading dot, at most ``MAX_FILE_NAME`` bytes in UTF-8 (file systems
    count bytes: 100 Cyrillic letters are 200), its extension kept."""
    name = unicodedata.normalize("NFC", name)
    name = "".join("_" if unicodedata.category(c)[0] == "C" or c in '/\\:*?"<>|' else c for c in name)
    name = re.sub(r"\s+", " ", name).strip(" .")
    if len(name.encode("utf-8")) > MAX_FILE_NAME:
        _, dot, extension = name.rpartition(".")
        ending = "." + extension if dot and len(extension.encode("utf-8")) <= 10 else ""
        stem = name[: len(name) - len(ending)].encode("utf-8")[: MAX_FILE_NAME - len(ending.encode("utf-8"))]
        name = stem.decode("utf-8", "ignore").rstrip(" .") + ending  # "ignore": a letter cut in half is dropped
    return name or fallback
