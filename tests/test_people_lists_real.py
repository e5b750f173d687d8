"""Lists and people on real list mail, against a hand annotation.

``fixtures/people_lists_annotated.json`` names every correspondent of the real
mailing-list corpora a person, a list or a service (a bug tracker, a
postmaster), written by reading the mail: From lines, List-Id, List-Post,
Sender, names. Loupe has two kinds, so services are reported, not judged.
``pytest -s`` prints list and person precision and recall per corpus.

An amplified archive of the same list mail (``../shared/tools/amplify.py``)
checks the rule holds when every correspondent receives many list copies: the
old List-Id-share rule filed all 60 of its people as lists.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, update

from loupe.case import Case
from loupe.ingest.pipeline import ingest
from loupe.people.identities import PEOPLE_RULES
from loupe.store import schema

from .conftest import CORPORA, FIXTURES, REPO, corpus, open_case_on

ANNOTATION: dict[str, dict[str, Any]] = json.loads((FIXTURES / "people_lists_annotated.json").read_text("utf-8"))[
    "corpora"
]
AMPLIFY = REPO.parent / "shared" / "tools" / "amplify.py"
#: Annotated from a second Cc header (notmuch-edge broken/broken-cc), which Loupe does not read.
NOT_READ = {"charles@example.org"}
#: The amplified archive's 3,000 messages (marked slow) stay on SQLite: the people rules are the same
#: Python on either backend, and the real corpora here check what each stores.
pytestmark = pytest.mark.both_backends


def truth(corpus_name: str) -> dict[str, str]:
    """address -> person or list, as annotated (services left out)."""
    a = ANNOTATION[corpus_name]
    lists = {e: "list" for e in [*a["lists"], *a["cannot_see"]]}
    return {e: "person" for e in a["persons"]} | lists


def kinds_of(case: Case) -> dict[str, str]:
    return {email: kind for email, (_, _, kind) in case.db.people.person_of_emails().items()}


def ingested(backend: str, root: Path, paths: list[str], request: pytest.FixtureRequest) -> dict[str, str]:
    case = open_case_on(backend, root, request)
    ingest(case, [corpus(p) for p in paths], workers=1)
    return kinds_of(case)


def misfiled(corpus_name: str, kinds: dict[str, str]) -> tuple[list[str], list[str]]:
    """(persons filed as lists, lists filed as persons) among the corpus's annotated addresses."""
    annotated = truth(corpus_name)
    wrong = {e for e, kind in annotated.items() if e in kinds and kinds[e] != kind}
    return sorted(e for e in wrong if annotated[e] == "person"), sorted(e for e in wrong if annotated[e] == "list")


def figures(corpus_name: str, kinds: dict[str, str]) -> str:
    """``lists P right/filed R right/annotated | persons ...`` over the annotated addresses in the case."""
    seen = {e: k for e, k in truth(corpus_name).items() if e in kinds}
    cells = []
    for kind in ("list", "person"):
        filed = [e for e in seen if kinds[e] == kind]
        right = sum(1 for e in filed if seen[e] == kind)
        wanted = sum(1 for k in seen.values() if k == kind)
        cells.append(f"{kind}s P {right}/{len(filed)} R {right}/{wanted}")
    services = ANNOTATION[corpus_name]["services"]
    as_lists = sum(1 for e in services if kinds.get(e) == "list")
    return f"{corpus_name:14} {' | '.join(cells)} | services filed as lists {as_lists}/{len(services)}"


@pytest.fixture(scope="module")
def alone(
    tmp_path_factory: pytest.TempPathFactory, backend: str, request: pytest.FixtureRequest
) -> dict[str, dict[str, str]]:
    """Each corpus in a case of its own: address -> kind."""
    root = tmp_path_factory.mktemp("lists-alone")
    return {name: ingested(backend, root / name, a["paths"], request) for name, a in ANNOTATION.items()}


@pytest.fixture(scope="module")
def together(tmp_path_factory: pytest.TempPathFactory, backend: str, request: pytest.FixtureRequest) -> dict[str, str]:
    """All of them in one case, as mailboxes of one leak: address -> kind."""
    paths = [p for a in ANNOTATION.values() for p in a["paths"]]
    return ingested(backend, tmp_path_factory.mktemp("lists-together") / "case", paths, request)


def test_the_annotation_covers_every_correspondent(alone: dict[str, dict[str, str]]) -> None:
    for name, kinds in alone.items():
        a = ANNOTATION[name]
        annotated = {*a["persons"], *a["lists"], *a["services"], *a["cannot_see"]}
        assert set(kinds) <= annotated, (name, sorted(set(kinds) - annotated))
        assert annotated - set(kinds) <= NOT_READ, (name, sorted(annotated - set(kinds)))
    shared: dict[str, set[str]] = {}
    for name in ANNOTATION:
        for email, kind in truth(name).items():
            shared.setdefault(email, set()).add(kind)
    assert all(len(kinds) == 1 for kinds in shared.values()), "an address annotated two ways"


