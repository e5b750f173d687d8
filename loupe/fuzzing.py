"""Damaged mail on purpose: mutations of real messages, and the rule every input must keep.

``bench/fuzz.py`` runs them by the hundred thousand and ``tests/test_fuzz.py``
(hypothesis, seeded) runs a few hundred in CI. The rule: parsing a mutated
message either gives a message or raises ``ValueError`` with a reason (which
ingest turns into a quarantine); the text readers behind snippets, quotes
and corroboration take whatever text came out; a random query either parses
or raises ``QueryError`` naming its column. Any other exception is a crash,
to be turned into a named regression test.

The mutations are the damage real leaks show: flipped bytes, truncation,
a header or a MIME boundary mangled, a charset that lies, a line ending
changed, a part's bytes repeated.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from pathlib import Path

from loupe.errors import QueryError
from loupe.ingest.mime import parse_message
from loupe.quotes.align import align
from loupe.quotes.editorial import parse_edits
from loupe.search.query import parse

Mutation = Callable[[random.Random, bytes], bytes]

_CHARSETS = [b"utf-8", b"iso-8859-1", b"windows-1252", b"koi8-r", b"shift_jis", b"x-unknown", b"utf-7", b""]


def flip_bytes(rng: random.Random, data: bytes) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 16)):
        if out:
            out[rng.randrange(len(out))] = rng.randrange(256)
    return bytes(out)


def truncate(rng: random.Random, data: bytes) -> bytes:
    return data[: rng.randrange(len(data) + 1)]


def damage_header(rng: random.Random, data: bytes) -> bytes:
    head, sep, body = data.partition(b"\n\n")
    lines = head.split(b"\n")
    if lines:
        i = rng.randrange(len(lines))
        choice = rng.randrange(4)
        if choice == 0:
            lines[i] = lines[i].replace(b":", b"", 1)  # a header without its colon
        elif choice == 1:
            lines.insert(i, b" " + bytes(rng.randrange(256) for _ in range(rng.randint(1, 200))))  # a wild fold
        elif choice == 2:
            lines[i] = lines[i] + b"=?" + rng.choice(_CHARSETS) + b"?B?" + b"!!notbase64==" + b"?="
        else:
            lines[i] = lines[i] * rng.randint(2, 50)
    return b"\n".join(lines) + sep + body


def damage_boundary(rng: random.Random, data: bytes) -> bytes:
    found = re.search(rb'boundary="?([^";\r\n]+)', data)
    if found is None:
        return data.replace(b"\n\n", b"\nContent-Type: multipart/mixed; boundary=zz\n\n--zz\n", 1)
    boundary = found.group(1)
    choice = rng.randrange(3)
    if choice == 0:
        return data.replace(b"--" + boundary + b"--", b"", 1)  # no closing boundary
    if choice == 1:
        return data.replace(b"--" + boundary, b"--" + boundary[: max(1, len(boundary) // 2)], rng.randint(1, 3))
    return data.replace(boundary, boundary + b"\x00" * rng.randint(1, 5), 1)


def lie_about_charset(rng: random.Random, data: bytes) -> bytes:
    charset = rng.choice(_CHARSETS)
    if re.search(rb"charset=", data, re.IGNORECASE):
        return re.sub(rb'charset="?[\w.:-]+"?', b"charset=" + charset, data, count=1, flags=re.IGNORECASE)
    return data.replace(b"\n\n", b"\nContent-Type: text/plain; charset=" + charset + b"\n\n", 1)


def change_line_endings(rng: random.Random, data: bytes) -> bytes:
    return data.replace(b"\n", rng.choice([b"\r\n", b"\r", b"\n\r", b"\x85"]))


def repeat_a_part(rng: random.Random, data: bytes) -> bytes:
    if len(data) < 2:
        return data * 2
    start = rng.randrange(len(data))
    end = min(len(data), start + rng.randint(1, 4096))
    return data[:end] + data[start:end] * rng.randint(2, 20) + data[end:]


MUTATIONS: tuple[Mutation, ...] = (
    flip_bytes,
    truncate,
    damage_header,
    damage_boundary,
    lie_about_charset,
    change_line_endings,
    repeat_a_part,
)


def mutate(rng: random.Random, data: bytes) -> bytes:
    """One to three mutations in a row."""
    for _ in range(rng.randint(1, 3)):
        data = rng.choice(MUTATIONS)(rng, data)
    return data


def check_message(data: bytes) -> str:
    """Parse one (mutated) message and read its text as snippets and quotes do; returns how it ended.

    "parsed" or "refused: reason" (what ingest quarantines); any other
    exception propagates: that is a crash."""
    try:
        parsed = parse_message(data)
    except ValueError as exc:
        return f"refused: {exc}"
    text = parsed.body_text
    quote = " ".join(text.split()[:12]) or "nothing at all here"
    align(parse_edits(quote), text[:20_000])
    return "parsed"


_QUERY_PARTS = [
    "from:", "to:", "subject:", "date:", "tag:", "source:", "-", "(", ")", '"', "OR", "AND", "NOT", "*", "..",
    "2010", "carl", "notmuch", "thread:", "id:", "is:", "near:", ":", "'", "\\", "é", "\x00", " ",
]  # fmt: skip


def random_query(rng: random.Random) -> str:
    return "".join(rng.choice(_QUERY_PARTS) for _ in range(rng.randint(0, 12)))


def check_query(query: str) -> str:
    """Parse one query: "parsed" or "refused: reason"; any other exception is a crash."""
    try:
        parse(query)
    except QueryError as exc:
        return f"refused: {exc}"
    return "parsed"


def seeds(corpora: Path, limit: int = 400) -> list[bytes]:
    """Real messages to mutate: the corpora's .eml files and Maildir files, smallest first."""
    files = [p for p in corpora.rglob("*") if p.is_file() and p.suffix.lower() not in (".md", ".json", ".pst", ".msg")]
    files = [p for p in files if p.stat().st_size < 200_000 and not p.name.endswith((".zip", ".tar", ".gz", ".7z"))]
    return [p.read_bytes() for p in sorted(files, key=lambda p: (p.stat().st_size, str(p)))[:limit]]


def replay(corpora: Path, seed: int, number: int) -> bytes:
    """Input ``number`` of ``bench/fuzz.py --seed SEED``, made again (to turn a crash into a test)."""
    rng = random.Random(seed)
    originals = seeds(corpora)
    data = b""
    for _ in range(number + 1):
        data = mutate(rng, rng.choice(originals))
    return data
