"""The fast engine's check-worthiness (:mod:`claimledger.neural.hashed`): logistic regression over
hashed word n-grams and the static embedding, trained on CT24 train and distilled on news.

Debate sentences alone teach a bag of words little about news: trained on CT24 only, it dropped
"the vessel was carrying cocaine bound for Europe" from the bundled example. So the claim units the
fast engine reads in PolNeAR **train** articles (attribution contents and the author's sentences)
are added, each labelled softly by the fine-tuned encoder (``checkworthy``, the accurate engine's
scorer): a row "yes" weighted P and a row "no" weighted 1 - P, which is cross-entropy against the
teacher's probability. C and the threshold come from the same debate-grouped 3-fold
cross-validation on CT24 as the encoder's (the news rows are in every training fold); CT24 dev is
scored once at the end, and so is agreement with the teacher on PolNeAR **dev** units.

    python -m claimledger.neural.train checkworthy-fast [--seed N] [--folds 3] [--news-weight W]
"""

from __future__ import annotations

import argparse
import json
import shutil
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from claimledger.evaluation.classify import best_threshold, binary_report
from claimledger.neural import data, embeddings, store
from claimledger.neural.hashed import HashedClassifier, words

NAME = "checkworthy-fast"
DIMS = 1 << 18
GRID = (1.0, 3.0, 10.0)


def matrix(texts: Sequence[str]):
    """[N, DIMS + 256] sparse features of the texts: hashed words, then the static embedding."""
    from scipy.sparse import csr_matrix, hstack

    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    for i, t in enumerate(texts):
        f = words(t, DIMS)
        rows += [i] * len(f)
        cols += list(f)
        vals += list(f.values())
    sparse = csr_matrix((vals, (rows, cols)), shape=(len(texts), DIMS), dtype=np.float64)
    return hstack([sparse, csr_matrix(embeddings.encode(list(texts)).astype(np.float64))]).tocsr()


def news_units(docs) -> list[str]:
    """The fast engine's claim units of parsed articles, as the claim builder scores them."""
    from claimledger.analyzer import attribute
    from claimledger.neural.judgments import proposition
    from claimledger.pipeline.attribution import doc_text
    from claimledger.pipeline.claims import claim_units

    out: list[str] = []
    for doc in docs:
        text = doc_text(doc)
        _, attributions = attribute(doc, "fast")
        out += [proposition(text[u.start : u.end]) for u in claim_units(doc, attributions)]
    return out


def teacher(texts: Sequence[str]) -> tuple[np.ndarray, float]:
    """The fine-tuned encoder's P(check-worthy) of the texts, and its threshold."""
    from claimledger.neural.judgments import checkworthiness

    judge = checkworthiness()
    return judge.score(list(texts)), judge.threshold


def main(argv: Sequence[str] | None = None) -> int:
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GroupKFold

    from claimledger.neural.train import harness

    ap = argparse.ArgumentParser(prog=f"python -m claimledger.neural.train {NAME}")
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--folds", type=int, default=3)
    ap.add_argument("--news-weight", type=float, default=1.0,
                    help="weight of each distilled PolNeAR unit (0: CT24 only)")
    ap.add_argument("--out", type=Path, default=store.MODELS / NAME)
    args = ap.parse_args(argv)
    from scipy.sparse import vstack

    tr, dev = data.checkworthy("train"), data.checkworthy("dev")
    x = matrix(tr.texts)
    news_x, news_y, news_w = x[:0], np.zeros(0, int), np.zeros(0)
    if args.news_weight > 0:
        units = news_units(data.polnear("train")[1])
        p, _ = teacher(units)
        print(f"{len(units)} PolNeAR train units, teacher mean P {p.mean():.3f}", flush=True)
        m = matrix(units)
        news_x = vstack([m, m]).tocsr()
        news_y = np.concatenate([np.ones(len(units), int), np.zeros(len(units), int)])
        news_w = args.news_weight * np.concatenate([p, 1.0 - p])

    def fit(c: float, rows: np.ndarray | slice):
        xs = vstack([x[rows], news_x]).tocsr()
        ys = np.concatenate([tr.labels[rows], news_y])
        ws = np.concatenate([np.ones(len(ys) - len(news_y)), news_w])
        return LogisticRegression(C=c, max_iter=5000, random_state=args.seed).fit(
            xs, ys, sample_weight=ws)

    folds = list(GroupKFold(n_splits=args.folds).split(tr.texts, tr.labels, tr.groups))
    best = None
    for c in GRID:
        oof = np.zeros(len(tr.labels))
        for a, b in folds:
            oof[b] = fit(c, a).predict_proba(x[b])[:, 1]
        threshold = best_threshold(tr.labels, oof)
        rep = binary_report(tr.labels, oof, threshold, tr.groups)
        print(f"C={c}: cv F1 {rep['f1']} per-debate mean {rep['per_group_mean_f1']}", flush=True)
        if best is None or rep["per_group_mean_f1"] > best[0]["per_group_mean_f1"]:
            best = (rep, c, threshold)
    cv, c, threshold = best
    lr = fit(c, slice(None))
    coef = lr.coef_[0]
    out: Path = args.out
    tmp = out.with_name(out.name + ".new")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    np.savez(tmp / "weights.npz", w=coef[:DIMS].astype(np.float16),
             e=coef[DIMS:].astype(np.float32), b=np.float32(lr.intercept_[0]))
    command = (f"python -m claimledger.neural.train {NAME} --seed {args.seed} --folds {args.folds}"
               f" --news-weight {args.news_weight:g}")
    (tmp / "NOTICE.txt").write_text(
        f"{NAME}/ -- check-worthiness of a sentence without an encoder (the fast engine)\n\n"
        "weights.npz: claimledger's own logistic-regression weights over hashed word n-grams and\n"
        "the static embedding of ../minilm_static (see its NOTICE), trained on CheckThat! 2024\n"
        "task 1 English train (CT24, from the ClaimBuster debates; not included).\n"
        f"Rebuild: {command}\n", encoding="utf-8")
    card = {"name": NAME, "task": "check-worthiness of a sentence (CheckThat! 2024 task 1), "
            "without an encoder", "labels": ["no", "yes"], "dims": DIMS, "threshold": threshold,
            "C": c, "seed": args.seed, "command": command, "news_weight": args.news_weight,
            "distilled_units": int(len(news_y) // 2),
            "figures": {"cv": cv | {"folds": args.folds,
                                    "protocol": "GroupKFold by debate (each debate in one test fold)"}}}
    harness.write_card(tmp, card)
    prob = HashedClassifier(NAME, tmp).proba(dev.texts)  # the runtime, float16 weights and all
    card["figures"]["held_out"] = binary_report(dev.labels, prob, threshold)
    print(f"CT24 dev (runtime): {json.dumps(card['figures']['held_out'])}", flush=True)
    dev_units = news_units(data.polnear("dev")[1])
    p_teacher, t_teacher = teacher(dev_units)
    p_student = HashedClassifier(NAME, tmp).proba(dev_units)
    agree = binary_report((p_teacher >= t_teacher).astype(int), p_student, threshold)
    card["figures"]["polnear_dev_agreement"] = agree | {
        "units": len(dev_units), "what": "the fast engine's claim filter against the fine-tuned "
        "encoder's on PolNeAR dev claim units (the teacher's decisions as labels)"}
    print(f"PolNeAR dev agreement with the encoder: {json.dumps(agree)}", flush=True)
    harness.write_card(tmp, card)
    shutil.rmtree(out, ignore_errors=True)
    tmp.replace(out)
    print(f"wrote {out}")
    return 0
