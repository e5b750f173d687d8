"""Compiled libraries for ingest's hot loops (issue 17, item 2): what each saves a message, and what it changes.

Issue 17 gives ingest 0.8 ms of CPU a message for every stage together; it
measured about 1.7 (``bench/ingest_profile.py``). Before tuning Python, it
asks for the well-kept compiled library made for each job, measured against
Loupe's current code on the same inputs, and taken only where the results
stay the same. Four jobs, each with its candidates used as their own
documentation says:

1. Near-duplicate signature: datasketch ``affine32`` MinHash, 64
   permutations, over CRC-32 of the 3-word shingles of the normalised body,
   low 16 bits kept, as Loupe computed it before this measure (datasketch's
   ``update_batch``, "Loupe before"). Its cost is broken into normalise /
   shingles / encode / CRC-32 / MinHash. Candidates: the same MinHash written
   directly in numpy (the same bits, so stored signatures stay comparable:
   what ``loupe.near_duplicates.signature.signature`` is since, "Loupe now"); xxhash's ``xxh32`` for the shingle hashes;
   rensa's ``RMinHash`` (Rust; its own token hash and permutations, low 16
   bits of its ``digest()`` kept, so the stored format is the same 128
   bytes). Agreement: each method's signatures grouped by
   ``loupe.near_duplicates.grouping.group_near_duplicates``, as a case
   would, on the real corpora, the amplified archive and the demo archive
   (whose ``truth.json`` gives precision and recall); pairs put together by
   one method and not the other, against the yardstick of datasketch itself
   with another seed (what MinHash's own sampling error moves); and the
   estimated against the exact Jaccard similarity of the shingle sets on
   sampled pairs (mean absolute error).
2. Gazetteer lookups (``loupe.entities``): whether Aho-Corasick applies at
   all; the entities step's CPU a message, where it goes (cProfile), and
   what a pyahocorasick scan of the text for the gazetteer's keys would cost
   and find.
3. HTML to text (``loupe.ingest.text.html_to_text``: inscriptis) against
   selectolax's Lexbor parser: ``text(separator="\\n")`` as documented, and
   with a line break added after each block element (a few lines of Python,
   the least a layout needs). Every ``text/html`` part of the corpora, the
   amplified and the demo archive, distinct bodies timed; how many texts are
   identical (exactly, line for line, word for word), and what differs.
4. MIME parsing (``loupe.ingest.mime.parse_message`` over the stdlib's
   ``compat32``) against fast-mail-parser's ``parse_email`` (Rust): CPU a
   message, and for every message whether it gives the same subject,
   From/To/Cc addresses, date, body text, attachments (count and SHA-256 of
   their bytes), or raises; each kind of disagreement counted, with
   examples.
5. Overall: the current and the best candidate's CPU a message per job,
   the saving, and the recommendation.

Inputs: the real corpora (``../shared/corpora``: notmuch-default,
mu-testdir, enron-sample, notmuch-edge, mimekit-mbox, mailparser-samples,
flanker-messages; for HTML also reply-formats, gifiles-forms, cpython-email
and containers-more, where HTML is), the amplified 10,000-message Maildir of
real list mail (``bench/work/amp-10000/mail``, made by
``bench/ingest_profile.py --size 10000``) and the demo archive
(``demo-archive``), each read with ``loupe.ingest.containers.walk`` as
ingest reads it. CPU is ``time.process_time`` (the machine is shared: wall
time would measure the neighbours), the median of ``--repeat`` passes.

Run: ``.venv/bin/python bench/compiled_choice.py`` (about 2 minutes on 2
cores; ``--write`` appends the section to ``bench/RESULTS.md``). The
candidates are not Loupe dependencies: first run
``.venv/bin/pip install rensa selectolax fast-mail-parser pyahocorasick xxhash``;
a missing one shows as ``n/a``.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime
import email
import email.policy
import gc
import hashlib
import importlib
import importlib.metadata
import itertools
import os
import pstats
import random
import re
import statistics
import subprocess
import sys
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
CORPORA = REPO.parent / "shared" / "corpora"
REAL = ["notmuch-default", "mu-testdir", "enron-sample", "notmuch-edge", "mimekit-mbox", "mailparser-samples",
        "flanker-messages"]  # fmt: skip
MORE_HTML = ["reply-formats", "gifiles-forms", "cpython-email", "containers-more"]
AMP = REPO / "bench" / "work" / "amp-10000" / "mail"
DEMO = REPO / "demo-archive"

sys.path.insert(0, str(REPO))
from bench.results import publish  # noqa: E402
from loupe.config import Settings  # noqa: E402
from loupe.entities import lexicon, message_entities  # noqa: E402
from loupe.entities.gazetteer import build_gazetteer, default_gazetteer  # noqa: E402
from loupe.folding import fold  # noqa: E402
from loupe.ingest.attachments import ExtractLimits  # noqa: E402
from loupe.ingest.containers import WalkContext, walk  # noqa: E402
from loupe.ingest.mime import parse_message  # noqa: E402
from loupe.ingest.text import decode_bytes, html_to_text  # noqa: E402
from loupe.model import ItemKind, ParsedMessage, RawItem  # noqa: E402
from loupe.near_duplicates import signature as loupe_signature  # noqa: E402
from loupe.near_duplicates.grouping import THRESHOLD, group_near_duplicates  # noqa: E402
from loupe.near_duplicates.signature import MIN_SHINGLES, NUM_PERM, SEED, normalise, shingles  # noqa: E402

CANDIDATES = {"rensa": "rensa", "xxhash": "xxhash", "ahocorasick": "pyahocorasick",
              "selectolax.lexbor": "selectolax", "fast_mail_parser": "fast-mail-parser"}  # fmt: skip
#: The ingest profile's figures (bench/RESULTS.md, "Ingest profile", meaning off): the budget and where it stands.
BUDGET_MS = 0.8
MEASURED_MS = 1.7
#: A change that keeps every stored bit and adds no dependency is worth it from this saving (ms a message).
SAME_BITS_MS = 0.01
#: A new compiled dependency that also changes stored data (every case's signatures recomputed) must save
#: at least this (ms a message): an eighth of the budget.
NEW_BITS_MS = 0.1
#: Messages whose HTML texts may be shown per kind of difference, and examples per kind of disagreement.
EXAMPLES = 3
#: Pairs whose exact Jaccard is computed, per set: put together by any method, and drawn at random.
GROUPED_PAIRS, RANDOM_PAIRS = 3000, 1000


def log(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def optional(name: str) -> ModuleType | None:
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


MODULES = {name: optional(name) for name in CANDIDATES}


def version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "n/a"


def cpu(step: Callable[[], object], repeat: int) -> float:
    """Median CPU seconds of ``repeat`` runs of ``step``, each after a full collection (the inputs are
    frozen out of the collector in ``main``, as an ingest worker holds only its current chunk)."""
    runs = []
    for _ in range(repeat):
        gc.collect()
        started = time.process_time()
        step()
        runs.append(time.process_time() - started)
    return statistics.median(runs)


def ms(seconds: float, count: int) -> float:
    return 1000 * seconds / max(1, count)


def cell(value: float | None, digits: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def short(text: object, width: int = 60) -> str:
    """A value for a table cell: one line, cut, no pipes."""
    flat = repr(text) if not isinstance(text, str) else text
    flat = " ".join(flat.replace("|", "/").replace("`", "'").split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def difference(a: str, b: str, width: int = 24) -> str:
    """Where two strings first differ: a window of each, as ``repr`` (so line ends and spaces show)."""
    at = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
    start = max(0, at - 6)
    return f"{short(repr(a[start : start + width]), 40)} ≠ {short(repr(b[start : start + width]), 40)}"


def add_example(examples: list[str], locator: str, detail: str) -> None:
    """Keep up to ``EXAMPLES``, from as many corpora (the first folder of the path) as show the kind."""
    place = where(locator)
    corpus, held = place.split("/")[0], [e.split("/")[0] for e in examples]
    if len(examples) < EXAMPLES:
        examples.append(f"{place}: {detail}")
    elif corpus not in held:
        twice = [i for i, c in enumerate(held) if held.count(c) > 1]
        if twice:
            examples[twice[-1]] = f"{place}: {detail}"


def where(locator: str) -> str:
    for root in (CORPORA, REPO / "bench" / "work", REPO):
        prefix = str(root) + "/"
        if locator.startswith(prefix):
            return locator[len(prefix) :]
    return locator


# --------------------------------------------------------------------------- inputs


class Corpus:
    """One set of messages, read as ingest reads them, and parsed once by Loupe."""

    def __init__(self, name: str, paths: list[Path]) -> None:
        settings = Settings()
        ctx = WalkContext(settings.archive_limits, settings.max_message_bytes)
        self.name = name
        self.items = [(i.locator, i.data) for i in walk(paths, ctx) if isinstance(i, RawItem)
                      and i.kind is ItemKind.RFC822]  # fmt: skip
        limits = ExtractLimits()
        self.parsed: list[ParsedMessage] = [parse_message(data, limits) for _, data in self.items]
        seen: set[str] = set()
        #: what a case signs and reads: one message per content key (ingest skips a copy's analysis)
        self.distinct = []
        for index, message in enumerate(self.parsed):
            if message.content_key not in seen:
                seen.add(message.content_key)
                self.distinct.append(index)

    def __len__(self) -> int:
        return len(self.items)


def html_parts(data: bytes) -> list[str]:
    """Every text/html part of a message (body, alternative or attachment), decoded as Loupe decodes it."""
    try:
        message = email.message_from_bytes(data, policy=email.policy.compat32)
        found = []
        for part in message.walk():
            if part.get_content_type() == "text/html":
                payload = part.get_payload(decode=True)
                if isinstance(payload, bytes):
                    found.append(decode_bytes(payload, part.get_content_charset())[0])
        return found
    except Exception:
        return []


# --------------------------------------------------------------------------- 1. signature

_A = _B = np.zeros(NUM_PERM, dtype=np.uint32)


def _permutations(seed: int) -> tuple[np.ndarray, np.ndarray]:
    from datasketch import MinHash  # type: ignore[import-untyped]

    a, b = MinHash(num_perm=NUM_PERM, seed=seed, scheme="affine32", hashfunc=zlib.crc32).permutations
    return a.astype(np.uint32), b.astype(np.uint32)


def _affine(hashes: np.ndarray, a: np.ndarray, b: np.ndarray) -> bytes:
    """datasketch's affine32 step: the MurmurHash3 finaliser, then min over a*h+b (mod 2^32), low 16 bits."""
    h = hashes
    h ^= h >> np.uint32(16)
    h *= np.uint32(0x85EBCA6B)
    h ^= h >> np.uint32(13)
    h *= np.uint32(0xC2B2AE35)
    h ^= h >> np.uint32(16)
    return (h[:, None] * a + b).min(axis=0).astype("<u2").tobytes()


