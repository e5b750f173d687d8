"""A design question measured: one catch-all text field for unfielded words, or six fields as now?

A bare word (``notmuch``) searches subject, from, to, body, attachment text
and attachment names (``search.query.DEFAULT_FIELDS``): one should-clause
per field, so Tantivy walks and scores six posting lists. Lucene's old
``_all`` field (and Gmail-style search) answer it from one list instead.
This script builds both shapes from the same messages of an amplified case
(``bench/work/amp-N/loupe-case``, made by ``ingest_bench.py``), in scratch
indexes under ``bench/work/default-field-N/``, and times the query
benchmark's unfielded queries on each: first page of 20 with the exact
total, in process, median of 21 runs after one warm-up.

It does not change Loupe: field queries (``subject:``, ``body:``) need the
six fields, so a catch-all would be added next to them, and its size is
what the index would grow by. Results go to ``bench/RESULTS.md``.
Run: ``.venv/bin/python bench/default_field_bench.py --size 100000``.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import time
from datetime import date
from pathlib import Path

import tantivy

from loupe.case import Case
from loupe.ingest.pipeline import default_field_texts
from loupe.search.index import FOLD, _analyzer, prepare
from loupe.search.query import DEFAULT_FIELDS

HERE = Path(__file__).resolve().parent
CATCH_ALL = "all"
Q, Occur = tantivy.Query, tantivy.Occur


def _schema(fields: tuple[str, ...]) -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("id", stored=True, tokenizer_name="raw")
    for name in fields:
        builder.add_text_field(name, stored=False, tokenizer_name=FOLD)
    return builder.build()


def _open(path: Path, fields: tuple[str, ...]) -> tantivy.Index:
    path.mkdir(parents=True, exist_ok=True)
    index = tantivy.Index(_schema(fields), path=str(path))
    index.register_tokenizer(FOLD, _analyzer())
    return index


def build(case: Case, where: Path) -> None:
    """Both scratch indexes, one document per message of the case."""
    shutil.rmtree(where, ignore_errors=True)
    six, one = _open(where / "six", DEFAULT_FIELDS), _open(where / "all", (CATCH_ALL,))
    writers = [six.writer(heap_size=200_000_000, num_threads=1), one.writer(heap_size=200_000_000, num_threads=1)]
    for message in case.matching_ids(""):
        texts = {field: prepare(text) for field, text in default_field_texts(case.parsed(message)).items() if text}
        for writer, catch_all in zip(writers, (False, True), strict=True):
            document = tantivy.Document()
            document.add_text("id", message)
            for field, text in texts.items():
                document.add_text(CATCH_ALL if catch_all else field, text)
            writer.add_document(document)
    for writer in writers:
        writer.commit()
        writer.wait_merging_threads()
    (where / "done").write_text("")


def queries(schema: tantivy.Schema, fields: tuple[str, ...]) -> dict[str, tantivy.Query]:
    """The query benchmark's unfielded queries, compiled over ``fields`` as Loupe compiles them."""

    def each(make: object) -> tantivy.Query:
        clauses = [make(field) for field in fields]  # type: ignore[operator]
        return clauses[0] if len(clauses) == 1 else Q.boolean_query([(Occur.Should, c) for c in clauses])

    def word(text: str) -> tantivy.Query:
        return each(lambda field: Q.term_query(schema, field, text))

    return {
        "notmuch": word("notmuch"),
        "patch email": Q.boolean_query([(Occur.Must, word("patch")), (Occur.Must, word("email"))]),
        '"mailing list"': each(lambda field: Q.phrase_query(schema, field, ["mailing", "list"])),
        "thread OR threading": Q.boolean_query([(Occur.Should, word("thread")), (Occur.Should, word("threading"))]),
        "notmuch -patch": Q.boolean_query([(Occur.Must, word("notmuch")), (Occur.MustNot, word("patch"))]),
        "emac*": each(lambda field: Q.regex_query(schema, field, "emac.*")),
    }


def timed(searcher: tantivy.Searcher, query: tantivy.Query, runs: int = 21) -> tuple[float, int]:
    result = searcher.search(query, limit=20, count=True)
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        searcher.search(query, limit=20, count=True)
        samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1000, int(getattr(result, "count", 0) or 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000)
    args = parser.parse_args()
    case = Case.open(HERE / "work" / f"amp-{args.size}" / "loupe-case")
    where = HERE / "work" / f"default-field-{args.size}"
    if not (where / "done").exists():
        build(case, where)
    case.close()
    six, one = _open(where / "six", DEFAULT_FIELDS), _open(where / "all", (CATCH_ALL,))
    sizes = {name: sum(f.stat().st_size for f in (where / name).iterdir()) / 1e6 for name in ("six", "all")}
    lines = [
        f"\n## One catch-all field or six default fields, {date.today().isoformat()}\n",
        f"Command: `python bench/default_field_bench.py --size {args.size}`. Scratch indexes of the same "
        f"messages, only the default text fields: six fields {sizes['six']:.1f} MB, one catch-all field "
        f"{sizes['all']:.1f} MB (what the index would grow by, the six being kept for field queries). "
        "First page of 20 with the exact total, in process, median of 21 runs.\n",
        "| messages | query | hits (six) | hits (catch-all) | six fields (ms) | catch-all (ms) | faster |",
        "|---:|---|---:|---:|---:|---:|---:|",
    ]
    q_six, q_one = queries(six.schema, DEFAULT_FIELDS), queries(one.schema, (CATCH_ALL,))
    for name in q_six:
        (t_six, n_six), (t_one, n_one) = timed(six.searcher(), q_six[name]), timed(one.searcher(), q_one[name])
        lines.append(
            f"| {args.size:,} | `{name}` | {n_six:,} | {n_one:,} | {t_six:.2f} | {t_one:.2f} | {t_six / t_one:.1f}x |"
        )
        print(lines[-1], flush=True)
    with (HERE / "RESULTS.md").open("a", encoding="utf-8") as out:
        out.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
