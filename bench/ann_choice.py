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

The vectors are real text, not random points (random vectors are far harder
for a graph index than real ones, and would mislead). Every message in the
real corpora (``../shared/corpora``: .eml files, maildirs, mboxes) is parsed
with the standard library; its text/plain bodies, without quoted ('>') lines,
are cut into sentences and grouped into passages of 1-3 consecutive sentences.
That gives a few thousand unique passages; the N indexed passages are these
plus variants made the way ``../shared/tools/amplify.py`` makes large
archives: sentences of different passages recombined, and about one word in
eight replaced by a real word (weighted by frequency) or by a word of a
heavy-tailed synthetic vocabulary (fixed seed, so the run is reproducible).
Queries are never indexed: held-out real passages ("more like this
passage") and short claims (a real sentence with a few words dropped, as an
investigator would paraphrase what they look for).

For each index it measures: build time (all N vectors added, 2 threads),
file size, resident memory (psutil RSS delta, each index in its own process),
open time and memory loaded vs memory-mapped, time to add 1% more vectors and
save (ingest of new mail), and for each search expansion (ef) the latency of
one query on one thread (p50/p95) and recall@k against exact float32 cosine
(ties at the k-th similarity count as hits). The embedding speed (passages per
second on one core) is measured too, since ingest pays it for every passage.

Run: ``.venv/bin/python bench/ann_choice.py --passages 20000 200000 --write``
(about 10 minutes on 2 cores); ``--write`` appends the section to
``bench/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import bisect
import datetime
import email
import email.policy
import gc
import hashlib
import json
import mailbox
import math
import os
import random
import re
import resource
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
#: ef values searched; k must not exceed them (HNSW searches max(ef, k) anyway).
EFS = (128, 192, 256)
WARMUP = 10
#: Our own int8 quantisation: wordllama's normalised components stay below ~0.34, so x 384 uses the int8
#: range where usearch's own conversion (x 127 after normalising) uses a third of it. The scale is fixed,
#: not fitted to the data, so vectors added later are quantised alike.
QUANT_SCALE = 384
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
        self.cumulative = list(np_cumsum([counts[w] for w in self.vocab]))

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


def np_cumsum(values: list[int]) -> list[int]:
    return np.cumsum(np.asarray(values, dtype=np.int64)).tolist()


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


def exact_topk(base: np.ndarray, queries: np.ndarray, k: int) -> np.ndarray:
    """The k-th highest cosine of each query over base (float32 brute force): the ground truth."""
    kth = np.empty(len(queries), dtype=np.float32)
    for start in range(0, len(queries), 50):
        sims = queries[start : start + 50] @ base.T
        kth[start : start + 50] = -np.partition(-sims, k - 1, axis=1)[:, k - 1]
    return kth


def recall(base: np.ndarray, queries: np.ndarray, ids: np.ndarray, kth: np.ndarray) -> np.ndarray:
    """Per query: the share of the k returned ids whose true cosine reaches the true k-th (ties count)."""
    k = ids.shape[1]
    hits = np.empty(len(queries))
    for i, (q, row) in enumerate(zip(queries, ids, strict=True)):
        found = np.unique(row[(row >= 0) & (row < len(base))])
        hits[i] = np.count_nonzero(base[found] @ q >= kth[i] - 1e-5) / k
    return hits


# --------------------------------------------------------------------------- workers (one process per index)


def rss_mib() -> float:
    import psutil

    return psutil.Process().memory_info().rss / 2**20


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


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


def worker_build(spec: dict[str, Any]) -> dict[str, Any]:
    base = np.ascontiguousarray(np.load(spec["dir"] + "/base.npy", mmap_mode="r")[: spec["n"]])
    gc.collect()
    rss0 = rss_mib()
    t0 = time.perf_counter()
    index = build_index(spec, base)
    build_s = time.perf_counter() - t0
    out = {"build_s": build_s, "build_rss": rss_mib() - rss0, "build_peak": peak_mib() - rss0}
    save_index(spec, index, spec["path"])
    out["bytes"] = os.path.getsize(spec["path"])
    return out


