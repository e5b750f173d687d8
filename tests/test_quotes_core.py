"""Quote check, pure core: reading articles, finding quotes, parsing edits, aligning against mail.

Hand-made articles and mail bodies, one convention per test, so a failure
names the convention that broke.
"""

from __future__ import annotations

import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loupe.quotes import (
    FOUND_THRESHOLD,
    MIN_QUOTE_WORDS,
    Alignment,
    Difference,
    Edit,
    align,
    best_alignment,
    extract_quotes,
    load_article,
    parse_edits,
)
from loupe.quotes.editorial import locate_key

# --- articles ---------------------------------------------------------------------------------------------------

MARKDOWN = """# Smugglers of the *Rio Grande*

The memo was blunt, according to [the leak](https://example.org/leak).

> They move at night
> and nobody stops them.
>
> The police are paid.

After the quote, the story goes on.
"""


def test_markdown_article_keeps_block_quotes_and_drops_markup() -> None:
    article = load_article(MARKDOWN.encode(), "story.md")
    assert article.kind == "markdown"
    assert article.title == "Smugglers of the Rio Grande"
    paragraphs = article.text.split("\n\n")
    assert paragraphs[1] == "The memo was blunt, according to the leak."
    assert article.block_quotes == ((2, 4),)
    assert paragraphs[2:4] == ["They move at night and nobody stops them.", "The police are paid."]


HTML = """<!DOCTYPE html><html><head><title>Site name | Smugglers</title>
<style>p { color: red }</style></head><body><nav><a href="/">Home page link</a></nav>
<article><h1>The river   route</h1>
<p>An analyst wrote that &ldquo;the plaza bosses<br>know every boat on the river&rdquo; in March.</p>
<blockquote><p>They move at night and nobody stops them.</p><p>The police are paid.</p></blockquote>
<blockquote>We have no idea who runs the crossing now.</blockquote>
<script>var s = "this script text is not the article";</script></article></body></html>"""


def test_html_article_marks_each_blockquote_and_skips_chrome() -> None:
    article = load_article(HTML.encode(), "page.html")
    assert article.kind == "html"
    assert article.title == "The river route"
    paragraphs = article.text.split("\n\n")
    assert paragraphs[1] == "An analyst wrote that “the plaza bosses know every boat on the river” in March."
    assert article.block_quotes == ((2, 4), (4, 5))
    assert "script" not in article.text and "Home page" not in article.text


EML_HTML = b"""From: Newsletter <news@example.org>
To: reader@example.org
Subject: =?utf-8?q?The_smugglers=E2=80=99_route?=
MIME-Version: 1.0
Content-Type: text/html; charset=utf-8

<p>He wrote: &ldquo;We never touch the cargo ourselves.&rdquo;</p><blockquote>The river is ours after dark.</blockquote>
"""

EML_PLAIN_AND_HTML = b"""From: news@example.org
Subject: Plain wins
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="b"

--b
Content-Type: text/plain; charset=utf-8

The plain part says "we never touch the cargo" twice.
--b
Content-Type: text/html; charset=utf-8

<p>The HTML part.</p>
--b--
"""


def test_eml_article_takes_subject_and_converts_html_body() -> None:
    article = load_article(EML_HTML)  # no name: the headers give it away
    assert article.kind == "eml"
    assert article.title == "The smugglers’ route"
    assert article.text == "He wrote: “We never touch the cargo ourselves.”\n\nThe river is ours after dark."
    assert article.block_quotes == ((1, 2),)


def test_eml_article_prefers_the_plain_part() -> None:
    article = load_article(EML_PLAIN_AND_HTML, "mail.eml")
    assert article.text == 'The plain part says "we never touch the cargo" twice.'


def test_plain_text_headline_and_indented_block_quote() -> None:
    text = (
        b"Cartel memo leaks\n\nThe analyst wrote at length.\n\n"
        b"    We cannot verify any of this,\n    said a source.\n\nEnd."
    )
    article = load_article(text, "paste.txt")
    assert (article.kind, article.title) == ("text", "Cartel memo leaks")
    assert article.block_quotes == ((2, 3),)
    assert article.text.split("\n\n")[2] == "We cannot verify any of this, said a source."


def test_content_beats_the_file_name() -> None:
    assert load_article(b"<html><body><p>Hi there.</p></body></html>", "misnamed.txt").kind == "html"
    assert load_article(b"Just words, no markup at all.", "notes.md").kind == "markdown"
    assert load_article(b"> a quoted line\n\nand text").kind == "markdown"
    assert load_article(b"Just words, no markup at all.").kind == "text"


