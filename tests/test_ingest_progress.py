"""What ``loupe ingest`` says while it works, when nobody watches a terminal, and what it refuses."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from loupe.cli import cli
from loupe.ingest.pipeline import RunSummary
from loupe.ui.progress import plain_progress

from .conftest import corpus


def test_progress_in_a_log_is_whole_plain_lines(tmp_path: Path) -> None:
    """stderr is not a terminal under CliRunner (as in a log file or a pipe): no bar, no control characters."""
    result = CliRunner().invoke(cli, ["ingest", str(corpus("notmuch-default")), "--case", str(tmp_path / "case")])
    assert result.exit_code == 0, result.output
    lines = result.stderr.splitlines()
    assert lines and all(line.startswith("ingest: ") for line in lines)
    assert "\r" not in result.stderr and "\x1b" not in result.stderr
    assert lines[-1].endswith("; done") and "52 new, 1 documents, 1 duplicates, 0 quarantined" in lines[-1]
    assert any("linking threads" in line for line in lines)  # each whole-case step says when it starts


def test_plain_progress_writes_a_line_every_interval_not_every_batch(capsys) -> None:  # type: ignore[no-untyped-def]
    summary = RunSummary(indexed=10, bytes=2_000_000)
    with plain_progress(4_000_000, every=3600) as update:
        for _ in range(100):
            update(summary, 1)  # a hundred batches within the interval: no line yet
        assert capsys.readouterr().err == ""
        summary.phase = "linking threads, near duplicates and people"
        update(summary, 0)
        summary.phase = ""
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 2 and "(50%)" in err[0] and "linking threads" in err[0] and err[1].endswith("; done")


def test_a_path_that_does_not_exist_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    case_dir = tmp_path / "case"
    result = CliRunner().invoke(cli, ["ingest", str(tmp_path / "typo.mbox"), "--case", str(case_dir)])
    assert result.exit_code == 2
    assert "no such file or folder" in result.output and "typo.mbox" in result.output
    assert not case_dir.exists()
