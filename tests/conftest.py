"""Shared fixtures: where the real corpora are, and a fresh case per test."""

from __future__ import annotations

import os
from contextlib import ExitStack
from pathlib import Path

import pytest

from loupe.case import Case

REPO = Path(__file__).resolve().parents[1]
CORPORA = REPO.parent / "shared" / "corpora"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


#: The case database's backends: the embedded default, and a server's (``tests.postgres_cluster``).
BACKENDS = ("sqlite", "postgresql")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "both_backends: the test's `case` runs on SQLite, then on PostgreSQL")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A test (or module) marked ``both_backends`` gets its ``case`` once per backend."""
    if "case" in metafunc.fixturenames and metafunc.definition.get_closest_marker("both_backends"):
        metafunc.parametrize("case", BACKENDS, indirect=True)


def default_backend() -> str:
    """The backend of an unmarked test's ``case`` and of ``demo_case``: SQLite, or what
    ``LOUPE_TEST_DB`` names (``postgresql``: to find what does not run there yet; tests
    that open a case by its folder, the CLI's among them, still find it on SQLite)."""
    backend = os.environ.get("LOUPE_TEST_DB", "sqlite")
    if backend not in BACKENDS:
        raise pytest.UsageError(f"LOUPE_TEST_DB={backend}: one of {', '.join(BACKENDS)}")
    return backend


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
    """A new case at ``root`` whose database is on ``backend``; its blobs and index stay in ``root``."""
    url = request.getfixturevalue("pg_url") if backend == "postgresql" else None
    opened = Case.open(root, create=True, db_url=url)
    request.addfinalizer(opened.close)
    return opened


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


@pytest.fixture(scope="session")
def demo_case(demo_dir, request: pytest.FixtureRequest):
    """The demo archive ingested into a case, with its generator's truth."""
    import json

    from loupe.ingest.pipeline import ingest

    truth = json.loads((demo_dir / "truth.json").read_text("utf-8"))
    with ExitStack() as stack:
        url = None
        if default_backend() == "postgresql":
            url = stack.enter_context(request.getfixturevalue("pg_cluster").database())
        opened = Case.open(demo_dir.parent / "case", create=True, db_url=url)
        stack.callback(opened.close)
        ingest(opened, [demo_dir / "archive"], workers=1)
        yield opened, truth