# --- extraction -------------------------------------------------------------------------------------------------


def quotes_of(markdown: str) -> list[tuple[tuple[str, ...], bool]]:
    return [(q.parts, q.block) for q in extract_quotes(load_article(markdown.encode(), "a.md"))]


def test_straight_quotes_and_scare_quotes_and_titles() -> None:
    article = load_article(
        b'Officials called it a "routine" operation. He said "the boats leave every Tuesday night" and left. '
        b'The report, "The Border Security Review Of Mexico", came out.',
        "a.txt",
    )
    quotes = extract_quotes(article)
    assert [q.text for q in quotes] == ["the boats leave every Tuesday night"]
    assert MIN_QUOTE_WORDS == 4
    q = quotes[0]
    assert article.text[q.start : q.end] == q.text
    assert q.context == 'He said "the boats leave every Tuesday night" and left.'
    assert q.number == 1


def test_curly_quotes_keep_nested_quotes_and_ignore_apostrophes() -> None:
    found = quotes_of(
        "The analyst said the loads were “bigger than in 2009, and the ‘plaza bosses’ know it”. "
        "He didn’t elaborate on the smugglers’ routes or the ‘new friends in the customs’ sheds’ he mentioned."
    )
    # didn’t and smugglers’ are apostrophes; customs’ before a lower-case word is a possessive, since a later ’ closes
    assert found == [
        (("bigger than in 2009, and the ‘plaza bosses’ know it",), False),
        (("new friends in the customs’ sheds",), False),
    ]


def test_single_curly_quotes_when_clearly_a_quotation() -> None:
    found = quotes_of("British papers printed ‘we do not negotiate with these people’, citing the memo.")
    assert found == [(("we do not negotiate with these people",), False)]


def test_nested_straight_quotes_inside_curly_ones() -> None:
    found = quotes_of('He wrote “the team calls it "the long road" and nobody asks why” last year.')
    assert found == [(('the team calls it "the long road" and nobody asks why',), False)]


def test_interrupted_quote_is_one_quote_with_two_parts() -> None:
    article = load_article(b'"They move at night," he wrote, "and nobody stops them." Then he left.', "a.txt")
    [quote] = extract_quotes(article)
    assert quote.parts == ("They move at night,", "and nobody stops them.")
    assert quote.text == "They move at night, and nobody stops them."  # one space: attribution is no omission
    assert article.text[quote.start : quote.end] == 'They move at night," he wrote, "and nobody stops them.'


def test_quotes_separated_by_a_full_sentence_stay_apart() -> None:
    found = quotes_of('"We move at night all year." He said it twice. "Nobody has ever stopped us."')
    assert [parts for parts, _ in found] == [("We move at night all year.",), ("Nobody has ever stopped us.",)]


def test_block_quote_is_one_quote_without_its_signature() -> None:
    found = quotes_of('Intro line here.\n\n> "They move at night and nobody stops them."\n>\n> — A. Source\n')
    assert found == [(("They move at night and nobody stops them.",), True)]


def test_multi_paragraph_quote_continues_at_an_opening_mark() -> None:
    article = load_article(
        b'He wrote: "The first paragraph of the statement stays open.\n\n'
        b'"And the second paragraph closes it," the source said.\n\n'
        b'"This one never closes and nothing continues it.\n\nPlain narration follows here.',
        "a.md",
    )
    [quote] = extract_quotes(article)
    assert quote.parts == ("The first paragraph of the statement stays open.", "And the second paragraph closes it,")
    assert quote.context.startswith("He wrote:") and quote.context.endswith("the source said.")


# --- editorial marks --------------------------------------------------------------------------------------------


def kinds(text: str) -> list[tuple[str, str]]:
    return [(s.kind, s.text) for s in parse_edits(text).segments]


def test_brackets_sic_and_glued_brackets() -> None:
    assert kinds("[T]hey recieve [sic] [the money] weekly") == [
        ("word", "[T]hey"),
        ("word", "recieve"),
        ("sic", "[sic]"),
        ("bracket", "[the money]"),
        ("word", "weekly"),
    ]
    assert parse_edits("[T]hey go").segments[0].glued


