"""The tagger's source span made the speaker's noun phrase.

The pointer heads pick a source span by its boundary scores alone, and on held-out text they
run past the noun phrase into what the clause says about it: an adverb of the verb ("Gingrich
cynically"), a prepositional phrase of the verb ("The Times on Saturday", "Donald Trump, under
fire over his taxes,"), or a whole clause ("the two men spent months lobbing"). PolNeAR's
sources are noun phrases, so a span is cut back to one, using the parse:

* a pointer span whose root is a verb gives way to the tags' own run when that is a nominal
  phrase at the span's start or end;
* trailing adverbs whose head lies outside what is left of the span are dropped, and so is a
  trailing prepositional phrase attached outside the span (each with the punctuation before it);
* commas follow PolNeAR's convention (train: 920 of 1,023 sources with an appositive that a
  comma closes include that comma; 801 of 808 without one leave the comma out).

Each cut was checked against PolNeAR train's gold sources (it changes 157 of 18,360) before
it was measured on dev.
"""

from __future__ import annotations

from collections.abc import Callable

from spacy.tokens import Doc, Token

_NOMINAL = ("NOUN", "PROPN", "PRON", "NUM")
_EXPLETIVE_HEADS = frozenset({"be", "seem", "appear", "remain"})
_KEEP_AT_END = frozenset({")", '"', "”", "’", "'"})  # closing marks stay with the phrase


def is_clause(doc: Doc, first: int, last: int) -> bool:
    """Whether Doc tokens ``first..last`` are headed by a verb."""
    return doc[first : last + 1].root.pos_ in ("VERB", "AUX")


def noun_phrase_at_edge(doc: Doc, pointer: tuple[int, int], tags: tuple[int, int]) -> bool:
    """Whether the tags' run should replace the pointers' span: the pointers chose a clause
    ("the two men spent months lobbing"), the tags a nominal phrase that begins or ends it
    ("5 percent prefer Libertarian nominee Gary Johnson and 1 percent" -> "1 percent"). A run
    inside the clause is left alone: which of its phrases speaks is then anyone's guess."""
    if not is_clause(doc, *pointer) or is_clause(doc, *tags):
        return False
    if tags[0] != pointer[0] and tags[1] != pointer[1]:
        return False
    return any(t.pos_ in _NOMINAL for t in doc[tags[0] : tags[1] + 1])


def speaker_phrase(doc: Doc, first: int, last: int) -> tuple[int, int]:
    """Doc tokens ``first..last`` (inclusive) of a source cut back to its noun phrase."""
    if last > first:
        last = _drop_adverbs(doc, first, last)
        last = _drop_verb_pp(doc, first, last)
    return first, _comma(doc, first, last)


def _strip_punct(doc: Doc, first: int, last: int) -> int:
    while last > first and doc[last].is_punct and doc[last].text not in _KEEP_AT_END:
        last -= 1
    return last


def _drop_adverbs(doc: Doc, first: int, last: int) -> int:
    end = last
    while end > first:
        tok = doc[end]
        if tok.pos_ != "ADV" or tok.ent_type_ or first <= tok.head.i < end:
            break
        end -= 1
    return last if end == last else _strip_punct(doc, first, end)


def _drop_verb_pp(doc: Doc, first: int, last: int) -> int:
    words_end = last
    while words_end > first and doc[words_end].is_punct:
        words_end -= 1
    for tok in doc[first + 1 : last + 1]:
        if (tok.dep_ == "prep" and not first <= tok.head.i <= last
                and tok.left_edge.i == tok.i and tok.right_edge.i == words_end):
            return _strip_punct(doc, first, tok.i - 1)
    return last


def _comma(doc: Doc, first: int, last: int) -> int:
    inner = any(t.text == "," for t in doc[first:last])
    if doc[last].text == ",":
        return last if inner or last == first else last - 1
    nxt = last + 1
    if inner and nxt < len(doc) and doc[nxt].text == "," and not doc[nxt].is_sent_start:
        return nxt
    return last


def cue_possessor(doc: Doc, first: int, last: int) -> tuple[int, int] | None:
    """The possessor of a noun cue, with its "'s" ("the ministry's claim that ..." is the
    ministry's, whoever dismisses it; PolNeAR train: 17 of 19 such sources end in the "'s"),
    as Doc tokens (inclusive); None for any other cue."""
    head = doc[first : last + 1].root
    if head.pos_ != "NOUN":
        return None
    for child in head.children:
        if child.dep_ == "poss" and child.right_edge.i < first and child.pos_ in _NOMINAL:
            return child.left_edge.i, child.right_edge.i
    return None


def subject_of_participle(doc: Doc, first: int, last: int) -> tuple[int, int] | None:
    """The subject of the clause a participle cue hangs on ("The group condemned the strike,
    calling it reckless": the group calls it), as Doc tokens (inclusive); None when the cue is
    no such participle or that clause has no nominal subject."""
    head = doc[first : last + 1].root
    if head.tag_ != "VBG" or head.dep_ not in ("advcl", "xcomp", "conj"):
        return None
    return _subject_phrase(doc, head.head, lambda child: True)


def subject_of_verb_cue(doc: Doc, first: int, last: int,
                        content: tuple[int, int]) -> tuple[int, int] | None:
    """The nominal subject of an active verb cue ("Reuters reported ...", "experts say ..."), as
    Doc tokens (inclusive), for a relation the tagger left without a source; None for a cue that
    is no verb, a passive or expletive one, or a subject inside the content (Doc tokens
    ``content``)."""
    head = doc[first : last + 1].root
    if head.pos_ not in ("VERB", "AUX"):
        return None
    return _subject_phrase(doc, head, lambda child: not (
        content[0] <= child.i <= content[1]
        or child.lower_ == "it" and head.lemma_ in _EXPLETIVE_HEADS))


def _subject_phrase(doc: Doc, verb: Token, keep: Callable[[Token], bool]
                    ) -> tuple[int, int] | None:
    """The speaker phrase of ``verb``'s first nominal subject that ``keep`` accepts."""
    for child in verb.children:
        if child.dep_ == "nsubj" and child.pos_ in _NOMINAL and keep(child):
            return speaker_phrase(doc, child.left_edge.i, child.right_edge.i)
    return None