def worker_query(spec: dict[str, Any]) -> dict[str, Any]:
    queries = np.load(spec["dir"] + "/queries.npy")
    extra = np.load(spec["dir"] + "/extra.npy")[: spec["extra"]]
    if spec.get("prescale"):
        queries, extra = quantise(queries), quantise(extra)
    k, n = spec["k"], spec["n"]
    gc.collect()
    rss0 = rss_mib()
    t0 = time.perf_counter()
    index = open_index(spec, spec["mode"], spec["path"], n + len(extra))
    out: dict[str, Any] = {"open_s": time.perf_counter() - t0, "open_rss": rss_mib() - rss0, "efs": {}}
    for ef in spec["efs"]:
        ids, seconds = time_queries(searcher(spec, index, ef, k), queries, k)
        np.save(f"{spec['dir']}/ids-{spec['tag']}-{ef}.npy", ids)
        out["efs"][ef] = seconds
    out["query_rss"] = rss_mib() - rss0
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
    gc.collect()
    rss0 = rss_mib()
    t0 = time.perf_counter()
    base = np.ascontiguousarray(np.load(spec["dir"] + "/base.npy", mmap_mode="r")[:n])
    if spec["dtype"] == "i8":
        base, queries = quantise(base), quantise(queries)
    out: dict[str, Any] = {"open_s": time.perf_counter() - t0, "open_rss": rss_mib() - rss0, "bytes": base.nbytes}

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
    return json.loads(done.stdout.strip().splitlines()[-1])


# --------------------------------------------------------------------------- report


def pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def mib(nbytes: float) -> str:
    return f"{nbytes / 2**20:,.1f}"