@pytest.mark.parametrize("ellipsis", ["...", ". . .", "…", "[...]", "[…]", "[ . . . ]", "...."])
def test_every_ellipsis_is_an_omission(ellipsis: str) -> None:
    assert kinds(f"they move {ellipsis} nobody") == [
        ("word", "they"),
        ("word", "move"),
        ("omission", "[...]" if ellipsis == "[…]" else ellipsis.replace("…", "...")),
        ("word", "nobody"),
    ]


@pytest.mark.parametrize("note", ["(emphasis added)", "(Emphasis mine)", "[emphasis added]", "(italics in original)"])
def test_emphasis_notes_are_removed_and_recorded(note: str) -> None:
    edited = parse_edits(f"they move at night {note}")
    assert edited.emphasis_notes == (note,)
    assert [s.text for s in edited.segments] == ["they", "move", "at", "night"]


def test_smart_punctuation_is_normalised() -> None:
    edited = parse_edits("“Don’t move—ever,”\u00a0he’d say")
    assert edited.text == "\"Don't move -- ever,\" he'd say"
    assert [s.text for s in edited.segments] == ["\"Don't", "move", 'ever,"', "he'd", "say"]


# --- alignment --------------------------------------------------------------------------------------------------

MAIL = """Hi Bob,

Here is what I heard from the source yesterday:

> > They move goods quietly along the river at night,
> > and no one gets hurt. The smug-
> > glers pay the police in Reynosa every month. We will
> > recieve the next payment on Friday.

Thanks, and talk soon.
Juan in Ciudad Juárez
"""


def check(quote: str, passage: str = MAIL) -> Alignment:
    found = align(parse_edits(quote), passage)
    assert found is not None
    return found


def test_verbatim_across_wraps_markers_and_smart_punctuation() -> None:
    found = check("“They move goods quietly along the river at night, and no one gets hurt.”")
    assert found.verdict == "verbatim"
    assert found.score == 1.0
    assert (
        MAIL[found.start : found.end] == "They move goods quietly along the river at night,\n> > and no one gets hurt"
    )
    lowered = check("“they move goods quietly along the river at night, and no one gets hurt.”")
    assert lowered.verdict == "faithful edit"  # a changed first capital is a convention: listed
    assert lowered.edits == (Edit("capitalisation", "they", "They"),)


def test_hyphenated_line_break_is_one_word() -> None:
    found = check("The smugglers pay the police in Reynosa every month.")
    assert found.verdict == "verbatim"
    assert MAIL[found.start : found.end] == "The smug-\n> > glers pay the police in Reynosa every month"


def test_quote_from_a_quoted_reply_of_any_depth() -> None:
    passage = "On Monday Ana wrote:\n> Juan wrote:\n> > > the route is\n> > >   closed until May\n> thanks"
    found = check("the route is closed until May", passage)
    assert found.verdict == "verbatim"
    assert passage[found.start : found.end] == "the route is\n> > >   closed until May"


def test_bracket_insertion_and_replacement() -> None:
    found = check("[If] they [the smugglers] move [their] goods quietly along [the Rio Grande] at night")
    assert found.verdict == "faithful edit"
    assert [e for e in found.edits if e.kind in ("insertion", "replacement")] == [
        Edit("insertion", "[If]", ""),
        Edit("insertion", "[the smugglers]", ""),
        Edit("insertion", "[their]", ""),
        Edit("replacement", "[the Rio Grande]", "the river"),
    ]
    assert found.differences == ()


@pytest.mark.parametrize("ellipsis", ["...", "…", "[...]"])
def test_ellipsis_records_what_it_left_out(ellipsis: str) -> None:
    found = check(f"They move goods quietly {ellipsis} no one gets hurt.")
    assert found.verdict == "faithful edit"
    assert found.edits == (Edit("omission", ellipsis.replace("…", "..."), "along the river at night, and"),)


def test_a_long_omission_is_noted() -> None:
    filler = " ".join(f"filler{i}" for i in range(250))
    found = check("alpha beta gamma ... delta epsilon zeta", f"alpha beta gamma {filler} delta epsilon zeta")
    assert found.verdict == "faithful edit"
    assert found.notes and "250 words" in found.notes[0]
    assert check("alpha beta ... epsilon zeta", f"alpha beta {filler[:30]} epsilon zeta").notes == ()


def test_sic_keeps_the_original_error() -> None:
    found = check("We will recieve [sic] the next payment on Friday.")
    assert found.verdict == "faithful edit"
    assert Edit("sic", "recieve", "recieve") in found.edits


