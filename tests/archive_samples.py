"""What the encrypted samples of ``containers-more`` need, for the archive tests and ``bench/archive_choice.py``."""

from __future__ import annotations

#: The passwords each sample's PROVENANCE.md gives.
PASSWORDS = {
    "test7Z_protected_passTika.7z": "Tika",
    "encrypted_1.7z": "secret",
    "encrypted_3.7z": "secret",
    "test-documents-enc.rar": "ApacheTika",
    "rar5-psw.rar": "password",
    "rar5-hpsw.rar": "password",
    "rar3-comment-psw.rar": "password",
    "aesop_win_7z.old.zip": "password",
    "aesop_linux_7z.oldstored.zip": "password",
    "aesop_win_7z.aes256.zip": "password",
    "aesop_win_winrar.aes256.zip": "password",
}
