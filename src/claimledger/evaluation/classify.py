"""Figures of the text classifiers (check-worthiness, certainty, stance), shared by training and
the benchmarks: positive-class P/R/F1, the F1-best threshold, per-group F1 (per debate), multiclass
F1 and confusion, and the FNC-1 score."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def prf(y: np.ndarray, pred: np.ndarray) -> tuple[float, float, float]:
    tp = int(((pred == 1) & (y == 1)).sum())
    p = tp / max(1, int((pred == 1).sum()))
    r = tp / max(1, int((y == 1).sum()))
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def best_threshold(y: np.ndarray, prob: np.ndarray) -> float:
    grid = np.round(np.arange(0.05, 0.951, 0.01), 2)
    return float(max(grid, key=lambda t: (prf(y, (prob >= t).astype(int))[2], -abs(t - 0.5))))


def binary_report(y: np.ndarray, prob: np.ndarray, threshold: float,
                  groups: np.ndarray | None = None) -> dict:
    p, r, f = prf(y, (prob >= threshold).astype(int))
    rep = {"threshold": threshold, "p": round(p, 4), "r": round(r, 4), "f1": round(f, 4)}
    if groups is not None:
        per = {g: prf(y[groups == g], (prob[groups == g] >= threshold).astype(int))[2]
               for g in sorted(set(groups))}
        vals = list(per.values())
        rep |= {"per_group_mean_f1": round(float(np.mean(vals)), 4),
                "per_group_min_f1": round(float(np.min(vals)), 4),
                "per_group_max_f1": round(float(np.max(vals)), 4),
                "per_group_f1": {k: round(v, 4) for k, v in per.items()}}
    return rep


def multiclass_report(y: np.ndarray, pred: np.ndarray, labels: Sequence[str]) -> dict:
    f1s = {}
    for c, name in enumerate(labels):
        if not ((y == c).any() or (pred == c).any()):
            continue
        f1s[name] = round(prf((y == c).astype(int), (pred == c).astype(int))[2], 4)
    conf = [[int(((y == a) & (pred == b)).sum()) for b in range(len(labels))]
            for a in range(len(labels))]
    return {"accuracy": round(float((y == pred).mean()), 4),
            "macro_f1": round(float(np.mean(list(f1s.values()))), 4), "f1": f1s,
            "confusion": conf}


def fnc_score(y: np.ndarray, pred: np.ndarray, unrelated: int = 3) -> float:
    """The FNC-1 score relative to the best possible: 0.25 for related/unrelated right, 0.75 more
    for the right related class."""
    score = best = 0.0
    for g, p in zip(y, pred):
        best += 0.25 if g == unrelated else 1.0
        if (g == unrelated) == (p == unrelated):
            score += 0.25
            if g != unrelated and g == p:
                score += 0.75
    return score / best
