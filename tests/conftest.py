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
def demo_dir(tmp_path_factory: pytest.TempPathFactory):
    """The generated 2,000-message demo: archive/, truth.json, article.md (built once)."""
    from loupe.demo.generator import generate_demo

    out = tmp_path_factory.mktemp("demo") / "demo"
    generate_demo(out, n_messages=2000, seed=7)
    return out


@pytest.fixture(scope="session")
def demo_case(demo_dir):
    """The demo archive ingested into a case, with its generator's truth."""
    import json

    from loupe.ingest.pipeline import ingest

    truth = json.loads((demo_dir / "truth.json").read_text("utf-8"))
    opened = Case.open(demo_dir.parent / "case", create=True)
    ingest(opened, [demo_dir / "archive"], workers=1)
    yield opened, truth
    opened.close()
