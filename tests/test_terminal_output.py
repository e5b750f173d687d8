"""Escape sequences in hostile mail are shown, never obeyed, by what the CLI prints (issue 15).

A subject that retitles the window (OSC 0), a body that clears the screen
(CSI 2J), an attachment name carrying a C1 CSI and a colour, a sender whose
name is reversed by a bidi override: ``loupe show``, ``loupe search`` and
``loupe thread`` print each as its escape; ``--json`` keeps the text exact
(JSON escapes the C0 controls itself).
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from loupe.case import Case
from loupe.cli import cli
from loupe.ingest.pipeline import ingest
from loupe.ui.terminal import printable

#: What a terminal must never receive from mail: ESC, BEL, CSI (C1), a bare CR, a bidi override.
OBEYED = ("\x1b", "\x07", "\x9b", "\r", "\u202e")


def _b64(text: str) -> bytes:
    return base64.b64encode(text.encode()) + b"\n"


def _hostile_mail() -> bytes:
    """Made by hand: the email package would fold the bare CR in the body into a line break."""
    return (
        b"From: =?utf-8?b?" + base64.b64encode("Ann \u202eyenraB".encode()) + b"?= <ann@example.org>\n"
        b"To: b@example.org\n"
        b"Subject: =?utf-8?q?quarterly=1B]0;pwned=07_figures?=\n"
        b"Message-ID: <escapes@example.org>\n"
        b"Date: Tue, 17 Nov 2009 10:00:00 +0000\n"
        b"MIME-Version: 1.0\n"
        b'Content-Type: multipart/mixed; boundary="b"\n\n'
        b"--b\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\n"
        + _b64("The figures are attached.\x1b[2J\nSecond line\rOverprinted\n")
        + b"--b\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n"
        b"Content-Disposition: attachment; filename*=utf-8''report%C2%9B31m%1B%5B31m.pdf\n\n"
        + _b64("not really a report\n")
        + b"--b--\n"
    )


@pytest.fixture(scope="module")
def case_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("terminal")
    inbox = root / "inbox"
    inbox.mkdir()
    (inbox / "escapes.eml").write_bytes(_hostile_mail())
    case = Case.open(root / "case", create=True)
    ingest(case, [inbox], workers=1)
    case.close()
    return root / "case"


def _run(case_root: Path, *args: str) -> str:
    result = CliRunner().invoke(cli, [*args, "--case", str(case_root)])
    assert result.exit_code == 0, result.output
    return result.output


def test_show_prints_control_characters_from_mail_as_escapes(case_root: Path) -> None:
    shown = _run(case_root, "show", "<escapes@example.org>")
    assert not [c for c in OBEYED if c in shown], repr(shown)
    assert "quarterly\\x1b]0;pwned\\x07 figures" in shown  # the subject
    assert "attached.\\x1b[2J" in shown and "Second line\\x0dOverprinted" in shown  # the body
    assert "report\\x9b31m\\x1b[31m.pdf" in shown  # the attachment's name
    assert "Ann \\u202eyenraB" in shown  # the sender


def test_search_and_thread_print_control_characters_as_escapes(case_root: Path) -> None:
    for args in (("search", "figures"), ("thread", "<escapes@example.org>")):
        listed = _run(case_root, *args)
        assert not [c for c in OBEYED if c in listed], (args, repr(listed))
        assert "quarterly\\x1b]0;pwned\\x07 figures" in listed, args


def test_json_output_keeps_the_text_exact(case_root: Path) -> None:
    view = json.loads(_run(case_root, "show", "<escapes@example.org>", "--json"))
    assert view["subject"] == "quarterly\x1b]0;pwned\x07 figures"
    assert [a["filename"] for a in view["attachments"]] == ["report\x9b31m\x1b[31m.pdf"]


def test_printable_leaves_ordinary_text_alone() -> None:
    text = "Juárez, 東京, Ελλάδα, עברית \u200f(RLM), tabs\tand\nlines"
    assert printable(text) == text
    assert printable("a\x00b\x7fc\u2066d\u2069") == "a\\x00b\\x7fc\\u2066d\\u2069"
