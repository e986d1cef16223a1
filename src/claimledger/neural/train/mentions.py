"""The span classifiers over the attribution tagger's vectors: source types and attribution acts,
from the hand labels in ``data/labels`` (see ``docs/annotation``). Logistic regression, C chosen by
5-fold cross-validation on the train part; scored on the labelled dev part. The spelled-out
features (~30 of them beside 1,152 vector dimensions) may weigh more than a vector dimension
after standardising: the weight is chosen by the same cross-validation, from
``FEATURE_WEIGHTS``, and folded into the saved ``scale``, so the runtime reads the model as any
other logistic regression.

    python -m claimledger.neural.train source-types [--seed N]
    python -m claimledger.neural.train acts [--seed N]
"""

from __future__ import annotations

import argparse
import shutil
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from claimledger.evaluation.labels import f1_per_class, featurise, rows_of
from claimledger.neural import store
from claimledger.neural.mentions import ACTS, SOURCE_TYPES
from claimledger.neural.train import harness

TASKS = {"source-types": ("source_types.jsonl", "type", SOURCE_TYPES),
         "acts": ("acts.jsonl", "act", ACTS)}
FEATURE_WEIGHTS = (1.0, 3.0, 6.0)


def main(task: str, argv: Sequence[str] | None = None) -> int:
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    ap = argparse.ArgumentParser(prog=f"python -m claimledger.neural.train {task}")
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--out", type=Path, default=store.MODELS / task)
    args = ap.parse_args(argv)
    _, field, labels = TASKS[task]
    rows = rows_of(task)
    x, kept, n_features = featurise(task, rows)
    y = np.array([labels.index(rows[i][field]) for i in kept])
    split = np.array([rows[i]["split"] for i in kept])
    tr, dv = split == "train", split == "dev"
    mean = x[tr].mean(0)
    std = x[tr].std(0) + 1e-6
    best = None
    folds = StratifiedKFold(5, shuffle=True, random_state=args.seed)
    for fw in FEATURE_WEIGHTS:
        scale = std.copy()
        scale[x.shape[1] - n_features:] /= fw
        z = (x - mean) / scale
        for c in (0.003, 0.01, 0.03, 0.1, 0.3):
            for weight in (None, "balanced"):
                lr = LogisticRegression(C=c, max_iter=3000, class_weight=weight)
                pred = cross_val_predict(lr, z[tr], y[tr], cv=folds)
                f1s = f1_per_class([labels[i] for i in y[tr]], [labels[i] for i in pred], labels)
                seen = {labels[i] for i in y[tr]}
                score = float(np.mean([f1s[lab] for lab in labels if lab in seen]))
                print(f"features x{fw} C={c} weight={weight}: cv macro-F1 {score:.4f} {f1s}",
                      flush=True)
                if best is None or score > best[0]:
                    best = (score, c, weight, f1s, fw)
    score, c, weight, cv_f1s, fw = best
    scale = std.copy()
    scale[x.shape[1] - n_features:] /= fw
    z = (x - mean) / scale
    lr = LogisticRegression(C=c, max_iter=3000, class_weight=weight).fit(z[tr], y[tr])
    pred = lr.predict(z[dv])
    dev = f1_per_class([labels[i] for i in y[dv]], [labels[i] for i in pred], labels)
    four = [lab for lab in labels if lab != "not_a_source"]
    dev_macro = float(np.mean([dev[lab] for lab in four]))
    print(f"chosen features x{fw} C={c} weight={weight}; dev per class {dev}; dev macro-F1 "
          f"({', '.join(four)}) {dev_macro:.4f}", flush=True)
    tmp = args.out.with_name(args.out.name + ".new")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    coef = np.zeros((len(labels), x.shape[1]), dtype=np.float32)
    intercept = np.full(len(labels), -1e4, dtype=np.float32)  # a label never seen: never chosen
    for k, cls in enumerate(lr.classes_):
        coef[cls] = lr.coef_[k] if len(lr.classes_) > 2 else (lr.coef_[0] * (1 if k else -1))
        intercept[cls] = lr.intercept_[k] if len(lr.classes_) > 2 else 0.0
    np.savez(tmp / "weights.npz", mean=mean.astype(np.float32), scale=scale.astype(np.float32),
             coef=coef, intercept=intercept)
    harness.write_notice(
        tmp, task, f"the {field} classifier of the accurate engine",
        f"weights.npz: a logistic regression over the attribution tagger's token vectors of a span\n"
        f"and spelled-out features, trained by claimledger on its own labels (data/labels/"
        f"{TASKS[task][0]}).\nIt carries no encoder weights; it reads those of ../attribution.",
        f"python -m claimledger.neural.train {task} --seed {args.seed}")
    harness.write_card(tmp, {
        "name": task, "labels": list(labels),
        "task": f"{field} of a labelled span over the attribution tagger's vectors",
        "encoder": {"model": "attribution",
                    "sha256": store.card("attribution")["files"]["encoder.onnx"]["sha256"]},
        "trained_on": f"data/labels/{TASKS[task][0]} (split == train), PolNeAR train texts",
        "command": f"python -m claimledger.neural.train {task} --seed {args.seed}",
        "seed": args.seed, "C": c, "class_weight": weight,
        "feature_weight": fw,
        "cv_macro_f1": round(score, 4), "cv_f1": cv_f1s,
        "dev_f1": dev, "dev_macro_f1_four_types" if task == "source-types" else "dev_macro_f1":
            round(dev_macro if task == "source-types" else float(np.mean(list(dev.values()))), 4),
        "n_train": int(tr.sum()), "n_dev": int(dv.sum()),
    })
    shutil.rmtree(args.out, ignore_errors=True)
    tmp.replace(args.out)
    print(f"wrote {args.out}")
    return 0
