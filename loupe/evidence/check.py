"""Check an evidence pack made by Loupe: every file is the one the pack lists, byte for byte.

This file is copied into every pack as ``verify_pack.py``, so whoever receives a
pack can check it with Python 3 alone, without Loupe and without the case it
came from::

    python3 verify_pack.py            # the pack this file is in
    python3 verify_pack.py PACK_DIR --expect FINGERPRINT

It uses the standard library only. What it checks:

1. ``SHA256SUMS`` lists every file of the pack (``sha256sum -c SHA256SUMS``
   reads the same file) and each one's SHA-256 is as listed; a file missing,
   changed, or added since the pack was made is named.
2. ``manifest.json`` agrees with ``SHA256SUMS``: each message's original, its
   rendering and its attachments carry the hash the case recorded for them,
   and every citation names the original it quotes by that hash.
3. The pack's *fingerprint*, the SHA-256 of ``SHA256SUMS``, is printed; given
   ``--expect`` (the fingerprint written down or sent apart when the pack was
   made), a pack whose files and lists were changed together is caught too.

``loupe verify-pack`` runs the same checks, and with Loupe at hand one more:
each citation's text is read again from the original at its offsets.
"""

from __future__ import annotations

import hashlib
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

SUMS = "SHA256SUMS"
MANIFEST = "manifest.json"
FORMAT = "loupe-evidence-pack/1"
_CHUNK = 1 << 20


@dataclass
class PackCheck:
    """What checking a pack found: ``problems`` is empty when it verifies."""

    folder: Path
    files: int = 0
    messages: int = 0
    citations: int = 0
    fingerprint: str = ""
    problems: list[tuple[str, str]] = field(default_factory=list)  # (file or item, what is wrong)

    @property
    def ok(self) -> bool:
        return not self.problems

    def problem(self, item: str, what: str) -> None:
        self.problems.append((item, what))


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def read_sums(text: str) -> dict[str, str]:
    """``SHA256SUMS`` as {path: sha256}; the format of ``sha256sum`` (two spaces, or `` *`` for binary)."""
    listed: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip():
            continue
        digest, _, name = line.partition(" ")
        listed[name[1:] if name[:1] in ("*", " ") else name] = digest.lower()
    return listed


def check_pack(folder: Path, expect: str = "") -> PackCheck:
    """Every check of the module docstring; the problems found, one per file or item."""
    result = PackCheck(folder)
    sums_path = folder / SUMS
    if not sums_path.is_file():
        result.problem(SUMS, "missing: this is not an evidence pack, or its list of files was removed")
        return result
    result.fingerprint = sha256_of(sums_path)
    if expect and expect.strip().lower() != result.fingerprint:
        result.problem(SUMS, f"the pack's fingerprint is {result.fingerprint}, not the {expect.strip()} expected")
    listed = read_sums(sums_path.read_text("utf-8", "replace"))
    for name, digest in sorted(listed.items()):
        path = folder / name
        if ".." in Path(name).parts or Path(name).is_absolute():
            result.problem(name, "listed with a path outside the pack")
        elif not path.is_file():
            result.problem(name, "missing")
        elif (actual := sha256_of(path)) != digest:
            result.problem(name, f"changed: its SHA-256 is {actual}, the pack lists {digest}")
        result.files += 1
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        name = path.relative_to(folder).as_posix()
        if name != SUMS and name not in listed:
            result.problem(name, "not listed in SHA256SUMS: added after the pack was made")
    _check_manifest(folder, listed, result)
    return result


def _check_manifest(folder: Path, listed: dict[str, str], result: PackCheck) -> None:
    try:
        manifest = json.loads((folder / MANIFEST).read_text("utf-8"))
    except (OSError, ValueError) as exc:
        result.problem(MANIFEST, f"unreadable: {exc}")
        return
    if manifest.get("format") != FORMAT:
        result.problem(MANIFEST, f"format {manifest.get('format')!r}, not {FORMAT!r}")
    originals = set()
    for message in manifest.get("messages", []):
        result.messages += 1
        item = f"message {message.get('id')}"
        files = [(message.get("original", {}), "its original"), (message.get("rendering", {}), "its rendering")]
        files += [(a, f"attachment {a.get('position', 0) + 1}") for a in message.get("attachments", [])]
        for entry, what in files:
            name, digest = entry.get("file", ""), entry.get("sha256", "")
            if name not in listed:
                result.problem(item, f"{what} ({name or 'no file'}) is not in SHA256SUMS")
            elif listed[name] != digest:
                result.problem(item, f"{what}: the manifest's SHA-256 {digest} is not the one SHA256SUMS lists")
        originals.add(message.get("original", {}).get("sha256", ""))
    for citation in manifest.get("citations", []):
        result.citations += 1
        if citation.get("original_sha256") not in originals:
            result.problem(
                f"citation of quote {citation.get('quote_number')}",
                f"cites an original ({citation.get('original_sha256')}) that is not in the pack",
            )


def report(result: PackCheck) -> str:
    """What ``verify_pack.py`` and ``loupe verify-pack`` print: a line per problem, then the summary."""
    lines = [f"{item}: {what}" for item, what in result.problems]
    verdict = "VERIFIED" if result.ok else f"NOT VERIFIED: {len(result.problems)} problems"
    lines.append(
        f"{verdict}: {result.files} files, {result.messages} messages, {result.citations} citations "
        f"in {result.folder}; fingerprint (SHA-256 of {SUMS}) {result.fingerprint or 'none'}"
    )
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    args = [a for a in argv if not a.startswith("--")]
    expect = ""
    if "--expect" in argv:
        at = argv.index("--expect")
        expect = argv[at + 1] if at + 1 < len(argv) else ""
        args = [a for a in args if a != expect]
    folder = Path(args[0]) if args else Path(__file__).resolve().parent
    result = check_pack(folder, expect)
    print(report(result))
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
