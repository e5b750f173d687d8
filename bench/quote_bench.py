"""Quote check at archive scale: a six-quotation article, timed whole-process and in-process, by stage.

Issue 17, item 5: on the 1,000,000-message case ``loupe quotes`` took 35.6 s
for an article of six quotations. This script builds such an article from
the case itself, deterministically (``--seed``): it picks messages, takes
sentences their authors wrote (not what they quote), and prints them as

1-3. verbatim;
4.   with an editorial mark (words left out, shown by an ellipsis);
5.   misquoted (one word changed);
6.   a sentence no message holds.

Then it times, in the same run:

- ``loupe quotes ARTICLE --case CASE``, a fresh process each time (start-up,
  opening the case, every quote, the printed table), after one warm-up run;
- ``check_quotes`` in-process: the first call (index and meaning model
  opened) and warm calls after it;
- one warm in-process call with each stage's time: the index asked for
  candidates and for every holder of the words, originals read again,
  alignment, database look-ups, meaning. A stage's time excludes the
  stages it calls. With quotes checked in parallel the stages add up to
  more than the wall time: they are summed over threads.

With ``--web``, the web page too: ``loupe serve`` on the case, Chromium
(Debian's, through Playwright) pastes the article and clicks "Check the
quotes"; the page records, by ``performance.now()``, the click, the list of
quotations, each verdict as it is put in place and the finished report.
The first run after the server starts is shown apart (index and meaning
model opened), then the median of ``--repeat``; and the same form with
JavaScript off (the whole page at the end), for comparison.

Each verdict is printed next to the one the article was built to get, so a
faster check that answers differently shows at once. ``--profile`` adds the
top of a cProfile of one warm call (the calling thread only).

Run: ``.venv/bin/python bench/quote_bench.py`` (the 1,000,000-message case;
``--case DIR`` for another), ``--write`` to append to ``bench/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))

from results import publish  # noqa: E402

DEFAULT_CASE = HERE / "work" / "lists-1000000-3000" / "loupe-case"
#: What each quote of the article was built to be, in order.
PLANTED = ("verbatim", "verbatim", "verbatim", "faithful edit", "altered", "not found")
#: A sentence about nothing a software mailing list discusses: in no message of the case.
ABSENT = "The harbour master counted seventeen crates of saffron before the midnight ferry left for Valparaiso"
#: Words put in for one word of the misquoted sentence (the first not already in it).
SWAPS = ("completely", "secretly", "obviously", "reluctantly", "certainly")
#: A sentence worth quoting: this many words, letters and ordinary punctuation only.
MIN_WORDS, MAX_WORDS = 10, 26
_PLAIN = re.compile(r"^[A-Za-z][A-Za-z ,;:'()-]+[.!?]$")
_SENTENCE = re.compile(r"[^.!?\n]+[.!?]")
CLI_ENV = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}


def sentences_of(body: str) -> Iterator[str]:
    """Plain sentences an author wrote in ``body`` (not quoted, not code, not a signature)."""
    from loupe.threads.quoting import split_reply

    own = split_reply(body).new or body
    for paragraph in re.split(r"\n\s*\n", own):
        lines = paragraph.strip().splitlines()
        if not lines or any(line.lstrip().startswith((">", "|", "-", "*", "+", "@")) for line in lines):
            continue  # quoted, a list or a patch: not prose its author wrote here
        for found in _SENTENCE.finditer(" ".join(lines)):
            sentence = " ".join(found.group().split())
            if _PLAIN.match(sentence) and MIN_WORDS <= len(sentence.split()) <= MAX_WORDS:
                yield sentence


def pick_sentences(case: Any, seed: int, wanted: int = 5) -> list[tuple[str, str]]:
    """``wanted`` (message, sentence) pairs from messages picked at random (seeded), no sentence twice."""
    from sqlalchemy import text

    rng = random.Random(seed)
    picked: list[tuple[str, str]] = []
    seen: set[str] = set()
    tries = 0
    while len(picked) < wanted and tries < 2000:
        tries += 1
        with case.db.engine.connect() as conn:
            # ids are content hashes: the first at or after a random one is a message picked at random
            at = f"{rng.getrandbits(64):016x}"
            message = conn.scalar(text("SELECT id FROM messages WHERE id >= :at ORDER BY id LIMIT 1"), {"at": at})
        if message is None:
            continue
        try:
            body = case.parsed(str(message), attachment_text=False).body_text
        except Exception:
            continue
        options = [s for s in sentences_of(body) if s.lower() not in seen]
        if options:
            sentence = rng.choice(options)
            seen.add(sentence.lower())
            picked.append((str(message), sentence))
    if len(picked) < wanted:
        raise SystemExit(f"found only {len(picked)} quotable sentences in {tries} messages")
    return picked


def elided(sentence: str) -> str:
    """Three words from the middle left out, shown by an ellipsis: a faithful edit."""
    words = sentence.split()
    cut = len(words) // 2 - 1
    return " ".join([*words[:cut], "...", *words[cut + 3 :]])


def misquoted(sentence: str) -> str:
    """The longest word of the second half changed for another: one word altered."""
    words = sentence.split()
    half = len(words) // 2
    at = max(range(half, len(words) - 1), key=lambda i: (len(words[i].strip(",;:")), -i))
    swap = next(w for w in SWAPS if w not in sentence.lower())
    tail = words[at][len(words[at].rstrip(",;:")) :]
    words[at] = swap + tail
    return " ".join(words)


def build_article(case: Any, seed: int) -> tuple[str, list[str]]:
    """(Markdown article, its six quotations in order)."""
    picked = pick_sentences(case, seed)
    quotes = [picked[0][1], picked[1][1], picked[2][1], elided(picked[3][1]), misquoted(picked[4][1]), ABSENT]
    lead = ("one developer wrote", "a maintainer replied", "another wrote", "a reviewer noted", "he said", "she said")
    paragraphs = [
        f"In a message to the list, {who}: “{q}” The thread went on." for who, q in zip(lead, quotes, strict=True)
    ]
    return "# What the list said\n\n" + "\n\n".join(paragraphs) + "\n", quotes


class Stages:
    """Wall time spent in named functions, each stage's own (its inner stages subtracted), per thread."""

    def __init__(self) -> None:
        self.spent: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self._local = threading.local()
        self._lock = threading.Lock()
        self._undo: list[Callable[[], None]] = []

    def wrap(self, owner: Any, name: str, label: str) -> None:
        original = getattr(owner, name, None)
        if original is None:
            return
        stages = self

        def timed(*args: Any, **kwargs: Any) -> Any:
            stack = getattr(stages._local, "stack", None)
            if stack is None:
                stack = stages._local.stack = [0.0]
            stack.append(0.0)
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                took = time.perf_counter() - started
                inner = stack.pop()
                stack[-1] += took
                with stages._lock:
                    stages.spent[label] += took - inner
                    stages.calls[label] += 1

        setattr(owner, name, timed)
        self._undo.append(lambda: setattr(owner, name, original))

    def restore(self) -> None:
        for undo in reversed(self._undo):
            undo()
        self._undo.clear()


