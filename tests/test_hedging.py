"""Hedge cues (claimledger.pipeline.hedging) and sentence certainty (the fine-tuned model of
claimledger.neural.judgments), on news-style sentences written for these tests; the expected cues
and labels were decided by reading them.

"The report could not be independently verified." is deliberately NOT a hedge cue: it says that
evidence is missing rather than weakening the claim it makes ("could not" is past inability, not
the epistemic "could"). It is read as an ``unverified`` marker, which find_hedges does not return;
the sentence is uncertain all the same: the report it talks about is unconfirmed.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from claimledger.analyzer import load_nlp
from claimledger.neural.judgments import certainty
from claimledger.pipeline import hedging
from claimledger.pipeline.hedging import HedgeCue, cue_marks, find_hedges


def label_of(text: str) -> str:
    return certainty().assess([text])[0][0]


@pytest.fixture(scope="module")
def nlp():
    return load_nlp()


# sentence, expected cues [(text, kind)], expected certainty
CASES = [
    # one row per cue kind
    (
        "The alleged smugglers may have been couriers.",
        [("alleged", "evidential"), ("may", "epistemic")],
        "uncertain",
    ),
    ("Analysts suggest the strike was symbolic.", [("Analysts suggest", "weasel")], "uncertain"),
    ("If this is true, it is a murder.", [("If this is true", "conditional")], "uncertain"),
    (
        "Officials suspect the fire was set deliberately.",
        [("suspect", "speculative")],
        "uncertain",
    ),
    # certain sentences, and words that look like hedges but are not
    ("The bridge reopened on Monday.", [], "certain"),
    ("The report could not be independently verified.", [], "uncertain"),  # see module docstring
    ("In May, prices rose.", [], "certain"),
    ("Police arrested three men on Tuesday.", [], "certain"),
    ("The storm claimed 12 lives.", [], "certain"),
    ("Insurance claims rose sharply last year.", [], "certain"),
    ("The suspect fled on foot.", [], "certain"),
    ("He assumed office in 2010.", [], "certain"),
    ("He appeared in court on Monday.", [], "certain"),
    ("There is no doubt that the vote took place.", [], "certain"),
    ("The ministry will publish the figures on Friday.", [], "certain"),
    ("She asked if the road was open.", [], "certain"),
    # more hedges of each kind
    ("Reportedly, the ship sank near the coast.", [("Reportedly", "evidential")], "uncertain"),
    ("He is said to be hiding in the mountains.", [("is said to", "evidential")], "uncertain"),
    ("The group claimed that it had shot down a drone.", [("claimed", "evidential")], "uncertain"),
    ("It is believed that the gunman acted alone.", [("It is believed", "weasel")], "uncertain"),
    ("Some say the election was rigged.", [("Some say", "weasel")], "uncertain"),
    ("If confirmed, it would be the largest seizure this year.", [("If confirmed", "conditional")],
     "uncertain"),
    ("Assuming the figures are accurate, unemployment fell.", [("Assuming", "conditional")],
     "uncertain"),
    ("The minister was rumoured to be ill.", [("rumoured", "speculative")], "uncertain"),
    ("The ship might sink before dawn.", [("might", "epistemic")], "uncertain"),
    ("The talks are unlikely to resume this week.", [("unlikely", "epistemic")], "uncertain"),
    ("The driver could have been killed.", [("could", "epistemic")], "uncertain"),
    ("It is unclear who fired first.", [("It is unclear", "epistemic")], "uncertain"),
]


@pytest.mark.parametrize("text, cues, label", CASES, ids=[c[0][:40] for c in CASES])
def test_cues_and_certainty(nlp, text, cues, label):
    doc = nlp(text)
    found = find_hedges(doc)
    assert [(c.text, c.kind) for c in found] == cues
    for c in found:
        assert isinstance(c, HedgeCue)
        assert doc.text[c.start : c.end] == c.text
    assert label_of(text) == label


def test_kinds_are_the_five(nlp):
    doc = nlp("Many were killed; it is one of the most famous cases. Of course, it happened.")
    assert all(c.kind in hedging.KINDS for c in find_hedges(doc))  # markers are not hedge cues


def test_offsets_across_sentences(nlp):
    text = "The bridge reopened.\n\nThe alleged smuggler fled. Officials may know more."
    doc = nlp(text)
    cues = find_hedges(doc)
    assert [(c.text, c.kind) for c in cues] == [("alleged", "evidential"), ("may", "epistemic")]
    assert all(text[c.start : c.end] == c.text for c in cues)
    per_sentence = [find_hedges(s) for s in doc.sents]
    assert [c for cs in per_sentence for c in cs] == cues
    assert [label_of(s.text) for s in doc.sents] == ["certain", "uncertain", "uncertain"]


def test_span_input_and_empty(nlp):
    doc = nlp("Officials said nothing. The fire was possibly arson.")
    second = list(doc.sents)[1]
    assert [(c.text, c.kind) for c in find_hedges(second)] == [("possibly", "epistemic")]
    assert find_hedges(nlp("")) == []


def test_cue_marks_include_the_markers(nlp):
    doc = nlp("Many residents, of course, said the claims could not be independently verified.")
    kinds = [k for _, k in cue_marks(doc)]
    assert "vague" in kinds and "editorial" in kinds and "unverified" in kinds
    assert find_hedges(doc) == []  # markers are not hedge cues


def test_every_pattern_compiles(nlp):
    lex = hedging._lexicon(nlp.vocab)
    assert len(lex.rows) == len(lex.matchers) > 50
    assert {k for _, k in lex.rows} == set(hedging.KINDS) | set(hedging.MARKERS)


def test_runtime_needs_neither_sklearn_nor_torch():
    code = (
        "import sys; sys.modules['torch'] = None; "
        "from claimledger.neural.judgments import certainty; "
        "certainty().score(['It may rain.']); "
        "assert 'sklearn' not in sys.modules, 'sklearn imported at run time'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
