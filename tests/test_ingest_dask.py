"""Ingest through a Dask cluster (``loupe.ingest.distributed``), on real corpora.

The tests start their own ``LocalCluster`` (two worker processes, one thread
each), so ``make test`` needs nothing started by hand. What they hold Loupe to:

* the plan names the same items, with the same bytes, in the same order, as
  the walk of one machine, on every real corpus (an mbox cut into spans of its
  messages included);
* a case made through the cluster equals one made without it: the ledger
  row for row, the status counts, the message ids, threads, near duplicates
  and people;
* a worker killed mid-task has its task run again elsewhere, and the case
  still equals the one made without Dask: nothing counted twice or lost;
* a scheduler that goes away stops the run with its reason, and the next
  ``loupe ingest`` resumes it to that same case.

Tasks are made small here (``TASK_ITEMS``, ``TASK_BYTES``) so that these
corpora make many of them and their mboxes are cut into spans.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from distributed import Client, LocalCluster

from loupe.case import Case
from loupe.cli import cli
from loupe.config import Settings
from loupe.ingest import distributed
from loupe.ingest.containers import WalkContext, walk
from loupe.ingest.pipeline import RunSummary, ingest
from loupe.ingest.worker import TextRules
from loupe.model import OFFSET_SEP
from loupe.near_duplicates.grouping import link_near_duplicates
from loupe.store import schema
from loupe.verify import verify
from tests.conftest import CORPORA, corpus
from tests.test_containers_more import COUNTS as CONTAINER_COUNTS
from tests.test_containers_more import PASSWORDS as CONTAINER_PASSWORDS
from tests.test_containers_more import _counts as container_counts

#: Real corpora of every shape a task takes: Maildir and loose files, mboxes cut into spans
#: (mimekit's, with Content-Length and odd separators), Outlook .msg and .pst, archives, annotated
#: Stratfor forms, and copies of one message in several (notmuch and mu's test mail overlap).
CORPORA_USED = ("notmuch-default", "mimekit-mbox", "enron-sample", "gifiles-forms", "pst-samples", "mu-testdir")


@pytest.fixture(autouse=True)
def small_tasks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(distributed, "TASK_ITEMS", 6)
    monkeypatch.setattr(distributed, "TASK_BYTES", 16 * 1024)


@pytest.fixture(scope="module")
def cluster() -> Iterator[LocalCluster]:
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as local:
        yield local


@pytest.fixture(scope="module")
def without_dask(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The corpora ingested on this machine's processes: what every run through Dask must equal."""
    case = Case.open(tmp_path_factory.mktemp("local") / "case", create=True)
    try:
        ingest(case, _inputs(), workers=2)
        return _fingerprint(case)
    finally:
        case.close()


def _inputs() -> list[Path]:
    return [corpus(name) for name in CORPORA_USED]


def _fingerprint(case: Case) -> dict[str, Any]:
    """The case as a reporter meets it: ledger, counts, ids, threads, near duplicates, people."""
    ids = sorted(case.db.message_ids())
    return {
        "ledger": _ledger(case),
        "counts": case.db.status_counts().as_dict(),
        "ids": ids,
        "threads": {m: case.db.conversations.thread_of(m) for m in ids},
        "near": sorted(case.db.conversations.near_duplicate_ids()),
        "people": sorted((p["name"], p["kind"], p["sent"], p["received"]) for p in case.db.people.table()),
        "indexed": case.index.count(),
        "damaged": [problem.line() for problem in verify(case).problems],  # every original reads back intact
    }


def _ledger(case: Case) -> list[tuple[str, str, str, str]]:
    items = schema.items.c
    with case.db.engine.connect() as conn:
        rows = conn.execute(
            schema.items.select().with_only_columns(items.locator, items.status, items.message, items.reason)
        )
        return sorted((r[0], r[1], r[2] or "", r[3] or "") for r in rows)


def _assert_same_case(made: dict[str, Any], expected: dict[str, Any]) -> None:
    assert expected["counts"]["adds_up"] and expected["counts"]["messages"] > 100
    assert expected["damaged"] == [], expected["damaged"]
    for key in expected:
        assert made[key] == expected[key], key


