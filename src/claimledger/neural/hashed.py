"""A linear sentence classifier without an encoder pass: the fast engine's check-worthiness (the
accurate engine reads the fine-tuned encoder, :mod:`claimledger.neural.texts`).

A sentence's features are its lowercased word unigrams and bigrams, hashed (CRC-32) into ``dims``
buckets, counted with sublinear term frequency (``1 + log tf``) and scaled to unit length, beside
its mean static embedding (:mod:`claimledger.neural.embeddings`, 256 dimensions, unit length).
Numbers read as one symbol with their count of digits and a percent sign, so "4%" and "7%" share
features. The model folder ``claimledger/models/<name>/`` holds ``weights.npz`` (``w`` [dims]
float16 for the words, ``e`` [256] for the embedding, ``b``) and ``card.json`` (dims, threshold,
how it was trained and what it scored).
"""

from __future__ import annotations

import re
import zlib
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from claimledger.neural import embeddings, store

_TOKEN = re.compile(r"\d[\d,.]*%?|[^\W\d_]+(?:['’][^\W\d_]+)*|[$€£%?!]")
MAX_CHARS = 2_000  # a sentence is read from its first 2,000 characters


def tokens(text: str) -> list[str]:
    """Lowercased words, numbers as ``<numD>`` / ``<num%D>`` (D digits, at most 5), and $ % ? !"""
    out = []
    for t in _TOKEN.findall(text[:MAX_CHARS].lower()):
        if t[0].isdigit():
            digits = min(5, sum(c.isdigit() for c in t))
            t = f"<num{'%' if t.endswith('%') else ''}{digits}>"
        out.append(t)
    return out


def words(text: str, dims: int) -> dict[int, float]:
    """Bucket -> value of the word unigrams and bigrams of ``text`` (unit length)."""
    toks = tokens(text)
    counts: Counter[int] = Counter()
    for a, b in zip(["<s>", *toks], toks):
        counts[zlib.crc32(f"w:{b}".encode()) % dims] += 1
        counts[zlib.crc32(f"b:{a} {b}".encode()) % dims] += 1
    if toks:
        counts[zlib.crc32(f"b:{toks[-1]} </s>".encode()) % dims] += 1
    vals = {k: 1.0 + float(np.log(v)) for k, v in counts.items()}
    norm = float(np.sqrt(sum(v * v for v in vals.values()))) or 1.0
    return {k: v / norm for k, v in vals.items()}


class HashedClassifier(store.LoadedOnce):
    """A shipped model, loaded once per process and name (:meth:`load`)."""

    _instances: dict[str, HashedClassifier] = {}

    def __init__(self, name: str, base: Path | None = None) -> None:
        self.card = store.card(name) if base is None else store.card_of(base, name)
        base = base or store.folder(name)
        with np.load(base / "weights.npz") as w:
            self.w = w["w"].astype(np.float32)
            self.e = w["e"].astype(np.float32)
            self.b = float(w["b"])
        self.dims = int(self.card["dims"])
        self.threshold = float(self.card.get("threshold", 0.5))

    def proba(self, texts: Sequence[str]) -> np.ndarray:
        """P(positive) of each text."""
        if len(texts) == 0:
            return np.zeros(0, dtype=np.float64)
        z = embeddings.encode([t[:MAX_CHARS] for t in texts]) @ self.e + self.b
        for i, t in enumerate(texts):
            f = words(t, self.dims)
            if f:
                idx = np.fromiter(f.keys(), dtype=np.int64, count=len(f))
                val = np.fromiter(f.values(), dtype=np.float32, count=len(f))
                z[i] += float(self.w[idx] @ val)
        return 1.0 / (1.0 + np.exp(-z.astype(np.float64)))
