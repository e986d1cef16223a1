#!/usr/bin/env python
"""Evaluate the check-worthiness scorer on CheckThat! 2024 (English, task 1).

    .venv-build/bin/python benchmarks/eval_checkworthy.py [--data DIR] [--cache DIR] [--quick]

Prints, for the shipped model (``models/checkworthy.json``) and for the TF-IDF + logistic
regression baseline:

* leave-one-debate-out (LODO) positive-class F1 over the 33 debates of CT24 train (mean, min, max):
  the model's configuration is refit 33 times, each time without one debate, at the shipped
  threshold (the one chosen on train LODO when the model was trained);
* P/R/F1 on CT24 dev of the model trained on all of train (the shipped file, scored through the
  runtime API: ``CheckworthyModel.score`` parses each sentence) and of the baseline;
* the time to score 1,000 sentences given their parses.

ClaimBuster 2.5xNCS is not a cross-set check here: 8,935 of its 9,674 sentences are CT24 train
sentences and 703 are CT24 dev sentences (see ``scripts/train_checkworthy.py``).

Data is read from ``--data`` (default ``../shared/data/checkworthy`` beside the repository) and
skipped with a message when absent. The LODO refits need scikit-learn and reading the parquet files
needs pyarrow: both are in the build venv (``.venv-build``), neither at run time. ``--quick`` only
scores dev and times the scorer.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
DEFAULT_DATA = REPO.parent / "shared" / "data" / "checkworthy"


def _trainer():
    spec = importlib.util.spec_from_file_location(
        "train_checkworthy", REPO / "scripts" / "train_checkworthy.py"
    )
    mod = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(mod)
    return mod


def main() -> int:
    ap = argparse.ArgumentParser(description="evaluate the check-worthiness scorer")
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--cache", type=Path, default=None, help="keep spaCy parses here (DocBin)")
    ap.add_argument("--quick", action="store_true", help="dev and speed only, no LODO refits")
    args = ap.parse_args()
    if not (args.data / "CT24_train_clean.parquet").exists():
        print(f"skipped: CT24 data not found under {args.data} (pass --data DIR)")
        return 0
    missing = [m for m in ("pyarrow", "sklearn") if importlib.util.find_spec(m) is None]
    if missing:
        print(f"skipped: {', '.join(missing)} not installed; run with .venv-build/bin/python")
        return 0

    from claimledger.pipeline.checkworthy import CheckworthyModel

    T = _trainer()
    model = CheckworthyModel.load()
    thr = model.threshold
    cfg = model.params["config"]
    print(f"model: {cfg}, threshold {thr:.2f}")

    tr_ids, tr_texts, y = T.load_split(args.data, "train")
    _, dv_texts, ydev = T.load_split(args.data, "dev")
    groups = np.array([T.debate_of(i) for i in tr_ids])

    # dev, through the runtime API (parses every sentence itself)
    t0 = time.time()
    p_dev = model.score(dv_texts)
    p, r, f = T.prf(ydev, p_dev >= thr)
    print(
        f"CT24 dev ({len(ydev)} sentences, {ydev.sum()} Yes)   model    P {p:.3f} R {r:.3f} F1 {f:.3f}"
        f"   (scored and parsed in {time.time() - t0:.1f}s)"
    )

    dv_docs = T.parse(dv_texts, args.cache, "dev")
    texts, spans = dv_texts[:1000], [d[:] for d in dv_docs[:1000]]
    model.score(texts[:10], spans[:10])
    t0 = time.perf_counter()
    model.score(texts, spans)
    print(
        f"speed: {len(texts)} sentences scored from their parses in {time.perf_counter() - t0:.3f}s"
    )

    if args.quick:
        return 0

    tr_docs = T.parse(tr_texts, args.cache, "train")
    e_tr, h_tr, m_tr = T.features(tr_texts, tr_docs)
    x_tr = np.hstack([e_tr, h_tr])
    w = cfg["dense_weight"]
    z = w * T._logit(T.lodo_oof(cfg["dense"], x_tr, y, groups))
    if cfg["lexical"] is not None:
        z = z + (1 - w) * T._logit(T.lodo_oof(cfg["lexical"], m_tr, y, groups))
    oof = 1 / (1 + np.exp(-z))
    rep = T.lodo_report(y, groups, oof, thr)
    print(
        f"LODO over {len(set(groups))} debates   model    F1 mean {rep['mean_f1']:.3f} "
        f"min {rep['min_f1']:.3f} max {rep['max_f1']:.3f} (pooled {rep['pooled_f1']:.3f})"
    )
    worst = sorted(rep["per_debate_f1"].items(), key=lambda kv: kv[1])[:3]
    print("   weakest debates: " + ", ".join(f"{k} {v:.3f}" for k, v in worst))

    bcfg = {"kind": "tfidf", "C": 1.0}
    boof = T.lodo_oof(bcfg, tr_texts, y, groups)
    bthr = T.best_threshold(y, boof)
    brep = T.lodo_report(y, groups, boof, bthr)
    print(
        f"LODO over {len(set(groups))} debates   baseline F1 mean {brep['mean_f1']:.3f} "
        f"min {brep['min_f1']:.3f} max {brep['max_f1']:.3f} (pooled {brep['pooled_f1']:.3f}) "
        f"@ {bthr:.2f}"
    )
    bmodel = T.make_model(bcfg).fit(tr_texts, y)
    bp, br, bf = T.prf(ydev, bmodel.predict_proba(dv_texts)[:, 1] >= bthr)
    print(
        f"CT24 dev ({len(ydev)} sentences, {ydev.sum()} Yes)   baseline P {bp:.3f} R {br:.3f} F1 {bf:.3f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
