"""A throw-away PostgreSQL 15 for the tests: ``initdb`` and ``pg_ctl`` in a temporary folder.

Debian's ``postgresql`` package installs the server binaries but its own
cluster need not run (a fresh machine has it stopped), and the tests must not
depend on, or write into, a server someone else keeps. So the session starts
its own cluster: data and unix socket in one private folder, no TCP
(``listen_addresses=''``), trust authentication for local connections only,
and durability switched off (``fsync=off``): nothing in it outlives the run.
pytest-postgresql does the same; doing it here is forty lines and one less
dependency to follow.

``initdb`` refuses to run as root; under root (containers, CI) the cluster
runs as the ``postgres`` system user the Debian package creates, through
``runuser``. Missing binaries skip the PostgreSQL tests with the reason,
except in CI, where they must run (as ``tools/install-test-deps.sh`` says).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

#: Debian's PostgreSQL 15; LOUPE_PG_BIN points elsewhere (another version or distribution).
PG_BIN = Path(os.environ.get("LOUPE_PG_BIN", "/usr/lib/postgresql/15/bin"))
#: The cluster's superuser, the same whoever runs the tests.
SUPERUSER = "loupe"
#: The system user that runs the cluster when the tests run as root (initdb refuses root).
ROOT_RUNS_AS = "postgres"


def in_ci() -> bool:
    """The same reading of ``CI`` as ``tools/install-test-deps.sh``."""
    return os.environ.get("CI", "").strip() not in ("", "0", "false", "FALSE", "False", "no")


def unavailable() -> str | None:
    """Why no cluster can be started here, or None."""
    for program in ("initdb", "pg_ctl"):
        if not (PG_BIN / program).exists():
            return f"PostgreSQL not found: no {PG_BIN / program} (apt-get install postgresql)"
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        return "running as root and no runuser to start PostgreSQL as another user"
    if os.geteuid() == 0:
        try:
            subprocess.run(["id", "-u", ROOT_RUNS_AS], check=True, capture_output=True)
        except subprocess.CalledProcessError:
            return f"running as root and no {ROOT_RUNS_AS} user to start PostgreSQL as"
    return None


@dataclass(frozen=True)
class Cluster:
    """A running cluster: its socket folder, and a way to make and drop databases."""

    socket_dir: Path

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://{SUPERUSER}@/{database}?host={self.socket_dir}"

    def _admin(self, statement: str) -> None:
        import psycopg

        with psycopg.connect(host=str(self.socket_dir), user=SUPERUSER, dbname="postgres", autocommit=True) as conn:
            conn.execute(statement)  # type: ignore[arg-type]  # names are made here, never from input

    @contextmanager
    def database(self, template: str | None = None) -> Iterator[str]:
        """A fresh database for one test, empty or a copy of ``template``; dropped afterwards,
        connections and all."""
        name = f"t_{uuid.uuid4().hex[:16]}"
        self._admin(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
        try:
            yield self.url(name)
        finally:
            self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def copied_database(url: str) -> Iterator[str]:
    """A copy of the database at ``url`` (on a cluster of ours), dropped afterwards.

    PostgreSQL copies a database only while no one else is connected to it: close
    (``Engine.dispose``) the source's connections first; they open again when next used.
    """
    from sqlalchemy.engine import make_url

    source = make_url(url)
    host = source.query["host"]
    with Cluster(Path(host if isinstance(host, str) else host[0])).database(template=source.database) as copy:
        yield copy


def _command(args: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", ROOT_RUNS_AS, "--", *args]
    return args


@contextmanager
def running_cluster(keep: Path | None = None) -> Iterator[Cluster]:
    """Start a cluster in a new temporary folder; stop it and remove the folder afterwards.

    ``keep``: a folder of its own instead (benchmarks that build a big database once,
    ``bench/server_bench.py``): the cluster is made there the first time, started again from
    it on later runs, stopped cleanly, and the folder is left in place. Its path must be short
    (the socket's path fits in 107 bytes) and, under root, reachable by the ``postgres`` user.
    """
    # a short path of our own (not pytest's tmp_path): a unix socket's path must fit in 107 bytes,
    # and pytest's folders under root are closed to the user the cluster runs as
    folder = Path(tempfile.mkdtemp(prefix="loupe-pg-")) if keep is None else keep.resolve()
    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        shutil.chown(folder, user=ROOT_RUNS_AS)
    data, log = folder / "data", folder / "server.log"
    try:
        if not (data / "PG_VERSION").exists():
            initdb = [str(PG_BIN / "initdb"), "-D", str(data), "-U", SUPERUSER, "--auth=trust", "-E", "UTF8"]
            subprocess.run(_command([*initdb, "--no-sync"]), check=True, capture_output=True)
        options = f"-c listen_addresses='' -k {folder} -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        started = subprocess.run(
            _command([str(PG_BIN / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options, "-w", "start"]),
            check=False,
            capture_output=True,
            text=True,
        )
        if started.returncode != 0:
            detail = log.read_text("utf-8", "replace") if log.exists() else started.stderr
            raise RuntimeError(f"pg_ctl start failed:\n{detail}")
        try:
            yield Cluster(folder)
        finally:
            # immediate: nothing to keep; fast: a kept cluster writes its data out before stopping
            mode = "immediate" if keep is None else "fast"
            subprocess.run(
                _command([str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", mode, "-w", "stop"]),
                check=False,
                capture_output=True,
            )
    finally:
        if keep is None:
            shutil.rmtree(folder, ignore_errors=True)


def cluster_or_skip() -> Iterator[Cluster]:
    """The session fixture's body: a cluster, or a skip (a failure in CI) saying why not."""
    reason = unavailable()
    if reason is not None:
        if in_ci():
            pytest.fail(f"{reason}; CI must run the PostgreSQL tests")
        pytest.skip(reason)
    with running_cluster() as cluster:
        yield cluster