_DATASKETCH: list[Any] = []


def sig_datasketch(body: str) -> bytes | None:
    """Loupe's signature as it was computed until issue 17: datasketch's own ``update_batch``."""
    from datasketch import MinHash

    if not _DATASKETCH:
        _DATASKETCH.append(MinHash(num_perm=NUM_PERM, seed=SEED, scheme="affine32", hashfunc=zlib.crc32))
    found = shingles(normalise(body))
    if len(found) < MIN_SHINGLES:
        return None
    minhash = _DATASKETCH[0].copy()
    minhash.update_batch([s.encode("utf-8") for s in found])
    return np.asarray(minhash.hashvalues).astype("<u2").tobytes()


def sig_numpy(body: str, a: np.ndarray | None = None, b: np.ndarray | None = None) -> bytes | None:
    found = shingles(normalise(body))
    if len(found) < MIN_SHINGLES:
        return None
    hashes = np.fromiter(map(zlib.crc32, map(str.encode, found)), dtype=np.uint32, count=len(found))
    return _affine(hashes, _A if a is None else a, _B if b is None else b)


def sig_xxhash(body: str) -> bytes | None:
    found = shingles(normalise(body))
    if len(found) < MIN_SHINGLES:
        return None
    xxh32 = MODULES["xxhash"].xxh32_intdigest  # type: ignore[union-attr]
    hashes = np.fromiter(map(xxh32, map(str.encode, found)), dtype=np.uint32, count=len(found))
    return _affine(hashes, _A, _B)


def sig_rensa(body: str) -> bytes | None:
    found = shingles(normalise(body))
    if len(found) < MIN_SHINGLES:
        return None
    minhash = MODULES["rensa"].RMinHash(NUM_PERM, SEED)  # type: ignore[union-attr]
    minhash.update(list(found))
    return np.asarray(minhash.digest(), dtype=np.uint32).astype("<u2").tobytes()


def co_grouped(signatures: list[bytes | None]) -> set[tuple[int, int]]:
    groups = group_near_duplicates((f"{i:07d}", s) for i, s in enumerate(signatures) if s is not None)
    return {(int(x), int(y)) for g in groups for x, y in itertools.combinations(g, 2)}


def estimated(a: bytes | None, b: bytes | None) -> float:
    if a is None or b is None:
        return 0.0
    return float(np.count_nonzero(np.frombuffer(a, "<u2") == np.frombuffer(b, "<u2"))) / NUM_PERM


