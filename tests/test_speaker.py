"""The tagger's source span cut back to the speaker's noun phrase (claimledger.neural.speaker),
on sentences whose parses were checked by hand, and end to end through ``assemble.relation``
with hand-set tags and pointer scores."""

from __future__ import annotations

import numpy as np
import pytest

from claimledger.analyzer import load_nlp
from claimledger.neural.assemble import relation
from claimledger.neural.minilm import model_dir
from claimledger.neural.speaker import (
    cue_possessor, noun_phrase_at_edge, speaker_phrase, subject_of_participle,
)
from claimledger.neural.windows import windows
from claimledger.neural.wordpiece import WordPiece


def _cut(text: str, source: str) -> str:
    doc = load_nlp()(text)
    i = text.index(source)
    span = doc.char_span(i, i + len(source))
    assert span is not None, source
    first, last = speaker_phrase(doc, span.start, span.end - 1)
    return doc[first : last + 1].text


@pytest.mark.parametrize("text, tagged, speaker", [
    # an adverb of the verb is not part of who speaks
    ("Gingrich cynically said the plan would fail.", "Gingrich cynically", "Gingrich"),
    ("The minister again insisted the strike was legal.", "The minister again", "The minister"),
    # a prepositional phrase of the verb neither
    ("The Times on Saturday reported that the deal was off.", "The Times on Saturday", "The Times"),
    ("Donald Trump, under fire over his taxes, said he paid.",
     "Donald Trump, under fire over his taxes,", "Donald Trump"),
    # ... but one of the noun stays: it says which officials
    ("Officials in the capital said the vote was fair.", "Officials in the capital",
     "Officials in the capital"),
    # PolNeAR's commas: an appositive takes the comma that closes it; a bare name drops its comma
    ("Marta Olsen, a spokeswoman for the port, said the ship left.",
     "Marta Olsen, a spokeswoman for the port", "Marta Olsen, a spokeswoman for the port,"),
    ("Marta Olsen, a spokeswoman for the port, said the ship left.",
     "Marta Olsen, a spokeswoman for the port,", "Marta Olsen, a spokeswoman for the port,"),
    ("The mayor, said the bridge was safe.", "The mayor,", "The mayor"),
    ("Analysts said it was late.", "Analysts", "Analysts"),
])
def test_a_source_is_cut_back_to_the_speakers_noun_phrase(text, tagged, speaker):
    assert _cut(text, tagged) == speaker


def _tokens(doc, words: str) -> tuple[int, int]:
    i = doc.text.index(words)
    span = doc.char_span(i, i + len(words))
    return span.start, span.end - 1


def test_a_clause_gives_way_to_the_noun_phrase_at_its_edge_only():
    doc = load_nlp()("Five percent prefer Gary Johnson and 1 percent said they were undecided.")
    clause = _tokens(doc, "Five percent prefer Gary Johnson and 1 percent")
    assert noun_phrase_at_edge(doc, clause, _tokens(doc, "1 percent"))
    assert noun_phrase_at_edge(doc, clause, _tokens(doc, "Five percent"))
    # a phrase inside the clause: which of its phrases speaks is a guess, the pointers stand
    assert not noun_phrase_at_edge(doc, clause, _tokens(doc, "Gary Johnson"))
    # pointers that chose a noun phrase are never overridden
    assert not noun_phrase_at_edge(doc, _tokens(doc, "1 percent"), _tokens(doc, "percent"))


def _relation_of(text: str, cue: str, content_from: str, source: tuple[str, str] | None = None):
    """``assemble.relation`` over hand-set tags: the source from word ``source[0]`` up to (not
    including) ``source[1]``, the content from ``content_from`` up to the full stop."""
    doc = load_nlp()(text)
    win = windows(doc, WordPiece.from_file(model_dir() / "vocab.txt"))[0]
    words = [doc[t].text for t in win.tokens.tolist()]
    roles = np.zeros(len(words), dtype=np.int64)
    if source is not None:
        roles[words.index(source[0])] = 1  # B-source
        roles[words.index(source[0]) + 1 : words.index(source[1])] = 2
    roles[words.index(content_from)] = 3  # B-content
    roles[words.index(content_from) + 1 : words.index(".")] = 4
    return doc, relation(doc, win, (words.index(cue), words.index(cue)), roles)


def test_relation_reports_the_cut_source_and_its_head():
    # the tags run through "Saturday"
    doc, rel = _relation_of("The Times on Saturday reported that the deal was off.", "reported",
                            "the", source=("The", "reported"))
    assert rel is not None
    assert doc.text[slice(*rel.source)] == "The Times"
    assert doc[rel.source_token].text == "Times"
    assert doc.text[slice(*rel.content)] == "the deal was off"


