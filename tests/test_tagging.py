"""The vectorised attribute ruler + lemmatizer (claimledger.tagging) annotates exactly as spaCy's
own components do: same part of speech, tag, morphology, lemma and dependency on every token."""

from __future__ import annotations

from pathlib import Path

import pytest
import spacy

from claimledger import tagging
from claimledger.analyzer import MODEL_NAME, load_nlp

ROOT = Path(__file__).resolve().parents[1]
TRICKY = [
    # every two-token pattern of the English ruler, and a rule that sets a tag or dependency
    "We're gon na win, y'all. Let's go, c'mon! There is a cat and there were two. "
    "It ain't so. I'd say he's got ta go. She gets it; he got it. 'Cause they'd've known.",
    "I me my mine myself. You're, we've, they'll, she'd. Don't won't can't shan't.",
    "", " ", "\n\n", ">" * 300, "ÄÖÜ ñ 東京 😀 'em 'n' rock'n'roll", "U.S. officials said.",
]


def _annotation(doc):
    return [(t.text, t.pos_, t.tag_, str(t.morph), t.lemma_, t.dep_, t.head.i) for t in doc]


@pytest.fixture(scope="module")
def both():
    original = spacy.load(MODEL_NAME)
    fast = spacy.load(MODEL_NAME)
    assert tagging.install(fast)
    return original, fast


def test_install_replaces_both_components(both):
    _, fast = both
    assert "claimledger_attrs" in fast.pipe_names
    assert "attribute_ruler" not in fast.pipe_names and "lemmatizer" not in fast.pipe_names
    assert "claimledger_attrs" in load_nlp().pipe_names


def test_same_annotation_as_spacy_on_examples_and_tricky_text(both):
    original, fast = both
    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "examples").glob("*.txt"))]
    texts += TRICKY
    # twice through the fast component: the first pass fills its cache, the second reads it
    for _ in range(2):
        for a, b in zip(original.pipe(texts), fast.pipe(texts)):
            assert _annotation(a) == _annotation(b)


def test_two_token_patterns_take_effect(both):
    _, fast = both
    doc = fast("We're gon na win. There is a cat.")
    lemmas = {t.text: t.lemma_ for t in doc}
    assert lemmas["gon"] == "go" and lemmas["na"] == "to"
    assert [t.pos_ for t in doc if t.text == "is"] == ["VERB"]  # "there is": expl + be


def test_a_pipeline_without_the_components_is_left_alone():
    nlp = spacy.blank("en")
    assert tagging.install(nlp) is False
    assert nlp.pipe_names == []
