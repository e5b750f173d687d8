"""Text from hostile mail, printed to a terminal: every control character shown, none obeyed.

A subject, a sender's name, an attachment's file name, a zip member's path
or a body can carry escape sequences. Printed raw, ``ESC ] 0 ; ... BEL``
retitles the window, ``ESC [ 2 J`` clears the screen and a carriage return
overprints a line: the terminal obeys the mail. Bidirectional overrides
(U+202A-U+202E, U+2066-U+2069) reverse what follows, so
``invoice\\u202egpj.exe`` shows as "invoiceexe.jpg".

So each such character is printed as its escape, the way Python writes it
(``\\x1b``, ``\\u202e``): visible, plain ASCII, and searchable in the
evidence by the same name. Newline and tab stay as they are (bodies are
lines), and CR LF is a line end. Only text meant for a person goes through
here: ``--json`` escapes controls itself, and CSV, ids and exports keep the
bytes as they are.
"""

from __future__ import annotations

import click

#: C0 controls but newline and tab, DEL, and the C1 controls (a UTF-8
#: terminal may take U+009B as CSI, the same as ESC [).
_CONTROLS = [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0)]
#: The bidirectional embeddings, overrides and isolates, which reorder what
#: follows them; the marks (U+200E, U+200F) only nudge, and right-to-left
#: mail is full of them, so they stay.
_BIDI = [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]
_VISIBLE = {code: f"\\x{code:02x}" for code in _CONTROLS if chr(code) not in "\n\t"} | {
    code: f"\\u{code:04x}" for code in _BIDI
}


def printable(text: str) -> str:
    r"""``text`` with every control character but newline and tab shown as its escape.

    >>> printable("report\x1b]0;pwned\x07.pdf")
    'report\\x1b]0;pwned\\x07.pdf'
    >>> printable("invoice\u202egpj.exe")
    'invoice\\u202egpj.exe'
    >>> printable("line one\r\nline two\tend")
    'line one\nline two\tend'
    """
    return text.replace("\r\n", "\n").translate(_VISIBLE)


def echo(text: str = "", err: bool = False, nl: bool = True) -> None:
    """``click.echo`` for text a person reads, made ``printable`` first."""
    click.echo(printable(text), err=err, nl=nl)
