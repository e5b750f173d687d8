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