def _owner(find, text: str, cue: str) -> str | None:
    doc = load_nlp()(text)
    i = text.index(cue)
    span = doc.char_span(i, i + len(cue))
    got = find(doc, span.start, span.end - 1)
    return None if got is None else doc[got[0] : got[1] + 1].text


@pytest.mark.parametrize("text, cue, owner", [
    # whoever rejects or doubts a claim, the claim is its possessor's
    ("The mayor rejected the union's claim that the buses were unsafe.", "claim", "the union's"),
    ("Residents doubted the council's statement that the water was clean.", "statement",
     "the council's"),
    # no possessor: the tagger's source stands
    ("The mayor rejected the claim that the buses were unsafe.", "claim", None),
    ("The council said the plan was sound.", "said", None),
])
def test_a_noun_cue_belongs_to_its_possessor(text, cue, owner):
    assert _owner(cue_possessor, text, cue) == owner


@pytest.mark.parametrize("text, cue, owner", [
    ("The harbour authority closed the port, calling the storm the worst in decades.", "calling",
     "The harbour authority"),
    ("The senator voted against the bill, saying it would raise taxes.", "saying", "The senator"),
    ("Calling the plan reckless, the senator voted against it.", "Calling", "the senator"),
    ("The council said the plan was sound.", "said", None),  # a finite verb is no participle
])
def test_a_participle_cue_speaks_for_the_subject_of_its_clause(text, cue, owner):
    assert _owner(subject_of_participle, text, cue) == owner


def test_relation_gives_a_noun_cue_to_its_possessor_over_the_tagged_source():
    # the tagger took the mayor for the claimant
    doc, rel = _relation_of("The mayor rejected the union's claim that the buses were unsafe.",
                            "claim", "that", source=("The", "rejected"))
    assert rel is not None
    assert doc.text[slice(*rel.source)] == "the union's"
    assert doc[rel.source_token].text == "union"


@pytest.mark.parametrize("text, mention, name", [
    # the parser hangs "who ..." on "negotiations": the name still stops before it
    ("A person familiar with the negotiations, who asked not to be named, said the deal held.",
     "A person familiar with the negotiations, who asked not to be named,",
     "A person familiar with the negotiations"),
    ("The union, which represents 900 drivers, said the strike would go ahead.",
     "The union, which represents 900 drivers,", "The union"),
    # a restrictive relative clause (no comma) says which people: it stays
    ("People who live near the plant said the smell was worse.", "People who live near the plant",
     "People who live near the plant"),
])
def test_a_source_name_leaves_out_a_relative_clause(text, mention, name):
    from claimledger.pipeline.sources import type_mention

    doc = load_nlp()(text)
    i = text.index(mention)
    span = doc.char_span(i, i + len(mention))
    assert type_mention(doc, span.root, span.start, span.end - 1).name == name


@pytest.mark.parametrize("text, content, kept", [
    # the next paragraph is the reporter's: the content stops at the line break
    ("“It is not safe,” she said.\n\nShe continued, “We will not open.”",
     "“It is not safe,” she said.\n\nShe continued", "“It is not safe,” she said."),
    # a quotation that runs on reopens its mark on the next paragraph: it stays whole
    ("“The bridge is not safe.\n\n“We will not open it this year,” she said.",
     "“The bridge is not safe.\n\n“We will not open it this year,”",
     "“The bridge is not safe.\n\n“We will not open it this year,”"),
    ("He said the depot would close.", "the depot would close", "the depot would close"),
])
def test_a_content_stays_in_its_paragraph_unless_its_quote_runs_on(text, content, kept):
    from claimledger.neural.assemble import one_paragraph

    start = text.index(content)
    got = one_paragraph(text, (start, start + len(content)))
    assert text[slice(*got)] == kept


def test_relation_without_a_tagged_source_takes_the_cue_verbs_subject():
    from claimledger.neural.speaker import subject_of_verb_cue

    # the tagger found the content, no source
    doc, rel = _relation_of("Reuters reported that the depot would close in June.", "reported",
                            "that")
    assert rel is not None and doc.text[slice(*rel.source)] == "Reuters"
    # an expletive subject speaks for no one; a passive cue has no speaker as its subject
    for text, verb in (("It is clear that the depot will close.", "is"),
                       ("The mayor was told that the depot would close.", "told")):
        d = load_nlp()(text)
        i = next(t.i for t in d if t.text == verb)
        assert subject_of_verb_cue(d, i, i, (i + 1, len(d) - 1)) is None
