"""Phenomena both attribution engines must get right (one row per phenomenon), the accurate
engine's acts and confidences, and the --acts view."""

from __future__ import annotations

import pytest

from claimledger.render._common import only_acts

ENGINES = ("fast", "accurate")

# Abstract or inanimate subjects are not sources at all (issue 11).
NOT_SOURCES = [
    ("abstract decision", "The decision underscores how fragile the truce has become.",
     "The decision"),
    ("growing unease", "A growing unease characterized the talks, which ended without a deal.",
     "A growing unease"),
    ("uncertainty", "The uncertainty suggests that investors fear a longer conflict.",
     "The uncertainty"),
    ("a move", "The move signals that the government is ready to negotiate.", "The move"),
    # a negated subject asserts nothing: the writer says what is not shown or not said
    ("neither ... nor", "Neither the footage nor the photographs show who fired first.",
     "Neither the footage nor the photographs"),
    ("not everyone", "Not everyone in the cabinet tells the same story.",
     "Not everyone in the cabinet"),
    ("nobody", "Nobody in the village said the soldiers had fired first.", "Nobody"),
]

# Documents, data and bodies are organizations.
ORGANIZATIONS = [
    ("internal documents", "Internal documents show the navy knew of the risk.",
     "Internal documents"),
    ("according to UN data", "According to UN data, 40 percent of the catch is illegal.",
     "UN data"),
    ("the report", "The report found that nine people had died in the fire.", "The report"),
]


@pytest.fixture(scope="module", params=ENGINES)
def engine(request, analyzer, accurate):
    return analyzer if request.param == "fast" else accurate


@pytest.mark.parametrize("text,subject", [r[1:] for r in NOT_SOURCES],
                         ids=[r[0] for r in NOT_SOURCES])
def test_abstract_subjects_are_not_sources(engine, text, subject):
    ledger = engine.analyze(text)
    said_by = [a.source.text for a in ledger.attributions if a.source is not None]
    assert subject not in said_by
    assert all(s.name != subject for s in ledger.sources)


@pytest.mark.parametrize("text,subject", [r[1:] for r in ORGANIZATIONS],
                         ids=[r[0] for r in ORGANIZATIONS])
def test_documents_and_data_are_organizations(engine, text, subject, request):
    if "accurate" in request.node.name and subject != "The report":
        request.applymarker(pytest.mark.xfail(
            strict=True, reason="the tagger finds no cue in these one-sentence texts (known miss)"))
    ledger = engine.analyze(text)
    by = {a.source.text: ledger.source(a.source_id) for a in ledger.attributions if a.source}
    assert subject in by, by
    assert by[subject] is not None and by[subject].type == "named_organization"


# The mention's own words settle the type, whatever the learned typer makes of it.
def test_outlet_in_apposition_is_an_organization(engine):
    ledger = engine.analyze(
        "Fishermen found only an oil slick, according to Radio Vela Norte, a local station.")
    (a,) = ledger.attributions
    src = ledger.source(a.source_id)
    assert src.name.startswith("Radio Vela Norte")
    assert src.type == "named_organization"


def _doc_with_ents(nlp, text, labels):
    """``text`` parsed, with every lone "Talvia" an entity of the next label of ``labels`` and
    "Anna Talvia" a person."""
    from spacy.tokens import Span

    doc = nlp(text)
    spans, it = [], iter(labels)
    for t in doc:
        if t.text == "Talvia" and doc[t.i - 1].text != "Anna":
            spans.append(Span(doc, t.i, t.i + 1, label=next(it)))
        elif t.text == "Anna":
            spans.append(Span(doc, t.i, t.i + 2, label="PERSON"))
    doc.ents = spans
    return doc


