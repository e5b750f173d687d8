"""Meaning search: which approximate-nearest-neighbour library should Loupe use?

Loupe's "meaning" search embeds passages of email text with wordllama (256
dimensions, L2-normalised float32, cosine similarity) and needs an ANN index
that is small on disk, opens memory-mapped, takes new vectors as mail is
ingested, and answers in milliseconds on a laptop for cases of 10,000 to
1,000,000 messages (a few passages each). This script measures the three
candidates side by side on the same vectors, so the choice rests on figures:

- hnswlib (``space='cosine'``, float32, M=16, ef_construction=100);
- usearch (``metric='cos'``, ``i8`` and ``f16``, connectivity 16,
  expansion_add 128), opened loaded and with ``Index.restore(path, view=True)``
  (memory-mapped);
- faiss-cpu ``IndexHNSWFlat`` and ``IndexHNSWSQ`` (``QT_8bit``) on inner
  product over the normalised vectors (M=16, efConstruction=100), opened
  loaded and with ``IO_FLAG_MMAP_IFC`` (memory-mapped codes);
- exact search as the baseline a small case may be content with: numpy
  float32 matrix @ query, numpy int8 matrix @ int8 query, and usearch's
  exact (SIMD) search over the int8 matrix.

The vectors are real text, not random points (random vectors have neither the
clusters nor the near-duplicates of mail, and mislead a graph benchmark either
way). Every message in the
real corpora (``../shared/corpora``: .eml files, maildirs, mboxes) is parsed
with the standard library; its text/plain bodies, without quoted ('>') lines,
are cut into sentences and grouped into passages of 1-3 consecutive sentences.
That gives about a thousand unique passages (the corpora are small); the N
indexed passages are these
plus variants made the way ``../shared/tools/amplify.py`` makes large
archives: sentences of different passages recombined, and about one word in
eight replaced by a real word (weighted by frequency) or by a word of a
heavy-tailed synthetic vocabulary (fixed seed, so the run is reproducible).
Queries are never indexed: held-out real passages ("more like this
passage") and short claims (a real sentence with a few words dropped, as an
investigator would paraphrase what they look for).

For each index it measures: build time (all N vectors added, 2 threads),
file size, resident memory (psutil RSS delta, each index in its own process;
for a mapped file, how much of it is the file's own pages), open time and
memory loaded vs memory-mapped, time to add 1% more vectors and save (ingest
of new mail), and for each search expansion (ef 128-256, and 512) the latency
of one query on one thread (p50/p95) and recall@k against exact float32
cosine (ties at the k-th similarity count as hits), by kind of query, within
0.01 cosine, and recall@10. The embedding speed (passages per second on one
core) is measured too, since ingest pays it for every passage. The section
ends with the extrapolation to 3,000,000 passages (1,000,000 messages) and
the recommendation for Loupe, argued with the run's own figures.

Run: ``.venv/bin/python bench/ann_choice.py --passages 20000 200000 --write``
(about 7 minutes on an idle 2-core machine); ``--write`` appends the section
to ``bench/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import bisect
import datetime
import email
import email.policy
import gc
import hashlib
import itertools
import json
import mailbox
import math
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
CORPORA = REPO.parent / "shared" / "corpora"
DIM = 256
SEED = 1
BUILD_THREADS = 2
#: ef values searched (128-256, and 512 to see what more buys); k must not exceed them.
EFS = (128, 192, 256, 512)
WARMUP = 10
#: Our own int8 quantisation: wordllama's normalised components stay below ~0.4 (the run reports the
#: largest), so x 384 uses the int8 range where x 127 (the bound for any unit vector; usearch's own
#: conversion of float input loses as much) uses a third of it; the rare larger component is clipped.
#: The scale is fixed, not fitted to the data, so vectors added later are quantised alike.
QUANT_SCALE = 384
#: A query "has a close match" when its true nearest passage is at least this similar.
CLOSE = 0.7
#: Recall with slack: a returned passage counts if its true cosine is within this of the true k-th.
SLACK = 0.01
#: Indexed configurations; "opens" lists how each is opened for the queries.
CONFIGS: list[dict[str, Any]] = [
    {"name": "hnswlib f32", "lib": "hnswlib", "opens": ["load"]},
    {"name": "usearch i8", "lib": "usearch", "dtype": "i8", "opens": ["load", "view"]},
    {"name": "usearch i8 x384", "lib": "usearch", "dtype": "i8", "prescale": True, "opens": ["load", "view"]},
    {"name": "usearch f16", "lib": "usearch", "dtype": "f16", "opens": ["load", "view"]},
    {"name": "faiss HNSWFlat", "lib": "faiss", "kind": "flat", "opens": ["load", "mmap"]},
    {"name": "faiss HNSWSQ8", "lib": "faiss", "kind": "sq8", "opens": ["load", "mmap"]},
]
#: Exact search over the whole matrix (no index to build).
EXACT: list[dict[str, Any]] = [
    {"name": "numpy f32 exact", "lib": "numpy", "dtype": "f32"},
    {"name": "numpy int8 exact", "lib": "numpy", "dtype": "i8"},
    {"name": "usearch exact i8", "lib": "usearch-exact", "dtype": "i8"},
]


def quantise(vectors: np.ndarray) -> np.ndarray:
    return np.clip(np.round(vectors * QUANT_SCALE), -127, 127).astype(np.int8)


def busy_seconds() -> float:
    """CPU seconds the whole machine has spent busy (all processes, all cores)."""
    import psutil

    times = psutil.cpu_times()
    return times.user + times.nice + times.system + getattr(times, "irq", 0.0) + getattr(times, "softirq", 0.0)


def own_seconds() -> float:
    """CPU seconds of this process and its finished workers."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- passages

HEADER_LINE = re.compile(rb"^[\x21-\x39\x3b-\x7e]+:[ \t]")
SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9])")
WORD = re.compile(r"[A-Za-z][A-Za-z'-]{2,}")


def iter_messages(root: Path) -> Any:
    """Every message of the real corpora: single-message files, maildir files and mboxes.

    Files are told by their content, not their name: an mbox starts with "From ",
    a message with a header field; archives, .pst/.msg and notes are skipped.
    """
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        with path.open("rb") as handle:
            head = handle.read(4096)
        if b"\0" in head:
            continue
        if head.startswith(b"From "):
            yield from mailbox.mbox(str(path), create=False)
        elif HEADER_LINE.match(head.lstrip(b"\r\n")):
            yield email.message_from_bytes(path.read_bytes(), policy=email.policy.compat32)


