"""Issue 3 phenomena: one news-style sentence per evidence status, claim type, quantity and date
form. Expected values written by hand."""

from __future__ import annotations

import datetime as dt

import pytest

from claimledger.pipeline.claims import claim_type
from claimledger.pipeline.evidence import find_evidence
from claimledger.pipeline.quantities import find_dates, find_quantities


@pytest.fixture(scope="module")
def nlp(analyzer):
    return analyzer.nlp


EVIDENCE = [
    ("cited video", "The ministry released a grainy video of the boat on Tuesday.",
     "grainy video", "video", "cited"),
    ("cited data (according to)", "According to UN data, most of the cargo moves by sea.",
     "UN data", "data", "cited"),
    ("cited documents seen by", "Internal documents seen by the Courier describe the order.",
     "documents seen by the Courier", "document", "cited"),
    ("missing: no confirmed evidence",
     "There was no confirmed evidence that the crew carried weapons.",
     "no confirmed evidence", "other", "missing"),
    ("missing: lack of",
     "The lack of detailed evidence, such as wreckage, has left questions unanswered.",
     "lack of detailed evidence", "other", "missing"),
    ("missing: could not be verified", "The footage could not be independently verified.",
     "could not be independently verified", "other", "missing"),
    ("missing: without providing evidence",
     "The minister repeated the charge without providing evidence.",
     "without providing evidence", "other", "missing"),
    ("missing: nothing recovered", "No wreckage has been recovered from the site.",
     "No wreckage", "physical", "missing"),
    ("disputed: AI-generated",
     "The minister accused the navy of using artificial intelligence to generate the video.",
     "the video", "video", "disputed"),
    ("disputed: doctored", "Officials dismissed the photos as doctored.",
     "the photos", "image", "disputed"),
    ("testimony", "Two witnesses described a flash before the boat sank.",
     "Two witnesses", "testimony", "cited"),
    ("intelligence", "Recent intelligence assessments point to a second vessel.",
     "Recent intelligence assessments", "intelligence", "cited"),
]


@pytest.mark.parametrize("text,fragment,kind,status", [r[1:] for r in EVIDENCE],
                         ids=[r[0] for r in EVIDENCE])
def test_evidence(nlp, text, fragment, kind, status):
    found = list(find_evidence(nlp(text)))
    match = [e for e in found if fragment in e.text or e.text in fragment]
    assert match, [(e.text, e.kind, e.status) for e in found]
    e = match[0]
    assert (e.kind, e.status) == (kind, status)
    assert text[e.start : e.end] == e.text


CLAIM_TYPES = [
    ("statistic", "Over 80% of the shipments pass through Pacific routes."),
    ("causal", "The closure of the port led to a shortage of fuel in the north."),
    ("prediction", "The council will vote on the budget next month."),
    ("comparison", "Drivers in Brenton earn more than drivers in the capital."),
    ("opinion", "This was a shameful episode for the government."),
    ("event", "The navy destroyed the boat off the coast on Tuesday."),
]


@pytest.mark.parametrize("expected,text", CLAIM_TYPES, ids=[r[0] for r in CLAIM_TYPES])
def test_claim_type(nlp, expected, text):
    doc = nlp(text)
    dates = find_dates(text)
    quantities = find_quantities(text, skip=[(d.start, d.end) for d in dates])
    assert claim_type(text, quantities, dates, doc[:]) == expected


@pytest.mark.parametrize(
    "text,value,unit,qualifier",
    [
        ("over 80% of narcotics", 80, "percent", "over"),
        ("only 5% of shipments", 5, "percent", "only"),
        ("a $48.5 million contract", 48_500_000, "USD", None),
        ("at least nine people died", 9, "people", "at least"),
        ("roughly 430 workers", 430, "workers", "roughly"),
        ("about 30 kilometres offshore", 30, "kilometres", "about"),
    ],
)
def test_quantities(text, value, unit, qualifier):
    (q,) = find_quantities(text)
    assert (q.value, q.unit, q.qualifier) == (value, unit, qualifier)
    assert text[q.start : q.end] == q.text


@pytest.mark.parametrize(
    "text", ["the Monroe Doctrine 2.0", "19th-century filibusters", "an F-16 jet", "one official said"]
)
def test_not_quantities(text):
    assert find_quantities(text) == []


@pytest.mark.parametrize(
    "text,published,value",
    [
        ("On September 2, 2025, the strike took place", None, "2025-09-02"),
        ("on 3 March 2026", None, "2026-03-03"),
        ("the vote on Tuesday", dt.date(2025, 9, 4), "2025-09-02"),  # a Thursday paper
        ("signed March 3", dt.date(2026, 3, 20), "2026-03-03"),
        ("in 2019", None, "2019"),
        ("yesterday", dt.date(2025, 1, 1), "2024-12-31"),
        ("the vote on Tuesday", None, None),  # unresolved without a publication date
    ],
)
def test_dates(text, published, value):
    (d,) = find_dates(text, published=published)
    assert d.value == value