def test_no_person_is_filed_as_a_list_and_no_list_as_a_person(together: dict[str, str]) -> None:
    print("\nthe four corpora in one case:")
    for name, a in ANNOTATION.items():
        print(figures(name, together))
        persons_as_lists, lists_as_persons = misfiled(name, together)
        assert persons_as_lists == [], name
        # only lists that nothing Loupe reads names may stay persons (the annotation lists none now)
        assert set(lists_as_persons) <= set(a["cannot_see"]), name


def test_each_corpus_alone_files_no_person_as_a_list(alone: dict[str, dict[str, str]]) -> None:
    """Alone, a corpus may lack a list's evidence (notmuch-edge has no List-Id for the notmuch
    list, which notmuch-default has), but a person is never taken for a list."""
    print("\neach corpus in a case of its own:")
    for name, kinds in alone.items():
        print(figures(name, kinds))
        persons_as_lists, _ = misfiled(name, kinds)
        assert persons_as_lists == [], name


def test_a_case_filed_by_older_rules_is_refiled_when_opened(
    tmp_path: Path, backend: str, request: pytest.FixtureRequest
) -> None:
    """Kinds are stored; a case filed before a rule change gets the new kinds when opened,
    without a re-ingest, and the user's own marks still win."""
    case = open_case_on(backend, tmp_path / "case", request)
    ingest(case, [corpus("mu-testdir")], workers=1)
    case.db.people.add_edit("person", ["sqlite-dev@sqlite.org"])
    p, s = schema.persons, schema.analysis_state
    with case.db.engine.begin() as conn:  # as the List-Id-share rule left it, before versions were recorded
        conn.execute(delete(s).where(s.c.name == "people_rules"))
        conn.execute(update(p).values(kind="list"))
    case.close()
    case = Case.open(tmp_path / "case", db_url=case.db.url)
    try:
        kinds = kinds_of(case)
        assert case.db.people.rules() == PEOPLE_RULES
    finally:
        case.close()
    assert kinds["juanma_bellon@yahoo.es"] == "person" and kinds["anon@example.com"] == "person"
    assert kinds["help-gnu-emacs@gnu.org"] == "list" and kinds["sqlite-dev@sqlite.org"] == "person"


def list_copies() -> list[Path]:
    """The real messages that carry a List-Id (a Maildir's tmp/ is not mail)."""
    found = []
    for name in ("notmuch-default", "notmuch-edge", "mu-testdir"):
        for path in sorted(corpus(name).rglob("*")):
            if path.is_file() and "tmp" not in path.parts and path.suffix != ".md":
                head = path.read_bytes().split(b"\n\n", 1)[0]
                if re.search(rb"(?im)^list-id:", head):
                    found.append(path)
    return found


def amplified_list_mail(folder: Path, size: int, people: int) -> Path:
    """``size`` messages among ``people`` correspondents, made by amplify.py from the real list
    copies (each keeps a real List-Id header block; From, To and Cc are drawn from the people)."""
    if not AMPLIFY.exists():
        pytest.fail(f"amplify.py missing at {AMPLIFY}: tests read ../shared/tools")
    seed = folder / "seed"
    seed.mkdir(parents=True)
    for number, path in enumerate(list_copies()):
        (seed / f"{number:03d}").symlink_to(path)
    mail = folder / "mail"
    command = [sys.executable, str(AMPLIFY), str(seed), str(mail), "-n", str(size), "--seed", "1"]
    subprocess.run([*command, "--people", str(people)], check=True, capture_output=True)
    return mail


@pytest.mark.slow
def test_amplified_list_mail_lists_people_as_people(tmp_path: Path) -> None:
    """3,000 messages among 60 people, every one a list copy: each person receives about a
    hundred, as at 1,000,000 messages among 3,000 (``bench/people_lists_eval.py`` runs that)."""
    assert len(list_copies()) >= 20
    mail = amplified_list_mail(tmp_path / "amplified", 3000, 60)
    case = Case.open(tmp_path / "case", create=True)
    try:
        ingest(case, [mail, CORPORA / "notmuch-default", CORPORA / "mu-testdir"], workers=1)
        table = case.db.people.table()
        kinds = kinds_of(case)
    finally:
        case.close()
    writers = sorted(table, key=lambda row: -row["sent"])[:20]
    assert all(row["kind"] == "person" and row["sent"] > 10 for row in writers), writers
    assert sum(1 for row in table if row["kind"] == "person") >= 60 + 40
    real_lists = {e for name in ("notmuch-default", "mu-testdir") for e in ANNOTATION[name]["lists"]}
    assert {e for e, kind in kinds.items() if kind == "list"} == real_lists
    print(f"\namplified: {len(table)} in the people table; top writers:")
    print(", ".join(f"{row['name']} ({row['sent']} sent)" for row in writers[:5]))
