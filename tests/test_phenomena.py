"""One row per linguistic phenomenon the extraction must handle (issue 2's list), each written as
a news-style sentence of our own. Expected values were written by hand before running the code."""

from __future__ import annotations

import pytest

from claimledger.model import Ledger


def only(ledger: Ledger, cue: str | None):
    found = [a for a in ledger.attributions if (a.cue.text.lower() if a.cue else None) == cue]
    assert len(found) == 1, [(a.cue and a.cue.text, a.content.text) for a in ledger.attributions]
    return found[0]


def source_of(ledger: Ledger, attribution):
    src = ledger.source(attribution.source_id)
    assert src is not None, f"no source for {attribution}"
    return src


# (name, text, cue, content must contain, kind, source type, source name contains)
ROWS = [
    ("direct quote, speaker after", "“The port will reopen on Monday,” one official said.",
     "said", "“The port will reopen on Monday,”", "direct", "anonymous", "one official"),
    ("direct quote, speaker before with colon",
     "Mayor Ana Ruiz told reporters: “We will not raise fares this year.”",
     "told", "“We will not raise fares this year.”", "direct", "named_person", "Ana Ruiz"),
    ("split quote, speaker inside",
     "“If the numbers hold,” Ruiz said, “we will hire forty drivers.”",
     "said", "“we will hire forty drivers.”", "direct", "named_person", "Ruiz"),
    ("curly single quotes", "‘This was a calculated gamble,’ one diplomat said.",
     "said", "‘This was a calculated gamble,’", "direct", "anonymous", "one diplomat"),
    ("straight double quotes", '"We were not consulted," a union spokesman said.',
     "said", '"We were not consulted,"', "direct", "anonymous", "spokesman"),
    ("reported speech: noted that", "The minister noted that exports fell sharply in May.",
     "noted", "that exports fell sharply in May", "indirect", None, "minister"),
    ("reported speech: accused of", "The ministry accused the rebels of shelling the town.",
     "accused", "of shelling the town", "indirect", "named_organization", "ministry"),
    ("participle cue", "The agency issued a notice, stating the bridge had been closed for repairs.",
     "stating", "the bridge had been closed for repairs", "indirect", "named_organization", "agency"),
    ("according to", "The factory will close next year, according to the company.",
     "according to", "The factory will close next year", "indirect", "named_organization", "company"),
    ("nominal cue: X's claim that", "Critics rejected the mayor’s claim that crime had fallen.",
     "claim", "that crime had fallen", "indirect", None, "mayor"),
    ("statement released by",
     "According to a statement released by the Interior Ministry, three people were detained.",
     "according to", "three people were detained", "indirect", "named_organization", "Interior Ministry"),
    ("passive agent: a claim echoed by",
     "The minister accused the army of staging the attack, a claim echoed by local journalists.",
     "claim", "staging the attack", "indirect", None, "journalists"),
    ("mixed quote", "The governor condemned the raid, calling it a “grave mistake” on Friday.",
     "calling", "it a “grave mistake”", "mixed", None, "governor"),
    ("thought: believes", "The minister believes the deal will survive the vote.",
     "believes", "the deal will survive the vote", "indirect", None, "minister"),
    ("stance: backs", "The Post backs the mayor’s plan for the harbour.",
     "backs", "the mayor’s plan", "indirect", "named_organization", "Post"),
    ("belief: officials fear", "Officials fear the ceasefire will not hold.",
     "fear", "the ceasefire will not hold", "indirect", "anonymous", "Officials"),
    ("named organization", "The World Health Organization said cases had doubled in a week.",
     "said", "cases had doubled in a week", "indirect", "named_organization", "World Health Organization"),
    ("vague: analysts", "Analysts say the currency could fall further.",
     "say", "the currency could fall further", "indirect", "vague", "Analysts"),
    ("vague: some say", "Some say the plan is doomed.",
     "say", "the plan is doomed", "indirect", "vague", "Some"),
    ("vague: critics argue", "Critics argue that the tax will hurt small farms.",
     "argue", "that the tax will hurt small farms", "indirect", "vague", "Critics"),
    ("anonymous: a former official", "A former State Department official said the sanctions had failed.",
     "said", "the sanctions had failed", "indirect", "anonymous", "former State Department official"),
]


