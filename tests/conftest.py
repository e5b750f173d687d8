"""Shared fixtures: where the real corpora are, and a fresh case per test."""

from __future__ import annotations

from pathlib import Path

import pytest

from loupe.case import Case

REPO = Path(__file__).resolve().parents[1]
CORPORA = REPO.parent / "shared" / "corpora"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def case(tmp_path: Path):
    opened = Case.open(tmp_path / "case", create=True)
    yield opened
    opened.close()


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
def demo_case(tmp_path_factory: pytest.TempPathFactory):
    """A 2,000-message demo archive ingested into a case, with its generator's truth."""
    import json

    from loupe.demo.generator import generate_demo
    from loupe.ingest.pipeline import ingest

    base = tmp_path_factory.mktemp("demo")
    generate_demo(base / "demo", n_messages=2000, seed=7)
    truth = json.loads((base / "demo" / "truth.json").read_text("utf-8"))
    opened = Case.open(base / "case", create=True)
    ingest(opened, [base / "demo" / "archive"], workers=1)
    yield opened, truth
    opened.close()
