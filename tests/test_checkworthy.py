"""The check-worthiness scorer and the static embeddings it reads (no data set needed)."""

from __future__ import annotations

import numpy as np
import pytest

from claimledger import embeddings
from claimledger.analyzer import load_nlp
from claimledger.pipeline.checkworthy import FEATURE_NAMES, CheckworthyModel, sentence_features

CLAIMS = [
    "Unemployment fell to 3.9% in March, the lowest level since 2001.",
    "The city council voted 7 to 2 on Tuesday to cut the police budget by $12 million.",
    "Exports to China rose 14 percent last year, according to the Commerce Department.",
    "More than 40,000 people died in road accidents in 2021, up 10% from the year before.",
    "The company laid off 1,200 workers after its profits dropped by half.",
    "Inflation reached 9.1 percent in June, the highest rate in four decades.",
]
NOT_CLAIMS = [
    "Thank you all for being here tonight.",
    "I think we can do better.",
    "Good evening, and welcome to the debate.",
    "What are you going to do about it?",
    "I want to thank my family for their support.",
    "Let me be clear.",
]


@pytest.fixture(scope="module")
def model() -> CheckworthyModel:
    return CheckworthyModel.load()


def test_model_loads(model):
    assert CheckworthyModel.load() is model  # cached
    assert 0.0 < model.threshold < 1.0
    assert model.embedding_dim == embeddings.dim() == 256


def test_claims_above_threshold(model):
    scores = model.score(CLAIMS)
    assert (scores >= model.threshold).all(), dict(zip(CLAIMS, scores.round(3)))


def test_opinions_and_greetings_below_threshold(model):
    scores = model.score(NOT_CLAIMS)
    assert (scores < model.threshold).all(), dict(zip(NOT_CLAIMS, scores.round(3)))


def test_scores_are_probabilities_and_deterministic(model):
    texts = CLAIMS + NOT_CLAIMS + ["", "   ", "Ünïcödé — “quotes” 😀", "word " * 600]
    a = model.score(texts)
    b = model.score(list(reversed(texts)))[::-1]
    assert a.shape == (len(texts),)
    assert np.isfinite(a).all() and (a >= 0).all() and (a <= 1).all()
    np.testing.assert_allclose(a, b, rtol=0, atol=1e-12)


def test_spans_from_an_article_match_parsing_each_sentence(model):
    doc = load_nlp()(" ".join(CLAIMS[:3] + NOT_CLAIMS[:3]))
    sents = list(doc.sents)
    texts = [s.text for s in sents]
    with_spans = model.score(texts, sents)
    assert with_spans.shape == (len(sents),)
    # a sentence parsed inside its article may differ slightly from one parsed alone
    np.testing.assert_allclose(with_spans, model.score(texts), atol=0.15)
    with pytest.raises(ValueError):
        model.score(texts, sents[:-1])


def test_empty_input(model):
    assert model.score([]).shape == (0,)


def test_features_have_their_names():
    doc = load_nlp()("Taxes rose 5% in 2019.")
    assert len(sentence_features(doc[:])) == len(FEATURE_NAMES)


def test_embeddings_are_normalised_and_meaningful():
    v = embeddings.encode(
        ["The economy grew fast.", "Economic growth was strong.", "I love cats.", ""]
    )
    assert v.dtype == np.float32 and v.shape == (4, 256)
    np.testing.assert_allclose(np.linalg.norm(v[:3], axis=1), 1.0, atol=1e-5)
    assert not v[3].any()  # nothing to embed
    assert v[0] @ v[1] > v[0] @ v[2]
    with pytest.raises(TypeError):
        embeddings.encode("not a list")


def test_wordpiece_tokenizer():
    m = embeddings.load()
    ids = m.token_ids("Unaffordable café!")
    inv = {i: t for t, i in m.vocab.items()}
    assert [inv[i] for i in ids][-2:] == ["cafe", "!"]
    assert "".join(inv[i].removeprefix("##") for i in ids[:-2]) == "unaffordable"
    assert m.token_ids("x" * 101) == []  # too long: unknown, dropped
    assert len(m.token_ids("word " * 600)) == embeddings.MAX_TOKENS