@pytest.mark.parametrize(
    "text,cue,content,kind,stype,sname", [r[1:] for r in ROWS], ids=[r[0] for r in ROWS]
)
def test_phenomenon(analyzer, text, cue, content, kind, stype, sname):
    ledger = analyzer.analyze(text)
    a = only(ledger, cue)
    assert content in a.content.text
    assert text[a.content.start : a.content.end] == a.content.text
    assert a.kind == kind
    src = source_of(ledger, a)
    assert sname.lower() in src.name.lower()
    if stype is not None:
        assert src.type == stype


def test_continuation_quote_in_next_paragraph(analyzer):
    text = "“We acted within the law,” said one official.\n\n“Every step was reviewed by lawyers.”"
    ledger = analyzer.analyze(text)
    first, second = ledger.attributions
    assert first.cue.text == "said" and second.cue is None
    assert second.content.text == "“Every step was reviewed by lawyers.”"
    assert second.source_id == first.source_id and second.kind == "direct"


def test_unbalanced_quote_stops_at_paragraph_end(analyzer):
    text = (
        "The senator said “we will fight this ruling in every court.\n\n"
        "The vote is set for Friday. Officials said the count would be public."
    )
    ledger = analyzer.analyze(text)
    for a in ledger.attributions:
        assert "\n\n" not in a.content.text  # nothing swallows the next paragraph
    assert any(a.content.text == "the count would be public" for a in ledger.attributions)


def test_pronoun_resolves_to_person(analyzer):
    ledger = analyzer.analyze("Senator Mark Dorsey opposed the bill. He said it would raise costs.")
    a = only(ledger, "said")
    src = source_of(ledger, a)
    assert src.name == "Mark Dorsey" and src.type == "named_person"
    assert len(src.mentions) >= 1 and ledger.text[slice(*src.mentions[-1])] == "He"


def test_nominal_anaphor_resolves(analyzer):
    ledger = analyzer.analyze(
        "A senior police official said the suspect had fled. "
        "The official added that roadblocks were in place."
    )
    said, added = only(ledger, "said"), only(ledger, "added")
    assert said.source_id == added.source_id
    src = source_of(ledger, said)
    assert src.type == "anonymous" and len(src.mentions) == 2


def test_short_name_joins_full_name_with_role(analyzer):
    ledger = analyzer.analyze(
        "Prime Minister Elena Vasquez arrived in Lisbon on Tuesday. "
        "Vasquez said the talks had failed."
    )
    src = source_of(ledger, only(ledger, "said"))
    assert src.name == "Elena Vasquez" and src.type == "named_person"


def test_role_and_affiliation(analyzer):
    ledger = analyzer.analyze("Brazilian Foreign Minister Paulo Amaral said the talks would resume.")
    src = source_of(ledger, only(ledger, "said"))
    assert src.name == "Paulo Amaral"
    assert src.role == "Foreign Minister" and src.affiliation == "Brazil"


def test_anonymous_with_reason(analyzer):
    ledger = analyzer.analyze(
        "Two officials, speaking on condition of anonymity, said the talks had stalled."
    )
    src = source_of(ledger, only(ledger, "said"))
    assert src.type == "anonymous"
    assert src.anonymity_reason and "condition of anonymity" in src.anonymity_reason


def test_sources_within_have_affiliation(analyzer):
    ledger = analyzer.analyze("Sources within the ministry confirmed that the minister would resign.")
    src = source_of(ledger, only(ledger, "confirmed"))
    assert src.type == "anonymous" and src.affiliation and "ministry" in src.affiliation


def test_widely_regarded_is_vague(analyzer):
    ledger = analyzer.analyze("The plan, which is widely regarded as unworkable, was shelved.")
    a = only(ledger, "regarded")
    assert source_of(ledger, a).type == "vague"


@pytest.mark.parametrize(
    "text",
    [
        "The bridge was closed on Tuesday after heavy rain.",  # the author's own voice
        "The ministry did not say whether anyone was hurt.",  # negated speech
        "Prices rose by 4% in March, the fastest pace in a decade.",
    ],
    ids=["author voice", "negated cue", "unattributed statistic"],
)
def test_not_an_attribution(analyzer, text):
    assert analyzer.analyze(text).attributions == ()


def test_deterministic(analyzer):
    text = "“It is over,” one aide said. Analysts say the party may split."
    assert analyzer.analyze(text).to_dict() == analyzer.analyze(text).to_dict()
