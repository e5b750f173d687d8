"""Apple Mail .emlx: byte count line, the message, then Mail.app's plist.

``fixtures/mail/apple-mail.emlx`` is hand-made in the real layout (no corpus
has one): a 584-byte UTF-8 message followed by an XML plist of flags.
"""

from __future__ import annotations

import email
from email import policy
from pathlib import Path

import pytest

from loupe.ingest.emlx import emlx_to_rfc822, sniff_emlx

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "mail" / "apple-mail.emlx"


def test_sniff_emlx() -> None:
    assert sniff_emlx(FIXTURE.read_bytes()[:512])
    assert sniff_emlx(b"  12\nSubject: x\n\nhi\n")
    assert not sniff_emlx(b"From: a@b\n\nbody")  # an .eml
    assert not sniff_emlx(b"12345\n67890\n")  # numbers, not a message
    assert not sniff_emlx(b"")


def test_extracts_exactly_the_counted_message() -> None:
    data = FIXTURE.read_bytes()
    message = emlx_to_rfc822(data)
    assert len(message) == 584
    assert data.startswith(b"584\n" + message + b"<?xml")
    parsed = email.message_from_bytes(message, policy=policy.default)
    assert parsed["Subject"] == "Réunion de mardi"
    assert parsed["From"].addresses[0].addr_spec == "amelie@example.org"
    assert parsed["Message-Id"] == "<5C876E96.2040105@example.org>"
    assert "déplacée à 15 h" in parsed.get_content()
    assert b"plist" not in message


@pytest.mark.parametrize("count", [583, 585, 100, 5000])
def test_wrong_byte_count_raises(count: int) -> None:
    data = FIXTURE.read_bytes()
    body = data[len(b"584\n") :]
    with pytest.raises(ValueError, match="byte count"):
        emlx_to_rfc822(f"{count}\n".encode() + body)


def test_missing_count_line_raises() -> None:
    with pytest.raises(ValueError, match="decimal byte count"):
        emlx_to_rfc822(b"Subject: no count\n\nbody\n")


def test_message_without_plist_is_accepted() -> None:
    message = b"Subject: bare\n\nbody\n"
    assert emlx_to_rfc822(f"{len(message)}\n".encode() + message) == message
