"""Shared by the notmuch differential tests (search and threads): each
Maildir-shaped corpus indexed by Loupe and by notmuch, once per test session.

Each corpus is copied into a temporary folder (notmuch writes its database
inside the mail root, and the corpora are read-only), ingested by Loupe,
then indexed by ``notmuch new`` with a private configuration.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property

import pytest

from loupe.case import Case
from loupe.ingest.pipeline import ingest
from loupe.ingest.worker import ATTACHED_ARCHIVE
from tests.conftest import CORPORA

# The Maildir-shaped corpora (folders of one-message files), which notmuch reads:
# notmuch-default: a Maildir tree with ':2,' names; mu-testdir: '!2,' names and a
# tmp/ that both ignore; notmuch-edge: loose files and a Maildir, which notmuch
# indexes all of (same-Message-ID duplicates included); enron-sample: CMU
# folders of files, not a Maildir, which notmuch indexes as plain files.
MAILDIR_CORPORA = ("notmuch-default", "mu-testdir", "notmuch-edge", "enron-sample")
# Folders of one-message files too, which notmuch also reads (files it cannot
# read as mail, such as bare bodies and images, it skips); used by the thread
# comparison. mimekit-mbox (an mbox) and the Outlook corpora are not
# notmuch-readable.
FILE_FOLDER_CORPORA = ("cpython-email", "flanker-messages", "mailparser-samples", "reply-formats")


@dataclass
class Indexed:
    name: str
    case: Case
    env: dict[str, str]

    def loupe(self, query: str) -> set[str]:
        ids = [m for m in self.case.matching_ids(query) if m not in self.beyond_notmuch]
        headers = self.case.db.header_message_ids(ids)
        return {mid for mid in headers.values() if not mid.endswith("@derived.loupe")}

    @cached_property
    def beyond_notmuch(self) -> set[str]:
        """What Loupe reads and notmuch does not: documents (files that are not mail) and the items
        inside archives attached to messages (``worker.ATTACHED_ARCHIVE``)."""
        everything = self.case.db.message_ids()
        copies = self.case.db.copies_of(everything)
        inside = {m for m in everything if any(ATTACHED_ARCHIVE in loc for loc in copies.get(m, []))}
        return set(self.case.db.documents()) | inside

    def notmuch(self, query: str) -> set[str]:
        done = subprocess.run(
            ["notmuch", "search", "--output=messages", "--format=json", "--exclude=false", "--", query],
            env=self.env,
            capture_output=True,
            text=True,
            check=True,
        )
        return {mid for mid in json.loads(done.stdout) if not mid.startswith("notmuch-sha1-")}


def _in_ci() -> bool:
    """CI sets CI=true; as in tools/install-test-deps.sh, "false" or "0" is not CI."""
    return os.environ.get("CI", "").lower() not in ("", "0", "false", "no")


def _require_notmuch() -> None:
    if shutil.which("notmuch") is None:
        if _in_ci():
            pytest.fail("notmuch is required in CI: tools/install-test-deps.sh installs it")
        pytest.skip("notmuch not installed (run as root: tools/install-test-deps.sh)")


def build_indexed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Indexed]]:
    _require_notmuch()
    done: dict[str, Indexed] = {}
    for name in MAILDIR_CORPORA + FILE_FOLDER_CORPORA:
        source = CORPORA / name
        if not source.is_dir():
            pytest.fail(f"corpus {name} missing at {source}: tests read ../shared/corpora")
        base = tmp_path_factory.mktemp(name)
        mail = base / "mail"
        shutil.copytree(source, mail)
        # Loupe first, so that it does not see the .notmuch/ folder notmuch adds.
        case = Case.open(base / "case", create=True)
        ingest(case, [mail], workers=1)
        config = base / "notmuch-config"
        config.write_text(
            f"[database]\npath={mail}\n"
            "[user]\nname=Loupe Test\nprimary_email=test@example.org\n"
            "[new]\ntags=inbox;\nignore=PROVENANCE.md;\n"
            "[search]\nexclude_tags=\n"
            "[maildir]\nsynchronize_flags=false\n",
            "utf-8",
        )
        # Only this configuration: no NOTMUCH_PROFILE / XDG_* of the person running the tests.
        env = {k: v for k, v in os.environ.items() if not k.startswith(("NOTMUCH_", "XDG_"))}
        env.update(NOTMUCH_CONFIG=str(config), HOME=str(base), TZ="UTC")
        subprocess.run(["notmuch", "new", "--quiet"], env=env, check=True, capture_output=True)
        done[name] = Indexed(name, case, env)
    yield done
    for one in done.values():
        one.case.close()


def notmuch_threads(one: Indexed) -> list[set[str]]:
    """notmuch's threads, as sets of Message-IDs (``notmuch show`` gives each thread's tree)."""
    done = subprocess.run(
        ["notmuch", "show", "--format=json", "--entire-thread=true", "--body=false", "--exclude=false", "*"],
        env=one.env,
        capture_output=True,
        text=True,
        check=True,
    )
    threads: list[set[str]] = []

    def collect(nodes: list, into: set[str]) -> None:  # type: ignore[type-arg]
        for node in nodes:  # a node is [message, [replies...]]
            message, replies = node
            if message is not None:
                into.add(message["id"])
            collect(replies, into)

    for thread in json.loads(done.stdout):
        members: set[str] = set()
        collect(thread, members)
        threads.append(members)
    return threads
