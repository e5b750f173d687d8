"""Named entities in a case: read at ingest, counted and searched, corrected by users.

The extraction itself is measured in ``test_entities.py``; this file checks
what ingest keeps of it and what users do with it: the index must agree
with the extractor message for message, and corrections (hide, merge,
rename) must apply to lists, facets and searches, and survive re-ingests.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from loupe.case import Case
from loupe.cli import cli
from loupe.entities import message_entities
from loupe.entities.corrections import Corrections, entity_key
from loupe.errors import Ambiguous, CaseError, NotFound
from loupe.ingest.pipeline import ingest
from loupe.search.query import MatchAll
from tests.conftest import open_case_on

CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"
ENRON = CORPORA / "enron-sample"


def _names_by_message(case: Case) -> dict[str, set[tuple[str, str]]]:
    """Brute force: every message re-parsed and read by the extractor, as ingest did."""
    out = {}
    for message_id in case.index.matching_ids(MatchAll()):
        parsed = case.parsed(message_id, attachment_text=False)
        found = message_entities(parsed.subject, parsed.body_text)
        out[message_id] = {(e.kind, e.normalised) for e in found}
    return out


@pytest.fixture()
def enron_case(tmp_path: Path, backend: str, request: pytest.FixtureRequest) -> Case:
    """The Enron sample ingested; on each backend for a test marked ``both_backends``."""
    case = open_case_on(backend, tmp_path / "case", request)
    ingest(case, [ENRON], workers=1)
    return case


@pytest.mark.both_backends
def test_index_agrees_with_the_extractor_on_real_mail(enron_case: Case) -> None:
    truth = _names_by_message(enron_case)
    everyone = {ident for found in truth.values() for ident in found}
    assert len(everyone) > 30  # the Enron sample names firms, people and places
    listed = {(e.kind, e.key): e.messages for e in enron_case.entities(limit=0)}
    for ident in everyone:
        expected = {m for m, found in truth.items() if ident in found}
        assert listed[ident] == len(expected), ident
        field = {"person": "entity", "organisation": "org", "place": "place"}[ident[0]]
        query = f'{field}:"{ident[1]}"'
        found = set(enron_case.matching_ids(query))
        if ident[0] == "person":  # entity: covers every kind with that key
            found = {m for m in found if ident in truth[m]}
        assert found == expected, query


@pytest.mark.both_backends
def test_names_are_shown_as_first_written(enron_case: Case) -> None:
    names = {e.key: e.name for e in enron_case.entities(limit=0)}
    assert names["enron"] == "Enron"
    assert all(entity_key(name) == key for key, name in names.items())


@pytest.mark.both_backends
def test_facets_list_entities_by_name(enron_case: Case) -> None:
    facets = enron_case.facets("", 5)
    for facet in ("places", "organisations", "people named"):
        assert facet in facets
    assert facets["organisations"] and all(count >= 1 for _, count in facets["organisations"])
    top_name, top_count = facets["organisations"][0]
    assert len(enron_case.matching_ids(f'org:"{top_name}"')) == top_count


def _run(case_dir: Path, *args: str) -> str:
    result = CliRunner().invoke(cli, [*args, "--case", str(case_dir)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_corrections_apply_everywhere_and_survive_reingest(tmp_path: Path) -> None:
    first = tmp_path / "first"
    shutil.copytree(ENRON / "allen-p", first / "allen-p")
    case_dir = tmp_path / "case"
    case = Case.open(case_dir, create=True)
    ingest(case, [first], workers=1)
    people = [e for e in case.entities(kinds=("person",), limit=0)]
    organisations = [e for e in case.entities(kinds=("organisation",), limit=0)]
    case.close()
    a, b = people[0], people[1]
    hidden = organisations[0]

    _run(case_dir, "entity", "merge", a.name, b.name, "--kind", "person", "--into-kind", "person")
    _run(case_dir, "entity", "rename", b.name, "The Trader", "--kind", "person")
    _run(case_dir, "entity", "hide", hidden.name, "--kind", "organisation")

    def check(case: Case) -> None:
        listed = {e.name: e for e in case.entities(kinds=("person",), limit=0)}
        assert a.name not in listed and b.name not in listed
        merged = listed["The Trader"]
        assert merged.merged == (a.name,)
        union = set(case.matching_ids(f'entity:"{a.key}"')) | set(case.matching_ids(f'entity:"{b.key}"'))
        assert merged.messages == len(union) == len(case.matching_ids('entity:"the trader"'))
        assert set(case.matching_ids(f'entity:"{a.name}"')) == union  # either name finds both
        assert hidden.name not in [e.name for e in case.entities(kinds=("organisation",), limit=0)]
        assert hidden.name in [e.name for e in case.entities(kinds=("organisation",), limit=0, hidden=True)]
        assert hidden.name not in [name for name, _ in case.facets("", 50)["organisations"]]

    case = Case.open(case_dir)
    check(case)
    case.close()
    # re-ingest: the same folder again and more mail beside it
    ingest(Case.open(case_dir), [first, ENRON], workers=1)
    case = Case.open(case_dir)
    check(case)
    case.close()

    _run(case_dir, "entity", "unmerge", a.name, "--kind", "person")
    _run(case_dir, "entity", "unhide", hidden.name, "--kind", "organisation")
    case = Case.open(case_dir)
    names = [e.name for e in case.entities(limit=0)]
    assert a.name in names and hidden.name in names and "The Trader" in names
    case.close()
    edits = _run(case_dir, "entity", "edits")
    assert edits.count("\n") == 5 and "merge" in edits and "unmerge" in edits


def test_cli_lists_and_errors(enron_case: Case) -> None:
    output = _run(enron_case.root, "entities", "--kind", "organisation", "--limit", "3")
    assert output.splitlines()[0].split() == ["kind", "messages", "name"] and len(output.splitlines()) == 4
    json_lines = _run(enron_case.root, "entities", "--format", "json", "--limit", "2").splitlines()
    assert len(json_lines) == 2 and '"messages"' in json_lines[0]
    with pytest.raises(NotFound):
        enron_case.db.entities.resolve("Nowhere Inc That Is Not Named")


@pytest.mark.both_backends
def test_ambiguous_names_ask_for_a_kind(tmp_path: Path, backend: str, request: pytest.FixtureRequest) -> None:
    eml = tmp_path / "mail" / "one.eml"
    eml.parent.mkdir()
    eml.write_text(
        "From: a@example.org\nTo: b@example.org\nSubject: Georgia\nMessage-ID: <g1@example.org>\n\n"
        "We flew to Georgia on Monday.\n\nDear Georgia,\nthanks.\n"
    )
    case = open_case_on(backend, tmp_path / "case", request)
    ingest(case, [eml.parent], workers=1)
    kinds = {e.kind for e in case.entities(limit=0) if e.key == "georgia"}
    if len(kinds) > 1:
        with pytest.raises(Ambiguous):
            case.db.entities.resolve("Georgia")
        assert case.db.entities.resolve("Georgia", "place") == ("place", "georgia")
    else:  # the rules read only one of them: resolving needs no kind
        assert case.db.entities.resolve("Georgia")[1] == "georgia"
    case.close()


def test_entities_can_be_turned_off(tmp_path: Path) -> None:
    case_dir = tmp_path / "case"
    case_dir.mkdir()
    (case_dir / "case.toml").write_text("[ingest]\nentities = false\n")
    case = Case.open(case_dir, create=True)
    assert case.settings.entities is False
    ingest(case, [ENRON / "allen-p"], workers=1)
    assert case.entities(limit=0) == []
    case.close()
    (case_dir / "case.toml").write_text('[ingest]\nentities = "no"\n')
    with pytest.raises(CaseError, match="true or false"):
        Case.open(case_dir)


def test_an_index_from_an_older_schema_is_a_clear_error(tmp_path: Path) -> None:
    import tantivy

    builder = tantivy.SchemaBuilder()
    builder.add_text_field("id", stored=True, tokenizer_name="raw")
    (tmp_path / "index").mkdir()
    tantivy.Index(builder.build(), path=str(tmp_path / "index"))
    from loupe.search.index import FullTextIndex

    with pytest.raises(CaseError, match=r"made by an older Loupe \(with other fields\); run `loupe rebuild --index`"):
        FullTextIndex(tmp_path / "index")  # an IndexOutdated: the CLI rebuilds it on opening (tests/test_rebuild.py)


CORRECTIONS: list[tuple[list[tuple[str, str, str, str, str]], dict[str, Any]]] = [
    # merges chain, and a cycle stops rather than looping
    (
        [("merge", "place", "a", "place", "b"), ("merge", "place", "b", "place", "c")],
        {"canonical": {("place", "a"): ("place", "c")}, "members": {("place", "b"): 3}},
    ),
    (
        [("merge", "place", "a", "place", "b"), ("merge", "place", "b", "place", "a")],
        {"canonical": {("place", "a"): ("place", "a")}},
    ),
    # unmerge and show undo
    (
        [
            ("merge", "place", "a", "place", "b"),
            ("unmerge", "place", "a", "", ""),
            ("hide", "place", "c", "", ""),
            ("show", "place", "c", "", ""),
        ],
        {"canonical": {("place", "a"): ("place", "a")}, "hidden": {("place", "c"): False}},
    ),
    # hiding what others joined hides them too; a rename names the group
    (
        [("merge", "person", "x", "person", "y"), ("hide", "person", "y", "", ""), ("rename", "person", "y", "", "Y")],
        {"hidden": {("person", "x"): True}, "name": {("person", "x"): "Y"}, "renamed_to": {"y": [("person", "y")]}},
    ),
]


@pytest.mark.parametrize(("edits", "expected"), CORRECTIONS)
def test_corrections_replay(edits: list[tuple[str, str, str, str, str]], expected: dict[str, Any]) -> None:
    state = Corrections.replay(edits)
    for ident, head in expected.get("canonical", {}).items():
        assert state.canonical(ident) == head
    for ident, size in expected.get("members", {}).items():
        assert len(state.members(ident)) == size
    for ident, hidden in expected.get("hidden", {}).items():
        assert state.hidden(ident) is hidden
    for ident, name in expected.get("name", {}).items():
        assert state.name(ident, "as written") == name
    for key, idents in expected.get("renamed_to", {}).items():
        assert state.renamed_to(None, key) == idents


@pytest.mark.both_backends
def test_parser_processes_read_the_same_names(
    enron_case: Case, tmp_path: Path, backend: str, request: pytest.FixtureRequest
) -> None:
    """Workers use a gazetteer built once in a child process and handed over pickled."""
    other = open_case_on(backend, tmp_path / "workers", request)
    ingest(other, [ENRON], workers=2)
    assert [e.as_dict() for e in other.entities(limit=0)] == [e.as_dict() for e in enron_case.entities(limit=0)]


@pytest.mark.both_backends
def test_every_facet_entry_finds_its_messages(demo_case: tuple[Case, dict[str, Any]]) -> None:
    """What a facet shows ("Juarez", first written so) is what a click searches for (the place ciudad juarez)."""
    case, _ = demo_case
    facets = case.facets("", 15)
    field = {"places": "place", "organisations": "org", "people named": "entity"}
    for facet, prefix in field.items():
        assert facets[facet], facet
        for name, count in facets[facet]:
            found = len(case.matching_ids(f'{prefix}:"{name}"'))
            assert found == count if prefix != "entity" else found >= count, (facet, name)


def test_glossed_abbreviations_join_their_expansion(demo_case: tuple[Case, dict[str, Any]], tmp_path: Path) -> None:
    """The archive glosses SEDENA as Secretaria de la Defensa Nacional: one organisation, found by either
    name; a user's unmerge wins over the glossary (on a copy of the case: the shared one stays as it is)."""
    case, _ = demo_case
    organisations = {e.name: e for e in case.entities(kinds=("organisation",), limit=0)}
    joined = organisations["Secretaria de la Defensa Nacional"]
    assert "SEDENA" in joined.merged and "SEDENA" not in organisations
    either = set(case.matching_ids("org:SEDENA"))
    assert either == set(case.matching_ids('org:"Secretaria de la Defensa Nacional"'))
    assert len(either) == joined.messages
    copy = tmp_path / "case"
    shutil.copytree(case.root, copy)
    _run(copy, "entity", "unmerge", "SEDENA", "--kind", "organisation")
    reopened = Case.open(copy)
    try:
        names = {e.name for e in reopened.entities(kinds=("organisation",), limit=0)}
        assert {"SEDENA", "Secretaria de la Defensa Nacional"} <= names
    finally:
        reopened.close()
