"""The embedding model: wordllama's 256-dimension token table, read from the installed wheel.

Why wordllama: its wheel carries its weights (``weights/l2_supercat_256.
safetensors``, 32,000 Llama-2 word pieces x 256, float16) and tokenizer, so
meaning is compared offline, on the CPU, at about 20,000 passages a second
on one core: a passage's vector is the mean of its pieces' vectors. Other
embedders on PyPI either fetch their weights from a model hub at run time
(model2vec, fastembed, sentence-transformers), which Loupe may not do, or run
a transformer (tens of milliseconds a passage on a laptop: hours for a
million messages). The price of a bag of word pieces: word order and
negation are invisible ("X bribes Y" = "Y bribes X"; "denies that X" is
close to "X"), so ``score`` and ``contradiction`` add what it cannot see.

``WordLlama.load(disable_download=True)`` looks for the shipped tokenizer in
a folder the wheel does not have (``tokenizer/``, not ``tokenizers/``) and
would then try the network; the two files are read here directly.

The mean is taken here rather than by ``WordLlamaInference.embed``, which
pads every batch to its longest text and averages the padded block: for one
message's two or three passages that is about the same work, but a batch of
a parser chunk's few hundred passages of mixed length costs three times as
much padded (0.56 against 0.19 ms a message, tokenizing included; the vectors
agree to 2e-7 and their int8 codes exactly, ``tests/test_meaning_model.py``).
Here each passage's pieces are summed where they are (``np.add.reduceat``
over the concatenated ids), so a batch costs what its pieces do, and the
ingest workers embed a whole chunk at once.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache
from importlib.util import find_spec
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from tokenizers import Tokenizer

#: Vector width (the shipped table's).
DIMENSIONS = 256
#: Which table and tokenizer of the wheel; recorded with each case's vectors so a change is seen.
MODEL_NAME = "wordllama l2_supercat_256"
#: int8 rows hold a unit vector's components scaled by this and clipped to +-127. No component of
#: wordllama's unit vectors was seen above 0.38, so x127 used a third of int8's range; x384 uses it all
#: (3 values in 10,000,000 clipped) and lifts the index's recall@100 from 0.949 to 0.975 at 20,000
#: passages (``bench/ann_choice.py``). Rows of either scale mix freely: cosine ignores length.
INT8_SCALE = 384.0

Vectors = npt.NDArray[np.float32]
Codes = npt.NDArray[np.int8]


class ModelMissing(RuntimeError):
    """The wheel's weights or tokenizer are not installed (a broken install, not bad mail)."""


@dataclass(frozen=True)
class _Model:
    table: npt.NDArray[np.float32]  # one row a word piece
    tokenizer: Tokenizer  # without padding or truncation: a text is as many pieces as it has


@cache
def _model() -> _Model:
    """Load once per process (32 MiB as float32); every worker process loads its own.

    The tokenizer's own thread pool is turned off: the ingest already runs one
    worker process a core, and a text of a few hundred characters is not worth
    handing to other threads (on 2 cores they only competed with the workers).
    """
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    from safetensors import safe_open
    from tokenizers import Tokenizer

    package = _package_folder("wordllama")
    weights = package / "weights" / "l2_supercat_256.safetensors"
    tokenizer = package / "tokenizers" / "l2_supercat_tokenizer_config.json"
    if not (weights.is_file() and tokenizer.is_file()):
        raise ModelMissing(f"wordllama's shipped files are missing: {weights}, {tokenizer}; reinstall wordllama")
    with safe_open(str(weights), framework="np") as stored:
        table = np.ascontiguousarray(stored.get_tensor("embedding.weight"), dtype=np.float32)
    pieces = Tokenizer.from_file(str(tokenizer))
    pieces.no_padding()
    pieces.no_truncation()
    return _Model(table, pieces)


def _package_folder(name: str) -> Path:
    """Where an installed package's files are, found without importing it: importing wordllama
    costs 0.17 s (it pulls in requests) and calls ``logging.basicConfig(INFO)``, and only its
    two data files are read."""
    spec = find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise ModelMissing(f"{name} is not installed; reinstall Loupe's dependencies")
    return Path(next(iter(spec.submodule_search_locations)))


def embed(texts: list[str]) -> Vectors:
    """Unit vectors (float32, one row a text): the mean of each text's word pieces, normalised.

    An empty text (or one of no pieces) gets a zero row."""
    model = _model()
    vectors = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
    if not texts:
        return vectors
    encoded = model.tokenizer.encode_batch(texts, add_special_tokens=False)
    counts = np.fromiter((len(e.ids) for e in encoded), dtype=np.int64, count=len(encoded))
    ids = np.fromiter((i for e in encoded for i in e.ids), dtype=np.int64, count=int(counts.sum()))
    np.clip(ids, 0, model.table.shape[0] - 1, out=ids)
    present = counts > 0
    if ids.size:
        starts = (np.cumsum(counts) - counts)[present]
        vectors[present] = np.add.reduceat(model.table[ids], starts, axis=0)
    # the mean's division is left out: normalising to unit length undoes it
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    unit: Vectors = np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0)
    return unit


def to_codes(vectors: Vectors) -> Codes:
    """Unit vectors as int8 rows: a quarter of the float32 size, cosine error under 0.002."""
    codes: Codes = np.clip(np.rint(vectors * INT8_SCALE), -127, 127).astype(np.int8)
    return codes


def from_codes(codes: Codes) -> Vectors:
    """int8 rows back to unit vectors (renormalised: rounding shortens them a little)."""
    vectors = codes.astype(np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    unit: Vectors = np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0)
    return unit