def test_silently_corrected_typo_is_altered() -> None:
    found = check("We will receive the next payment on Friday.")
    assert found.verdict == "altered"
    assert found.differences == (Difference("receive", "recieve", "spelling"),)
    assert ("replace", "receive", "recieve") in found.ops
    assert found.score >= FOUND_THRESHOLD  # found, but not faithful


def test_changed_word_is_altered() -> None:
    found = check("The smugglers pay the army in Reynosa every month.")
    assert found.verdict == "altered"
    assert found.differences == (Difference("army", "police", "wording"),)


def test_silently_dropped_word_is_altered() -> None:
    found = check("They move goods along the river at night")
    assert found.verdict == "altered"
    assert found.differences == (Difference("", "quietly", "dropped"),)
    assert [op.tag for op in found.ops] == ["equal", "delete", "equal"]


def test_capitalisation_first_word_after_ellipsis_and_glued_bracket() -> None:
    after_ellipsis = check("They move goods ... And no one gets hurt.")
    assert after_ellipsis.verdict == "faithful edit"
    assert Edit("capitalisation", "And", "and") in after_ellipsis.edits
    glued = check("[T]he smugglers pay the police")
    assert glued.verdict == "faithful edit"
    assert glued.edits == (Edit("replacement", "[T]he", "The"),)
    mid_quote = check("The smugglers pay the Police in Reynosa")
    assert mid_quote.verdict == "altered"
    assert mid_quote.differences == (Difference("Police", "police", "case"),)


def test_accents_are_found_but_reported() -> None:
    found = check("Juan in Ciudad Juarez")
    assert found.score >= FOUND_THRESHOLD
    assert found.differences == (Difference("Juarez", "Juárez", "accents"),)


def test_emphasis_added_is_a_faithful_edit() -> None:
    found = check("no one gets hurt (emphasis added)")
    assert found.verdict == "faithful edit"
    assert found.edits == (Edit("emphasis note", "(emphasis added)", ""),)
    assert found.ops[-1] == ("edit", "(emphasis added)", "")


def test_absent_quote_scores_below_the_threshold() -> None:
    found = check("The minister signed the decree without reading a single page of it")
    assert found.score < FOUND_THRESHOLD


def test_best_alignment_picks_the_passage_that_holds_the_quote() -> None:
    passages = [("m1", "Lunch at noon? The river is high."), ("m2", MAIL), ("m3", "The smugglers pay nobody.")]
    best = best_alignment(parse_edits("The smugglers pay the police in Reynosa"), passages)
    assert best is not None
    key, found = best
    assert (key, found.verdict) == ("m2", "verbatim")
    assert best_alignment(parse_edits("anything at all"), []) is None


def test_ops_rebuild_both_sides() -> None:
    found = check("They move [their] goods quietly ... no one gets hurt")
    assert " ".join(op.quoted for op in found.ops) == "They move [their] goods quietly ... no one gets hurt"
    assert [op.tag for op in found.ops] == ["equal", "edit", "equal", "edit", "equal"]


# --- property: any run of a passage's words is found verbatim, exactly where it is ------------------------------

WORD = st.text(alphabet=string.ascii_letters + "áéñü", min_size=1, max_size=8)
GLUE = st.sampled_from([" ", "  ", "\n", "\n> ", "\n> > ", "\u00a0", " -- "])
PUNCT = st.sampled_from(["", "", ",", ".", ";", "?"])


@settings(max_examples=150, deadline=None)
@given(
    words=st.lists(WORD, min_size=1, max_size=60, unique_by=locate_key),
    data=st.data(),
)
def test_any_run_of_words_aligns_verbatim_at_its_place(words: list[str], data: st.DataObject) -> None:
    glue = data.draw(st.lists(GLUE, min_size=len(words), max_size=len(words)))
    punct = data.draw(st.lists(PUNCT, min_size=len(words), max_size=len(words)))
    passage, spans = "", []
    for word, sep, mark in zip(words, glue, punct, strict=True):
        passage += sep
        spans.append((len(passage), len(passage) + len(word)))
        passage += word + mark
    i = data.draw(st.integers(0, len(words) - 1))
    j = data.draw(st.integers(i + 1, len(words)))
    quote = " ".join(w + m for w, m in zip(words[i:j], punct[i:j], strict=True))
    found = align(parse_edits(quote), passage)
    assert found is not None
    assert found.verdict == "verbatim"
    assert (found.start, found.end) == (spans[i][0], spans[j - 1][1])