@pytest.mark.parametrize("text,labels,stype", [
    # a place everywhere else in the article: a country, whatever the tagger says this time
    ("Talvia closed the border. The envoy of Talvia left. Talvia has not said when it will reopen.",
     ["GPE", "GPE", "PERSON"], "named_organization"),
    # the surname of a person the article names in full stays a person
    ("Anna Talvia ran the port. Talvia said the port would reopen.",
     ["PERSON"], "named_person"),
], ids=["country", "surname"])
def test_one_word_name_reads_the_whole_article(text, labels, stype):
    from claimledger import load_nlp
    from claimledger.pipeline.sources import type_mention

    doc = _doc_with_ents(load_nlp(), text, labels)
    last = [t for t in doc if t.text == "Talvia"][-1]
    assert type_mention(doc, last, last.i, last.i).type == stype


def test_apposition_gives_person_role_and_affiliation(engine):
    ledger = engine.analyze(
        "Norvane's defence minister, Helena Strand, said the boat was carrying cocaine.")
    (a,) = ledger.attributions
    src = ledger.source(a.source_id)
    assert (src.name, src.type, src.role, src.affiliation) == (
        "Helena Strand", "named_person", "defence minister", "Norvane")
    assert a.content.text == "the boat was carrying cocaine"


@pytest.mark.parametrize("text,cue,act", [
    ("The minister said the port would reopen on Monday.", "said", "speech"),
    ("The minister believes the port will reopen on Monday.", "believes", "thought"),
    ("Fishermen fear that the port will stay closed for months.", "fear", "thought"),
    ("The union condemned the decision to close the port.", "condemned", "stance"),
    ("Three senators oppose the plan to close the port.", "oppose", "stance"),
    # hard cases of docs/annotation/acts.md, decided by the parse
    ("Mendes dismissed the ministry's claim that the boat was carrying drugs.", "dismissed",
     "speech"),
    ("The governor rejected the notion that the budget was balanced by accounting tricks.",
     "rejected", "speech"),
    ("The union rejected the offer from the port authority.", "rejected", "stance"),
    ("The rights group called the raid a reckless gamble with civilian lives.", "called",
     "speech"),
    ("The union called for a national strike over the closures.", "called", "stance"),
])
def test_acts(engine, text, cue, act):
    ledger = engine.analyze(text)
    found = {a.cue.text: a for a in ledger.attributions if a.cue}
    assert cue in found, found
    assert found[cue].act == act
    assert 0 < found[cue].confidence <= 1
    assert ledger.profile["attributions_by_act"][act] >= 1


def test_quotes_only_view_keeps_speech(accurate):
    ledger = accurate.analyze(
        "The minister said the port would reopen on Monday. Fishermen fear that it will stay "
        "closed. The union condemned the decision.")
    view = only_acts(ledger, {"speech"})
    assert [a.cue.text for a in view.attributions] == ["said"]
    assert {s.id for s in view.sources} == {a.source_id for a in view.attributions}
    assert view.text == ledger.text and view.profile == ledger.profile


def test_an_organization_is_named_without_its_apposition_nor_affiliated_where_based(engine):
    ledger = engine.analyze("The Tidewater Rights Initiative, a human-rights group based in "
                            "Geneva, said the raid was reckless.")
    (src,) = ledger.sources
    assert src.name == "The Tidewater Rights Initiative"
    assert src.type == "named_organization"
    assert src.affiliation is None


def test_a_surname_parsed_as_an_adverb_is_still_the_person(accurate):
    """spaCy parses "Tully" in "Tully called that forecast ..." as an adverb; it is the Raymond
    Tully the article named, not a "widely held view"."""
    ledger = accurate.analyze(
        "Council member Raymond Tully said the deal was rushed. The budget office expects "
        "ridership to recover. Tully called that forecast “wishful thinking dressed up as a "
        "spreadsheet.”")
    by_cue = {a.cue.text: a for a in ledger.attributions if a.cue}
    tully = ledger.source(by_cue["said"].source_id)
    assert tully.name == "Raymond Tully"
    assert by_cue["called"].source_id == tully.id
