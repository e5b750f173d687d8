"""A copy of a message already analysed in the run is parsed, kept and counted, not analysed again.

Leaks hold the same mail many times (the sender's copy and each recipient's);
the writer records every later copy as a duplicate and drops what the
workers read out of its text, so ``process_item`` does not compute it
(issue 17). What must not change: the case, whether the copies arrive in
one chunk, in different chunks, or through several parser processes.
"""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest

from loupe.case import Case
from loupe.ingest.attachments import ExtractLimits
from loupe.ingest.pipeline import ingest
from loupe.ingest.worker import TextRules, process_chunk
from loupe.model import ItemKind, RawItem
from tests.conftest import corpus, open_case_on


def _enron_messages(count: int) -> list[Path]:
    files = sorted(p for p in corpus("enron-sample").rglob("*") if p.is_file() and p.name != "PROVENANCE.md")
    return [p for p in files if len(p.read_bytes()) > 1500][:count]


def test_a_copy_is_not_analysed_again_but_keeps_its_original() -> None:
    (path,) = _enron_messages(1)
    data = path.read_bytes()
    items = [RawItem("a/1", data, ItemKind.RFC822, None), RawItem("b/1", data, ItemKind.RFC822, None)]
    seen: set[str] = set()
    (first,), (copy,) = process_chunk(items, None, ExtractLimits(), TextRules(), None, seen)
    assert first.message is not None and copy.message is not None
    assert first.message.content_key == copy.message.content_key
    assert first.entities and first.meaning and first.vectors  # the first is read through
    assert not copy.entities and not copy.meaning and not copy.vectors and copy.signature is None
    assert copy.raw_sha256 == first.raw_sha256 and copy.blobs  # the copy's original is kept all the same
    # without a run's memory (``loupe rebuild`` reads each message once), both are read through
    (again,), (_,) = process_chunk(items, None, ExtractLimits(), TextRules(), None, None)
    assert again.entities == first.entities and again.vectors == first.vectors


def _case_rows(case: Case) -> dict[str, object]:
    with case.db.engine.connect() as conn:
        tables = ("messages", "near_signatures", "entity_names", "passages", "meaning_messages", "signature_keys")
        counts = {t: conn.exec_driver_sql(f"SELECT COUNT(*) FROM {t}").scalar() for t in tables}
        statuses = conn.exec_driver_sql("SELECT status, COUNT(*) FROM items GROUP BY status ORDER BY 1").all()
    return {**counts, "statuses": [tuple(r) for r in statuses]}


@pytest.mark.both_backends
def test_a_case_with_copies_is_the_same_as_one_read_without_the_runs_memory(
    tmp_path: Path, monkeypatch, backend: str, request: pytest.FixtureRequest
) -> None:
    originals = _enron_messages(40)
    mail = tmp_path / "mail"
    for number, path in enumerate(originals):  # each message twice, in two mailboxes, 40 items apart
        for box in ("sender", "recipient"):
            (mail / box / "cur").mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, mail / box / "cur" / f"{number}.eml")

    def ingested(root: Path, workers: int) -> dict[str, object]:
        case = open_case_on(backend, root, request)
        case = dataclasses.replace(case, settings=dataclasses.replace(case.settings, meaning=True))
        try:
            summary = ingest(case, [mail], workers=workers)
            assert summary.duplicate == len(originals) and summary.indexed == len(originals)
            return _case_rows(case)
        finally:
            case.close()

    with_memory = ingested(tmp_path / "one", workers=1)
    assert with_memory == ingested(tmp_path / "pool", workers=2)
    import loupe.ingest.pipeline as pipeline

    real = pipeline.process_chunk
    monkeypatch.setattr(pipeline, "process_chunk", lambda *args: real(*args[:5], None))  # no run memory
    assert with_memory == ingested(tmp_path / "without", workers=1)