def measure_signature(sets: list[Corpus], demo: Corpus | None, repeat: int) -> dict[str, Any]:
    global _A, _B
    _A, _B = _permutations(SEED)
    methods: dict[str, Callable[[str], bytes | None] | None] = {
        "datasketch (Loupe before)": sig_datasketch,
        "numpy, same bits (Loupe now)": loupe_signature.signature,
        "xxhash xxh32 + numpy": sig_xxhash if MODULES["xxhash"] else None,
        "rensa RMinHash": sig_rensa if MODULES["rensa"] else None,
    }
    other_a, other_b = _permutations(11)
    yardstick = "datasketch, seed 11 (yardstick)"
    out: dict[str, Any] = {"cpu": {}, "stages": {}, "agree": {}, "error": {}, "demo": {}, "identical": Counter()}
    sig_datasketch("warm " * 40)  # the permutations are drawn once per process, not in the timing
    loupe_signature.signature("warm " * 40)
    every = [*sets, *([demo] if demo else [])]
    signatures: dict[str, dict[str, list[bytes | None]]] = {c.name: {} for c in every}
    for corpus in every:
        bodies = [corpus.parsed[i].body_text for i in corpus.distinct]
        for name, method in methods.items():
            if method is None:
                continue
            if corpus in sets:
                out["cpu"][(name, corpus.name)] = ms(
                    cpu(lambda m=method, bs=bodies: [m(b) for b in bs], repeat), len(bodies)
                )
            signatures[corpus.name][name] = [method(b) for b in bodies]
        signatures[corpus.name][yardstick] = [sig_numpy(b, other_a, other_b) for b in bodies]
        reference = signatures[corpus.name]["datasketch (Loupe before)"]
        for name, sigs in signatures[corpus.name].items():
            out["identical"][name] += sum(x == y for x, y in zip(reference, sigs, strict=True))
        if corpus in sets:  # Loupe's cost, stage by stage
            norms = [normalise(b) for b in bodies]
            found = [s for s in (shingles(n) for n in norms) if len(s) >= MIN_SHINGLES]
            encoded = [[s.encode("utf-8") for s in f] for f in found]
            stages = {
                "normalise": cpu(lambda b=bodies: [normalise(x) for x in b], repeat),
                "shingles": cpu(lambda n=norms: [shingles(x) for x in n], repeat),
                "encode (UTF-8)": cpu(lambda f=found: [[s.encode("utf-8") for s in x] for x in f], repeat),
                "CRC-32": cpu(lambda e=encoded: [[zlib.crc32(s) for s in x] for x in e], repeat),
            }
            total = out["cpu"][("datasketch (Loupe before)", corpus.name)] * len(bodies) / 1000
            stages["datasketch MinHash (copy, fmix, permutations, min)"] = max(0.0, total - sum(stages.values()))
            out["stages"][corpus.name] = {k: ms(v, len(bodies)) for k, v in stages.items()}
            out["signed"] = out.get("signed", 0) + len(found)
            out["bodies"] = out.get("bodies", 0) + len(bodies)
    loupe = "datasketch (Loupe before)"
    rng = random.Random(7)
    sampled: list[tuple[str, int, int]] = []
    for corpus in every:
        sigs = signatures[corpus.name]
        pairs = {name: co_grouped(s) for name, s in sigs.items()}
        for name in sigs:
            if name == loupe:
                continue
            both, only_l, only_c = pairs[loupe] & pairs[name], pairs[loupe] - pairs[name], pairs[name] - pairs[loupe]
            flipped = sorted(only_l | only_c)
            near = None
            if flipped:
                body = [corpus.parsed[i].body_text for i in corpus.distinct]
                check = rng.sample(flipped, min(len(flipped), 500))
                exact = [_exact_jaccard(body[x], body[y]) for x, y in check]
                near = sum(abs(j - THRESHOLD) <= 0.1 for j in exact) / len(exact)
            out["agree"][(name, corpus.name)] = (len(both), len(only_l), len(only_c), near)
        union = sorted(set().union(*pairs.values()))
        sampled += [(corpus.name, x, y) for x, y in rng.sample(union, min(len(union), GROUPED_PAIRS))]
        signed = [i for i, s in enumerate(sigs[loupe]) if s is not None]
        sampled += [(corpus.name, *sorted(rng.sample(signed, 2))) for _ in range(RANDOM_PAIRS) if len(signed) > 1]
        if corpus is demo:
            out["demo"] = demo_scores(corpus, pairs)
    bodies_of = {c.name: [c.parsed[i].body_text for i in c.distinct] for c in every}
    exact_of = [_exact_jaccard(bodies_of[c][x], bodies_of[c][y]) for c, x, y in sampled]
    for name in [*methods, yardstick]:
        if methods.get(name, True) is None:
            continue
        errors = [
            abs(estimated(signatures[c][name][x], signatures[c][name][y]) - j)
            for (c, x, y), j in zip(sampled, exact_of, strict=True)
        ]
        high = [e for e, j in zip(errors, exact_of, strict=True) if j >= 0.5]
        out["error"][name] = (statistics.fmean(errors), statistics.fmean(high) if high else None, max(errors),
                              sum(e > 0.1 for e in errors) / len(errors))  # fmt: skip
    out["pairs"] = (len(sampled), sum(j >= 0.5 for j in exact_of))
    out["methods"] = [m for m, f in methods.items() if f is not None]
    out["yardstick"] = yardstick
    probe = "import time; t = time.process_time(); import datasketch; print(time.process_time() - t)"
    out["import_s"] = float(subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True).stdout)
    return out


_SHINGLE_CACHE: dict[str, set[str]] = {}


def _exact_jaccard(a: str, b: str) -> float:
    sa = _SHINGLE_CACHE.setdefault(a, shingles(normalise(a)))
    sb = _SHINGLE_CACHE.setdefault(b, shingles(normalise(b)))
    return len(sa & sb) / len(sa | sb) if sa or sb else 1.0


def demo_scores(demo: Corpus, pairs: dict[str, set[tuple[int, int]]]) -> dict[str, tuple[float, float, int]]:
    """Precision and recall of each method's co-grouped pairs against the demo's truth (as the test scores them)."""
    import json

    truth = json.loads((DEMO / "truth.json").read_text(encoding="utf-8"))
    by_id = {m["message_id"].strip("<>"): m for m in truth["messages"] if not m["embedded_in"]}
    label: dict[int, str] = {}
    for position, index in enumerate(demo.distinct):
        known = by_id.get(demo.parsed[index].message_id.strip("<>"))
        if known is not None:
            label[position] = known["near_duplicate_group"] or known["message_id"]
    members: dict[str, list[int]] = {}
    for position, group in label.items():
        members.setdefault(group, []).append(position)
    expected = {p for g in members.values() for p in itertools.combinations(sorted(g), 2)}
    scores = {}
    for name, found in pairs.items():
        found = {p for p in found if p[0] in label and p[1] in label}
        right = found & expected
        scores[name] = (len(right) / max(1, len(found)), len(right) / max(1, len(expected)), len(expected))
    return scores


# --------------------------------------------------------------------------- 2. entities


