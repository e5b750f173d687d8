"""Containers: mboxrd files, a Maildir, loose .eml files and a zip.

Items are collected in memory and written once at the end, in a fixed
order, so the tree is the same bytes for the same seed. The writer reports
where each item landed (mbox byte offset, file path, zip member) because
the ground truth must point at every copy.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from loupe.demo.attachments import FIXED_ZIP_TIME

_FROM_LINE = re.compile(rb"^(>*From )", re.MULTILINE)


def mboxrd_escape(raw: bytes) -> bytes:
    """mboxrd: every body line matching ``>*From `` gets one more ``>``."""
    return _FROM_LINE.sub(rb">\1", raw)


def has_from_line(raw: bytes) -> bool:
    """Would mbox escaping change these bytes? (Then an mbox copy is not exact.)"""
    return _FROM_LINE.search(raw) is not None


@dataclass
class Mbox:
    """One mbox file; entries are appended in the order given."""

    path: Path
    chunks: list[bytes] = field(default_factory=list)
    size: int = 0

    def add(self, raw: bytes, sender: str, when: datetime) -> int:
        """Append a message; return the byte offset of its ``From `` line."""
        envelope = f"From {sender} {when.strftime('%a %b %d %H:%M:%S %Y')}\n".encode("ascii")
        body = mboxrd_escape(raw)
        if not body.endswith(b"\n"):
            body += b"\n"
        entry = envelope + body + b"\n"  # the blank line every writer puts before the next From
        offset = self.size
        self.chunks.append(entry)
        self.size += len(entry)
        return offset

    def write(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_bytes(b"".join(self.chunks))


@dataclass
class Files:
    """Plain files (Maildir entries, .eml files) keyed by path."""

    files: dict[Path, bytes] = field(default_factory=dict)

    def add(self, path: Path, raw: bytes) -> Path:
        if path in self.files:
            raise ValueError(f"demo generator wrote {path} twice")
        self.files[path] = raw
        return path

    def write(self) -> None:
        for path in sorted(self.files):
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(self.files[path])


def maildir_name(when: datetime, seq: int, flags: str | None) -> str:
    """``<time>.M<seq>P<pid>.<host>[:2,<flags>]`` as a delivery agent names it."""
    base = f"{int(when.timestamp())}.M{seq:06d}P4242.mail.meridian-risk.example"
    return base if flags is None else f"{base}:2,{flags}"


@dataclass
class Zip:
    """A zip of .eml files with fixed timestamps (deterministic bytes)."""

    path: Path
    members: dict[str, bytes] = field(default_factory=dict)

    def add(self, name: str, raw: bytes) -> str:
        if name in self.members:
            raise ValueError(f"demo generator put {name} in the zip twice")
        self.members[name] = raw
        return name

    def write(self) -> None:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, raw in self.members.items():
                info = zipfile.ZipInfo(name, FIXED_ZIP_TIME)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                info.create_system = 3
                archive.writestr(info, raw)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_bytes(buffer.getvalue())