def body_texts(message: email.message.Message) -> list[str]:
    """The decoded text/plain parts of a message (attached files left out)."""
    texts = []
    for part in message.walk():
        if part.get_content_type() != "text/plain" or part.get_filename():
            continue
        try:
            payload = part.get_payload(decode=True)
        except Exception:  # a malformed transfer encoding: the corpora keep such mail on purpose
            continue
        if not isinstance(payload, bytes):
            continue
        charset = part.get_content_charset() or "us-ascii"
        try:
            texts.append(payload.decode(charset, "replace"))
        except LookupError:
            texts.append(payload.decode("latin-1"))
    return texts


def sentences_of(text: str) -> list[list[str]]:
    """Sentences by paragraph, quoted lines and quote headers dropped, junk filtered."""
    paragraphs: list[list[str]] = []
    lines: list[str] = []
    for raw in (*text.replace("\r\n", "\n").split("\n"), ""):
        line = raw.strip()
        if line.startswith(">") or line.endswith("wrote:"):
            continue
        if line:
            lines.append(line)
            continue
        if lines:
            joined = re.sub(r"\s+", " ", " ".join(lines))
            kept = [s for s in SENTENCE_END.split(joined) if is_prose(s)]
            if kept:
                paragraphs.append(kept)
            lines = []
    return paragraphs


def is_prose(sentence: str) -> bool:
    """A sentence of words: not base64, a URL, a table row or a signature rule."""
    if not 15 <= len(sentence) <= 400 or len(sentence.split()) < 3:
        return False
    letters = sum(c.isalpha() or c == " " for c in sentence)
    return letters / len(sentence) >= 0.8 and len(WORD.findall(sentence)) >= 2


def corpus_passages(root: Path, rng: random.Random) -> tuple[list[tuple[str, ...]], dict[str, int]]:
    """Unique passages of 1-3 consecutive sentences from every message under root."""
    passages: dict[tuple[str, ...], None] = {}
    stats = Counter()
    for message in iter_messages(root):
        stats["messages"] += 1
        for text in body_texts(message):
            for paragraph in sentences_of(text):
                stats["sentences"] += len(paragraph)
                i = 0
                while i < len(paragraph):
                    size = rng.choice((1, 2, 2, 3))
                    passages.setdefault(tuple(paragraph[i : i + size]))
                    i += size
    stats["passages"] = len(passages)
    return list(passages), dict(stats)