def measure_entities(sets: list[Corpus], repeat: int) -> dict[str, Any]:
    out: dict[str, Any] = {"cpu": {}, "found": {}}
    started = time.process_time()
    build_gazetteer()
    out["gazetteer_s"] = time.process_time() - started
    gazetteer = default_gazetteer()
    texts = {c.name: [(c.parsed[i].subject, c.parsed[i].body_text) for i in c.distinct] for c in sets}
    for name, pairs in texts.items():
        out["cpu"][name] = ms(cpu(lambda p=pairs: [message_entities(s, b) for s, b in p], repeat), len(pairs))
        out["found"][name] = sum(len(message_entities(s, b)) for s, b in pairs) / max(1, len(pairs))
    amp = texts[sets[0].name]
    profile = cProfile.Profile()
    profile.enable()
    for subject, body in amp:
        message_entities(subject, body)
    profile.disable()
    stats = pstats.Stats(profile)
    raw: dict[tuple[str, int, str], tuple[int, int, float, float, dict[Any, Any]]] = stats.stats  # type: ignore[attr-defined]
    total = sum(v[2] for v in raw.values())
    rows = sorted(((v[2], v[3], v[1], k) for k, v in raw.items()), reverse=True)
    out["profile"] = [(own / total, cum / total, calls / len(amp), _function(k)) for own, cum, calls, k in rows[:12]]
    regex = sum(v[2] for k, v in raw.items() if k[2] in ("find_runs", "split_run", "<listcomp>", "undot")
                or "re.Pattern" in k[2] or k[0].endswith("re/__init__.py"))  # fmt: skip
    out["regex_share"] = regex / total
    out["runs_per_message"] = sum(v[1] for k, v in raw.items() if k[2] == "split_run") / len(amp)
    ahocorasick = MODULES["ahocorasick"]
    if ahocorasick is not None:
        keys = set(gazetteer.places) | gazetteer.given_names | set(lexicon.KNOWN_ORGANISATIONS)
        started = time.process_time()
        automaton = ahocorasick.Automaton()
        for key in keys:
            automaton.add_word(key, len(key))
        automaton.make_automaton()
        out["ac_build_s"] = time.process_time() - started
        out["ac_keys"] = len(keys)

        def scan(text: str) -> int:
            folded = fold(text)
            hits = 0
            for end, length in automaton.iter(folded):
                start = end - length + 1
                if (start == 0 or not folded[start - 1].isalnum()) and (
                    end + 1 == len(folded) or not folded[end + 1].isalnum()
                ):
                    hits += 1
            return hits

        joined = [f"{s}\n\n{b}" for s, b in amp]
        out["ac_ms"] = ms(cpu(lambda: [scan(t) for t in joined], repeat), len(joined))
        out["ac_hits"] = sum(scan(t) for t in joined) / len(joined)
    return out


def _function(key: tuple[str, int, str]) -> str:
    path, line, name = key
    if path == "~":
        return name
    module = path.split("/loupe/")[-1] if "/loupe/" in path else Path(path).name
    return f"{module}:{line} {name}"


# --------------------------------------------------------------------------- 3. HTML to text

_BLOCKS = ("br,p,div,tr,li,h1,h2,h3,h4,h5,h6,table,blockquote,pre,ul,ol,dl,dt,dd,hr,section,article,header,footer,"
           "address,center,form,fieldset")  # fmt: skip
_WORDS = re.compile(r"\w+")
_BLANK_RUNS = re.compile(r"\n{3,}")


def selectolax_text(html: str) -> str:
    parser = MODULES["selectolax.lexbor"].LexborHTMLParser(html)  # type: ignore[union-attr]
    parser.strip_tags(["script", "style", "head"])
    return str(parser.text(separator="\n"))


def selectolax_blocks(html: str) -> str:
    parser = MODULES["selectolax.lexbor"].LexborHTMLParser(html)  # type: ignore[union-attr]
    parser.strip_tags(["script", "style", "head", "title"])
    for node in parser.css(_BLOCKS):
        node.insert_after("\n")
    for node in parser.css("td,th"):
        node.insert_after("  ")
    lines = [" ".join(line.split()) for line in str(parser.text(separator="")).split("\n")]
    text = _BLANK_RUNS.sub("\n\n", "\n".join(lines)).strip()
    return text + "\n" if text else ""


def _lines(text: str) -> list[str]:
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


def measure_html(sources: dict[str, list[Corpus]], amp: Corpus, demo: Corpus | None, repeat: int) -> dict[str, Any]:
    distinct: dict[str, str] = {}
    per_source: Counter[str] = Counter()
    for label, corpora in sources.items():
        for corpus in corpora:
            for locator, data in corpus.items:
                for html in html_parts(data):
                    per_source[label] += 1
                    distinct.setdefault(html, locator)
    bodies = list(distinct)
    methods: dict[str, Callable[[str], str] | None] = {
        "Loupe (inscriptis)": html_to_text,
        "selectolax text(separator='\\n')": selectolax_text if MODULES["selectolax.lexbor"] else None,
        "selectolax + block breaks": selectolax_blocks if MODULES["selectolax.lexbor"] else None,
    }
    kib = statistics.fmean(len(h.encode("utf-8", "surrogatepass")) for h in bodies) / 1024
    out: dict[str, Any] = {"parts": dict(per_source), "distinct": len(bodies), "kib": kib, "cpu": {}, "per_msg": {},
                           "kinds": {}, "examples": {}, "features": {}}  # fmt: skip
    per_message = {
        c.name: (len(c), [h for _, d in c.items for h in html_parts(d)]) for c in [amp, *([demo] if demo else [])]
    }
    reference = [html_to_text(h) for h in bodies]
    for name, method in methods.items():
        if method is None:
            continue
        out["cpu"][name] = ms(cpu(lambda m=method: [m(h) for h in bodies], repeat), len(bodies))
        for corpus, (count, htmls) in per_message.items():
            out["per_msg"][(name, corpus)] = ms(cpu(lambda m=method, h=htmls: [m(x) for x in h], repeat), count)
        if name == "Loupe (inscriptis)":
            continue
        texts = [method(h) for h in bodies]
        kinds: Counter[str] = Counter()
        examples: dict[str, list[str]] = {}
        features: Counter[str] = Counter()
        for html, a, b in zip(bodies, reference, texts, strict=True):
            if a == b:
                kind = "identical text"
            elif _lines(a) == _lines(b):
                kind = "same lines, other spacing or blank lines"
            elif _WORDS.findall(a) == _WORDS.findall(b):
                kind = "same words, other line breaks"
            else:
                kind = "other words"
            kinds[kind] += 1
            if kind == "identical text":
                continue
            for feature, pattern in _FEATURES.items():
                if re.search(pattern, html, re.IGNORECASE):
                    features[feature] += 1
            add_example(examples.setdefault(kind, []), distinct[html], _first_difference(a, b, kind))
        out["kinds"][name] = kinds
        out["examples"][name] = examples
        out["features"][name] = features
    out["features_all"] = Counter(f for h in bodies for f, p in _FEATURES.items() if re.search(p, h, re.IGNORECASE))
    out["methods"] = [m for m, f in methods.items() if f is not None]
    return out


_FEATURES = {"table": r"<table", "list": r"<li\b", "<br>": r"<br\b", "entity": r"&(?:#\d+|#x[0-9a-f]+|[a-z]+);",
             "<pre>": r"<pre\b", "<blockquote>": r"<blockquote\b"}  # fmt: skip


def _first_difference(a: str, b: str, kind: str) -> str:
    import difflib

    if kind == "other words":
        left, right = _WORDS.findall(a), _WORDS.findall(b)
    elif kind.startswith("same words"):
        return difference("\n".join(_lines(a)), "\n".join(_lines(b)))
    else:
        return difference(a, b)
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, left, right, autojunk=False).get_opcodes():
        if tag != "equal":
            ours, theirs = " / ".join(left[i1:i2][:3]) or "(nothing)", " / ".join(right[j1:j2][:3]) or "(nothing)"
            return f"{short(ours, 45)} ≠ {short(theirs, 45)}"
    return "(differs in line endings)"


