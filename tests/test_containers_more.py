"""Every file of ``containers-more`` (real 7z, RAR, encrypted zip, mail of many makers, scans) ingests,
with the exact counts established by reading each group's PROVENANCE.md and each quarantine reason.

The Apple Mail and Outlook for Mac groups have their own files (``test_apple_mail.py``,
``test_olm.py``), the documents group ``test_documents.py``."""

from __future__ import annotations

from pathlib import Path

import pytest

from loupe.case import Case
from loupe.ingest.pipeline import ingest
from loupe.verify import verify

from .conftest import corpus

#: The passwords the group's PROVENANCE.md gives, with a wrong one first (never right, never to be shown).
WRONG = "Xq7-never-shown"
PASSWORDS = (WRONG, "secret", "Tika", "ApacheTika", "password", "test")

COUNTS: dict[str, dict[str, dict[str, int]]] = {
    # test-documents.7z: 9 Tika files (PDF, DOCX, XLSX, PPTX, ODT, RTF, HTML, TXT and the legacy
    # DOC, XLS, PPT... of which 9 members), umlaut-solid.7z and zstd.7z one text each, PROVENANCE.
    # Encrypted: two members of encrypted_1.7z, one of test7Z_protected_passTika.7z, and
    # encrypted_3.7z whole (its file list is encrypted too).
    "7z": {
        "without": dict(items=18, indexed=0, documents=14, duplicates=0, quarantined=4, attachments=0),
        # opened: encrypted_3.7z's one member repeats zstd.7z's, the two of encrypted_1.7z repeat each other
        "with": dict(items=20, indexed=0, documents=17, duplicates=3, quarantined=0, attachments=0),
    },
    # test-documents.rar (RAR4, 9 files), rar5-subdirs.rar (3), PROVENANCE; encrypted: rar3-comment-psw.rar's
    # 2 members, rar5-psw.rar's 2, and rar5-hpsw.rar and test-documents-enc.rar whole (file lists encrypted).
    "rar": {
        "without": dict(items=20, indexed=0, documents=14, duplicates=0, quarantined=6, attachments=0),
        # opened: test-documents-enc.rar repeats test-documents.rar (9 duplicates), rar5-hpsw.rar repeats
        # rar5-psw.rar; rar3-comment-psw.rar's two members are empty once decrypted (no items)
        "with": dict(items=27, indexed=0, documents=15, duplicates=12, quarantined=0, attachments=0),
        # given later, the two empty members stay counted, as what the first run found: their reason says
        # they are empty once decrypted
        "with later": dict(items=29, indexed=0, documents=15, duplicates=12, quarantined=2, attachments=0),
    },
    # four aesop zips (ZipCrypto and AES, one encrypted member each), testZipEncrypted.zip (one plain
    # member, one encrypted with an unknown password), a mail whose attached zip is encrypted (its
    # password, "test", is in the mail), PROVENANCE.
    "zip-encrypted": {
        "without": dict(items=9, indexed=1, documents=2, duplicates=0, quarantined=6, attachments=1),
        # opened: the four aesop texts are two texts (stored and deflated copies); the attached zip's text
        # is a document of the mail; testZipEncrypted.zip's encrypted member stays quarantined
        "with": dict(items=9, indexed=1, documents=5, duplicates=2, quarantined=1, attachments=1),
    },
    # TNEF, S/MIME, PGP, Thunderbird and Eudora: 15 messages; documents: PROVENANCE, Eudora's two embedded
    # JPEGs, its attach/ text and HTML, descmap.pce, the PGP keys, the CA certificate, Thunderbird's .msf;
    # quarantined: Eudora's binary In.toc, the PKCS#12 key file, and two bare TNEF files.
    "mail-misc": {
        "without": dict(items=29, indexed=15, documents=10, duplicates=0, quarantined=4, attachments=14),
    },
    # four images and a scanned PDF (documents read by OCR), the mail whose text is in its PNG, EXPECTED.md
    # and PROVENANCE.md
    "ocr": {
        "without": dict(items=8, indexed=1, documents=7, duplicates=0, quarantined=0, attachments=1),
    },
}


def _counts(case: Case) -> dict[str, int]:
    c = case.db.status_counts()
    assert c.adds_up()
    return dict(
        items=c.items,
        indexed=c.indexed,
        documents=c.documents,
        duplicates=c.duplicate,
        quarantined=c.quarantined,
        attachments=c.attachments,
    )


@pytest.mark.parametrize("group", sorted(COUNTS))
def test_each_group_ingests_with_exact_counts(group: str, tmp_path: Path) -> None:
    folder = corpus("containers-more") / group
    case = Case.open(tmp_path / "case", create=True)
    try:
        ingest(case, [folder], workers=1)
        assert _counts(case) == COUNTS[group]["without"]
        encrypted = [q for q in case.db.quarantined() if q["reason"].startswith("encrypted")]
        others = [q for q in case.db.quarantined() if not q["reason"].startswith("encrypted")]
        if "with" in COUNTS[group]:
            assert encrypted and len(encrypted) + len(others) == COUNTS[group]["without"]["quarantined"]
            # the reporter is given the passwords later: the same folder, again, with them
            ingest(case, [folder], workers=1, passwords=PASSWORDS)
            assert _counts(case) == COUNTS[group].get("with later", COUNTS[group]["with"])
            assert all(
                "empty once opened" in q["reason"]
                for q in case.db.quarantined()
                if q["reason"].startswith("encrypted,")
            )
            assert verify(case).ok
        else:
            assert not encrypted
    finally:
        case.close()


@pytest.mark.parametrize("group", sorted(g for g in COUNTS if "with" in COUNTS[g]))
def test_with_the_passwords_from_the_start_the_same_counts(group: str, tmp_path: Path) -> None:
    case = Case.open(tmp_path / "case", create=True)
    try:
        ingest(case, [corpus("containers-more") / group], workers=1, passwords=PASSWORDS)
        assert _counts(case) == COUNTS[group]["with"]
        for row in case.db.quarantined():
            assert WRONG not in row["reason"]  # a password is never written into the case
    finally:
        case.close()


def test_an_archive_attached_to_a_mail_is_opened_with_its_password(tmp_path: Path) -> None:
    mail = corpus("containers-more") / "zip-encrypted" / "testRFC822_encrypted_zip.eml"
    case = Case.open(tmp_path / "case", create=True)
    try:
        ingest(case, [mail], workers=1)
        (quarantined,) = case.db.quarantined()
        assert quarantined["locator"].endswith("testRFC822_encrypted_zip.eml#att1!text.txt")
        assert quarantined["reason"] == "encrypted member"
        assert not case.matching_ids("CRAST")
        ingest(case, [mail], workers=1, passwords=("test",))
        assert not list(case.db.quarantined())
        (document,) = case.matching_ids("CRAST")  # "ENCRYPTED ZIP FILES SHOULD NOT CRAST PARSER"
        record = case.db.message(document)
        assert record["kind"] == "document" and record["parent"] in case.db.message_ids()
        assert _counts(case)["items"] == 2 and verify(case).ok
    finally:
        case.close()