class Variants:
    """More passages from the real ones, the way ``amplify.py`` makes more mail.

    Sentences of different passages are recombined, and about one word in eight
    is replaced by a real word (drawn by frequency) or by a word of a
    heavy-tailed synthetic vocabulary (two real words spliced, Zipf-like ids).
    """

    TAIL_SIZE = 2_000_000

    def __init__(self, passages: list[tuple[str, ...]], rng: random.Random) -> None:
        self.passages = passages
        self.rng = rng
        counts = Counter(w for p in passages for s in p for w in WORD.findall(s))
        self.vocab = sorted(counts, key=lambda w: (-counts[w], w))
        self.cumulative = list(itertools.accumulate(counts[w] for w in self.vocab))

    def real_word(self) -> str:
        pick = self.rng.random() * self.cumulative[-1]
        return self.vocab[min(bisect.bisect(self.cumulative, pick), len(self.vocab) - 1)]

    def tail_word(self) -> str:
        rank = int(math.exp(self.rng.random() * math.log(self.TAIL_SIZE)))
        digest = hashlib.blake2b(rank.to_bytes(4, "little"), digest_size=8).digest()
        top = min(len(self.vocab), 20000)
        a = self.vocab[int.from_bytes(digest[:4], "little") % top]
        b = self.vocab[int.from_bytes(digest[4:], "little") % top]
        return (a[: max(2, len(a) // 2)] + b[len(b) // 2 :]).lower()

    def perturb(self, text: str) -> str:
        tokens = text.split(" ")
        if self.rng.random() < 0.9:
            for _ in range(max(1, len(tokens) // 8)):
                i = self.rng.randrange(len(tokens))
                core = tokens[i].rstrip(".,;:!?)")
                if core.isalpha():
                    word = self.real_word() if self.rng.random() < 0.4 else self.tail_word()
                    tokens[i] = word + tokens[i][len(core) :]
        return " ".join(tokens)

    def make(self) -> str:
        if self.rng.random() < 0.3:  # a near copy of a real passage, as replies and forwards quote
            return self.perturb(" ".join(self.rng.choice(self.passages)))
        size = self.rng.choice((1, 2, 2, 3))
        sentences: list[str] = []
        while len(sentences) < size:  # runs of consecutive sentences from different passages
            source = self.rng.choice(self.passages)
            start = self.rng.randrange(len(source))
            sentences += source[start : start + size - len(sentences)]
        return self.perturb(" ".join(sentences))


def claim_of(sentence: str, rng: random.Random) -> str:
    """A short claim: the sentence with a few of its words dropped."""
    words = sentence.split()
    drop = set(rng.sample(range(len(words)), min(4, max(1, len(words) // 6))))
    return " ".join(w for i, w in enumerate(words) if i not in drop)


def make_texts(n: int, extra: int, queries: int) -> dict[str, Any]:
    """Indexed passages (real ones first, then variants), extra passages to add, and queries."""
    rng = random.Random(SEED)
    t0 = time.perf_counter()
    passages, stats = corpus_passages(CORPORA, rng)
    stats["parse_s"] = time.perf_counter() - t0
    rng.shuffle(passages)
    held = max(1, queries // 2)
    held_out, pool = passages[:held], passages[held:]
    long_sentences = [s for p in pool for s in p if len(s.split()) >= 6]
    claims = [claim_of(s, rng) for s in rng.sample(long_sentences, queries - held)]
    seen = {" ".join(p) for p in passages}
    texts = [" ".join(p) for p in pool[:n]]
    variants = Variants(pool, rng)
    while len(texts) < n + extra:
        text = variants.make()
        if text not in seen:
            seen.add(text)
            texts.append(text)
    query_texts = [" ".join(p) for p in held_out] + claims
    kinds = ["passage"] * len(held_out) + ["claim"] * len(claims)
    return {"base": texts[:n], "extra": texts[n:], "queries": query_texts, "kinds": kinds, "stats": stats}


# --------------------------------------------------------------------------- embedding


def load_model() -> Any:
    """wordllama's 256-dim model, offline (``WordLlama.load(disable_download=True)`` misplaces the tokenizer)."""
    os.environ.setdefault("RAYON_NUM_THREADS", "1")  # one core: the tokenizer's thread pool too
    import wordllama
    from safetensors import safe_open
    from tokenizers import Tokenizer
    from wordllama.inference import WordLlamaInference

    root = Path(wordllama.__file__).parent
    tokenizer = Tokenizer.from_file(str(root / "tokenizers" / "l2_supercat_tokenizer_config.json"))
    with safe_open(str(root / "weights" / "l2_supercat_256.safetensors"), framework="np") as f:
        table = f.get_tensor("embedding.weight")
    return WordLlamaInference(table, tokenizer)


def embed(model: Any, texts: list[str]) -> tuple[np.ndarray, float]:
    """Embeddings of texts on one core (the process pinned to one CPU), and the seconds taken."""
    cpus = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(cpus)})
    try:
        t0 = time.perf_counter()
        vectors = model.embed(texts, norm=True, batch_size=256)
        seconds = time.perf_counter() - t0
    finally:
        os.sched_setaffinity(0, cpus)
    return np.ascontiguousarray(vectors, dtype=np.float32), seconds


def embed_all(texts: dict[str, Any]) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    """Vectors of the passages (indexed and extra) and of the queries, with the embedding speed on one core.

    The passages are embedded in batches of similar length (sorted by length, as ingest can do for a batch
    of messages: wordllama pads each batch to its longest text); a sample is embedded in its given order
    too, and the claims alone, for the speed of short texts.
    """
    model = load_model()
    everything = texts["base"] + texts["extra"]
    order = sorted(range(len(everything)), key=lambda i: len(everything[i]))
    by_length, seconds = embed(model, [everything[i] for i in order])
    vectors = np.empty_like(by_length)
    vectors[order] = by_length
    sample = everything[:20000]
    _, sample_seconds = embed(model, sample)
    claims = [t for t, kind in zip(texts["queries"], texts["kinds"], strict=True) if kind == "claim"]
    claims *= max(1, 5000 // max(1, len(claims)))
    _, claim_seconds = embed(model, claims)
    queries, _ = embed(model, texts["queries"])
    log(f"embedded {len(everything):,} passages in {seconds:.1f} s")
    emb = {
        "rate": len(everything) / seconds,
        "count": len(everything),
        "seconds": seconds,
        "chars": sum(map(len, everything)) / len(everything),
        "given_rate": len(sample) / sample_seconds,
        "given_count": len(sample),
        "claim_rate": len(claims) / claim_seconds,
        "max_component": float(np.abs(vectors).max()),
        "clipped": float(np.mean(np.abs(vectors) * QUANT_SCALE > 127.5)),
    }
    return vectors, queries, emb


def exact_top(base: np.ndarray, queries: np.ndarray, ranks: tuple[int, ...]) -> np.ndarray:
    """The true cosines at the given ranks (1-based) for each query (float32 brute force): the ground truth."""
    out = np.empty((len(queries), len(ranks)), dtype=np.float32)
    deepest = max(ranks)
    for start in range(0, len(queries), 50):
        sims = queries[start : start + 50] @ base.T
        best = -np.sort(np.partition(-sims, deepest - 1, axis=1)[:, :deepest], axis=1)
        out[start : start + 50] = best[:, [r - 1 for r in ranks]]
    return out


def recall(base: np.ndarray, queries: np.ndarray, ids: np.ndarray, kth: np.ndarray, slack: float = 1e-5) -> np.ndarray:
    """Per query: the share of the returned ids whose true cosine reaches the true k-th, less slack (ties count)."""
    k = ids.shape[1]
    hits = np.empty(len(queries))
    for i, (q, row) in enumerate(zip(queries, ids, strict=True)):
        found = np.unique(row[(row >= 0) & (row < len(base))])
        hits[i] = np.count_nonzero(base[found] @ q >= kth[i] - slack) / k
    return hits


# --------------------------------------------------------------------------- workers (one process per index)


def rss_mib() -> float:
    import psutil

    return psutil.Process().memory_info().rss / 2**20


def build_index(spec: dict[str, Any], base: np.ndarray) -> Any:
    lib, n = spec["lib"], len(base)
    keys = np.arange(n, dtype=np.int64)
    if lib == "hnswlib":
        import hnswlib

        index = hnswlib.Index(space="cosine", dim=DIM)
        index.init_index(max_elements=n, ef_construction=100, M=16)
        index.add_items(base, keys, num_threads=BUILD_THREADS)
        return index
    if lib == "usearch":
        from usearch.index import Index

        index = Index(ndim=DIM, metric="cos", dtype=spec["dtype"], connectivity=16, expansion_add=128)
        index.add(keys, quantise(base) if spec.get("prescale") else base, threads=BUILD_THREADS, log=False)
        return index
    import faiss

    faiss.omp_set_num_threads(BUILD_THREADS)
    if spec["kind"] == "flat":
        index = faiss.IndexHNSWFlat(DIM, 16, faiss.METRIC_INNER_PRODUCT)
    else:
        index = faiss.IndexHNSWSQ(DIM, faiss.ScalarQuantizer.QT_8bit, 16, faiss.METRIC_INNER_PRODUCT)
        index.train(base)  # per-dimension ranges of the 8-bit codes
    index.hnsw.efConstruction = 100
    index.add(base)
    return index


def save_index(spec: dict[str, Any], index: Any, path: str) -> None:
    if spec["lib"] == "hnswlib":
        index.save_index(path)
    elif spec["lib"] == "usearch":
        index.save(path)
    else:
        import faiss

        faiss.write_index(index, path)


def open_index(spec: dict[str, Any], mode: str, path: str, capacity: int) -> Any:
    if spec["lib"] == "hnswlib":
        import hnswlib

        index = hnswlib.Index(space="cosine", dim=DIM)
        index.load_index(path, max_elements=capacity)
        index.set_num_threads(1)
        return index
    if spec["lib"] == "usearch":
        from usearch.index import Index

        return Index.restore(path, view=mode == "view")
    import faiss

    faiss.omp_set_num_threads(1)
    return faiss.read_index(path, faiss.IO_FLAG_MMAP_IFC if mode == "mmap" else 0)


def searcher(spec: dict[str, Any], index: Any, ef: int, k: int) -> Any:
    """A function of one query vector giving k ids, one thread, at search expansion ef."""
    if spec["lib"] == "hnswlib":
        index.set_ef(ef)
        return lambda q: index.knn_query(q, k=k, num_threads=1)[0][0]
    if spec["lib"] == "usearch":
        index.expansion_search = ef
        return lambda q: index.search(q, k, threads=1).keys
    index.hnsw.efSearch = ef
    return lambda q: index.search(q[None, :], k)[1][0]


def time_queries(search: Any, queries: np.ndarray, k: int) -> tuple[np.ndarray, list[float]]:
    for q in queries[:WARMUP]:
        search(q)
    ids = np.full((len(queries), k), -1, dtype=np.int64)
    seconds = []
    for i, q in enumerate(queries):
        t0 = time.perf_counter()
        found = search(q)
        seconds.append(time.perf_counter() - t0)
        ids[i, : len(found)] = found
    return ids, seconds


def import_library(spec: dict[str, Any]) -> None:
    """Import the library before measuring, so neither time nor RSS counts its code."""
    __import__({"hnswlib": "hnswlib", "faiss": "faiss"}.get(spec["lib"], "usearch.index"))


def mapped_mib(path: str) -> float:
    """Resident pages of the index file mapped into this process (page cache: the kernel may drop them)."""
    import psutil

    return sum(m.rss for m in psutil.Process().memory_maps() if m.path == os.path.abspath(path)) / 2**20


def worker_build(spec: dict[str, Any]) -> dict[str, Any]:
    import_library(spec)
    base = np.load(spec["dir"] + "/base.npy", mmap_mode="r")[: spec["n"]].copy()  # in RAM, not mapped
    gc.collect()
    rss0 = rss_mib()
    t0 = time.perf_counter()
    index = build_index(spec, base)
    build_s = time.perf_counter() - t0
    out = {"build_s": build_s, "build_rss": rss_mib() - rss0}
    save_index(spec, index, spec["path"])
    out["bytes"] = os.path.getsize(spec["path"])
    return out


def worker_query(spec: dict[str, Any]) -> dict[str, Any]:
    queries = np.load(spec["dir"] + "/queries.npy")
    extra = np.load(spec["dir"] + "/extra.npy")[: spec["extra"]]
    if spec.get("prescale"):
        queries, extra = quantise(queries), quantise(extra)
    k, n = spec["k"], spec["n"]
    import_library(spec)
    gc.collect()
    rss0 = rss_mib()
    t0 = time.perf_counter()
    index = open_index(spec, spec["mode"], spec["path"], n + len(extra))
    out: dict[str, Any] = {"open_s": time.perf_counter() - t0, "open_rss": rss_mib() - rss0, "efs": {}}
    out["open_mapped"] = mapped_mib(spec["path"])
    for ef in spec["efs"]:
        ids, seconds = time_queries(searcher(spec, index, ef, k), queries, k)
        np.save(f"{spec['dir']}/ids-{spec['tag']}-{ef}.npy", ids)
        out["efs"][ef] = seconds
    out["query_rss"] = rss_mib() - rss0
    out["query_mapped"] = mapped_mib(spec["path"])
    if spec["mode"] == "load":  # new mail: add 1% more vectors to the opened index, save it again
        keys = np.arange(n, n + len(extra), dtype=np.int64)
        t0 = time.perf_counter()
        if spec["lib"] == "hnswlib":
            index.add_items(extra, keys, num_threads=BUILD_THREADS)
        elif spec["lib"] == "usearch":
            index.add(keys, extra, threads=BUILD_THREADS, log=False)
        else:
            import faiss

            faiss.omp_set_num_threads(BUILD_THREADS)
            index.add(extra)
        save_index(spec, index, spec["path"] + ".more")
        out["add_save_s"] = time.perf_counter() - t0
        os.remove(spec["path"] + ".more")
    return out


def worker_exact(spec: dict[str, Any]) -> dict[str, Any]:
    """Brute force over the whole matrix: float32 BLAS, int8 numpy, or usearch's SIMD exact search."""
    queries = np.load(spec["dir"] + "/queries.npy")
    k, n = spec["k"], spec["n"]
    if spec["dtype"] == "i8":
        queries = quantise(queries)
    if spec["lib"] == "usearch-exact":
        import_library(spec)
    gc.collect()
    rss0 = rss_mib()
    t0 = time.perf_counter()
    name = "/base-i8.npy" if spec["dtype"] == "i8" else "/base.npy"
    base = np.load(spec["dir"] + name, mmap_mode="r")[:n].copy()  # in RAM, not mapped
    out: dict[str, Any] = {"open_s": time.perf_counter() - t0, "open_rss": rss_mib() - rss0, "bytes": base.nbytes}
    out["open_mapped"] = out["query_mapped"] = 0.0

    def top(sims: np.ndarray) -> np.ndarray:
        best = np.argpartition(-sims, k - 1)[:k]
        return best[np.argsort(-sims[best])]

    if spec["lib"] == "usearch-exact":
        from usearch.index import MetricKind
        from usearch.index import search as exact_search

        def search(q: np.ndarray) -> np.ndarray:
            return exact_search(base, q, k, MetricKind.Cos, exact=True, threads=1).keys

    elif spec["dtype"] == "i8":

        def search(q: np.ndarray) -> np.ndarray:
            return top(np.matmul(base, q, dtype=np.int32))

    else:

        def search(q: np.ndarray) -> np.ndarray:
            return top(base @ q)

    ids, seconds = time_queries(search, queries, k)
    np.save(f"{spec['dir']}/ids-{spec['tag']}-exact.npy", ids)
    out["efs"] = {"exact": seconds}
    out["query_rss"] = rss_mib() - rss0
    return out


def run_worker(spec: dict[str, Any], threads: int) -> dict[str, Any]:
    """Run one measurement in a fresh process, so its memory is its own."""
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS=str(threads))
    env["MKL_NUM_THREADS"] = str(threads)
    done = subprocess.run(
        [sys.executable, __file__, "--worker", json.dumps(spec)], capture_output=True, text=True, env=env, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"worker {spec['tag']} failed:\n{done.stderr[-3000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["efs"] = {int(ef) if ef.isdigit() else ef: seconds for ef, seconds in result.get("efs", {}).items()}
    return result


# --------------------------------------------------------------------------- report


def pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def mib(nbytes: float) -> str:
    return f"{nbytes / 2**20:,.1f}"


def measure_size(n: int, args: argparse.Namespace, work: str, data: dict[str, Any]) -> dict[str, Any]:
    """Every configuration and exact baseline at n indexed passages."""
    base, queries, kinds = data["base"][:n], data["queries"], data["kinds"]
    truth = exact_top(base, queries, (1, 10, args.k))
    is_claim = np.array([kind == "claim" for kind in kinds])
    is_close = truth[:, 0] >= CLOSE
    extra = max(1, n // 100)
    rows: list[dict[str, Any]] = []
    for cfg in [*CONFIGS, *EXACT]:
        tag = re.sub(r"\W+", "-", cfg["name"]) + f"-{n}"
        spec = {**cfg, "dir": work, "n": n, "k": args.k, "efs": list(args.ef), "extra": extra, "tag": tag}
        spec["path"] = f"{work}/{tag}.index"
        row: dict[str, Any] = {"name": cfg["name"], "n": n, "opens": {}}
        if cfg in EXACT:
            log(f"{n:,}: {cfg['name']}")
            result = run_worker(spec, threads=1)
            row.update(bytes=result["bytes"], exact=True)
            row["opens"]["load"] = result
        else:
            log(f"{n:,}: building {cfg['name']}")
            row.update(run_worker(spec, threads=BUILD_THREADS), exact=False)
            for mode in cfg["opens"]:
                log(f"{n:,}: {cfg['name']} opened ({mode}), searching")
                row["opens"][mode] = run_worker({**spec, "mode": mode}, threads=1)
            os.remove(spec["path"])
        row["search"] = {}
        for ef in row["opens"]["load"]["efs"]:
            ids = np.load(f"{work}/ids-{tag}-{ef}.npy")
            hits = recall(base, queries, ids, truth[:, 2])
            row["search"][ef] = {
                "recall": float(hits.mean()),
                "recall_passage": float(hits[~is_claim].mean()),
                "recall_claim": float(hits[is_claim].mean()),
                "recall_close": float(hits[is_close].mean()) if is_close.any() else math.nan,
                "recall_far": float(hits[~is_close].mean()) if (~is_close).any() else math.nan,
                "recall_slack": float(recall(base, queries, ids, truth[:, 2], SLACK).mean()),
                "recall10": float(recall(base, queries, ids[:, :10], truth[:, 1]).mean()),
            }
        rows.append(row)
    return {"n": n, "extra": extra, "rows": rows, "close": int(is_close.sum())}


def exponent(small: dict[str, Any], large: dict[str, Any], value: float, small_value: float) -> float:
    return math.log(value / small_value) / math.log(large["n"] / small["n"])


def render(args: argparse.Namespace, data: dict[str, Any], runs: list[dict[str, Any]]) -> str:
    stats, emb = data["stats"], data["embedding"]
    sizes = " ".join(str(run["n"]) for run in runs)
    command = f"python bench/ann_choice.py --passages {sizes} --queries {args.queries} --k {args.k}"
    if tuple(args.ef) != EFS:
        command += " --ef " + " ".join(map(str, args.ef))
    lines = [
        f"## Meaning search: ANN library choice, {datetime.date.today().isoformat()} (2 cores)",
        "",
        f"Command: `{command}` (hnswlib {version('hnswlib')}, usearch {version('usearch')}, "
        f"faiss-cpu {version('faiss-cpu')}, wordllama {version('wordllama')}, numpy {np.__version__}). "
        f"The run took {data['machine']['wall'] / 60:.1f} min; other processes kept "
        f"{data['machine']['others']:.0%} of the machine's cores busy meanwhile (times measured while they "
        "ran are inflated).",
        "",
        f"Vectors from real text: {stats['messages']:,} messages of `../shared/corpora` parsed with the stdlib, "
        f"text/plain bodies without '>' lines, {stats['sentences']:,} sentences grouped into "
        f"{stats['passages']:,} unique passages of 1-3 sentences ({stats['parse_s']:.1f} s); the indexed passages are "
        f"{stats['passages'] - len(data['held_out']):,} of these plus variants made as `amplify.py` makes mail "
        "(sentences recombined, one word in eight replaced; seed 1). "
        f"{len(data['queries'])} queries, never indexed: {len(data['held_out'])} held-out real passages and "
        f"{len(data['queries']) - len(data['held_out'])} claims (a real sentence, a few words dropped). "
        f"Recall@{args.k} against exact float32 cosine (ties at the k-th count as hits).",
        "",
        f"Embedding (wordllama l2_supercat_256, offline, batches of 256, one core pinned): "
        f"**{emb['rate']:,.0f} passages/s** in batches of similar length ({emb['count']:,} passages of "
        f"{emb['chars']:.0f} characters on average in {emb['seconds']:.1f} s); {emb['given_rate']:,.0f}/s in "
        f"the order given (first {emb['given_count']:,}: each batch padded to its longest); claims alone "
        f'{emb["claim_rate"]:,.0f}/s. Largest vector component {emb["max_component"]:.3f}: "usearch i8 x384" '
        f"quantises with round(x * {QUANT_SCALE}) itself ({emb['clipped']:.1e} of the components clipped) and "
        "hands usearch int8 vectors, where usearch's own f32 to i8 conversion uses x * 127 (a third of the range); "
        "the int8 exact baselines use the same x 384 codes.",
        "",
        f"Indexes: build adds all vectors with {BUILD_THREADS} threads; RSS deltas are each index's own process "
        '(psutil); "open" is the saved file opened in a fresh process: loaded into memory, or memory-mapped '
        "(usearch `Index.restore(path, view=True)`, faiss `IO_FLAG_MMAP_IFC`), RSS after opening and after "
        f"the {len(args.ef)} x {len(data['queries'])} queries, in brackets the part that is the mapped file's "
        'pages (page cache, which the kernel can drop); "add 1%" adds 1% more vectors to the loaded index and '
        "saves it (new mail; a mapped index is read-only in both libraries).",
        "",
        "| passages | index | build (s) | vectors/s | file (MiB) | bytes/vector | RSS built (MiB) | open | "
        "open (ms) | RSS opened / after queries (MiB) | add 1% + save (s) |",
        "|---:|---|---:|---:|---:|---:|---:|---|---:|---:|---:|",
    ]
    for run in runs:
        for row in run["rows"]:
            n = row["n"]
            for mode, opened in row["opens"].items():
                first = mode == next(iter(row["opens"]))
                if row["exact"]:
                    build = ["-", "-", mib(row["bytes"]), f"{row['bytes'] / n:,.0f}", "-"]
                elif first:
                    build = [
                        f"{row['build_s']:.1f}",
                        f"{n / row['build_s']:,.0f}",
                        mib(row["bytes"]),
                        f"{row['bytes'] / n:,.0f}",
                        f"{row['build_rss']:,.0f}",
                    ]
                else:
                    build = [""] * 5
                add = f"{opened['add_save_s']:.2f}" if "add_save_s" in opened else "-"
                name = row["name"] if first else ""
                mode_name = "matrix in RAM" if row["exact"] else mode
                lines.append(
                    f"| {n:,} | {name} | " + " | ".join(build) + f" | {mode_name} | {opened['open_s'] * 1000:,.0f} | "
                    f"{rss_text(opened['open_rss'], opened['open_mapped'])} / "
                    f"{rss_text(opened['query_rss'], opened['query_mapped'])} | {add} |"
                )
    close = ", ".join(f"{run['close']} at {run['n']:,}" for run in runs)
    lines += [
        "",
        f"Search: one query at a time on one thread, k={args.k}, {WARMUP} warm-up queries. Recall@{args.k} over "
        f"all queries, by kind, and by whether the query has a close match (true nearest cosine >= {CLOSE}: "
        f'{close} of the {len(data["queries"])} queries) or not; "within {SLACK}": a returned passage counts '
        f"if its true cosine is within {SLACK} of the true {args.k}th; recall@10: the first 10 returned against "
        "the true 10. Latency of the loaded index, and of the memory-mapped one (its pages in the page cache "
        "after the first queries).",
        "",
        f"| passages | index | ef | recall@{args.k} | held-out passages | claims | close / no close match | "
        f"within {SLACK} | recall@10 | p50 / p95 loaded (ms) | p50 / p95 mapped (ms) |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for run in runs:
        for row in run["rows"]:
            mapped = next((row["opens"][m] for m in ("view", "mmap") if m in row["opens"]), None)
            for ef, quality in row["search"].items():
                lat_mapped = latency_text(mapped["efs"][ef]) if mapped else "-"
                lines.append(
                    f"| {row['n']:,} | {row['name']} | {ef} | **{quality['recall']:.3f}** | "
                    f"{quality['recall_passage']:.3f} | {quality['recall_claim']:.3f} | "
                    f"{quality['recall_close']:.3f} / {quality['recall_far']:.3f} | {quality['recall_slack']:.3f} | "
                    f"{quality['recall10']:.3f} | {latency_text(row['opens']['load']['efs'][ef])} | {lat_mapped} |"
                )
    lines += ["", *extrapolate(runs, emb), "", *recommend(args, runs, data)]
    return "\n".join(lines) + "\n"


def rss_text(total: float, mapped: float) -> str:
    return f"{total:,.0f} ({mapped:,.0f})" if mapped >= 0.5 else f"{total:,.0f}"


def latency_text(seconds: list[float]) -> str:
    return f"{pct(seconds, 0.5) * 1000:.2f} / {pct(seconds, 0.95) * 1000:.2f}"


def version(package: str) -> str:
    from importlib.metadata import version as installed

    return installed(package)


TARGET = 3_000_000


def extrapolate(runs: list[dict[str, Any]], emb: dict[str, Any]) -> list[str]:
    """Figures at 3,000,000 passages (1,000,000 messages) from the largest run (and the growth between two runs)."""
    large = runs[-1]
    small = runs[0] if len(runs) > 1 else None
    scale = TARGET / large["n"]
    grow = scale * math.log(TARGET) / math.log(large["n"])
    efs = [ef for ef in large["rows"][0]["search"] if ef != "exact"]
    ef = 256 if 256 in efs else max(efs)
    lines = [
        f"Extrapolated to {TARGET:,} passages (1,000,000 messages of ~3 passages) from {large['n']:,}: files and "
        f"memory linearly (x{scale:.0f}: bytes per vector are constant); graph build time as N log N "
        f"(x{grow:.1f})"
        + (
            f", and in brackets as N^a with the a seen between {small['n']:,} and {large['n']:,} "
            "(an upper bound: small graphs fit the CPU caches)"
            if small
            else ""
        )
        + f"; exact search linearly. Graph search latency at ef {ef} grows slowly (log N, x"
        f"{math.log(TARGET) / math.log(large['n']):.2f}); recall at a fixed ef falls with N "
        + (
            "(here from "
            + ", ".join(
                f"{r['search'][ef]['recall']:.3f} to {t['search'][ef]['recall']:.3f} ({r['name']})"
                for r, t in zip(small["rows"], large["rows"], strict=True)
                if not r["exact"] and r["name"] in ("hnswlib f32", "faiss HNSWSQ8")
            )
            + "), so 3M needs a larger ef (or M) for the same recall."
            if small
            else "so 3M needs a larger ef (or M) for the same recall."
        ),
        "",
        f"| index | file at 3M (GiB) | RAM loaded at 3M (GiB) | build at 3M, 2 threads (min) | "
        f"p50 at ef {ef}, 3M (ms) |",
        "|---|---:|---:|---:|---:|",
    ]
    for row in large["rows"]:
        size = row["bytes"] * scale / 2**30
        ram = row["opens"]["load"]["open_rss"] * scale / 1024
        if row["exact"]:
            p50 = pct(row["opens"]["load"]["efs"]["exact"], 0.5) * scale * 1000
            lines.append(f"| {row['name']} | {size:.2f} | {ram:.2f} | - | {p50:,.0f} (linear) |")
            continue
        p50_large = pct(row["opens"]["load"]["efs"][ef], 0.5)
        build_text = f"{row['build_s'] * grow / 60:,.0f}"
        p50_text = f"{p50_large * math.log(TARGET) / math.log(large['n']) * 1000:.2f}"
        if small:
            twin = next(r for r in small["rows"] if r["name"] == row["name"])
            a = exponent(small, large, row["build_s"], twin["build_s"])
            build_text += f" ({row['build_s'] * scale**a / 60:,.0f}, a={a:.2f})"
        lines.append(f"| {row['name']} | {size:.2f} | {ram:.2f} | {build_text} | {p50_text} |")
    lines += [
        "",
        f"Embedding {TARGET:,} passages at {emb['rate']:,.0f}/s on one core: {TARGET / emb['rate'] / 60:,.0f} min "
        f"of CPU, {3 / emb['rate'] * 1e6:,.0f} µs per message of 3 passages.",
    ]
    return lines


def installed_mib(package: str) -> float:
    """Size of an installed distribution's files (the wheel as unpacked, bundled libraries included)."""
    from importlib.metadata import distribution

    files = distribution(package).files or []
    return sum(f.locate().stat().st_size for f in files if Path(f.locate()).exists()) / 2**20


def recommend(args: argparse.Namespace, runs: list[dict[str, Any]], data: dict[str, Any]) -> list[str]:
    """The choice for Loupe, argued with this run's figures (the reasoning is fixed; the numbers are measured)."""
    emb = data["embedding"]
    large, small = runs[-1], runs[0]
    n = large["n"]

    def row(run: dict[str, Any], name: str) -> dict[str, Any]:
        return next(r for r in run["rows"] if r["name"] == name)

    def p50(run: dict[str, Any], name: str, ef: Any, mode: str = "load") -> float:
        return pct(row(run, name)["opens"][mode]["efs"][ef], 0.5) * 1000

    efs = list(row(large, "usearch i8 x384")["search"])
    ef, top_ef = (256 if 256 in efs else max(efs)), max(efs)
    pick, plain, sq8 = row(large, "usearch i8 x384"), row(large, "usearch i8"), row(large, "faiss HNSWSQ8")
    hnsw, exact = row(large, "hnswlib f32"), row(large, "usearch exact i8")
    view = pick["opens"]["view"]
    grow = TARGET / n * math.log(TARGET) / math.log(n)
    exact_ms = p50(large, "usearch exact i8", "exact")
    five_ms = int(5 / exact_ms * n // 10000 * 10000)
    float_gap = hnsw["search"][ef]["recall"] - pick["search"][ef]["recall"]
    quality = pick["search"][ef]
    recall_head = "No recall lost to int8" if float_gap <= 0.01 else "Recall"
    near_ties = "the misses are near-ties" if quality["recall_slack"] >= 0.98 else "many misses are not near-ties"
    return [
        f"**Recommendation: usearch, an `i8` index fed Loupe's own int8 codes (round(x * {QUANT_SCALE}), clipped "
        f"to +-127), connectivity 16, expansion_add 128, expansion_search {ef} (raised to {top_ef} for large "
        "cases), searched through `Index.restore(path, view=True)`, extended by restoring it loaded, adding "
        f"the new passages and saving (to a temporary file, then renamed).** The figures, at {n:,} passages:",
        "",
        f"- Small on disk: {pick['bytes'] / n:,.0f} bytes a passage ({mib(pick['bytes'])} MiB; "
        f"{pick['bytes'] * TARGET / n / 2**30:.2f} GiB at 3M), as faiss HNSWSQ8 ({sq8['bytes'] / n:,.0f}); "
        f"hnswlib keeps float32 only ({hnsw['bytes'] / n:,.0f} bytes, {hnsw['bytes'] * TARGET / n / 2**30:.2f} GiB "
        "at 3M).",
        f"- {recall_head}: recall@{args.k} at ef {ef} is {pick['search'][ef]['recall']:.3f} against "
        f"{hnsw['search'][ef]['recall']:.3f} for hnswlib's float32 and {sq8['search'][ef]['recall']:.3f} for "
        f"faiss SQ8 (recall@10 {pick['search'][ef]['recall10']:.3f}). That needs Loupe's own codes: usearch's "
        f"own conversion of float32 input reaches {row(small, 'usearch i8')['search'][ef]['recall']:.3f} "
        f"at {small['n']:,} where the x {QUANT_SCALE} codes reach "
        f"{row(small, 'usearch i8 x384')['search'][ef]['recall']:.3f}, and its recall@10 stays at "
        f"{plain['search'][top_ef]['recall10']:.3f} at {n:,} even at ef {top_ef} (x {QUANT_SCALE}: "
        f"{pick['search'][top_ef]['recall10']:.3f}): a unit vector's components stay below "
        f"{emb['max_component']:.2f}, so x 127 uses a third of the int8 range. (`loupe/meaning/model.py` "
        "scales by 127 today; the cosine metric ignores the scale, so codes of both scales can share an index.)",
        f"- Memory-mapped opening: {view['open_s'] * 1000:,.0f} ms and {view['open_rss']:,.0f} MiB resident "
        f"({view['open_mapped']:,.0f} of them the file's pages, which the kernel may drop), "
        f"{view['query_rss']:,.0f} MiB after {len(args.ef) * args.queries} queries, against "
        f"{pick['opens']['load']['open_rss']:,.0f} MiB loaded and {hnsw['opens']['load']['open_rss']:,.0f} MiB "
        "for hnswlib, which cannot map its file. A cold start reads that part of the file before the first answer.",
        f"- Incremental: 1% more passages added and the file saved in "
        f"{pick['opens']['load']['add_save_s']:.2f} s; keys are any 64-bit integers (Loupe's passage ids, no "
        "mapping table) and `remove` exists for mail taken out of a case. A view is read-only (so is a mapped "
        "faiss index), so ingest restores the file loaded, adds and saves.",
        f"- A kept library: usearch {version('usearch')}, {installed_mib('usearch'):.0f} MiB installed, no "
        "OpenMP or BLAS, wheels for Linux, macOS and Windows, 161 releases on PyPI, the latest on 2026-10-25; "
        f"faiss-cpu {version('faiss-cpu')} (2026-09-16) is {installed_mib('faiss-cpu'):.0f} MiB installed; "
        "hnswlib's last release, 0.8.0, is of 2023-12-03 (PyPI release histories, looked up 2026-12-06).",
        "",
        f"The price, measured against faiss HNSWSQ8, which has the same size and recall and maps its file too "
        f"(`IO_FLAG_MMAP_IFC`): it builds in {sq8['build_s']:.0f} s where usearch takes {pick['build_s']:.0f} s "
        f"for {n:,} on 2 threads ({pick['build_s'] / sq8['build_s']:.1f}x), and answers in "
        f"{p50(large, 'faiss HNSWSQ8', ef):.2f} ms where usearch takes {p50(large, 'usearch i8 x384', ef):.2f} ms "
        f"(p50 at ef {ef}, {p50(large, 'usearch i8 x384', ef) / p50(large, 'faiss HNSWSQ8', ef):.1f}x). "
        "It is the runner-up, to take "
        "if build time comes to dominate ingest; against it: HNSW in faiss cannot remove vectors, ids are "
        f"positions, the SQ8 ranges must be trained on a first batch, and it is "
        f"{installed_mib('faiss-cpu') / installed_mib('usearch'):.0f} times the install. Both "
        "answer far inside the 5 ms query budget, so the build is the cost that matters: at 3M about "
        f"{pick['build_s'] * grow / 60:.0f} min (usearch) or {sq8['build_s'] * grow / 60:.0f} min (faiss) on 2 "
        f"threads if it grows as N log N, on top of {TARGET / emb['rate'] / 60:.0f} min of CPU to embed the "
        "passages; spread over ingest as mail arrives, not paid at once.",
        "",
        f"At 3,000,000 passages: a {pick['bytes'] * TARGET / n / 2**30:.2f} GiB file, opened mapped with about "
        f"{view['open_rss'] * TARGET / n / 1024:.1f} GiB resident ({view['open_mapped'] * TARGET / n / 1024:.1f} "
        "of it page cache) if that grows linearly; p50 about "
        f"{p50(large, 'usearch i8 x384', ef) * math.log(TARGET) / math.log(n):.1f} ms at ef {ef} (log N) and "
        f"{p50(large, 'usearch i8 x384', top_ef) * math.log(TARGET) / math.log(n):.1f} ms at ef {top_ef}. Recall "
        f"at a fixed ef falls with N (ef {ef}: {row(small, 'usearch i8 x384')['search'][ef]['recall']:.3f} at "
        f"{small['n']:,}, {pick['search'][ef]['recall']:.3f} at {n:,}; ef {top_ef} gives "
        f"{pick['search'][top_ef]['recall']:.3f} at {n:,} for p50 {p50(large, 'usearch i8 x384', top_ef):.2f} ms), "
        f"so large cases want expansion_search {top_ef}. "
        f"Counting a passage within {SLACK} cosine of the true {args.k}th as found, recall is "
        f"{quality['recall_slack']:.3f}: {near_ties}. By query: {quality['recall_far']:.3f} for queries with no "
        f"passage closer than {CLOSE} cosine, {quality['recall_close']:.3f} for those with one; held-out "
        f"passages {quality['recall_passage']:.3f}, claims {quality['recall_claim']:.3f}.",
        "",
        f"Exact search is enough for small cases: usearch's SIMD exact search over the int8 matrix takes "
        f"{exact_ms:.1f} ms a query at {n:,} ({exact['bytes'] / 2**20:.0f} MiB in RAM), linear in N, so about "
        f"{exact_ms * 30000 / n:.1f} ms at 30,000 passages (10,000 messages) and under 5 ms up to ~{five_ms:,}; "
        f"numpy's int8 matmul is {p50(large, 'numpy int8 exact', 'exact') / exact_ms:.1f}x slower "
        f"({p50(large, 'numpy int8 exact', 'exact'):.1f} ms) and float32 BLAS "
        f"{p50(large, 'numpy f32 exact', 'exact'):.1f} ms. Loupe can keep one code path (the graph) for all "
        "sizes, and fall back to exact search while the index file is missing or being rebuilt.",
        "",
        f"Caveat on the data: the real corpora give {data['stats']['passages']:,} unique passages; the {n:,} "
        "indexed are mostly their variants, denser in near-duplicates than a real archive. Recall should be "
        "measured again on a real case ingested with vectors.",
    ]


# --------------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--passages", type=int, nargs="+", default=[200000], help="indexed passages (one or more N)")
    parser.add_argument("--queries", type=int, default=200, help="queries: half held-out passages, half claims")
    parser.add_argument("--k", type=int, default=100, help="neighbours per query (recall@k)")
    parser.add_argument("--ef", type=int, nargs="+", default=list(EFS), help="search expansions to try")
    parser.add_argument("--write", action="store_true", help="append the section to bench/RESULTS.md")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        spec = json.loads(args.worker)
        if spec["lib"] in ("numpy", "usearch-exact"):
            result = worker_exact(spec)
        elif "mode" in spec:
            result = worker_query(spec)
        else:
            result = worker_build(spec)
        print(json.dumps(result))
        return
    if min(args.ef) < args.k:
        parser.error("every --ef must be at least --k")
    sizes = sorted(set(args.passages))
    top = sizes[-1]
    started = (time.perf_counter(), busy_seconds(), own_seconds())
    log("parsing the corpora, making passages")
    texts = make_texts(top, max(1, top // 100), args.queries)
    log(f"{texts['stats']['passages']:,} unique passages from {texts['stats']['messages']:,} messages; embedding")
    vectors, queries, emb = embed_all(texts)
    data = {
        "stats": texts["stats"],
        "queries": texts["queries"],
        "kinds": texts["kinds"],
        "held_out": [t for t, kind in zip(texts["queries"], texts["kinds"], strict=True) if kind == "passage"],
        "base": vectors[:top],
        "embedding": emb,
    }
    work = tempfile.mkdtemp(prefix="ann-choice-")
    try:
        np.save(f"{work}/base.npy", vectors[:top])
        np.save(f"{work}/base-i8.npy", quantise(vectors[:top]))
        np.save(f"{work}/extra.npy", vectors[top:])
        np.save(f"{work}/queries.npy", queries)
        runs = []
        for n in sizes:
            runs.append(measure_size(n, args, work, {**data, "queries": queries}))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    wall = time.perf_counter() - started[0]
    others = (busy_seconds() - started[1]) - (own_seconds() - started[2])
    data["machine"] = {"wall": wall, "others": max(0.0, others / (wall * (os.cpu_count() or 1)))}
    section = render(args, data, runs)
    print(section)
    if args.write:
        with (HERE / "RESULTS.md").open("a", encoding="utf-8") as out:
            out.write("\n" + section)


if __name__ == "__main__":
    main()
