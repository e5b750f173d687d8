"""Shared fixtures: where the real corpora are, and a fresh case per test."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from loupe.case import Case

REPO = Path(__file__).resolve().parents[1]
CORPORA = REPO.parent / "shared" / "corpora"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


#: The case database's backends: the embedded default, and a server's (``tests.postgres_cluster``).
BACKENDS = ("sqlite", "postgresql")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "both_backends: the test's `case`, `demo_case` or `backend` is SQLite, then PostgreSQL"
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A test (or module) marked ``both_backends`` gets its ``case``, its ``demo_case``, or its
    ``backend`` (for cases it makes itself with ``open_case_on``), once per backend."""
    if not metafunc.definition.get_closest_marker("both_backends"):
        return
    for name in ("case", "demo_case", "backend"):
        if name in metafunc.fixturenames:
            metafunc.parametrize(name, BACKENDS, indirect=True)


def default_backend() -> str:
    """The backend of an unmarked test's ``case`` and of ``demo_case``: SQLite, or what
    ``LOUPE_TEST_DB`` names (``postgresql``: to find what does not run there yet; tests
    that open a case by its folder, the CLI's among them, still find it on SQLite)."""
    backend = os.environ.get("LOUPE_TEST_DB", "sqlite")
    if backend not in BACKENDS:
        raise pytest.UsageError(f"LOUPE_TEST_DB={backend}: one of {', '.join(BACKENDS)}")
    return backend


@pytest.fixture(scope="session")
def backend(request: pytest.FixtureRequest) -> str:
    """The backend a test gives ``open_case_on``: each in turn when marked ``both_backends``, else
    SQLite whatever ``LOUPE_TEST_DB`` says (a fixture shared with tests that open the case by its
    folder, the CLI's, must make it there)."""
    name: str = getattr(request, "param", "sqlite")
    return name


@pytest.fixture
def case(tmp_path: Path, request: pytest.FixtureRequest) -> Case:
    """A fresh case; on SQLite, or on each backend in turn for a test marked ``both_backends``."""
    return open_case_on(getattr(request, "param", default_backend()), tmp_path / "case", request)


@pytest.fixture(scope="session")
def pg_cluster():
    """A throw-away PostgreSQL for the session; skipped (failed in CI) where it cannot start."""
    from tests.postgres_cluster import cluster_or_skip

    yield from cluster_or_skip()


@pytest.fixture
def pg_url(pg_cluster):
    """The URL of a fresh PostgreSQL database of its own for one test, dropped afterwards."""
    with pg_cluster.database() as url:
        yield url


def open_case_on(backend: str, root: Path, request: pytest.FixtureRequest) -> Case:
    """A new case at ``root`` whose database is on ``backend``; its blobs and index stay in ``root``.

    ``request`` is a test's or a wider fixture's (a module's case made once): the case is
    closed, and its PostgreSQL database dropped, when that ends."""
    url = None
    if backend == "postgresql":
        database = request.getfixturevalue("pg_cluster").database()
        url = database.__enter__()
        request.addfinalizer(lambda: database.__exit__(None, None, None))
    opened = Case.open(root, create=True, db_url=url)
    request.addfinalizer(opened.close)
    return opened


def server_db_url(backend: str, folder: Path, request: pytest.FixtureRequest) -> str:
    """A team server's own database on ``backend``: a fresh PostgreSQL database, or SQLite in ``folder``."""
    if backend == "postgresql":
        url: str = request.getfixturevalue("pg_url")
        return url
    return f"sqlite:///{folder / 'server.db'}"


def corpus(name: str) -> Path:
    path = CORPORA / name
    if not path.exists():
        pytest.fail(f"corpus {name} missing at {path}: tests read ../shared/corpora")
    return path


@pytest.fixture(scope="session")
def indexed(tmp_path_factory: pytest.TempPathFactory):
    """Each Maildir-shaped corpus indexed by Loupe and by notmuch (built once)."""
    from tests.notmuch_corpora import build_indexed

    yield from build_indexed(tmp_path_factory)


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory: pytest.TempPathFactory):
    """The generated 2,000-message demo: archive/, truth.json, article.md (built once)."""
    from loupe.demo.generator import generate_demo

    out = tmp_path_factory.mktemp("demo") / "demo"
    generate_demo(out, n_messages=2000, seed=7)
    return out


def _ingested_demo(demo_dir: Path, backend: str, url: str | None) -> Iterator[tuple[Case, dict[str, Any]]]:
    """The demo archive ingested into a case whose database is at ``url`` (None: SQLite in its folder)."""
    import json

    from loupe.ingest.pipeline import ingest

    truth = json.loads((demo_dir / "truth.json").read_text("utf-8"))
    opened = Case.open(demo_dir.parent / f"case-{backend}", create=True, db_url=url)
    try:
        ingest(opened, [demo_dir / "archive"], workers=1)
        yield opened, truth
    finally:
        opened.close()


@pytest.fixture(scope="session")
def demo_case_sqlite(demo_dir: Path) -> Iterator[tuple[Case, dict[str, Any]]]:
    yield from _ingested_demo(demo_dir, "sqlite", None)


@pytest.fixture(scope="session")
def demo_case_postgresql(demo_dir: Path, pg_cluster: Any) -> Iterator[tuple[Case, dict[str, Any]]]:
    with pg_cluster.database() as url:
        yield from _ingested_demo(demo_dir, "postgresql", url)


@pytest.fixture(scope="session")
def demo_case(request: pytest.FixtureRequest) -> tuple[Case, dict[str, Any]]:
    """The demo archive ingested into a case, with its generator's truth; on SQLite (or what
    ``LOUPE_TEST_DB`` names), or on each backend in turn for a test marked ``both_backends``.
    Each backend's is ingested once a session (``demo_case_<backend>``), in whatever order
    the tests asking for them run."""
    backend = getattr(request, "param", default_backend())
    found: tuple[Case, dict[str, Any]] = request.getfixturevalue(f"demo_case_{backend}")
    return found
