#!/usr/bin/env python
"""Evaluate the fine-tuned sentence and pair judgments: check-worthiness, certainty, stance.

    .venv/bin/python benchmarks/eval_judgments.py [--data DIR] [--only checkworthy|certainty|stance]
                                                  [--speed-only]

For each shipped model (``claimledger/models/<name>/``) it prints

* the cross-validated figures recorded in the model card by training
  (``python -m claimledger.neural.train NAME --folds K``; a fine-tune per fold, which needs torch:
  the training venv recomputes them, this script reads them);
* the held-out figures recomputed here through the run-time API (int8 ONNX): CT24 dev for
  check-worthiness (the model never saw it); FNC-1's held-out fifth (claim-connected components,
  the issue's protocol) for stance, through ``claimledger.neural.stance.predict`` (four classes;
  ``questions`` is not a class of FNC-1 and is scored as ``discuss``; the shipped headline model
  was trained on all of Emergent, whose claims FNC-1 headlines share, so this figure is above the
  leakage-free one of ``benchmarks/eval_stance.py``); certainty has no held-out
  set (the CoNLL sample is all it has, so its figure is the cross-validated one);
* speed on one core: 1,000 CT24 dev sentences scored (sentences/s), and 1,000 FNC-1 claim-body
  pairs (seconds).

Data is read from ``--data`` (default ``../shared/data`` beside the repository); a part whose data
is absent is skipped with a message.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("CLAIMLEDGER_THREADS", "1")
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

import numpy as np  # noqa: E402

from claimledger.neural import data, store  # noqa: E402
from claimledger.evaluation.classify import fnc_score, multiclass_report, prf  # noqa: E402


def card_figures(name: str) -> None:
    if not (store.folder(name) / "card.json").exists():
        print(f"\n== {name}: no fine-tuned model shipped (the lexical models serve; see the README)")
        return
    card = store.card(name)
    cv = card.get("figures", {}).get("cv")
    size = sum(f["bytes"] for f in card["files"].values()) / 2**20
    print(f"\n== {name}: {card['task']} ({size:.1f} MB; {card['command']})")
    if cv:
        shown = {k: v for k, v in cv.items() if k not in ("per_group_f1", "confusion")}
        print(f"  cross-validation (from training): {json.dumps(shown)}")


def checkworthy(root: Path, speed_only: bool) -> None:
    from claimledger.neural.judgments import checkworthiness

    card_figures("checkworthy")
    path = root / "checkworthy" / "CT24_dev_clean.parquet"
    if not path.exists():
        print(f"  CT24 dev not found at {path}: skipped")
        return
    dev = data.checkworthy("dev", root / "checkworthy")
    judge = checkworthiness()
    t0 = time.perf_counter()
    prob = judge.score(dev.texts[:1000])
    dt = time.perf_counter() - t0
    print(f"  speed: 1,000 sentences in {dt:.2f} s = {1000 / dt:.0f} sentences/s (one thread)")
    if speed_only:
        return
    prob = np.concatenate([prob, judge.score(dev.texts[1000:])])
    p, r, f = prf(dev.labels, (prob >= judge.threshold).astype(int))
    print(f"  CT24 dev (runtime, threshold {judge.threshold}): P {p:.4f} R {r:.4f} F1 {f:.4f}")


def certainty(root: Path, speed_only: bool) -> None:
    card_figures("certainty")


def stance(root: Path, speed_only: bool) -> None:
    from claimledger.neural.stance import predict

    card_figures("stance")
    if not (root / "stance" / "train_bodies.csv").exists():
        print(f"  FNC-1 not found under {root / 'stance'}: skipped")
        return
    fnc, held = data.fnc(root / "stance")
    test = fnc.subset(np.flatnonzero(held))
    t0 = time.perf_counter()
    predict(list(zip(test.texts[:1000], test.pairs[:1000])))
    print(f"  speed: 1,000 claim-body pairs in {time.perf_counter() - t0:.1f} s (one thread)")
    if speed_only:
        return
    results = predict(list(zip(test.texts, test.pairs)))
    names = {"supports": 0, "refutes": 1, "reports": 2, "questions": 2, "unrelated": 3}
    pred = np.array([names[r.label] for r in results])
    rep = multiclass_report(test.labels, pred, ("agree", "disagree", "discuss", "unrelated"))
    rel = prf((test.labels != 3).astype(int), (pred != 3).astype(int))[2]
    print(f"  FNC-1 held-out fifth ({len(test.texts)} pairs, runtime): macro-F1 {rep['macro_f1']} "
          f"per class {rep['f1']} accuracy {rep['accuracy']} related-vs-unrelated F1 {rel:.4f} "
          f"FNC score {fnc_score(test.labels, pred):.4f}")
    print(f"  confusion (rows gold agree/disagree/discuss/unrelated): {rep['confusion']}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    ap.add_argument("--only", choices=("checkworthy", "certainty", "stance"))
    ap.add_argument("--speed-only", action="store_true")
    args = ap.parse_args()
    for name, fn in (("checkworthy", checkworthy), ("certainty", certainty), ("stance", stance)):
        if args.only in (None, name):
            fn(args.data, args.speed_only)


if __name__ == "__main__":
    main()