@contextmanager
def staged() -> Iterator[Stages]:
    """The quote check's stages timed, whatever the current code calls them (missing names are skipped)."""
    from loupe.case import Case
    from loupe.quotes import in_case
    from loupe.search import paging

    stages = Stages()
    modules = [in_case]
    try:
        from loupe.quotes import locate  # the index-side search, where the code has one

        modules.append(locate)
    except ImportError:
        pass
    for module in modules:
        for name, label in (
            ("candidates", "index: candidates by the quote's words"),
            ("best", "index: candidates by the quote's phrases and shingles"),
            ("ids_matching", "index: every message holding the passage"),
            ("every_id", "index: every message holding the passage"),
            ("align", "alignment"),
            ("best_alignment", "alignment"),
            ("_places", "database: headlines, insights, ids"),
            ("closest_in_meaning", "meaning: closest passages"),
        ):
            stages.wrap(module, name, label)
    stages.wrap(paging, "ids_matching", "index: every message holding the passage")
    stages.wrap(Case, "parsed", "originals read and parsed")
    try:
        yield stages
    finally:
        stages.restore()


def timed_process(cmd: list[str]) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(cmd, env=CLI_ENV, capture_output=True, text=True)
    took = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed: {done.stderr.strip()[-500:]}")
    return took, done.stdout


