"""What a message added: split a plain-text body into new text, quoted text and signature.

The engine is talon's ``quotations.extract_from_plain`` (mailgun/talon). On
``../shared/corpora/reply-formats`` (35 messages; ``bench/reply_split_eval.py``)
it alone finds the new text of 29, against 24 for mail-parser-reply and 16 for
quotequail; wrapped in the same steps below, talon gets 35, mail-parser-reply
33 and quotequail 29. What only talon does: it keeps the answers written
between quoted lines (it returns the whole message then, which the second
step uses; mail-parser-reply cuts at the first intro, ``email_1_2``), and it
reads Yahoo's "--- On ... wrote:" above an unquoted header block. The steps
are our own, each added because a fixture or a measurement failed without it:

- *A window.* talon silently drops everything after a message's first 1,000
  lines, and its splitter regexes are quadratic in line length (0.5 s for one
  16,000-character line). It reads at most ``WINDOW_LINES`` lines and
  ``WINDOW_CHARS`` characters, lines cut at ``LINE_CHARS``; when its answer
  runs to the end of that window, the text past it is the author's too (there
  only ``>`` quoting is recognised), otherwise the rest is quoted.
- *Inline answers.* When talon returns the whole message (``email_1_2``,
  ``email_1_8``), we drop the ``>`` lines and the "... wrote:" intro above each
  quoted run, keeping the answers.
- *Signatures.* talon's brute-force extractor misses sign-offs and list
  footers (``email_1_1``, ``email_1_3``) and its learned one needs the sender;
  a few rules do: a ``--``/``__`` delimiter line, a device line ("Sent from my
  iPhone", not "Sent from my desk, is ..."), a "-Name" sign-off, a
  mailing-list footer, each only among the last ``SIGNATURE_MAX_LINES`` lines.

These were tuned on the same 35 fixtures they are scored on: there is no
held-out set, so 35/35 overstates accuracy on other mail.

``quoted`` is every other line of the body (quoted lines, intros, headers of
quoted blocks), in order. ``split_reply`` never raises on any input: if the
engine fails on one, it is treated as having no quotation, so no text is lost
(talon missing from the install still raises ImportError).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from loupe.threads.authorship import INTRO_START, WROTE

#: talon reads 1,000 lines; a real reply's own text is nearly always within the first few hundred.
WINDOW_LINES = 900
#: The engine's cost grows with the text; a reply's own text is rarely longer than this.
WINDOW_CHARS = 64 * 1024
#: talon's splitter regexes are quadratic in line length (0.5 s for one 16,000-character line);
#: no intro or header line is this long, so the engine sees longer lines cut here.
LINE_CHARS = 500
#: A signature is short: a delimiter further up than this from the end is prose (or a quoted one).
SIGNATURE_MAX_LINES = 12

_DELIMITER = re.compile(r"^\s*(--|__+)\s*$")
_DEVICE = re.compile(
    r"^\s*((Sent|Envoyé|Enviado|Gesendet|Inviato|Verzonden|Skickat)\s+(from|with|via|using|von|de|depuis|desde|da|"
    r"vanaf|från)(\s+[^\s,;]+){1,6}|Get Outlook for \w+)\s*$",
    re.IGNORECASE,
)
_SIGN_OFF = re.compile(r"^\s*-[A-Z][\w.'’-]*(?: [A-Z][\w.'’-]*){0,3}\s*$")
_RULE = re.compile(r"^\s*([-_=*])\1{4,}\s*$")
_LIST_FOOTER = re.compile(r"mailing list|/listinfo/|^To unsubscribe", re.IGNORECASE)

#: Takes a body (LF lines) and returns its text without the quotations, as lines of it.
ReplyText = Callable[[str], str]


@dataclass(frozen=True)
class Split:
    """A body in three parts; ``new`` is what this message's author wrote in it."""

    new: str
    quoted: str
    signature: str


def split_reply(body: str) -> Split:
    """Split ``body`` with the talon engine and our wrapping steps (see the module docstring)."""
    return split_with(body, _talon_reply)


