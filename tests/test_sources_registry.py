"""The source registry on the demo archive: codes, profiles, stripped copies, search and facet."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from loupe.case import Case
from loupe.cli import cli
from loupe.demo.texts import CITIES
from loupe.sources.codes import normalise_code

from .conftest import corpus


def _truth_reports(truth: dict[str, Any]) -> Counter[str]:
    """Messages per source whose text names the code (full, forwarded, subject-only copies)."""
    return Counter(
        normalise_code(m["source_code"])
        for m in truth["messages"]
        if m["source_code"] and m["insight_variant"] != "stripped"
    )


def test_sources_table_lists_every_demo_source(demo_case: tuple[Case, dict[str, Any]]) -> None:
    case, truth = demo_case
    runner = CliRunner()
    shown = runner.invoke(cli, ["sources", "--json", "--case", str(case.root)])
    assert shown.exit_code == 0, shown.output
    rows = {r["code"]: r for r in map(json.loads, shown.output.splitlines())}
    expected = _truth_reports(truth)
    assert set(rows) == set(expected), "every source the generator used, and nothing else"
    stripped = Counter(
        normalise_code(m["source_code"]) for m in truth["messages"] if m["insight_variant"] == "stripped"
    )
    linked = sum(r["stripped_copies"] for r in rows.values())
    assert linked >= 0.9 * sum(stripped.values()), (linked, sum(stripped.values()))
    for code, row in rows.items():
        assert row["stripped_copies"] <= stripped[code], code  # never linked to the wrong source


def test_source_profile_has_the_identification_trail(demo_case: tuple[Case, dict[str, Any]]) -> None:
    case, truth = demo_case
    counts = _truth_reports(truth)
    code = counts.most_common(1)[0][0]
    runner = CliRunner()
    shown = runner.invoke(cli, ["source", code.lower(), "--json", "--case", str(case.root)])
    assert shown.exit_code == 0, shown.output
    profile = json.loads(shown.output)
    source_truth = next(s for s in truth["sources"] if normalise_code(s["code"]) == code)
    written = {" ".join(d["value"].split()) for d in profile["descriptions"]}
    used = {" ".join(d["text"].split()) for d in source_truth["descriptions"]}
    assert written <= used and written, (written, used)
    assert profile["handlers"] and all(h["value"] for h in profile["handlers"])
    assert profile["grades"] and all(g["credibility_scale"] for g in profile["grades"] if g["credibility"])
    assert profile["messages"] and profile["first"] <= profile["last"]
    # places its reports name: the generator writes cities of the source's country
    cities = {c for group in CITIES.values() for c in group}
    assert profile["places"] and {p["name"] for p in profile["places"]} & cities
    table = runner.invoke(cli, ["source", code, "--case", str(case.root)])
    assert "Descriptions (identification trail):" in table.output
    missing = runner.invoke(cli, ["source", "ZZ999", "--case", str(case.root)])
    assert missing.exit_code != 0 and "no source 'ZZ999'" in missing.output


def test_source_search_and_facet(demo_case: tuple[Case, dict[str, Any]]) -> None:
    case, truth = demo_case
    code = _truth_reports(truth).most_common(1)[0][0]
    padded = code[:2] + "0" + code[2:]
    total, _ = case.search(f"source:{code}", limit=1)
    assert total > 0 and case.search(f"source:{padded.lower()}", limit=1)[0] == total  # MX01 = mx1
    facets = case.facets("", size=100)
    assert dict(facets["sources"])[code] == total
    shown = CliRunner().invoke(cli, ["timeline", f"source:{code}", "--by", "year", "--case", str(case.root)])
    assert shown.exit_code == 0


def test_no_sources_in_real_mail(tmp_path: Path) -> None:
    runner = CliRunner()
    case_dir = str(tmp_path / "case")
    for name in ("notmuch-default", "enron-sample", "cpython-email"):
        assert runner.invoke(cli, ["ingest", str(corpus(name)), "--case", case_dir]).exit_code == 0
    shown = runner.invoke(cli, ["sources", "--case", case_dir])
    assert shown.output.strip() == "no coded sources found"


def test_glossary_command_and_query_expansion(demo_case: tuple[Case, dict[str, Any]]) -> None:
    case, truth = demo_case
    runner = CliRunner()
    shown = runner.invoke(cli, ["glossary", "--format", "json", "--case", str(case.root)])
    assert shown.exit_code == 0, shown.output
    entries = {e["abbreviation"]: e for e in map(json.loads, shown.output.splitlines())}
    planted = {p["token"] for p in truth["glossary"]}
    assert planted <= set(entries), planted - set(entries)
    assert all(entries[token]["evidence"] >= 1 and entries[token]["examples"] for token in planted)
    # CDJ [Juarez]: a search for CDJ can also find the messages that say Juarez
    plain, _ = case.search("CDJ", limit=1)
    wider, _ = case.search("CDJ", limit=1, expand=True)
    juarez, _ = case.search('"Juarez"', limit=1)
    assert plain > 0 and wider >= juarez > plain
    table = runner.invoke(cli, ["search", "CDJ", "--expand", "--format", "ids", "--case", str(case.root)])
    assert len(table.output.split()) == wider
