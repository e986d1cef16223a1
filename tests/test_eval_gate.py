"""The eval gate: attribution quality on PolNeAR dev must not fall below pinned floors.

Floors sit a little under the scores reached when they were pinned (see eval_baseline.json) and
only ever move up. Skipped, with a message, when ../shared/data/polnear is not beside the repo.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from claimledger.evaluation.polnear import DEFAULT_ROOT, evaluate

BASELINE = json.loads((Path(__file__).parent / "eval_baseline.json").read_text())


_SCORES: dict[str, dict] = {}


def dev_scores(engine: str) -> dict:
    if not (DEFAULT_ROOT / "dev").is_dir():
        pytest.skip(f"PolNeAR dev not found at {DEFAULT_ROOT / 'dev'}")
    if engine not in _SCORES:
        _SCORES[engine] = evaluate(DEFAULT_ROOT, "dev", "first", engine=engine).as_dict()
    return _SCORES[engine]


# "floors" are the fast (rule) engine's, "floors_accurate" the trained tagger's
GATES = [("fast", m) for m in sorted(BASELINE["floors"])] + [
    ("accurate", m) for m in sorted(BASELINE["floors_accurate"])]


@pytest.mark.slow
@pytest.mark.parametrize("engine,metric", GATES, ids=[f"{e}-{m}" for e, m in GATES])
def test_dev_score_above_floor(engine, metric):
    value = dev_scores(engine)
    for part in metric.split("."):
        value = value[part]
    floor = BASELINE["floors" if engine == "fast" else "floors_accurate"][metric]
    assert value >= floor, f"{engine}: {metric} = {value:.4f} fell below the pinned floor {floor}"


def positive_f1(gold: list[bool], pred: list[bool]) -> float:
    tp = sum(g and p for g, p in zip(gold, pred))
    precision = tp / max(1, sum(pred))
    recall = tp / max(1, sum(gold))
    return 2 * precision * recall / max(1e-9, precision + recall)


# -- issue 3: check-worthiness on CheckThat! 2024 dev (held out from training) -----------------

CHECKWORTHY_DEV = DEFAULT_ROOT.parents[1] / "checkworthy" / "CT24_dev_clean.parquet"


@pytest.mark.slow
@pytest.mark.parametrize("engine, key", [("accurate", "ct24_dev.f1"), ("fast", "ct24_dev.fast.f1")])
def test_checkworthy_dev_f1_above_floor(engine, key):
    """The fine-tuned encoder (accurate) and the fast engine's model without an encoder."""
    if not CHECKWORTHY_DEV.exists():
        pytest.skip(f"CT24 dev not found at {CHECKWORTHY_DEV}")
    import pyarrow.parquet as pq

    from claimledger.sentences import checkworthiness

    rows = pq.read_table(CHECKWORTHY_DEV, columns=["Text", "class_label"]).to_pylist()
    gold = [r["class_label"] == "Yes" for r in rows]
    texts = (r["Text"].replace("\n", " ") for r in rows)
    pred = [yes for _, yes in checkworthiness(texts, engine=engine)]
    f1 = positive_f1(gold, pred)
    floor = BASELINE["floors_checkworthy"][key]
    assert f1 >= floor, f"{engine} CT24 dev F1 {f1:.4f} fell below the pinned floor {floor}"


# -- sentence certainty, a regression guard --------------------------------------------------
# The certainty model is trained on the whole CoNLL-2010 wiki sample, so this is in-sample: it
# guards against breaking the model or the cue matcher, it does not measure generalisation (the
# cross-validated figure is in the model card, printed by benchmarks/eval_certainty.py).

WIKI_SAMPLE = DEFAULT_ROOT.parents[1] / "hedging" / "conll2010_wiki_sample_train.csv"


@pytest.mark.slow
def test_certainty_wiki_sample_regression_guard():
    if not WIKI_SAMPLE.exists():
        pytest.skip(f"wiki sample not found at {WIKI_SAMPLE}")
    from claimledger.neural import data
    from claimledger.neural.judgments import certainty

    sample = data.certainty(WIKI_SAMPLE.parent)
    judge = certainty()
    # the model as trained (the Wikipedia notion, vague quantities included), not the reader rules
    prob = judge.score(sample.texts, reader=False)
    pred = [bool(p >= judge.threshold) for p in prob]
    f1 = positive_f1([bool(y) for y in sample.labels], pred)
    floor = BASELINE["floors_certainty"]["wiki_in_sample.f1"]
    assert f1 >= floor, f"wiki-sample F1 {f1:.4f} fell below the pinned floor {floor}"


# -- issue 11: the accurate engine's span classifiers on the dev part of claimledger's labels -----


@pytest.mark.slow
@pytest.mark.parametrize("task", sorted(k.split(".")[0] for k in BASELINE["floors_labels"]))
def test_span_classifier_dev_macro_f1_above_floor(task):
    if not (DEFAULT_ROOT / "train").is_dir():
        pytest.skip(f"PolNeAR train not found at {DEFAULT_ROOT / 'train'}")
    from claimledger.evaluation.labels import evaluate_classifier

    r = evaluate_classifier(task)
    floor = BASELINE["floors_labels"][f"{task}.macro_f1"]
    assert r["macro_f1"] >= floor, f"{task} dev macro-F1 {r['macro_f1']:.4f} below {floor}: {r}"


# -- issue 12: stance on FNC-1's held-out fifth (claim-connected components): a regression guard --
# The body models never saw these pairs, but the headline model inside was trained on all of
# Emergent, whose claims FNC-1 headlines share; scripts/train_stance.py measures the clean figure.

STANCE_DATA = DEFAULT_ROOT.parents[1] / "stance"


@pytest.mark.slow
def test_stance_fnc_held_out_macro_f1_above_floor():
    if not (STANCE_DATA / "train_bodies.csv").exists():
        pytest.skip(f"FNC-1 not found under {STANCE_DATA}")
    import numpy as np

    from claimledger.evaluation.classify import multiclass_report
    from claimledger.neural import data
    from claimledger.neural.stance import predict

    fnc, held = data.fnc(STANCE_DATA)
    # every 5th held-out pair (1,152 of 5,757), so that the gate costs under a minute
    test = fnc.subset(np.flatnonzero(held)[::5])
    names = {"supports": 0, "refutes": 1, "reports": 2, "questions": 2, "unrelated": 3}
    pred = np.array([names[r.label] for r in predict(list(zip(test.texts, test.pairs)))])
    rep = multiclass_report(test.labels, pred, ("agree", "disagree", "discuss", "unrelated"))
    floor = BASELINE["floors_stance"]["fnc_held_out_fifth.macro_f1"]
    assert rep["macro_f1"] >= floor, f"FNC-1 held-out macro-F1 {rep['macro_f1']} below {floor}"