def test_near_duplicate_bands_verified_on_the_cluster_give_the_same_groups(
    cluster: LocalCluster, demo_case: tuple[Case, dict[str, Any]]
) -> None:
    """The whole-case step's costly part (``grouping._verified_pairs``), a task a band."""
    case, _ = demo_case
    signatures = list(case.db.conversations.signatures())
    here = link_near_duplicates(signatures)
    assert len(here.groups) >= 5, "the demo plants near duplicates"
    with Client(cluster.scheduler_address, set_as_default=False) as client:
        there = link_near_duplicates(signatures, map_bands=distributed.band_mapper(client, cluster.scheduler_address))
    assert there.groups == here.groups and there.components == here.components


def test_the_plan_gives_the_walks_items_in_its_order_on_every_real_corpus() -> None:
    """Every item of every corpus, by locator and bytes, from tasks read as a worker reads them."""
    ctx = WalkContext(Settings().archive_limits, Settings().max_message_bytes)
    inputs = sorted(path for path in CORPORA.iterdir() if path.is_dir())
    walked = [(item.locator, item.data) for item in walk(inputs, ctx)]
    tasks = list(distributed.plan(inputs, ctx))
    planned = [(item.locator, item.data) for task in tasks for item in distributed._items(task, ctx)]
    assert planned == walked
    assert [task.number for task in tasks] == list(range(len(tasks)))
    spans = [piece for task in tasks for piece in task.pieces if isinstance(piece, distributed.Span)]
    assert len({span.path for span in spans}) >= 2, "the larger mboxes are cut into spans of their messages"
    assert all(OFFSET_SEP in span.locator for span in spans)


def test_a_case_made_on_the_cluster_equals_one_made_without_it(
    tmp_path: Path, cluster: LocalCluster, without_dask: dict[str, Any]
) -> None:
    case = Case.open(tmp_path / "case", create=True)
    try:
        summary = ingest(case, _inputs(), scheduler=cluster.scheduler_address)
        _assert_same_case(_fingerprint(case), without_dask)
        assert summary.indexed + summary.documents == without_dask["counts"]["messages"]
        again = ingest(case, _inputs(), scheduler=cluster.scheduler_address)
        assert again.skipped == again.seen and again.indexed == again.duplicate == 0
        _assert_same_case(_fingerprint(case), without_dask)
    finally:
        case.close()


def test_a_worker_killed_mid_task_changes_nothing(
    tmp_path: Path, cluster: LocalCluster, without_dask: dict[str, Any]
) -> None:
    killed: list[tuple[int, list[str]]] = []
    with Client(cluster.scheduler_address, set_as_default=False) as watcher:

        def kill_a_busy_worker(summary: RunSummary, _new: int) -> None:
            if killed or summary.seen < 12:
                return
            for address, keys in watcher.processing().items():
                if keys:  # a worker with a task in hand
                    pid = watcher.run(os.getpid, workers=[address])[address]
                    os.kill(pid, signal.SIGKILL)
                    killed.append((pid, list(keys)))
                    return

        case = Case.open(tmp_path / "case", create=True)
        try:
            ingest(case, _inputs(), scheduler=cluster.scheduler_address, on_progress=kill_a_busy_worker)
            assert killed, "a worker was killed with a task in hand"
            assert any(str(key).startswith("loupe-ingest-") for key in killed[0][1])
            _assert_same_case(_fingerprint(case), without_dask)
        finally:
            case.close()
        watcher.wait_for_workers(2)  # the nanny starts another, for the tests after this one


class DaskProcesses:
    """``dask scheduler`` and ``dask worker`` as their own processes, started as the README says."""

    def __init__(self, folder: Path) -> None:
        self.file = folder / "scheduler.json"
        dask = str(Path(sys.executable).with_name("dask"))
        quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
        where = ["--scheduler-file", str(self.file)]
        self.scheduler = subprocess.Popen(
            [dask, "scheduler", *where, "--port", "0", "--dashboard-address", ":0"], **quiet
        )
        while not self.file.exists():
            assert self.scheduler.poll() is None, "dask scheduler did not start"
            time.sleep(0.1)
        self.workers = subprocess.Popen([dask, "worker", *where, "--nworkers", "2", "--nthreads", "1"], **quiet)
        self.address = json.loads(self.file.read_text())["address"]
        with Client(self.address, set_as_default=False) as client:
            client.wait_for_workers(2)

    def stop(self) -> None:
        for process in (self.workers, self.scheduler):
            if process.poll() is None:
                process.kill()
                process.wait()