#: In the page: the click, the quotations listed, each verdict put in place, the finished report (ms).
OBSERVER = """() => {
  window.marks = {verdicts: []};
  document.getElementById("check-quotes").addEventListener("click",
    () => { window.marks.click = performance.now(); }, {capture: true});
  new MutationObserver((changes) => {
    for (const change of changes) {
      for (const node of change.addedNodes) {
        if (node.nodeType !== 1) continue;
        if (node.matches("section.quote-stream")) window.marks.listed = performance.now();
        if (node.matches("article.quote-check:not(.pending)")) window.marks.verdicts.push(performance.now());
      }
      if (change.type === "attributes" && change.target.matches("section.quote-report")) {
        window.marks.done = window.marks.done || performance.now();
      }
    }
  }).observe(document.querySelector("main"), {childList: true, subtree: true, attributes: true,
                                              attributeFilter: ["class"]});
}"""


@contextmanager
def serving(case: Path) -> Iterator[str]:
    """``loupe serve`` on a free port, as a reporter starts it; yields its address."""
    import httpx

    process = subprocess.Popen(
        [str(REPO / ".venv/bin/loupe"), "serve", "--case", str(case), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=CLI_ENV,
    )
    try:
        assert process.stdout is not None
        found = re.search(r"at (http://127\.0\.0\.1:\d+)/", process.stdout.readline())
        if not found:
            raise SystemExit("loupe serve did not start")
        httpx.get(found.group(1) + "/api/status", timeout=120).raise_for_status()
        yield found.group(1)
    finally:
        process.terminate()
        process.wait(timeout=60)


def web_times(case: Path, article: str, repeat: int) -> list[dict[str, float]]:
    """Per run: ms from the click to the list, the first verdict, the last, the finished report; and
    with JavaScript off, to the whole page. The first run is the server's first."""
    from playwright.sync_api import sync_playwright

    runs = []
    with serving(case) as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", headless=True, args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        for _ in range(1 + repeat):
            page = browser.new_page()
            page.goto(url + "/quotes")
            page.evaluate(OBSERVER)
            page.fill("#article", article)
            page.click("#check-quotes")
            page.wait_for_selector("section.quote-report", timeout=600_000)
            marks = page.evaluate("window.marks")
            page.close()
            plain = browser.new_page(java_script_enabled=False)
            plain.goto(url + "/quotes")
            plain.fill("#article", article)
            started = time.perf_counter()
            plain.click("#check-quotes")
            plain.wait_for_selector("section.quote-report", timeout=600_000)
            whole = (time.perf_counter() - started) * 1000
            plain.close()
            click = marks["click"]
            runs.append(
                {
                    "listed": marks["listed"] - click,
                    "first": marks["verdicts"][0] - click,
                    "last": marks["verdicts"][-1] - click,
                    "done": marks["done"] - click,
                    "no_js": whole,
                }
            )
        browser.close()
    return runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", type=Path, default=DEFAULT_CASE)
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--repeat", type=int, default=3, help="warm in-process calls and CLI runs (after a warm-up)")
    parser.add_argument("--no-process", action="store_true", help="in-process only")
    parser.add_argument("--profile", action="store_true", help="print the top of a cProfile of one warm call")
    parser.add_argument("--web", action="store_true", help="also time the web page in Chromium (loupe serve)")
    parser.add_argument("--write", action="store_true", help="append the figures to bench/RESULTS.md")
    args = parser.parse_args()

    from loupe.case import Case
    from loupe.quotes import load_article
    from loupe.quotes.in_case import check_quotes

    case = Case.open(args.case)
    messages = int(case.index.searcher().num_docs)
    text, quotes = build_article(case, args.seed)
    case.close()
    article_file = Path(tempfile.mkdtemp(prefix="quote-bench-")) / "article.md"
    article_file.write_text(text, "utf-8")
    article = load_article(text.encode("utf-8"), "article.md")

    case = Case.open(args.case)
    started = time.perf_counter()
    first = check_quotes(case, article)
    cold = time.perf_counter() - started
    warm = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        check_quotes(case, article)
        warm.append(time.perf_counter() - started)
    with staged() as stages:
        started = time.perf_counter()
        check_quotes(case, article)
        staged_wall = time.perf_counter() - started
    profile_text = ""
    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        check_quotes(case, article)
        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(30)
        profile_text = out.getvalue()
    case.close()

    process: list[float] = []
    if not args.no_process:
        cmd = [str(REPO / ".venv/bin/loupe"), "quotes", str(article_file), "--case", str(args.case)]
        timed_process(cmd)  # warm-up: page cache, bytecode
        process = [timed_process(cmd)[0] for _ in range(args.repeat)]
    web = web_times(args.case, text, args.repeat) if args.web else []

    shown = args.case.relative_to(REPO) if args.case.is_relative_to(REPO) else args.case
    command = f"python bench/quote_bench.py --case {shown}"
    command += f" --seed {args.seed} --repeat {args.repeat}" + (" --no-process" if args.no_process else "")
    command += " --web" if args.web else ""
    lines = [
        f"\n## Quote check, {time.strftime('%Y-%m-%d')} ({os.cpu_count()} cores, case {args.case.name}"
        + (f" of {messages:,} messages" if messages else "")
        + ")\n",
        f"Command: `{command}`. A six-quotation article built from the case (seeded); "
        "`loupe quotes` a fresh process each run after one warm-up; `check_quotes` in-process.\n",
        "| # | built as | verdict | quote |",
        "|---|---|---|---|",
    ]
    for number, (check, planted, quote) in enumerate(zip(first, PLANTED, quotes, strict=False), 1):
        mark = "" if check.verdict == planted else " **(differs)**"
        lines.append(f"| {number} | {planted} | {check.verdict}{mark} | {quote[:70]} |")
    if len(first) != len(PLANTED):
        lines.append(f"\n**{len(first)} quotations extracted, not {len(PLANTED)}**")
    lines += ["", "| measure | seconds |", "|---|---|"]
    if process:
        lines.append(f"| `loupe quotes`, whole process, median of {len(process)} | {statistics.median(process):.2f} |")
    lines.append(f"| `check_quotes` in-process, first call (index, model opened) | {cold:.2f} |")
    lines.append(f"| `check_quotes` in-process, warm, median of {len(warm)} | {statistics.median(warm):.2f} |")
    if web:
        lines += ["", "Web page, Chromium, ms from the click (`performance.now()` in the page):", ""]
        lines += ["| run | quotations listed | first verdict | last verdict | report finished | no JS: whole page |"]
        lines += ["|---|---|---|---|---|---|"]
        keys = ("listed", "first", "last", "done", "no_js")
        first, rest = web[0], web[1:]
        lines.append("| first after start | " + " | ".join(f"{first[k]:.0f}" for k in keys) + " |")
        if rest:
            middle = {k: statistics.median(r[k] for r in rest) for k in keys}
            lines.append(f"| warm, median of {len(rest)} | " + " | ".join(f"{middle[k]:.0f}" for k in keys) + " |")
    lines += ["", f"Stages of one warm call ({staged_wall:.2f} s wall; summed over threads):", ""]
    lines += ["| stage | seconds | calls |", "|---|---|---|"]
    for label, spent in sorted(stages.spent.items(), key=lambda item: -item[1]):
        lines.append(f"| {label} | {spent:.3f} | {stages.calls[label]} |")
    accounted = sum(stages.spent.values())
    lines.append(f"| (the rest, calling thread) | {max(staged_wall - accounted, 0.0):.3f} | |")
    publish(lines, args.write)
    if profile_text:
        print(profile_text)


if __name__ == "__main__":
    main()
