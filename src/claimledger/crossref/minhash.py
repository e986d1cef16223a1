"""Near-duplicate articles (wire copy reprinted by many outlets) by MinHash over word shingles.

A signature is ``PERMUTATIONS`` minima of universal hashes of the article's 5-word shingles; the
share of equal minima estimates the Jaccard similarity of two shingle sets. Signatures are split
into ``BANDS`` bands for locality-sensitive hashing, so a new article is compared only with the
articles it shares a band with. numpy only.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

import numpy as np

from claimledger.corpus.identity import normalise_text

PERMUTATIONS = 64
BANDS = 16  # 4 rows a band: pairs above ~0.6 Jaccard almost always share a band
SHINGLE = 5
THRESHOLD = 0.7  # estimated Jaccard at or above which two articles are copies of one story

_PRIME = (1 << 61) - 1
_rng = np.random.default_rng(20261123)
_A = _rng.integers(1, _PRIME, PERMUTATIONS, dtype=np.uint64)
_B = _rng.integers(0, _PRIME, PERMUTATIONS, dtype=np.uint64)
_WORD = re.compile(r"\w+")


def shingles(text: str) -> set[int]:
    words = _WORD.findall(normalise_text(text).lower())
    if len(words) < SHINGLE:
        words = words + [""] * (SHINGLE - len(words))
    out = set()
    for i in range(len(words) - SHINGLE + 1):
        h = hashlib.blake2b(" ".join(words[i : i + SHINGLE]).encode(), digest_size=8).digest()
        out.add(int.from_bytes(h, "little") & ((1 << 61) - 1))
    return out


def signature(text: str) -> np.ndarray:
    """The MinHash signature of an article's text (uint64, PERMUTATIONS long)."""
    sh = np.fromiter(shingles(text), dtype=np.uint64)
    # (a * x + b) mod p, in exact 128-bit arithmetic via Python ints would be slow; numpy's uint64
    # wraps, which keeps the hashes universal enough for MinHash (mod 2^64, then mod p)
    with np.errstate(over="ignore"):
        h = (np.outer(sh, _A) + _B) % np.uint64(_PRIME)
    return h.min(axis=0)


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.mean(np.asarray(a) == np.asarray(b)))


def bands(sig: np.ndarray) -> list[tuple[int, bytes]]:
    rows = PERMUTATIONS // BANDS
    return [(i, np.asarray(sig[i * rows : (i + 1) * rows], dtype=np.uint64).tobytes())
            for i in range(BANDS)]


class Index:
    """LSH buckets over stored signatures."""

    def __init__(self) -> None:
        self.buckets: dict[tuple[int, bytes], list[str]] = {}
        self.sigs: dict[str, np.ndarray] = {}

    def add(self, key: str, sig: np.ndarray) -> None:
        self.sigs[key] = np.asarray(sig, dtype=np.uint64)
        for b in bands(sig):
            self.buckets.setdefault(b, []).append(key)

    def candidates(self, sig: np.ndarray) -> Iterable[str]:
        seen: set[str] = set()
        for b in bands(sig):
            for key in self.buckets.get(b, ()):
                if key not in seen:
                    seen.add(key)
                    yield key

    def best(self, sig: np.ndarray) -> tuple[str | None, float]:
        best, score = None, 0.0
        for key in self.candidates(sig):
            s = similarity(sig, self.sigs[key])
            if s > score:
                best, score = key, s
        return best, score