def test_a_scheduler_killed_mid_run_leaves_a_case_that_ingest_resumes(
    tmp_path: Path, without_dask: dict[str, Any]
) -> None:
    folder = tmp_path / "case"
    folder.mkdir()
    (folder / "case.toml").write_text("[ingest]\nbatch_size = 20\n", "utf-8")  # written in many small batches
    cluster = DaskProcesses(tmp_path)

    def kill_the_scheduler(summary: RunSummary, _new: int) -> None:
        if summary.seen >= 60 and cluster.scheduler.poll() is None:
            cluster.scheduler.send_signal(signal.SIGKILL)
            cluster.scheduler.wait()

    case = Case.open(folder, create=True)
    try:
        with pytest.raises(distributed.ClusterError, match=r"went away.*resumes"):
            ingest(case, _inputs(), scheduler=cluster.address, on_progress=kill_the_scheduler)
        partial = case.db.status_counts()
        assert 0 < partial.items < without_dask["counts"]["items"], "stopped midway, or this tests nothing"
        resumed = ingest(case, _inputs(), workers=2)
        assert resumed.skipped == partial.items - partial.embedded  # input items; the attached ones are theirs
        _assert_same_case(_fingerprint(case), without_dask)
    finally:
        case.close()
        cluster.stop()


def test_the_command_line_ingests_through_the_scheduler_named_in_case_toml(
    tmp_path: Path, cluster: LocalCluster
) -> None:
    folder = tmp_path / "case"
    folder.mkdir()
    (folder / "case.toml").write_text(f'[ingest]\nscheduler = "{cluster.scheduler_address}"\n', "utf-8")
    assert Settings.from_toml(folder / "case.toml").scheduler == cluster.scheduler_address
    result = CliRunner().invoke(cli, ["ingest", str(corpus("notmuch-default")), "--case", str(folder), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["indexed"] > 40 and summary["quarantined"] == 0


def test_no_scheduler_at_the_address_is_a_clear_error(tmp_path: Path) -> None:
    case = Case.open(tmp_path / "case", create=True)
    try:
        with pytest.raises(distributed.ClusterError, match=r"tcp://127\.0\.0\.1:9.*cannot connect"):
            ingest(case, [corpus("notmuch-default")], scheduler="tcp://127.0.0.1:9")
        assert case.db.status_counts().items == 0
    finally:
        case.close()


def test_workers_that_cannot_read_the_inputs_are_named(tmp_path: Path, cluster: LocalCluster) -> None:
    """Workers on other machines read the inputs themselves: one that does not see them stops the run
    before anything is read, rather than quarantining every file it cannot open. (The workers here
    share this machine, so the input is one that no one has.)"""
    elsewhere = tmp_path / "on-another-mount"
    settings = Settings()
    setup = distributed.RunSetup(
        "test", None, settings.extract_limits, TextRules(), WalkContext(settings.archive_limits, 1 << 20)
    )
    with (
        Client(cluster.scheduler_address, set_as_default=False) as client,
        pytest.raises(distributed.ClusterError, match=r"cannot read .*on-another-mount.*same path"),
    ):
        list(distributed.results(client, cluster.scheduler_address, [elsewhere], setup, set()))


@pytest.mark.parametrize("group", sorted(g for g in CONTAINER_COUNTS if "with" in CONTAINER_COUNTS[g]))
def test_encrypted_archives_opened_later_with_passwords_on_the_cluster(
    group: str, tmp_path: Path, cluster: LocalCluster
) -> None:
    """The passwords' bookkeeping (what was quarantined as encrypted is read again and replaced,
    never counted twice) holds when the workers do the reading: the counts of one machine's runs."""
    folder = corpus("containers-more") / group
    case = Case.open(tmp_path / "case", create=True)
    try:
        ingest(case, [folder], scheduler=cluster.scheduler_address)
        assert container_counts(case) == CONTAINER_COUNTS[group]["without"]
        ingest(case, [folder], scheduler=cluster.scheduler_address, passwords=CONTAINER_PASSWORDS)
        assert container_counts(case) == CONTAINER_COUNTS[group].get("with later", CONTAINER_COUNTS[group]["with"])
        assert verify(case).ok
    finally:
        case.close()
