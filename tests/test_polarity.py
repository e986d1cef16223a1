"""Propositions with polarity (claimledger.crossref.polarity): each case read by hand."""

from __future__ import annotations

import pytest

from claimledger.crossref.polarity import canonical, flip, negated, positive, read, wording


@pytest.mark.parametrize("text, cue, own_voice, proposition, polarity", [
    # plain assertions, by a source and in the article's own voice
    ("the boat was carrying cocaine", "said", False, "the boat was carrying cocaine", "supports"),
    ("The boat was carrying cocaine", None, True, "The boat was carrying cocaine", "supports"),
    # negation in the statement's own main clause: the positive proposition, refuted
    ("there were no drugs on that boat", "said", False, "there were drugs on that boat", "refutes"),
    ("The dam did not fail because of the rain", None, True,
     "The dam did fail because of the rain", "refutes"),
    ("the plant hasn't leaked solvent", "said", False, "the plant has leaked solvent", "refutes"),
    ("Nobody was hurt in the blast", None, True, "somebody was hurt in the blast", "refutes"),
    # a denying cue refutes what follows; two denials cancel
    ("that the boat was carrying cocaine", "denied", False, "the boat was carrying cocaine",
     "refutes"),
    ("the strike took place in international waters", "rejected Keldara's claim", False,
     "the strike took place in international waters", "refutes"),
    ("that the crew had not fired", "denied", False, "the crew had fired", "supports"),
    # denial frames inside the statement
    ("The ministry rejected the claim that the plant leaked solvent", None, True,
     "the plant leaked solvent", "refutes"),
    ("the claim that the video was fake is a lie", "said", False, "the video was fake", "refutes"),
    ("Keldara's insistence that the strike took place in international waters had collapsed",
     "said", False, "the strike took place in international waters", "refutes"),
    ("it is false that the mayor resigned", "said", False, "the mayor resigned", "refutes"),
    # doubt frames: questions, not refutes
    ("it had seen no confirmed evidence that the boat was carrying drugs", "said", False,
     "the boat was carrying drugs", "questions"),
    ("It remains unclear whether the boat was in international waters", None, True,
     "the boat was in international waters", "questions"),
    ("that the boat was in international waters remains unproven", None, True,
     "the boat was in international waters", "questions"),
    ("Orbis could not independently verify that the video showed the boat", None, True,
     "the video showed the boat", "questions"),
    ("the strike was legal", "questioned whether", False, "the strike was legal", "questions"),
    # "not yet" goes with the "not"
    ("the ministry has not yet published its results", "said", False,
     "the ministry has published its results", "refutes"),
    # "no evidence of X has been made public": X alone says too little, the words are kept
    ("No evidence of such payments has been made public", None, True,
     "No evidence of such payments has been made public", "questions"),
    # relays in the own voice
    ("The boat was reportedly carrying drugs", None, True, "The boat was reportedly carrying drugs",
     "reports"),
    # not negations
    ("no more than five people were hurt", None, True, "no more than five people were hurt",
     "supports"),
    ("there is no doubt the plant leaked", "said", False, "there is no doubt the plant leaked",
     "supports"),
    ("officials who did not give their names said the strike was legal", None, True,
     "officials who did not give their names said the strike was legal", "supports"),
])
def test_read(text, cue, own_voice, proposition, polarity):
    r = read(text, cue, own_voice=own_voice)
    assert (r.proposition, r.polarity) == (proposition, polarity)


def test_a_short_doubted_subject_keeps_its_words_and_is_questioned():
    r = read("the video could not be independently verified", own_voice=True)
    assert r.polarity == "questions"
    assert r.proposition == "the video could not be independently verified"


def test_questioned_certainty_makes_a_plain_statement_questions():
    assert read("the strike was legal", "said", "questioned").polarity == "questions"
    assert read("the strike was legal", "said", "asserted").polarity == "supports"


def test_framed_marks_what_was_rewritten():
    assert read("there were no drugs on the boat").framed
    assert read("no evidence that the boat carried drugs").framed
    assert not read("the boat carried drugs").framed


def test_helpers():
    assert negated("the boat was not in international waters")
    assert not negated("the boat that was not stopped sank")  # the negation is subordinate
    assert not negated("not only the crew but the captain fled")
    assert positive("they won't pay") == "they will pay"
    assert positive("it cannot be repaired") == "it can be repaired"
    assert flip("supports") == "refutes" and flip("refutes") == "supports"
    assert flip("questions") == "questions"
    assert canonical("that the boat carried drugs") == "The boat carried drugs."


def test_canonical_drops_quote_attribution_and_second_sentences():
    assert canonical("\u201cWe found the solvent first, and now it is in the taps,\u201d Celis said.") \
        == "We found the solvent first, and now it is in the taps."
    assert canonical("The figure is a serious estimate. It is an insult") \
        == "The figure is a serious estimate."
    assert canonical("police fired gas at \u201cpeople who were singing.\u201d") \
        == "Police fired gas at people who were singing."


def test_canonical_drops_a_speech_verb_the_content_kept():
    assert canonical("said the stone-throwing had been started by paid provocateurs") == \
        "The stone-throwing had been started by paid provocateurs."
    assert canonical("said so") == "Said so."  # too short to be a clause of its own


def test_wording_prefers_a_clause_with_its_own_subject():
    plain = wording("Water samples taken on Sunday contained the solvent dichloroethane")
    assert plain == 0.0
    for worse in ("had been paid by the opposition to be there",  # no subject
                  "for the plant to be closed at once by the ministry",  # no clause
                  "We found this solvent in the river first, and now it is in the taps",
                  "it had delayed the warning by three whole days",  # a pronoun for subject
                  "VELNO (Continental Wire) \u2014 Thousands of people marched on Saturday",
                  "About 5,000 took part"):  # too short to say what it is about
        assert wording(worse) < plain, worse

