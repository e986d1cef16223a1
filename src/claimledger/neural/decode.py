"""From tag scores to spans: Viterbi decoding under BIO constraints, and window positions to
character offsets. Shared by training-time evaluation and the runtime, in numpy."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def transitions(tags: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """``(allowed[prev, next], allowed_start[next])`` for BIO tags named ``O``, ``B[-X]``,
    ``I[-X]``: an ``I-X`` only continues a ``B-X`` or ``I-X``."""
    n = len(tags)
    allowed = np.ones((n, n), dtype=bool)
    start = np.ones(n, dtype=bool)
    for j, t in enumerate(tags):
        if t.startswith("I"):
            kind = t[1:]
            start[j] = False
            for i, p in enumerate(tags):
                allowed[i, j] = p[1:] == kind and p[0] in "BI"
    return allowed, start


def viterbi(scores: np.ndarray, allowed: np.ndarray, start: np.ndarray) -> np.ndarray:
    """The best tag sequence for ``scores`` [T, K] (log-probabilities) under the constraints
    (ties go to the lower tag id). The tag sets are tiny (3 or 5 tags), so the recursion runs on
    Python floats over each tag's allowed predecessors: several times faster than numpy's
    per-step calls, and the same arithmetic in float64."""
    t_len, k = scores.shape
    if t_len == 0:
        return np.zeros(0, dtype=np.int64)
    preds = [[i for i in range(k) if allowed[i, j]] for j in range(k)]
    rows = scores.tolist()
    best = [rows[0][j] + (0.0 if start[j] else -1e9) for j in range(k)]
    back: list[list[int]] = []
    for row in rows[1:]:
        arg = []
        nxt = []
        for j in range(k):
            pj = preds[j]
            bi = pj[0]
            bv = best[bi]
            for i in pj[1:]:
                if best[i] > bv:
                    bi, bv = i, best[i]
            arg.append(bi)
            nxt.append(bv + row[j])
        back.append(arg)
        best = nxt
    out = np.zeros(t_len, dtype=np.int64)
    cur = max(range(k), key=best.__getitem__)
    out[-1] = cur
    for t in range(t_len - 1, 0, -1):
        cur = back[t - 1][cur]
        out[t - 1] = cur
    return out


def runs(tags: np.ndarray, b: int, i: int) -> list[tuple[int, int]]:
    """``(first, last)`` positions of every B/I run of the tags ``b``/``i``."""
    out: list[tuple[int, int]] = []
    cur: list[int] | None = None
    for p, t in enumerate(tags.tolist()):
        if t == b or (t == i and cur is None):
            if cur is not None:
                out.append((cur[0], cur[1]))
            cur = [p, p]
        elif t == i and cur is not None:
            cur[1] = p
        elif cur is not None:
            out.append((cur[0], cur[1]))
            cur = None
    if cur is not None:
        out.append((cur[0], cur[1]))
    return out


def log_softmax(x: np.ndarray) -> np.ndarray:
    m = x.max(-1, keepdims=True)
    z = x - m
    return z - np.log(np.exp(z).sum(-1, keepdims=True))
