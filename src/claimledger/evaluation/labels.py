"""claimledger's own hand labels (``data/labels``, guidelines in ``docs/annotation``): source
types of mentions and acts of attributions in PolNeAR train articles, read with their texts from
``../shared/data/polnear``, and the span classifiers scored on their dev part."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from claimledger.evaluation.polnear import DEFAULT_ROOT

LABELS = Path(__file__).resolve().parents[3] / "data" / "labels"
TASKS = {
    "source-types": ("source_types.jsonl", "type"),
    "acts": ("acts.jsonl", "act"),
}


def rows_of(task: str, labels: Path = LABELS) -> list[dict]:
    fname, _ = TASKS[task]
    return [json.loads(line) for line in (labels / fname).read_text(encoding="utf-8").splitlines()
            if line.strip()]


def _tokens(doc, start: int, end: int) -> tuple[int, int] | None:
    toks = [t.i for t in doc if t.idx < end and t.idx + len(t.text) > start and not t.is_space]
    return (toks[0], toks[-1]) if toks else None


def featurise(task: str, rows: Sequence[dict], root: Path = DEFAULT_ROOT
              ) -> tuple[np.ndarray, list[int], int]:
    """One feature row per labelled span, as the runtime classifiers read it (the attribution
    tagger's vectors, then the spelled-out features), the indices of the rows kept (a span
    covering no token is left out) and how many spelled-out features end each row."""
    from claimledger.neural import data
    from claimledger.neural.attribution import AttributionTagger
    from claimledger.neural.mentions import cue_features, mention_features, span_vector

    names = sorted({r["article"] for r in rows})
    texts = [(root / "train" / "text" / f"{n}.txt").read_text(encoding="utf-8") for n in names]
    docs = dict(zip(names, data.parse_cached(texts, f"labels-{task}")))
    tagger = AttributionTagger.load()
    vectors = {n: tagger.tag(d)[1] for n, d in docs.items()}
    xs, kept = [], []
    for i, r in enumerate(rows):
        doc = docs[r["article"]]
        s, e = (r["start"], r["end"]) if task == "source-types" else r["cue"]
        span = _tokens(doc, s, e)
        if span is None:
            continue
        feats, head = (mention_features if task == "source-types" else cue_features)(doc, *span)
        xs.append(np.concatenate([span_vector(vectors[r["article"]], *span, head), feats]))
        kept.append(i)
    return np.stack(xs), kept, len(feats)


def f1_per_class(gold: Sequence[str], pred: Sequence[str], labels: Sequence[str]
                 ) -> dict[str, float]:
    out = {}
    for lab in labels:
        tp = sum(g == p == lab for g, p in zip(gold, pred))
        npred = sum(p == lab for p in pred)
        ngold = sum(g == lab for g in gold)
        pr = tp / npred if npred else 0.0
        rc = tp / ngold if ngold else 0.0
        out[lab] = round(2 * pr * rc / (pr + rc), 4) if pr + rc else 0.0
    return out


def evaluate_classifier(task: str) -> dict:
    """The shipped classifier of ``task`` on the dev part of its labels: F1 per class and the
    macro-F1 (source types: over the four source types, ``not_a_source`` reported apart)."""
    from claimledger.neural.mentions import ACTS, SOURCE_TYPES, SpanClassifier

    _, field = TASKS[task]
    labels = SOURCE_TYPES if task == "source-types" else ACTS
    rows = rows_of(task)
    dev = [r for r in rows if r["split"] == "dev"]
    x, kept, _ = featurise(task, dev)
    clf = SpanClassifier(task, labels)
    pred = [labels[i] for i in clf.proba(x).argmax(1)]
    gold = [dev[i][field] for i in kept]
    f1 = f1_per_class(gold, pred, labels)
    main = [lab for lab in labels if lab != "not_a_source"]
    return {"n": len(gold), "f1": f1, "macro_f1": round(float(np.mean([f1[k] for k in main])), 4),
            "accuracy": round(float(np.mean([g == p for g, p in zip(gold, pred)])), 4)}
