"""Personal signature blocks, as evidence that two addresses are one person.

Ann writes from ann@meridian.example at work and from a webmail address at
night; both mails end with the same block: her name, her title, her direct
line. That block is evidence a reporter would accept, so it is the one
automatic reason (besides the same address) to merge two addresses.

To keep it safe, a block counts only when it is clearly personal:

- it is the author's own text (above any quoted or forwarded block), after
  a ``-- `` delimiter, or the last short paragraph;
- it has at most ``MAX_LINES`` lines and carries a phone number (seven
  digits or more), which a greeting or a disclaimer does not;
- and, when people are grouped (:mod:`loupe.analysis`), it is used by at
  most ``MAX_ADDRESSES`` addresses whose display names share a word, so an
  office block with the switchboard number signed by a whole team merges
  nobody.

>>> key = signature_key("See you there.\\n\\nAnn Lee\\nSenior analyst\\nDirect: +1 512 555 0142\\n")
>>> key == signature_key("Short note.\\n\\n-- \\nAnn  Lee\\nSenior Analyst\\nDirect: +1 (512) 555-0142")
True
>>> signature_key("Thanks!\\n\\nAnn") is None
True
"""

from __future__ import annotations

import hashlib
import re

MAX_LINES = 6
#: A block signed by more addresses than this is an office's, not a person's.
MAX_ADDRESSES = 3

_DELIMITER = re.compile(r"^--\s?$")
_PHONE = re.compile(r"\+?\(?\d[\d ().-]{5,}\d")
_QUOTE_START = re.compile(r"^\s*(>|-{2,}\s*(Original|Forwarded) [Mm]essage|Begin forwarded message:|On .+ wrote:\s*$)")


def signature_key(body: str, own_chars: int | None = None) -> str | None:
    """A stable key for the personal signature at the end of a body's own text, or None.

    ``own_chars``: where the first quoted or forwarded block starts, when known.
    """
    own = body[:own_chars] if own_chars is not None else body
    lines = own.splitlines()
    for index, line in enumerate(lines):
        if _QUOTE_START.match(line):
            lines = lines[:index]
            break
    while lines and not lines[-1].strip():
        lines.pop()
    block = _after_delimiter(lines) or _last_paragraph(lines)
    if not block or len(block) > MAX_LINES:
        return None
    phones = [re.sub(r"\D", "", m) for m in _PHONE.findall("\n".join(block))]
    if not any(len(digits) >= 7 for digits in phones):
        return None
    text = " ".join(" ".join(block).casefold().split())
    text = _PHONE.sub(lambda m: re.sub(r"\D", "", m.group()), text)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _after_delimiter(lines: list[str]) -> list[str]:
    for index in range(len(lines) - 1, max(-1, len(lines) - MAX_LINES - 2), -1):
        if _DELIMITER.match(lines[index]):
            return [line.strip() for line in lines[index + 1 :] if line.strip()]
    return []


def _last_paragraph(lines: list[str]) -> list[str]:
    block: list[str] = []
    for line in reversed(lines):
        if not line.strip():
            break
        block.insert(0, line.strip())
    return block if len(block) < len(lines) else []  # a one-paragraph mail has no separate signature


def names_agree(names: list[set[str]]) -> bool:
    """Whether every address's display names share a word with the others' (empty: no evidence against)."""
    words = [{w for n in group for w in re.findall(r"\w{2,}", n.casefold())} for group in names]
    known = [w for w in words if w]
    if len(known) < 2:
        return True
    common = set.intersection(*known)
    return bool(common)