def split_with(body: str, reply_text: ReplyText) -> Split:
    """Split ``body`` with any engine: kept separate so the benchmark can compare engines fairly."""
    # str.splitlines, as talon splits (on \f, \x85, U+2028 ... too): every part is then made of body lines.
    lines = body.splitlines()
    head, long_lines = _window(lines)
    try:
        reply = reply_text("\n".join(head)).splitlines()
    except ImportError:
        raise  # a missing engine is an installation fault, not a message to pass over
    except Exception:  # the engine failing on one message must not lose it: no quotation found
        reply = head
    kept = [long_lines[line.strip()].pop(0) if long_lines.get(line.strip()) else line for line in reply]
    if len(lines) > len(head) and _last_line(reply) == _last_line(head):
        kept += lines[len(head) :]  # the engine kept the window's end: the author's text goes on past it
    kept = _drop_inline_quotes(kept)
    new_lines, signature_lines = _split_signature(kept)
    while new_lines and (not new_lines[-1].strip() or _RULE.match(new_lines[-1])):
        new_lines.pop()  # the rule talon leaves above an Outlook header block it cut (email_2_1)
    new = "\n".join(new_lines).strip("\n")
    signature = "\n".join(signature_lines).strip("\n")
    return Split(new=new, quoted=_leftover(lines, new_lines + signature_lines), signature=signature)


def _window(lines: list[str]) -> tuple[list[str], dict[str, list[str]]]:
    """The lines the engine reads (long ones cut), and each cut line's original by its shown text."""
    shown: list[str] = []
    originals: dict[str, list[str]] = {}
    size = 0
    for line in lines[:WINDOW_LINES]:
        size += min(len(line), LINE_CHARS) + 1
        if shown and size > WINDOW_CHARS:
            break
        if len(line) > LINE_CHARS:
            originals.setdefault(line[:LINE_CHARS].strip(), []).append(line)
        shown.append(line[:LINE_CHARS])
    return shown, originals


def _talon_reply(text: str) -> str:
    # Imported on first use: talon's package import loads scikit-learn (~1 s), which
    # commands that never split a reply should not pay for.
    from talon import quotations  # type: ignore[import-untyped]

    return str(quotations.extract_from_plain(text))


def _last_line(lines: list[str]) -> str:
    for line in reversed(lines):
        if line.strip():
            return line.strip()[:LINE_CHARS]
    return ""


def _is_quoted(line: str) -> bool:
    return line.lstrip().startswith(">")


def _drop_inline_quotes(lines: list[str]) -> list[str]:
    """Drop ``>`` lines and the intro above each run of them; keep everything else in order."""
    kept: list[str] = []
    for index, line in enumerate(lines):
        if not _is_quoted(line):
            kept.append(line)
        elif index == 0 or not _is_quoted(lines[index - 1]):
            _drop_intro(kept)
    return kept


def _drop_intro(kept: list[str]) -> None:
    """Remove a "..., Name <addr> wrote:" intro (wrapped on up to three lines) from the end of ``kept``."""
    ends = _last_filled(kept, 3)
    if not ends or not WROTE.search(kept[ends[0]]):
        return
    start = ends[0]
    for candidate in ends:
        if INTRO_START.match(kept[candidate]):
            start = candidate
            break
    del kept[start:]


def _last_filled(lines: list[str], count: int) -> list[int]:
    """Indexes of the last ``count`` non-blank lines, last first (stops early: called per quoted run)."""
    found: list[int] = []
    for index in range(len(lines) - 1, -1, -1):
        if len(found) == count:
            break
        if lines[index].strip():
            found.append(index)
    return found


def _split_signature(lines: list[str]) -> tuple[list[str], list[str]]:
    """Cut at the earliest signature marker among the last ``SIGNATURE_MAX_LINES`` non-blank lines."""
    filled = _last_filled(lines, SIGNATURE_MAX_LINES)
    cut = None
    for i in filled:
        line = lines[i]
        blank_before = i == 0 or not lines[i - 1].strip()
        if (
            _DELIMITER.match(line)
            or _DEVICE.match(line)
            or (blank_before and _SIGN_OFF.match(line))
            or (line.strip().startswith("__") and _footer_follows(lines, i))
        ):
            cut = i
    if cut is None:
        return lines, []
    return lines[:cut], lines[cut:]


def _footer_follows(lines: list[str], index: int) -> bool:
    return any(_LIST_FOOTER.search(line) for line in lines[index + 1 : index + 4])


def _leftover(body_lines: list[str], used: list[str]) -> str:
    """The body's lines that are neither new text nor signature, in order (matched by content)."""
    remaining = Counter(line.strip() for line in used if line.strip())
    quoted: list[str] = []
    for line in body_lines:
        key = line.strip()
        if key and remaining[key] > 0:
            remaining[key] -= 1
        else:
            quoted.append(line)
    return "\n".join(quoted).strip("\n")