# --------------------------------------------------------------------------- 4. MIME


def _emails(addresses: Iterable[Any], attribute: str) -> list[str]:
    return [str(getattr(a, attribute) or "").lower() for a in addresses if getattr(a, attribute, "")]


def _utc(value: datetime.datetime | None) -> datetime.datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=datetime.UTC)
    return value.astimezone(datetime.UTC)


def compare_mime(loupe: ParsedMessage, data: bytes) -> list[tuple[str, str]]:
    """Every way fast-mail-parser's reading of ``data`` differs from Loupe's: (kind, detail)."""
    fmp = MODULES["fast_mail_parser"]
    assert fmp is not None
    try:
        mail = fmp.parse_email(data)
    except Exception as exc:
        return [("raises", f"{type(exc).__name__}: {exc}")]
    found: list[tuple[str, str]] = []
    subject = mail.subject or ""
    if subject != loupe.subject:
        kind = "subject: spacing only" if subject.split() == loupe.subject.split() else "subject: text"
        found.append((kind, difference(loupe.subject, subject)))
    for field, ours, theirs in (
        ("from", loupe.senders, [mail.from_] if mail.from_ else []),
        ("to", loupe.to, mail.to),
        ("cc", loupe.cc, mail.cc),
    ):
        a, b = _emails(ours, "email"), _emails(theirs, "address")
        if a != b:
            found.append((f"{field} addresses", f"{short(a, 30)} ≠ {short(b, 30)}"))
    if _utc(loupe.date) != _utc(mail.date_parsed):
        found.append(("date", f"{loupe.date} ≠ {mail.date_parsed} ({short(mail.date, 35)})"))
    if loupe.body_source == "html":
        body = "\n".join(html_to_text(h) for h in mail.text_html)
    elif loupe.body_source == "plain":
        body = "\n".join(mail.text_plain)
    else:
        body = "\n".join(mail.text_plain) or "\n".join(mail.text_html)
    if body != loupe.body_text:
        if body.replace("\r\n", "\n") == loupe.body_text.replace("\r\n", "\n"):
            kind = "body: line endings only (CRLF for LF)"
        elif body.split() == loupe.body_text.split():
            kind = "body: spacing only"
        else:
            kind = "body: text"
        found.append((kind, difference(loupe.body_text, body)))
    ours_att = sorted(a.sha256 for a in loupe.attachments)
    theirs_att = sorted(hashlib.sha256(bytes(a.content)).hexdigest() for a in mail.attachments)
    if len(ours_att) != len(theirs_att):
        found.append(("attachments: count", f"{len(ours_att)} ≠ {len(theirs_att)} "
                      f"({short([a.mimetype for a in loupe.attachments], 40)} ≠ "
                      f"{short([a.mimetype for a in mail.attachments], 40)})"))  # fmt: skip
    elif ours_att != theirs_att:
        sizes = sorted(a.size for a in loupe.attachments), sorted(len(a.content) for a in mail.attachments)
        found.append(("attachments: bytes (same count)", f"sizes {short(sizes[0], 25)} ≠ {short(sizes[1], 25)}"))
    return found


def measure_mime(timed: list[Corpus], checked: list[Corpus], repeat: int) -> dict[str, Any]:
    fmp = MODULES["fast_mail_parser"]
    out: dict[str, Any] = {"cpu": {}, "kinds": {}, "examples": {}, "messages": {}, "clean": {}}
    limits = ExtractLimits()

    def fmp_parse(data: bytes) -> object:
        try:
            return fmp.parse_email(data)  # type: ignore[union-attr]
        except Exception:
            return None

    methods: dict[str, Callable[[bytes], object] | None] = {
        "Loupe parse_message (as ingest)": lambda d: parse_message(d, limits),
        "Loupe parse_message, no attachment text": lambda d: parse_message(d, limits, attachment_text=False),
        "stdlib message_from_bytes alone (compat32)": lambda d: email.message_from_bytes(
            d, policy=email.policy.compat32
        ),
        "fast-mail-parser parse_email": fmp_parse if fmp else None,
        "fast-mail-parser parse_email, lazy": (lambda d: fmp.parse_email(d, mode="lazy")) if fmp else None,  # type: ignore[union-attr]
    }
    for corpus in timed:
        datas = [d for _, d in corpus.items]
        for name, method in methods.items():
            if method is None:
                continue
            safe = method if "lazy" not in name else (lambda d, m=method: _quiet(m, d))
            out["cpu"][(name, corpus.name)] = ms(cpu(lambda m=safe, ds=datas: [m(d) for d in ds], repeat), len(datas))
    out["methods"] = [m for m, f in methods.items() if f is not None]
    if fmp is None:
        return out
    for corpus in checked:
        kinds: Counter[str] = Counter()
        clean = 0
        for (locator, data), parsed in zip(corpus.items, corpus.parsed, strict=True):
            found = compare_mime(parsed, data)
            clean += not found
            for kind, detail in found:
                kinds[kind] += 1
                add_example(out["examples"].setdefault(kind, []), locator, detail)
        out["kinds"][corpus.name] = kinds
        out["messages"][corpus.name] = len(corpus)
        out["clean"][corpus.name] = clean
    return out


def _quiet(method: Callable[[bytes], object], data: bytes) -> object:
    try:
        return method(data)
    except Exception:
        return None


# --------------------------------------------------------------------------- rendering


def render(args: argparse.Namespace, data: dict[str, Any]) -> list[str]:
    sets: list[Corpus] = data["sets"]
    demo: Corpus | None = data["demo"]
    amp, real = sets[0].name, sets[1].name
    sig, ent, html, mime = data["signature"], data["entities"], data["html"], data["mime"]
    versions = ", ".join(f"{p} {version(p)}" for p in [*CANDIDATES.values(), "datasketch", "inscriptis", "numpy"])
    lines = [
        f"## Compiled libraries for the hot loops (issue 17, item 2), {datetime.date.today().isoformat()} "
        f"({os.cpu_count()} cores)",
        "",
        f"Command: `python bench/compiled_choice.py{' --repeat ' + str(args.repeat) if args.repeat != 3 else ''}` "
        f"({versions}; the candidates installed for this run only with `pip install rensa selectolax "
        "fast-mail-parser pyahocorasick xxhash`, they are not dependencies). CPU time (`time.process_time`), "
        f"median of {args.repeat} passes, one process. Inputs, read with `containers.walk` and parsed once by "
        f"Loupe: {amp} {len(sets[0]):,} messages ({len(sets[0].distinct):,} distinct content keys), {real} "
        f"{len(sets[1]):,} messages ({len(sets[1].distinct):,}) from {', '.join(REAL)}"
        + (f", demo archive {len(demo):,} messages ({len(demo.distinct):,})" if demo else "")
        + f". Load average {data['load'][0]:.2f} at the start, {data['load'][1]:.2f} at the end; the run took "
        f"{data['wall'] / 60:.1f} min.",
        "",
    ]
    lines += render_signature(sig, amp, real, demo)
    lines += render_entities(ent, amp, real)
    lines += render_html(html, amp, demo)
    lines += render_mime(mime, sets, demo)
    lines += render_overall(data, amp)
    return lines


