"""Quote check and corroboration on the demo archive, against what its generator planted.

The generator writes a news article quoting its own leak (verbatim quotes,
bracket edits, ellipses, [sic], an emphasis note, a corrected typo, a changed
word, a quote from a forward, an interrupted quote, a block quote, an
invented one) and seeds claims made by k independent origins plus copies,
forwards, quoted replies and list re-posts. ``truth.json`` records what a
checker must find; these tests ask the case exactly that.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from loupe.case import Case
from loupe.quotes import load_article
from loupe.quotes.editorial import strip_punctuation
from loupe.quotes.in_case import QuoteCheck, check_quotes, corroborate


def _words(text: str) -> str:
    return " ".join(strip_punctuation(w) for w in text.replace("*", "").split() if strip_punctuation(w))


@pytest.fixture(scope="module")
def checked(demo_case: tuple[Case, dict[str, Any]], demo_dir: Path) -> dict[str, tuple[dict[str, Any], QuoteCheck]]:
    case, truth = demo_case
    article = load_article((demo_dir / truth["article"]["markdown"]).read_bytes(), "article.md")
    checks = check_quotes(case, article)
    assert len(checks) == len(truth["article"]["quotes"])  # every quote found, nothing else taken for one
    by_text = {_words(c.quote.text.split(" (emphasis")[0]): c for c in checks}
    return {q["id"]: (q, by_text[_words(q["text"])]) for q in truth["article"]["quotes"]}


def _resolve(case: Case, message_id: str) -> str:
    return case.db.resolve(message_id)


def test_every_quote_is_classified_as_planted(checked: dict[str, tuple[dict[str, Any], QuoteCheck]]) -> None:
    verdicts = {qid: (q["classification"], c.verdict) for qid, (q, c) in checked.items()}
    assert all(want == got for want, got in verdicts.values()), verdicts
    kinds = {q["classification"] for q, _ in checked.values()}
    assert kinds == {"verbatim", "faithful edit", "altered", "not found"}


def _comparable(kind: str, quoted: str, original: str) -> tuple[str, str, str]:
    """Edits as both sides can state them: [sic] and emphasis notes by kind (the planted record
    names the mark, the checker names the word it keeps or the note it read)."""
    if kind in ("sic", "emphasis note"):
        return (kind, "", "")
    return (kind, quoted.replace("…", "..."), _words(original))


def test_every_edit_and_difference_is_listed(checked: dict[str, tuple[dict[str, Any], QuoteCheck]]) -> None:
    for qid, (planted, check) in checked.items():
        if check.alignment is None or check.match is None:
            continue
        want = sorted(_comparable(e["kind"], e["quoted"], e["original"]) for e in planted["edits"])
        got = sorted(_comparable(e.kind, e.quoted, e.original) for e in check.alignment.edits)
        assert got == want, qid
        want_diff = sorted((d["quoted"], d["original"]) for d in planted["differences"])
        got_diff = sorted((d.quoted, d.original) for d in check.alignment.differences)
        assert got_diff == want_diff, qid


def test_every_found_quote_is_attributed_to_its_origin(
    demo_case: tuple[Case, dict[str, Any]], checked: dict[str, tuple[dict[str, Any], QuoteCheck]]
) -> None:
    case, _ = demo_case
    for qid, (planted, check) in checked.items():
        if planted["classification"] == "not found":
            assert check.match is None and check.origin is None and check.nearest, qid
            continue
        assert check.origin is not None, qid
        assert check.origin.message == _resolve(case, planted["origin"]["message_id"]), qid
        code = planted["origin"].get("source_code")
        if code:  # an insight report: the source said it, whoever mailed it
            assert check.origin.speaker.code == code, qid
        else:  # the original speaker, also when the article took it from a forward
            assert check.origin.speaker.address == planted["origin"]["sender"].lower(), qid
        holders = {check.origin.message, *check.copies}
        assert holders == {_resolve(case, m) for m in [planted["origin"]["message_id"], *planted["also_in"]]}, qid


@pytest.mark.parametrize("number", range(4))
def test_corroboration_counts_exactly_k(demo_case: tuple[Case, dict[str, Any]], number: int) -> None:
    case, truth = demo_case
    claim = truth["claims"][number]
    result = corroborate(case, claim["claim"])
    assert result.independent == claim["k"], [o.label for o in result.origins]
    found = {e.message: o.key for o in result.origins for e in o.evidence}
    for origin in claim["origins"]:
        home = found[_resolve(case, origin["message_id"])]
        if origin["kind"] == "source":
            assert home == f"source:{origin['origin']}"
        for copy in origin["copies"]:  # every copy found, and counted with its origin
            assert found[_resolve(case, copy["message_id"])] == home, copy
    for decoy in claim["decoys"]:
        assert _resolve(case, decoy) not in found


@pytest.fixture(scope="module")
def other_demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Case, dict[str, Any]]:
    """A second, larger demo with another seed: other filler mail, other rarity weights for the same claims."""
    import json

    from loupe.demo.generator import generate_demo
    from loupe.ingest.pipeline import ingest

    base = tmp_path_factory.mktemp("other-demo")
    generate_demo(base / "demo", n_messages=4000, seed=11)
    case = Case.open(base / "case", create=True)
    ingest(case, [base / "demo" / "archive"], workers=2)
    yield case, json.loads((base / "demo" / "truth.json").read_text("utf-8"))
    case.close()


@pytest.mark.parametrize("number", range(4))
def test_corroboration_counts_exactly_k_in_another_demo(other_demo: tuple[Case, dict[str, Any]], number: int) -> None:
    case, truth = other_demo
    claim = truth["claims"][number]
    assert corroborate(case, claim["claim"]).independent == claim["k"]