def measure_size(n: int, args: argparse.Namespace, work: str, data: dict[str, Any]) -> dict[str, Any]:
    """Every configuration and exact baseline at n indexed passages."""
    base, queries, kinds = data["base"][:n], data["queries"], data["kinds"]
    kth = exact_topk(base, queries, args.k)
    is_claim = np.array([kind == "claim" for kind in kinds])
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
            hits = recall(base, queries, ids, kth)
            row["search"][ef] = {
                "recall": float(hits.mean()),
                "recall_passage": float(hits[~is_claim].mean()),
                "recall_claim": float(hits[is_claim].mean()),
                "min_recall": float(hits.min()),
            }
        rows.append(row)
    return {"n": n, "extra": extra, "rows": rows}


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
        f"faiss-cpu {version('faiss-cpu')}, wordllama {version('wordllama')}, numpy {np.__version__}).",
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
        f'the {len(args.ef)} x {len(data["queries"])} queries; "add 1%" adds 1% more vectors to the loaded index '
        "and saves it (new mail).",
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
                    f"{opened['open_rss']:,.0f} / {opened['query_rss']:,.0f} | {add} |"
                )
    lines += [
        "",
        f"Search: one query at a time on one thread, k={args.k}, {WARMUP} warm-up queries; latency of the loaded "
        "index, and of the memory-mapped one where there is one (its pages in the page cache after the first "
        "queries).",
        "",
        f"| passages | index | ef | recall@{args.k} | held-out passages | claims | worst query | "
        "p50 / p95 loaded (ms) | p50 / p95 mapped (ms) |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for run in runs:
        for row in run["rows"]:
            mapped = next((row["opens"][m] for m in ("view", "mmap") if m in row["opens"]), None)
            for ef, quality in row["search"].items():
                loaded = row["opens"]["load"]["efs"][ef]
                lat = f"{pct(loaded, 0.5) * 1000:.2f} / {pct(loaded, 0.95) * 1000:.2f}"
                lat_mapped = "-"
                if mapped is not None:
                    lat_mapped = f"{pct(mapped['efs'][ef], 0.5) * 1000:.2f} / {pct(mapped['efs'][ef], 0.95) * 1000:.2f}"
                lines.append(
                    f"| {row['n']:,} | {row['name']} | {ef} | {quality['recall']:.3f} | "
                    f"{quality['recall_passage']:.3f} | {quality['recall_claim']:.3f} | {quality['min_recall']:.2f} | "
                    f"{lat} | {lat_mapped} |"
                )
    lines += ["", *extrapolate(runs, emb), "", *recommend(args, runs, emb)]
    return "\n".join(lines) + "\n"


def version(package: str) -> str:
    from importlib.metadata import version as installed

    return installed(package)


TARGET = 3_000_000


def extrapolate(runs: list[dict[str, Any]], emb: dict[str, Any]) -> list[str]:
    """Figures at 3,000,000 passages (1,000,000 messages) from the largest run (and the growth between two runs)."""
    large = runs[-1]
    small = runs[0] if len(runs) > 1 else None
    scale = TARGET / large["n"]
    lines = [
        f"Extrapolated to {TARGET:,} passages (1,000,000 messages of ~3 passages), from {large['n']:,}: file and "
        "memory grow linearly (bytes/vector are constant); HNSW build time grows as N log N "
        + (
            f"(as N^a with the exponent seen between {small['n']:,} and {large['n']:,} in brackets)"
            if small
            else "(one size measured)"
        )
        + "; exact search time linearly. Search latency of a graph grows slowly with N (log N in theory, more "
        "once the graph outgrows the CPU caches); recall at a fixed ef drops a little with N.",
        "",
        "| index | file at 3M (GiB) | build at 3M, 2 threads (min) | p50 at ef 128, 3M (ms) |",
        "|---|---:|---:|---:|",
    ]
    ef0 = min((ef for ef in large["rows"][0]["search"] if ef != "exact"), key=float)
    for row in large["rows"]:
        size = row["bytes"] * scale / 2**30
        if row["exact"]:
            p50 = pct(row["opens"]["load"]["efs"]["exact"], 0.5) * scale * 1000
            lines.append(f"| {row['name']} | {size:.2f} | - | {p50:,.0f} (linear) |")
            continue
        build = row["build_s"] * scale * math.log(TARGET) / math.log(large["n"]) / 60
        p50_large = pct(row["opens"]["load"]["efs"][ef0], 0.5)
        p50 = p50_large * math.log(TARGET) / math.log(large["n"]) * 1000
        build_text, p50_text = f"{build:,.0f}", f"{p50:.2f} (log N)"
        if small:
            twin = next(r for r in small["rows"] if r["name"] == row["name"])
            a = exponent(small, large, row["build_s"], twin["build_s"])
            build_text += f" ({row['build_s'] * scale**a / 60:,.0f}, a={a:.2f})"
            b = exponent(small, large, p50_large, pct(twin["opens"]["load"]["efs"][ef0], 0.5))
            p50_text += f" ({p50_large * scale**b * 1000:.2f}, a={b:.2f})"
        lines.append(f"| {row['name']} | {size:.2f} | {build_text} | {p50_text} |")
    hours = TARGET / emb["rate"] / 3600
    lines += [
        "",
        f"Embedding {TARGET:,} passages at {emb['rate']:,.0f}/s on one core: {hours:.2f} h of CPU, "
        f"{3 / emb['rate'] * 1e6:,.0f} µs per message of 3 passages.",
    ]
    return lines


def recommend(args: argparse.Namespace, runs: list[dict[str, Any]], emb: dict[str, Any]) -> list[str]:
    """Filled in by hand after reading the figures; see the final section text."""
    return []


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
        np.save(f"{work}/extra.npy", vectors[top:])
        np.save(f"{work}/queries.npy", queries)
        runs = []
        for n in sizes:
            runs.append(measure_size(n, args, work, {**data, "queries": queries}))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    section = render(args, data, runs)
    print(section)
    if args.write:
        with (HERE / "RESULTS.md").open("a", encoding="utf-8") as out:
            out.write("\n" + section)


if __name__ == "__main__":
    main()
