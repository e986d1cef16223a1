"""Attributions made by the page layout (claimledger.pipeline.layout): headlines, transcript
labels and signed quotations, on texts written for these tests; expected spans checked by hand."""

from __future__ import annotations

import pytest

from claimledger.analyzer import Analyzer, load_nlp
from claimledger.pipeline.layout import layout_attributions
from claimledger.pipeline.quotes import QuoteIndex, find_quotes


def _found(text: str) -> list[tuple[str, str, str, str]]:
    doc = load_nlp()(text)
    return [(r.rule, text[slice(*r.source)], text[slice(*r.cue)], text[slice(*r.content)])
            for r in layout_attributions(doc, QuoteIndex(find_quotes(text)))]


def test_a_headline_names_its_speaker_before_the_colon():
    text = "Mayor Ruiz: 'We Will Not Raise Fares'\n\nThe council met on Monday to set the budget."
    assert _found(text) == [("layout:headline", "Mayor Ruiz", ":", "'We Will Not Raise Fares'")]


@pytest.mark.parametrize("title", [
    "The Latest: Council sets the budget\n\nThe council met.",  # a live-blog series, no speaker
    "WATCH: The ferry leaves the harbour\n\nThe ferry left.",
    "The council met on Monday. Its vote: a new depot\n\nThe council met.",  # not a title's head
])
def test_a_title_that_names_no_speaker_gives_nothing(title):
    assert _found(title) == []


def test_transcript_labels_give_each_turn_to_its_speaker():
    text = ('The interview went as follows.\n\n"HARLAN: Will the bridge open in May?\n\n'
            '"OKAFOR: Well, look, the bridge will open when it is safe.\n\nQ: What did you see?')
    assert _found(text) == [
        ("layout:label", "HARLAN", ":", "Will the bridge open in May?"),
        ("layout:label", "OKAFOR", ":", "Well, look, the bridge will open when it is safe."),
        ("layout:label", "Q", ":", "What did you see?"),
    ]


def test_a_quotation_signed_with_a_dash_is_its_signers():
    text = ("Readers wrote in.\n“The fares are too high for families like mine.” ― Dana Whit\n"
            "“We need more buses at night.”― Omar K. Bell.\n\n\"The depot must close.\"\n\n"
            "- Lena Ortiz.\n")
    fares = "“The fares are too high for families like mine.”"
    assert _found(text) == [
        ("layout:sign-off", "Dana Whit", "―", fares),
        ("layout:sign-off", "Omar K. Bell", "―", "“We need more buses at night.”"),
        ("layout:sign-off", "Lena Ortiz", "-", "\"The depot must close.\""),
    ]


def test_a_dash_inside_a_sentence_is_no_sign_off():
    text = "“Prices will rise” — Mayor Ruiz said on Monday, and the council agreed.\n"
    assert _found(text) == []


@pytest.mark.parametrize("engine", ["fast", "accurate"])
def test_both_engines_report_a_signed_quotation(engine):
    text = ("Residents sent their views on the new timetable.\n"
            "“The night buses are the only way I get home from work.” ― Dana Whit\n")
    ledger = Analyzer(engine=engine).analyze(text)
    got = [(a.source.text if a.source else None, a.content.text) for a in ledger.attributions]
    assert ("Dana Whit", "“The night buses are the only way I get home from work.”") in got