def render_signature(sig: dict[str, Any], amp: str, real: str, demo: Corpus | None) -> list[str]:
    loupe = "datasketch (Loupe before)"
    lines = [
        "### 1. Near-duplicate signature",
        "",
        f"CPU a message (distinct bodies; {sig['signed']:,} of {sig['bodies']:,} long enough to sign), "
        "every method including normalise and shingles:",
        "",
        f"| method | stored bits as today | {amp} ms/msg | {real} ms/msg |",
        "|---|---|---:|---:|",
    ]
    for name in sig["methods"]:
        same = "yes" if name in (loupe, "numpy, same bits (Loupe now)") else "no: every stored signature recomputed"
        lines.append(
            f"| {name} | {same} | {cell(sig['cpu'].get((name, amp)))} | {cell(sig['cpu'].get((name, real)))} |"
        )
    for stage in sig["stages"][amp]:
        lines.append(
            f"| - Loupe's {stage} |  | {cell(sig['stages'][amp][stage])} | {cell(sig['stages'][real][stage])} |"
        )
    for missing in ("xxhash xxh32 + numpy", "rensa RMinHash"):
        if missing not in sig["methods"]:
            lines.append(f"| {missing} | | n/a | n/a |")
    sets = [amp, real, *([demo.name] if demo else [])]
    bodies = sig["identical"]["datasketch (Loupe before)"]
    same = ", ".join(f"{n} {sig['identical'][n]:,}" for n in sig["methods"][1:])
    lines += [
        "",
        f"Signatures byte for byte the same as Loupe's, of {bodies:,} distinct bodies in all three sets "
        f"(those too short to sign count when both say so): {same}.",
        "",
        "Agreement with Loupe's groups (`group_near_duplicates` on each method's signatures): pairs of messages "
        "put in one group by both, by Loupe only, by the other only; and of the pairs on which they disagree "
        "(up to 500 sampled), the share whose exact Jaccard similarity is within 0.1 of the 0.78 threshold "
        "(where 64 values' sampling error, 0.05 at 0.78, decides). The yardstick is datasketch itself with "
        "another seed: what any MinHash moves. Pairs far from the threshold move too: a group is a star "
        "around its best-connected centre, and a member joins through the centre, so when the centre changes "
        "so do its pairs.",
        "",
        "| method | " + " | ".join(f"{s}: both / Loupe only / other only, near threshold" for s in sets) + " |",
        "|---|" + "---|" * len(sets),
    ]
    for name in [*sig["methods"][1:], sig["yardstick"]]:
        cells = []
        for s in sets:
            both, only_l, only_c, near = sig["agree"][(name, s)]
            cells.append(f"{both:,} / {only_l:,} / {only_c:,}, {'-' if near is None else f'{near:.0%}'}")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    if sig["demo"]:
        lines += [
            "",
            "Demo archive against `truth.json` (pairs of top-level messages, scored as "
            f"`tests/test_near_duplicates.py` scores them; {next(iter(sig['demo'].values()))[2]:,} truth pairs; "
            "recall moves with the MinHash seed alone, `grouping.py` gives 0.985-0.996 over seeds 7, 11 and 23 "
            "on the 2,000-message demo, so another seed's recall is the yardstick for a new hash):",
            "",
            "| method | precision | recall |",
            "|---|---:|---:|",
        ]
        lines += [f"| {n} | {p:.3f} | {r:.3f} |" for n, (p, r, _) in sig["demo"].items()]
    pairs, high = sig["pairs"]
    lines += [
        "",
        f"Estimated against exact Jaccard similarity of the shingle sets, on {pairs:,} sampled pairs (pairs any "
        f"method groups, and random signed pairs; {high:,} with exact similarity >= 0.5):",
        "",
        "| method | mean abs. error | mean abs. error, J >= 0.5 | max error | share off by > 0.1 |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, (mae, mae_high, worst, off) in sig["error"].items():
        lines.append(f"| {name} | {mae:.4f} | {cell(mae_high, 4)} | {worst:.3f} | {off:.1%} |")
    lines.append("")
    return lines


def render_entities(ent: dict[str, Any], amp: str, real: str) -> list[str]:
    lines = [
        "### 2. Gazetteer lookups",
        "",
        "Aho-Corasick does not apply. `loupe.entities` does not scan the text for the gazetteer's names: one "
        "regular expression (`runs.find_runs`) finds the runs of capitalised words, the only places a name can "
        "be, and each word or span of a run is then looked up in hashed sets and dicts (places, given names, "
        'known organisations, the archive\'s people), O(1) each, with rules around them (titles, "Dear", '
        '"wrote:", a city only after "in", a telling head or tail for an organisation). Most of what it '
        "finds is in no list (a given name followed by any surname, an organisation by its shape), so a "
        "scan for known keys could replace neither the run finder nor the rules; and the keys are matched "
        "folded (case and accents), so the automaton would run on a folded copy whose offsets are not the "
        "text's.",
        "",
        f"| | {amp} | {real} |",
        "|---|---:|---:|",
        f"| entities step (`message_entities(subject, body)`), ms/msg | {cell(ent['cpu'][amp])} | "
        f"{cell(ent['cpu'][real])} |",
        f"| entities found a message | {ent['found'][amp]:.1f} | {ent['found'][real]:.1f} |",
        "",
        f"Building the gazetteer costs {ent['gazetteer_s']:.2f} s once per process (not a message's cost). "
        f"cProfile of the step on {amp} ({ent['runs_per_message']:.1f} runs a message): regular expressions "
        f"(the run finder, splitting runs, the rules' look-behinds) hold {ent['regex_share']:.0%} of the "
        "profiled time, the rest is Python rule code around hash lookups; the top functions by own time:",
        "",
        "| function | own time | with callees | calls a message |",
        "|---|---:|---:|---:|",
    ]
    lines += [f"| `{name}` | {own:.1%} | {cum:.1%} | {calls:.1f} |" for own, cum, calls, name in ent["profile"]]
    if "ac_ms" in ent:
        lines += [
            "",
            f"For scale, a pyahocorasick automaton of the {ent['ac_keys']:,} folded keys (places, given names, "
            f"known organisations; {ent['ac_build_s']:.2f} s to build) scanning each folded text, hits kept at word "
            f"boundaries: {ent['ac_ms']:.3f} ms a message, {ent['ac_hits']:.1f} hits a message, before any rule "
            f"has run, against {ent['cpu'][amp]:.3f} ms for the whole step.",
        ]
    else:
        lines += ["", "pyahocorasick: n/a."]
    lines.append("")
    return lines


def render_html(html: dict[str, Any], amp: str, demo: Corpus | None) -> list[str]:
    parts = ", ".join(f"{k} {v:,}" for k, v in html["parts"].items())
    corpora = [amp, *([demo.name] if demo else [])]
    lines = [
        "### 3. HTML to text",
        "",
        f"Every `text/html` part ({parts}), {html['distinct']:,} distinct bodies ({html['kib']:.1f} KiB on "
        "average). CPU a body (distinct bodies), "
        "and a message where ingest meets the parts (each message's HTML parts, copies included):",
        "",
        "| method | ms / HTML body | " + " | ".join(f"{c} ms/msg" for c in corpora) + " |",
        "|---|---:|" + "---:|" * len(corpora),
    ]
    for name in html["methods"]:
        per = " | ".join(cell(html["per_msg"].get((name, c))) for c in corpora)
        lines.append(f"| {name} | {cell(html['cpu'][name])} | {per} |")
    if len(html["methods"]) == 1:
        lines.append("| selectolax | n/a | n/a |")
    kinds = ["identical text", "same lines, other spacing or blank lines", "same words, other line breaks",
             "other words"]  # fmt: skip
    lines += [
        "",
        "How each text compares with inscriptis's, body by body (the first kind that fits): "
        "identical; the same non-blank lines once spaces are collapsed; the same words in the same order "
        "but broken into other lines; other words.",
        "",
        "| method | " + " | ".join(kinds) + " |",
        "|---|" + "---:|" * len(kinds),
    ]
    for name in html["methods"][1:]:
        count = html["kinds"][name]
        lines.append(f"| {name} | " + " | ".join(f"{count[k]:,}" for k in kinds) + " |")
    features = html["features_all"]
    for name in html["methods"][1:]:
        differing = html["features"][name]
        shown = ", ".join(f"{f} {differing[f]:,} of {features[f]:,}" for f in _FEATURES if features[f])
        lines += ["", f"{name}: bodies not identical, by what their HTML holds (of all bodies holding it): {shown}."]
        for kind in kinds[1:]:
            for example in html["examples"][name].get(kind, []):
                lines.append(f"- {kind}: {example}")
    lines.append("")
    return lines


def render_mime(mime: dict[str, Any], sets: list[Corpus], demo: Corpus | None) -> list[str]:
    amp, real = sets[0].name, sets[1].name
    lines = [
        "### 4. MIME parsing",
        "",
        f"| method | {amp} ms/msg | {real} ms/msg |",
        "|---|---:|---:|",
    ]
    for name in mime["methods"]:
        lines.append(f"| {name} | {cell(mime['cpu'].get((name, amp)))} | {cell(mime['cpu'].get((name, real)))} |")
    if "fast-mail-parser parse_email" not in mime["methods"]:
        lines += ["| fast-mail-parser | n/a | n/a |", ""]
        return lines
    checked = list(mime["messages"])
    kinds = sorted({k for c in checked for k in mime["kinds"][c]}, key=lambda k: (k != "raises", k))
    lines += [
        "",
        "Accounting, message by message: fast-mail-parser's `parse_email` against Loupe's `ParsedMessage` "
        "(subject; From/To/Cc addresses, lower-cased; date as UTC; body: the text/plain parts joined as Loupe "
        "joins them, or inscriptis over the HTML where Loupe's body is the HTML; attachments: count, then the "
        "SHA-256 of each one's bytes). A message may disagree in several ways.",
        "",
        "| disagreement | " + " | ".join(f"{c} ({mime['messages'][c]:,})" for c in checked) + " |",
        "|---|" + "---:|" * len(checked),
    ]
    lines += [f"| {k} | " + " | ".join(f"{mime['kinds'][c][k]:,}" for c in checked) + " |" for k in kinds]
    lines.append("| **messages with none** | " + " | ".join(f"**{mime['clean'][c]:,}**" for c in checked) + " |")
    lines += ["", "Examples (file: Loupe ≠ fast-mail-parser):", ""]
    for kind in kinds:
        for example in mime["examples"][kind]:
            lines.append(f"- {kind}: {example}")
    lines += [
        "",
        "What fast-mail-parser does not give that Loupe uses: the headers as raw bytes (`headers` holds decoded "
        "strings; Loupe reads 8-bit headers with `raw_items` and `raw_to_text`, and shows them as written); "
        "which text/plain and text/html parts are alternatives of one another (`parse_email` flattens the tree; "
        "`html_alternative` compares them part for part; `parse_email_tree` has the tree, at another walk in "
        "Python); the parser's defects (it repairs and records `warnings`, or raises, where compat32 keeps "
        "going and lists defects); Loupe's charset fallback for undeclared 8-bit text (`decode_bytes`); the "
        "text parts' bytes as sent (it decodes quoted-printable line breaks as CRLF in a message written with LF: "
        "every \"line endings only\" body above is such a part; a text attachment's SHA-256 and the body's "
        "offsets change with it); a message whose header block it cannot read (it raises: the whole message would "
        "be quarantined, where Loupe keeps it). TNEF (winmail.dat) is read by neither. Nested "
        "message/rfc822 parts come out as attachment bytes in both (Loupe re-serialises them, so a byte or "
        "two differ).",
        "",
    ]
    return lines


def render_overall(data: dict[str, Any], amp: str) -> list[str]:
    sig, ent, html, mime = data["signature"], data["entities"], data["html"], data["mime"]
    rows = []
    decisions = []
    current = sig["cpu"][("datasketch (Loupe before)", amp)]
    hashed = sum(v for k, v in sig["stages"][amp].items() if k not in ("normalise", "shingles"))
    same = "numpy, same bits (Loupe now)"
    identical, bodies = sig["identical"][same], sig["identical"]["datasketch (Loupe before)"]
    saving = current - sig["cpu"][(same, amp)]
    decisions.append(
        (
            "near-duplicate signature, same stored bits",
            current,
            same,
            sig["cpu"][(same, amp)],
            saving,
            ("take" if saving >= SAME_BITS_MS and identical == bodies else "no gain")
            + f": {identical:,} of {bodies:,} signatures byte for byte the same, no new dependency; it saves "
            f"{saving:.3f} ms/msg (bar: {SAME_BITS_MS} ms), and each worker the {sig['import_s']:.2f} s of "
            "importing datasketch (with scipy) if nothing else at ingest needs it. The compiled part of the step "
            f"(encode, hash, MinHash) is only {hashed:.3f} of {current:.3f} ms: normalise and shingles are Python.",
        )
    )
    changed = {n: sig["cpu"][(n, amp)] for n in sig["methods"][2:] if (n, amp) in sig["cpu"]}
    best = min(changed, key=lambda n: changed[n]) if changed else None
    if best:
        saving = current - changed[best]
        moved = sig["agree"][(best, amp)]
        ruler = sig["agree"][(sig["yardstick"], amp)]
        decisions.append(
            (
                "near-duplicate signature, new bits",
                current,
                best,
                changed[best],
                saving,
                ("take" if saving >= NEW_BITS_MS else "don't take")
                + f": it saves {saving:.3f} ms/msg (bar for a new dependency and new stored bits: {NEW_BITS_MS} "
                f"ms), and every signature of every existing case would have to be recomputed; its groups move "
                f"as another seed's do ({amp}: {moved[1]:,} + {moved[2]:,} pairs differ, seed 11: {ruler[1]:,} + "
                f"{ruler[2]:,}), and rensa's stored values would follow its ALGORITHM_VERSION.",
            )
        )
    else:
        decisions.append(("near-duplicate signature, new bits", current, "n/a", None, 0.0, "not installed."))
    decisions.append(
        (
            "entities (gazetteer lookups)",
            ent["cpu"][amp],
            "pyahocorasick: does not apply",
            None,
            0.0,
            "nothing to take: the lookups are already O(1) hash lookups of the words one regex finds; the cost is "
            f"the rules' Python (regexes {ent['regex_share']:.0%} of it)"
            + (f"; an AC scan alone costs {ent['ac_ms']:.3f} ms/msg and decides nothing" if "ac_ms" in ent else "")
            + ".",
        )
    )
    loupe_html = html["per_msg"][("Loupe (inscriptis)", amp)]
    faster = [m for m in html["methods"][1:] if (m, amp) in html["per_msg"]]
    best_html = min(faster, key=lambda m: html["per_msg"][(m, amp)]) if faster else None
    if best_html:
        kinds = html["kinds"][best_html]
        identical = kinds["identical text"] / max(1, sum(kinds.values()))
        per_body = html["cpu"]["Loupe (inscriptis)"] - html["cpu"][best_html]
        saving = loupe_html - html["per_msg"][(best_html, amp)]
        closest = max(html["methods"][1:], key=lambda m: html["kinds"][m]["identical text"])
        close = html["kinds"][closest]["identical text"] / max(1, sum(html["kinds"][closest].values()))
        verdict = (
            ("take" if identical == 1.0 else "don't take")
            + f" as a drop-in: {per_body:.3f} ms saved a HTML body ({html['kib']:.1f} KiB on average), "
            f"{saving:.3f} ms/msg on this list mail, where few messages carry HTML; on Outlook or Exchange "
            "mail, where nearly every message has an HTML alternative that Loupe converts too, it would be that "
            "much a message or more (their HTML is larger). "
            f"But only {identical:.0%} of its texts are identical to inscriptis's "
            f"({closest}: {close:.0%}, at {html['cpu'][closest]:.3f} ms a body), and body offsets (entities, "
            "passages, quote checks) and phrase search rest on that layout: a new converter means a parser "
            "version and every HTML message of every case read again."
        )
        decisions.append(("HTML to text", loupe_html, best_html, html["per_msg"][(best_html, amp)], saving, verdict))
    else:
        decisions.append(("HTML to text", loupe_html, "n/a", None, 0.0, "selectolax not installed."))
    parse_cost = mime["cpu"][("Loupe parse_message (as ingest)", amp)]
    if ("fast-mail-parser parse_email", amp) in mime["cpu"]:
        stdlib = mime["cpu"][("stdlib message_from_bytes alone (compat32)", amp)]
        fast = mime["cpu"][("fast-mail-parser parse_email", amp)]
        saving = max(0.0, stdlib - fast)
        every: Counter[str] = Counter()
        for kinds_of in mime["kinds"].values():
            every.update(kinds_of)
        clean = not every
        raises = every["raises"]
        commonest = ", ".join(f"{k} {n:,}" for k, n in every.most_common(3))
        decisions.append(
            (
                "MIME parsing",
                parse_cost,
                "fast-mail-parser (in place of compat32's parse)",
                parse_cost - saving,
                saving,
                ("take" if clean else "don't take")
                + f": only the stdlib's own parse ({stdlib:.3f} of {parse_cost:.3f} ms) is what it replaces; "
                f"{raises:,} messages raise (quarantined, where Loupe reads them), and "
                f"{sum(mime['messages'].values()) - sum(mime['clean'].values()):,} of "
                f"{sum(mime['messages'].values()):,} disagree somewhere (commonest: {commonest}); the headers, "
                "addresses, dates and bodies would still go through Loupe's own code.",
            )
        )
    else:
        decisions.append(("MIME parsing", parse_cost, "n/a", None, 0.0, "fast-mail-parser not installed."))
    rows = [
        "### 5. Overall",
        "",
        f"CPU a message on {amp}, this run (the ingest profile's figures differ by the machine's load, see its notes):",
        "",
        "| job | current ms/msg | best candidate | its ms/msg | saving ms/msg | recommendation |",
        "|---|---:|---|---:|---:|---|",
    ]
    for job, now, best_name, then, saving, verdict in decisions:
        rows.append(f"| {job} | {now:.3f} | {best_name} | {cell(then)} | {saving:.3f} | {verdict} |")
    signature_rows = [d for d in decisions if d[0].startswith("near-duplicate")]
    possible = sum(d[4] for d in decisions) - min(d[4] for d in signature_rows)  # one signature or the other
    taken = sum(d[4] for d in decisions if d[5].startswith("take"))
    rows += [
        "",
        f"Every candidate taken at once would save {possible:.3f} ms a message; against the budget of "
        f"{BUDGET_MS} ms and the ~{MEASURED_MS} ms measured, that closes {possible / (MEASURED_MS - BUDGET_MS):.0%} "
        f"of the gap. Taken on these figures: {taken:.3f} ms. The hot loops' cost is in Loupe's own Python "
        "around the libraries (normalising and shingling bodies, the entity rules, compat32's header handling "
        "and Loupe's header decoding), which no drop-in library removes.",
        "",
    ]
    return rows


# --------------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="timing passes (the median is kept)")
    parser.add_argument("--no-demo", action="store_true", help="leave the demo archive out")
    parser.add_argument("--write", action="store_true", help="append the section to bench/RESULTS.md")
    args = parser.parse_args()
    if not AMP.is_dir():
        parser.error(f"{AMP} is missing: run bench/ingest_profile.py --size 10000 first")
    missing = [package for name, package in CANDIDATES.items() if MODULES[name] is None]
    if missing:
        log(f"not installed, shown as n/a: {', '.join(missing)}")
    started, load = time.perf_counter(), os.getloadavg()[0]
    log("reading and parsing the amplified archive, the real corpora and the demo archive")
    sets = [Corpus("amp-10000", [AMP]), Corpus("real corpora", [CORPORA / n for n in REAL])]
    demo = None if args.no_demo or not DEMO.is_dir() else Corpus("demo", [DEMO / "archive"])
    gc.collect()
    gc.freeze()  # the corpora stay out of every collection: a worker holds one chunk, not 30,000 messages
    log("1. near-duplicate signatures")
    data: dict[str, Any] = {"sets": sets, "demo": demo, "names": [c.name for c in sets] + ([demo.name] if demo else [])}
    data["signature"] = measure_signature(sets, demo, args.repeat)
    log("2. entities")
    data["entities"] = measure_entities(sets, args.repeat)
    log("3. HTML to text")
    extra = Corpus("more corpora", [CORPORA / n for n in MORE_HTML])
    sources = {"amp-10000": [sets[0]], "real corpora": [sets[1], extra], **({"demo": [demo]} if demo else {})}
    data["html"] = measure_html(sources, sets[0], demo, args.repeat)
    log("4. MIME parsing")
    data["mime"] = measure_mime(sets, [*sets, *([demo] if demo else [])], args.repeat)
    data["wall"] = time.perf_counter() - started
    data["load"] = (load, os.getloadavg()[0])
    publish(render(args, data), args.write)


if __name__ == "__main__":
    main()
