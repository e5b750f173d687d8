"""Loupe's own mean of word pieces gives wordllama's vectors, on real mail.

``loupe.meaning.model.embed`` sums each passage's pieces without padding a
batch (issue 17: padded batches cost three times as much); stored vectors
and the meaning index must not change for it, so it is compared with the
library's ``WordLlamaInference.embed`` on the passages of real messages,
one message at a time and as one batch of passages of mixed lengths.
"""

from __future__ import annotations

import email
import email.policy

import numpy as np

from loupe.meaning import model
from loupe.meaning.passages import own_passages
from tests.conftest import corpus


def _bodies(limit: int = 150) -> list[str]:
    bodies: list[str] = []
    for folder in ("enron-sample", "notmuch-default", "mu-testdir"):
        for path in sorted(p for p in corpus(folder).rglob("*") if p.is_file() and p.parent.name in ("cur", "new")):
            parsed = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            part = parsed.get_body(("plain",)) if hasattr(parsed, "get_body") else None
            if part is None:
                continue
            try:
                text = part.get_content()
            except (LookupError, ValueError):
                continue
            if isinstance(text, str) and own_passages(text):
                bodies.append(text)
            if len(bodies) >= limit:
                return bodies
    return bodies


def _library_vectors(texts: list[str]) -> np.ndarray:
    from tokenizers import Tokenizer
    from wordllama.inference import WordLlamaInference  # type: ignore[import-untyped]

    ours = model._model()
    library = WordLlamaInference(ours.table, Tokenizer.from_str(ours.tokenizer.to_str()))
    raw = np.asarray(library.embed(texts, norm=False, batch_size=64), dtype=np.float32)
    norms = np.linalg.norm(raw, axis=1, keepdims=True)
    return np.divide(raw, norms, out=np.zeros_like(raw), where=norms > 0)


def test_vectors_and_int8_codes_equal_wordllamas_on_real_mail() -> None:
    bodies = _bodies()
    assert len(bodies) >= 50, "the real corpora should give fifty bodies with passages"
    odd = ["", "   ", "Καλημέρα, 東京で会いましょう 🙂", "x" * 3000]
    texts = [p.text for body in bodies for p in own_passages(body)] + odd
    ours = model.embed(texts)
    theirs = _library_vectors(texts)
    assert ours.shape == theirs.shape == (len(texts), model.DIMENSIONS)
    assert float(np.abs(ours - theirs).max()) < 1e-5
    assert np.array_equal(model.to_codes(ours), model.to_codes(theirs))
    # a message at a time, as ``loupe.meaning.build`` re-reads one, gives the same rows
    first = [p.text for p in own_passages(bodies[0])]
    assert np.array_equal(model.embed(first), ours[: len(first)])


def test_an_empty_text_gets_a_zero_row_among_others() -> None:
    vectors = model.embed(["", "The shipment left the port on Monday.", ""])
    assert not vectors[0].any() and not vectors[2].any()
    assert abs(float(np.linalg.norm(vectors[1])) - 1.0) < 1e-5
    assert model.embed([]).shape == (0, model.DIMENSIONS)


def test_embedding_reads_the_wheels_files_without_importing_wordllama() -> None:
    """Importing wordllama costs 0.17 s (requests) and turns on INFO logging for the whole process."""
    import subprocess
    import sys

    code = (
        "import logging, sys\n"
        "from loupe.meaning.model import embed\n"
        "assert embed(['The shipment left the port.']).any()\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('wordllama', 'requests')),"
        " logging.getLogger().handlers, logging.getLogger().level)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    assert out.strip() == "[] [] 30"  # nothing of wordllama or requests loaded; logging left at WARNING
