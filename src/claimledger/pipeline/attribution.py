"""Find attribution relations (source, cue, content) in a parsed Doc.

Three passes over the dependency parse, each a small pure function:

1. ``attribute_reported_speech`` — cue verbs with a clausal, infinitival or object complement, and
   parenthetical reporting clauses ("..., officials said");
2. ``attribute_according_to`` and ``attribute_nominal_cues`` — "according to X", "X's claim that",
   "a statement released by X", "warnings of";
3. ``attribute_quotes`` — direct quotes whose speaker tag sits before, after or inside them, and
   continuation quotes that carry on the previous speaker.

Results are ``RawAttribution`` records with character spans and the token that heads the source;
``sources.py`` then types and resolves the sources.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right, insort
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import cache

from spacy.tokens import Doc, Span, Token

from claimledger.pipeline.lexicons import words
from claimledger.pipeline.quotes import Quote, QuoteIndex

CharSpan = tuple[int, int]

# verbs that only count as cues with a clause or infinitive of their own, never as parentheticals
_INFINITIVE_CUES = frozenset(
    "want expect hope plan promise pledge vow threaten urge seem appear refuse decline ask tell "
    "call wish prefer intend demand fear".split()
)
_SPEECH_TAGS = frozenset(
    "say tell add write ask note continue insist tweet declare recall reply respond argue warn "
    "joke explain state acknowledge admit claim suggest predict remark observe tell quip "
    "complain boast concede counter retort caution stress emphasize emphasise say post".split()
)
_SUBJECT_DEPS = ("nsubj", "nsubjpass", "csubj")
_NP_RIGHT_PREPS = frozenset("of within at from for in with on inside among".split())
_PRONOUN_SUBJECTS = frozenset("i we you".split())
_WIDELY = frozenset("widely generally commonly broadly often long".split())
_PASSIVE_OPINION = frozenset("regard believe consider see view think accept know understand".split())
_NAMING = frozenset("call describe label brand deem dub term characterize portray cast".split())
_MESSAGE_NOUNS = frozenset(
    "statement letter release tweet post message email note memo ad advertisement video "
    "interview op-ed column speech report".split()
)
_DATA_NOUNS = frozenset("figure data statistic estimate number report survey poll study".split())
_SUPPORT_VERBS = frozenset("make issue give offer express deliver voice repeat release raise".split())


@dataclass(frozen=True, slots=True)
class RawAttribution:
    """One relation before source typing; ``source_token`` is the index of the source's head."""

    content: CharSpan
    cue: CharSpan | None
    source: CharSpan | None
    source_token: int | None
    rule: str
    extra_mentions: tuple[CharSpan, ...] = ()
    confidence: float | None = None  # set by the accurate engine; the rules' come from their rule
    act: str | None = None  # set by the accurate engine's act model; else the cue lexicon's


# -- small span helpers -------------------------------------------------------------------------

_TRIM = " \t\n,;:.—–-"


def doc_text(doc: Doc) -> str:
    """``doc.text``, built once per Doc (spaCy joins every token each time it is asked)."""
    text = doc.user_data.get("claimledger.text")
    if text is None:
        text = doc.user_data["claimledger.text"] = doc.text
    return text


def doc_entities(doc: Doc) -> tuple[tuple[Span, ...], list[int], dict[int, Span]]:
    """The entities of ``doc``, their start tokens, and token -> entity; built once per Doc
    (spaCy builds ``doc.ents`` anew each time, and ``span.ents`` walks all of them)."""
    cached = doc.user_data.get("claimledger.ents")
    if cached is None:
        ents = tuple(doc.ents)
        by_token = {i: ent for ent in ents for i in range(ent.start, ent.end)}
        cached = doc.user_data["claimledger.ents"] = (ents, [e.start for e in ents], by_token)
    return cached


def span_entities(span: Span) -> list[Span]:
    """``span.ents`` (the entities wholly inside ``span``), found by bisection rather than by a
    walk over every entity of the Doc."""
    ents, starts, _ = doc_entities(span.doc)
    out = []
    for ent in ents[bisect_left(starts, span.start) :]:
        if ent.end > span.end:
            break
        out.append(ent)
    return out


def _trim(doc: Doc, start: int, end: int) -> CharSpan:
    """Trim whitespace and trailing clause punctuation, keeping a closing quote mark."""
    text = doc_text(doc)
    while start < end and text[start] in " \t\n,;:—–":
        start += 1
    while end > start and text[end - 1] in _TRIM:
        end -= 1
    return start, end


def _tokens_span(doc: Doc, first: int, last: int) -> CharSpan:
    return doc[first].idx, doc[last].idx + len(doc[last].text)


def _subtree_span(tok: Token, exclude: Token | None = None) -> CharSpan | None:
    """Characters of ``tok``'s subtree; with ``exclude``, only the part before or after it."""
    doc = tok.doc
    first, last = tok.left_edge.i, tok.right_edge.i
    if exclude is not None:
        ex_first, ex_last = exclude.left_edge.i, exclude.right_edge.i
        before = (first, ex_first - 1) if ex_first > first else None
        after = (ex_last + 1, last) if ex_last < last else None
        # keep the larger side: the reporting clause sits at one end of the sentence
        sides = [s for s in (before, after) if s and s[1] >= s[0]]
        if not sides:
            return None
        first, last = max(sides, key=lambda s: s[1] - s[0])
    span = _trim(doc, *_tokens_span(doc, first, last))
    return span if span[1] > span[0] else None


def source_np(tok: Token) -> tuple[int, int]:
    """Token range ``[first, last]`` of the noun phrase a source head stands for."""
    if tok.pos_ == "PRON":
        return tok.i, tok.i
    first = tok.i
    for left in tok.lefts:
        if left.dep_ not in ("punct", "cc", "prep", "advmod", "mark"):
            first = min(first, left.left_edge.i)
    last = tok.i
    for right in tok.rights:
        if right.i != last + 1:
            break
        if right.dep_ in ("compound", "flat", "nummod", "npadvmod") or (
            right.dep_ == "prep" and right.lower_ in _NP_RIGHT_PREPS
        ) or (right.dep_ == "amod" and right.lower_ in ("familiar", "close", "involved", "briefed")):
            last = right.right_edge.i
        else:
            break
    for i in range(tok.i + 1, last + 1):
        if tok.doc[i].text in (",", "(", "—", ";"):  # an appositive or relative clause begins
            last = i - 1
            break
    if last - first > 14:
        last = first + 14
    return first, last


def _is_dateline(tok: Token) -> bool:
    """'JACKSON, Miss. (AP) —' at the head of a story: a place, not a speaker."""
    doc = tok.doc
    first_on_line = tok.i == 0 or "\n" in doc[tok.i - 1].text or tok.is_sent_start
    return first_on_line and tok.text.isupper() and len(tok.text) > 2 and tok.i + 1 < len(doc) and (
        doc[tok.i + 1].text in (",", "(", "—", "-", "–")
    )


_POSSESSIVE = re.compile(r"(?:['’]s|['’])$")


def clean_name(text: str) -> str:
    """A mention as a name: no possessive ending, single spaces, no edge commas or colons;
    "Neither the video nor the images" names the video and the images."""
    text = _POSSESSIVE.sub("", text.strip())
    text = re.sub(r"\s+", " ", text).strip(" ,;:")
    pair = _NEITHER_NOR.match(text)
    return f"{pair.group(1)} and {pair.group(2)}" if pair else text


_NEITHER_NOR = re.compile(r"(?i:neither) (.+?) (?i:nor) (.+)")


def names_someone(text: str) -> bool:
    """Whether a mention can name a source: its name has a letter or digit (in any script)."""
    return any(ch.isalnum() for ch in clean_name(text))


def _source_of(tok: Token) -> tuple[CharSpan | None, int | None, tuple[CharSpan, ...]]:
    doc = tok.doc
    if _is_dateline(tok):
        return None, None, ()
    extra: tuple[CharSpan, ...] = ()
    if tok.tag_ in ("WP", "WDT") and tok.head.dep_ == "relcl":
        extra = (_tokens_span(doc, tok.i, tok.i),)
        tok = tok.head.head
    first, last = source_np(tok)
    span = _tokens_span(doc, first, last)
    if not names_someone(doc_text(doc)[span[0] : span[1]]):
        return None, None, ()  # a quote mark or a stray "'s" the parser took for the subject
    return span, tok.i, extra


def find_subject(verb: Token, depth: int = 0) -> Token | None:
    """The speaker of a cue verb: its subject, a passive agent, or the subject it shares."""
    for child in verb.children:
        if child.dep_ == "agent":  # "a stance echoed by its allies"
            for pobj in child.children:
                if pobj.dep_ == "pobj":
                    return pobj
    for child in verb.children:
        if child.dep_ in ("nsubj", "csubj"):
            return child
    for child in verb.children:
        if child.dep_ == "nsubjpass":
            return None
    if depth >= 3:
        return None
    if verb.dep_ == "acl" and verb.tag_ != "VBN" and verb.head.pos_ in ("NOUN", "PROPN", "PRON"):
        noun = verb.head
        if noun.lemma_.lower() in _MESSAGE_NOUNS and noun.dep_ in ("dobj", "pobj"):
            # "X issued a statement saying ...": X speaks, through the statement
            governor = noun.head if noun.dep_ == "dobj" else noun.head.head
            speaker = find_subject(governor, depth + 1) if governor.pos_ in ("VERB", "AUX") else None
            if speaker is not None:
                return speaker
        return noun
    if verb.dep_ in ("conj", "xcomp", "advcl", "pcomp") and verb.head.pos_ in ("VERB", "AUX"):
        return find_subject(verb.head, depth + 1)
    if verb.dep_ == "pcomp" and verb.head.dep_ == "prep":
        return find_subject(verb.head.head, depth + 1)
    return None


def _cue_span(verb: Token) -> CharSpan:
    doc = verb.doc
    last = verb.i
    for child in verb.rights:
        if child.dep_ == "prt" and child.i == last + 1:
            last = child.i
    return _tokens_span(doc, verb.i, last)


_NOT_NAMED = re.compile(r"^(?:not\s+)?to\s+be\s+(?:named|identified|quoted)|^anonymity$", re.I)


_ASIDE_MARKS = (",", "—", "–", "-", "--")


def _drop_trailing_aside(doc: Doc, content: CharSpan) -> CharSpan:
    """Cut a non-restrictive tail off a reported statement: "..., which ...", "..., who ...",
    "... jobs, a mass layoff rivaling ...": the writer's aside, not the source's words."""
    text = doc_text(doc)
    if text[content[0]] in "\"“‘'«„":
        return content  # a quotation is kept whole
    span = doc.char_span(content[0], content[1], alignment_mode="expand")
    if span is None or len(span) < 6:
        return content
    for tok in span:
        if tok.dep_ not in ("relcl", "appos", "advcl") or tok.right_edge.i < span.end - 2:
            continue
        if tok.dep_ == "advcl" and not (tok.tag_ == "VBG" and tok.left_edge.i == tok.i):
            continue  # only a trailing participle: "..., prompting protests"
        first = tok.left_edge
        if first.i <= span.start + 2 or doc[first.i - 1].text not in _ASIDE_MARKS:
            continue
        if tok.dep_ == "relcl" and first.lower_ not in ("which", "who", "whom", "whose"):
            continue
        cut = _trim(doc, content[0], doc[first.i - 1].idx)
        if cut[1] - cut[0] >= 2:
            return cut
    return content


def _make(
    doc: Doc, content: CharSpan | None, cue: CharSpan | None, subj: Token | None, rule: str
) -> RawAttribution | None:
    if content is None or content[1] - content[0] < 2:
        return None
    if _NOT_NAMED.match(doc_text(doc)[content[0] : content[1]]):
        return None  # "who asked not to be named" is why a source is anonymous, not a statement
    content = _drop_trailing_aside(doc, content)
    if subj is None:
        return RawAttribution(content, cue, None, None, rule)
    source, head, extra = _source_of(subj)
    tag_inside = rule in ("parenthetical", "quote-after")  # "‘A,’ Petro said, ‘B’"
    if source is not None and content[0] <= source[0] < content[1] and not tag_inside:
        if cue is not None and source[0] < cue[0] and cue[1] < content[1] - 2:
            # "a balancing act that analysts say reflects ...": the statement follows the cue
            content = _trim(doc, cue[1], content[1])
        else:
            return RawAttribution(content, cue, None, None, rule)
    return RawAttribution(content, cue, source, head, rule, extra)


# -- pass 1: reporting verbs --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CueDecision:
    """Which verbs count as cues: the lexicons, optionally overruled by the trained cue model.

    With ``scores`` (token index -> P(cue) from ``cue_model.CueModel``), a verb is a cue when the
    model is confident (``p >= threshold``), or when it is in a lexicon and the model does not
    rule it out (``p >= floor``). A confident verb outside the lexicons may take an object or a
    prepositional phrase as its content ("talking about X", "referring to X").
    """

    scores: dict[int, float] | None = None
    threshold: float = 0.35
    floor: float = 0.12
    noun_floor: float = 0.12  # nominal cues ("X's claim that") are rare in training: trust the list

    def verdict(self, tok: Token, in_lexicon: bool, *, noun: bool = False) -> tuple[bool, bool]:
        """(is a cue, is a confident cue)."""
        if self.scores is None:
            return in_lexicon, in_lexicon
        p = self.scores.get(tok.i, 0.0)
        confident = p >= self.threshold
        floor = self.noun_floor if noun else self.floor
        return confident or (in_lexicon and p >= floor), confident


_CONTENT_PREPS = frozenset("about to for on against with over of".split())


def attribute_reported_speech(
    doc: Doc, decision: CueDecision = CueDecision()
) -> Iterable[RawAttribution]:
    cue_verbs = words("cue_verbs")
    object_cues = words("cue_verbs_object")
    for tok in doc:
        if tok.pos_ not in ("VERB", "AUX"):
            continue
        low = tok.lemma_.lower()
        if low == "accord":
            continue  # "according to X" has a pass of its own
        in_lexicon = low in cue_verbs or low in object_cues
        is_cue, confident = decision.verdict(tok, in_lexicon)
        if not is_cue:
            continue
        if any(c.dep_ == "neg" for c in tok.children):
            continue  # "did not say": nothing was attributed
        if tok.dep_ == "xcomp" and tok.head.lemma_.lower() in cue_verbs:
            continue  # "vowed to defend X": one statement, already the head's content
        lemma = tok.lemma_.lower()
        subj = find_subject(tok)
        if subj is not None and negated_subject(subj):
            continue  # "neither the video nor the images show ...": nothing is asserted
        cue = _cue_span(tok)
        found = False
        dobj = next((c for c in tok.children if c.dep_ == "dobj"), None)
        for child in tok.children:
            content: CharSpan | None = None
            if child.dep_ == "ccomp":
                content = _clause_span(tok, child)
            elif child.dep_ in ("oprd", "prep") and lemma in _NAMING and dobj is not None and (
                child.dep_ == "oprd" or child.lower_ == "as"
            ):
                # "calling it a 'moral failure'", "described the raid as reckless"
                if dobj.i < tok.i:  # "what he called a 'clear and present danger'"
                    content = _subtree_span(child)
                else:
                    content = _trim(doc, *_tokens_span(doc, dobj.left_edge.i, child.right_edge.i))
            elif child.dep_ == "prep" and child.lower_ == "for" and lemma == "call":
                content = _subtree_span(child)
            elif child.dep_ == "xcomp" and (lemma in _INFINITIVE_CUES or confident):
                content = _clause_span(tok, child)
            elif child.dep_ == "dobj" and (
                lemma in object_cues
                or (confident and (lemma not in _SPEECH_TAGS or not _has_clause(tok)))
                or (lemma == "accuse" and any(c.dep_ == "prep" and c.lower_ == "of" for c in child.children))
                or (lemma in _SPEECH_TAGS and _aux_follows(child))
            ):
                # "backed the plan", "accused the rebels of ...", and "stating the bridge had
                # been closed" (a clause the parser read as an object)
                last = child.right_edge.i
                if _aux_follows(child):
                    last = doc[last + 1].head.right_edge.i  # "stating the bridge had been closed"
                for right in tok.rights:
                    if right.i <= last:
                        continue
                    if right.dep_ in ("xcomp", "oprd", "ccomp") or (
                        right.dep_ == "prep" and right.lower_ in ("as", "from", "of", "to", "for")
                    ):
                        # "dismissed the strike as a fabrication", "expects planning to be chaotic"
                        last = right.right_edge.i
                    else:
                        break
                content = _trim(doc, *_tokens_span(doc, child.left_edge.i, last))
            elif child.dep_ == "prep" and child.lower_ == "of" and lemma in ("accuse", "warn"):
                first = dobj.left_edge.i if dobj is not None and dobj.i < child.i else child.i
                content = _trim(doc, *_tokens_span(doc, first, child.right_edge.i))
            elif child.dep_ in ("oprd", "prep") and child.lower_ == "as" and _is_passive(tok):
                content = _subtree_span(child)
            elif (
                child.dep_ == "prep" and confident and dobj is None and child.lower_ in _CONTENT_PREPS
                and not any(c.dep_ in ("ccomp", "xcomp") for c in tok.children)
            ):
                # "talking about the wall", "referring to the convention", "called for a recount"
                pobj = next((c for c in child.children if c.dep_ in ("pobj", "pcomp")), None)
                content = _subtree_span(pobj) if pobj is not None else None
            if content:
                if lemma in _PASSIVE_OPINION and _is_passive(tok):
                    rel = _widely_held(tok, content)
                    if rel:
                        yield rel
                        found = True
                    continue
                rel = _make(doc, content, cue, subj, "verb:" + child.dep_)
                if rel:
                    found = True
                    yield rel
        if not found and confident and subj is not None:
            # a confident cue with an unusual complement: "seemed shaky", "voted for the bill"
            rel = _make(doc, _other_complement(tok), cue, subj, "verb:other")
            if rel:
                found = True
                yield rel
        if not found and tok.dep_ in ("csubj", "nsubj") and tok.head.i > tok.i + 1:
            # "with Rubio stating the vessel had departed": parsed as the clause's subject
            content = _trim(doc, *_tokens_span(doc, tok.i + 1, tok.head.right_edge.i))
            subj = subj or next((c for c in tok.children if c.dep_ == "nsubj"), None)
            rel = _make(doc, content, cue, subj, "verb:misparse")
            if rel:
                found = True
                yield rel
        if not found and subj is not None:
            rel = _parenthetical(tok, subj, cue)
            if rel:
                yield rel


def _clause_span(verb: Token, clause: Token) -> CharSpan | None:
    """The reported clause, stretched over material the parser hung on the verb after it
    ("says he'd tell him “no more nonsense” if elected")."""
    doc = verb.doc
    first, last = clause.left_edge.i, clause.right_edge.i
    if clause.i > verb.i:
        for right in verb.rights:
            if right.i <= last:
                continue
            if right.dep_ in ("advcl", "conj", "cc", "parataxis", "punct", "ccomp", "dep"):
                break
            last = right.right_edge.i
    span = _trim(doc, *_tokens_span(doc, first, last))
    return span if span[1] > span[0] else None


def _has_clause(tok: Token) -> bool:
    return any(c.dep_ in ("ccomp", "xcomp") for c in tok.children)


def _other_complement(tok: Token) -> CharSpan | None:
    """The first complement to the right of a cue verb that is not a clause or an object."""
    for child in tok.rights:
        if child.dep_ in ("oprd", "attr", "acomp", "npadvmod"):
            return _subtree_span(child)
        if child.dep_ in ("prep", "agent") and child.lower_ not in ("in", "at", "on", "during", "after",
                                                                  "before", "since", "by"):
            pobj = next((c for c in child.children if c.dep_ in ("pobj", "pcomp")), None)
            if pobj is not None:
                return _subtree_span(pobj)
    return None


def _aux_follows(obj: Token) -> bool:
    """An object followed by an auxiliary of a later verb: a clause read as an object."""
    doc = obj.doc
    i = obj.right_edge.i + 1
    return i < len(doc) and doc[i].dep_ in ("aux", "auxpass") and doc[i].head.i > i


def _is_passive(tok: Token) -> bool:
    return any(c.dep_ in ("auxpass", "nsubjpass") for c in tok.children) or (
        tok.tag_ == "VBN" and tok.dep_ == "acl"
    )


def _widely_held(tok: Token, content: CharSpan) -> RawAttribution | None:
    """'X is widely regarded as Y': a vague, unnamed source (the adverb marks it)."""
    for child in tok.children:
        if child.dep_ == "advmod" and child.lower_ in _WIDELY:
            span = _tokens_span(tok.doc, child.i, child.i)
            return RawAttribution(content, _cue_span(tok), span, child.i, "widely")
    return None


def _parenthetical(verb: Token, subj: Token, cue: CharSpan) -> RawAttribution | None:
    """'..., officials said.' / 'as X noted': the reported clause is the verb's head."""
    doc = verb.doc
    lemma = verb.lemma_.lower()
    if lemma in _INFINITIVE_CUES or lemma in ("see", "know", "find", "show", "view", "regard"):
        return None
    if any(c.dep_ in ("dobj", "ccomp", "xcomp") for c in verb.children) and lemma != "tell":
        return None
    head = verb.head
    if verb.dep_ in ("parataxis", "advcl", "ccomp", "conj") and head is not verb:
        if head.pos_ not in ("VERB", "AUX") or head.sent != verb.sent:
            return None
        content = _subtree_span(head, exclude=verb)
        ex_first, ex_last = verb.left_edge.i, verb.right_edge.i
        if head.left_edge.i < ex_first and ex_last < head.right_edge.i - 1:
            # the tag sits inside the statement ("This campaign, he says, is different")
            content = _subtree_span(head)
        return _make(doc, content, cue, subj, "parenthetical")
    if verb.dep_ == "ROOT":
        # "X did Y, he said" parsed with the clause as the root's left or right sibling
        sent = verb.sent
        before = [t for t in sent if t.i < subj.left_edge.i and t.i < verb.i]
        if before and before[-1].text in (",", "—", "–") and len(before) > 3:
            start, _ = _tokens_span(doc, before[0].i, before[0].i)
            content = _trim(doc, start, before[-1].idx)
            return _make(doc, content, cue, subj, "root-tag")
    return None


# -- pass 2: according to, nominal cues ---------------------------------------------------------


def attribute_according_to(doc: Doc) -> Iterable[RawAttribution]:
    for tok in doc:
        if tok.lower_ != "according" or tok.i + 1 >= len(doc) or doc[tok.i + 1].lower_ != "to":
            continue
        to = doc[tok.i + 1]
        pobj = next((c for c in to.children if c.dep_ == "pobj"), None)
        if pobj is None:
            pobj = next((c for c in tok.children if c.dep_ == "pobj"), None)
        if pobj is None:
            continue
        speaker = pobj
        # "according to a statement released by X" / "according to figures from X"
        for child in pobj.children:
            if child.dep_ == "acl":
                agent = next((c for c in child.children if c.dep_ == "agent"), None)
                if agent is not None:
                    speaker = next((c for c in agent.children if c.dep_ == "pobj"), speaker)
            elif child.dep_ == "prep" and child.lower_ in ("from", "by", "of") and (
                pobj.lemma_.lower() in _DATA_NOUNS
            ):
                speaker = next((c for c in child.children if c.dep_ == "pobj"), speaker)
        clause = tok.head
        while clause.dep_ in ("prep", "pobj", "advmod") and clause.head is not clause:
            clause = clause.head
        sent = tok.sent
        content = _subtree_span(clause, exclude=tok) if clause is not tok else None
        if content is None or not (sent.start_char <= content[0] < sent.end_char):
            # the phrase hangs off the sentence root: the rest of the sentence is the content
            content = _subtree_span(sent.root, exclude=tok)
        cue = _tokens_span(doc, tok.i, tok.i + 1)
        rel = _make(doc, content, cue, speaker, "according-to")
        if rel:
            yield rel


def attribute_nominal_cues(
    doc: Doc, decision: CueDecision = CueDecision()
) -> Iterable[RawAttribution]:
    nouns = words("cue_nouns")
    for tok in doc:
        if tok.pos_ != "NOUN":
            continue
        in_lexicon = tok.lemma_.lower() in nouns
        is_cue, confident = decision.verdict(tok, in_lexicon, noun=True)
        if not is_cue:
            continue
        of_preps = ("of", "for", "about", "on", "against", "over", "to") if confident else ("of",)
        content: CharSpan | None = None
        speaker: Token | None = None
        for child in tok.children:
            if child.dep_ in ("acl", "ccomp") and any(
                c.dep_ == "mark" and c.lower_ == "that" for c in child.children
            ):
                content = _subtree_span(child)
            elif child.dep_ == "poss":
                speaker = child
            elif child.dep_ == "prep" and child.lower_ in of_preps and content is None:
                pobj = next((c for c in child.children if c.dep_ in ("pobj", "pcomp")), None)
                if pobj is not None and pobj.pos_ not in ("PROPN", "PRON"):
                    content = _subtree_span(pobj)
            elif child.dep_ == "acl":
                agent = next((c for c in child.children if c.dep_ == "agent"), None)
                if agent is not None:
                    speaker = next((c for c in agent.children if c.dep_ == "pobj"), speaker)
            elif child.dep_ == "prep" and child.lower_ in ("by", "from"):
                speaker = next((c for c in child.children if c.dep_ == "pobj"), speaker)
        if speaker is None and tok.dep_ in ("dobj",) and tok.head.lemma_.lower() in _SUPPORT_VERBS:
            speaker = find_subject(tok.head)
        after_comma = tok.left_edge.i > 0 and doc[tok.left_edge.i - 1].text == ","
        if content is None and speaker is not None and (
            tok.dep_ in ("appos", "npadvmod") or (tok.dep_ == "dobj" and after_comma)
        ):
            # "..., a claim echoed by X": the claim is the clause before the apposition
            head = tok.head
            if head.pos_ in ("VERB", "AUX") and head.i + 1 < tok.left_edge.i:
                content = _trim(doc, *_tokens_span(doc, head.i + 1, tok.left_edge.i - 1))
        if content is None or speaker is None:
            continue
        rel = _make(doc, content, _tokens_span(doc, tok.i, tok.i), speaker, "noun")
        if rel:
            yield rel


def attribute_adjective_cues(
    doc: Doc, decision: CueDecision = CueDecision()
) -> Iterable[RawAttribution]:
    """Stances said with an adjective: "X is confident that ...", "X was critical of Y"."""
    if decision.scores is None:
        return
    for tok in doc:
        if tok.pos_ != "ADJ" or tok.dep_ not in ("acomp", "oprd"):
            continue
        if decision.scores.get(tok.i, 0.0) < decision.threshold:
            continue
        subj = find_subject(tok.head) if tok.head.pos_ in ("AUX", "VERB") else None
        if subj is None:
            continue
        content = None
        for child in tok.children:
            if child.dep_ in ("ccomp", "xcomp"):
                content = _subtree_span(child)
            elif child.dep_ == "prep" and child.lower_ in ("of", "about", "that", "with", "on"):
                pobj = next((c for c in child.children if c.dep_ in ("pobj", "pcomp")), None)
                content = _subtree_span(pobj) if pobj is not None else None
            if content:
                break
        rel = _make(doc, content, _tokens_span(doc, tok.i, tok.i), subj, "adjective")
        if rel:
            yield rel


def attribute_colon_lines(doc: Doc) -> Iterable[RawAttribution]:
    """Headline style "Speaker: what they said" at the start of a line."""
    text = doc_text(doc)
    line_start = 0
    for line in text.split("\n"):
        colon = line.find(":")
        if 0 < colon <= 60 and len(line) - colon > 15:
            head = line[:colon].strip()
            if head and head[0].isupper() and len(head.split()) <= 6 and not head.endswith(
                ("said", "says", "told", "wrote", "added")
            ):
                start = line_start + len(line) - len(line.lstrip())
                span = doc.char_span(start, line_start + colon, alignment_mode="expand")
                if span is not None and any(t.pos_ in ("PROPN", "NOUN", "PRON") for t in span):
                    content = _trim(doc, line_start + colon + 1, line_start + len(line))
                    yield RawAttribution(
                        content,
                        (line_start + colon, line_start + colon + 1),
                        (span.start_char, span.end_char),
                        span.root.i,
                        "colon-line",
                    )
        line_start += len(line) + 1


# -- pass 3: direct quotes ----------------------------------------------------------------------


def attribute_quotes(
    doc: Doc, quotes: QuoteIndex, found: list[RawAttribution]
) -> list[RawAttribution]:
    """Snap contents onto the quotes they cover; attribute quotes nobody has claimed yet."""
    text = doc_text(doc)
    out = [_snap_to_quotes(r, quotes) for r in found]
    claimed = sorted(r.content for r in out)
    longest = max((e - s for s, e in claimed), default=0)
    by_end = sorted((r.content[1], i) for i, r in enumerate(out))
    speech = _SPEECH_TAGS | words("cue_verbs")
    for q in quotes:
        lo = bisect_left(claimed, (q.start + 1 - longest, 0))
        hi = bisect_right(claimed, (q.start + 1, len(text) + 1))
        if any(q.end - 1 <= e for _, e in claimed[lo:hi]):
            continue
        if len(text[q.start : q.end].split()) < 4:
            continue  # scare quotes and titles, not statements
        rel = _quote_with_tag(doc, q, quotes, speech)
        if rel is None:
            # the latest quoted statement ending shortly before: "“A,” X said, referring
            # to Y. “B.”" continues A, not the aside about Y
            j = bisect_left(by_end, (q.start + 1, -1))
            prev = None
            while j > 0 and by_end[j - 1][0] > q.start - 400:
                cand = out[by_end[j - 1][1]]
                if cand.source is not None and text[cand.content[0]] in "\"“‘'«„":
                    prev = cand
                    break
                j -= 1
            rel = _continuation(doc, q, prev)
        if rel is not None:
            out.append(rel)
            insort(claimed, rel.content)
            insort(by_end, (rel.content[1], len(out) - 1))
            longest = max(longest, rel.content[1] - rel.content[0])
    return out


def _snap_to_quotes(rel: RawAttribution, quotes: QuoteIndex) -> RawAttribution:
    start, end = rel.content
    for q in quotes.overlapping(start, end):
        if rel.cue is not None and q.start < rel.cue[0] < q.end:
            continue  # an attribution quoted inside somebody else's quote
        overlap = min(end, q.end) - max(start, q.start)
        if overlap <= 0:
            continue
        if (start >= q.start and end <= q.end) or overlap >= 0.5 * (end - start):
            start, end = min(start, q.start), max(end, q.end)
        elif start < q.start < end < q.end or q.start < start < q.end < end:
            start, end = min(start, q.start), max(end, q.end)
    if (start, end) == rel.content:
        return rel
    return replace(rel, content=(start, end))


def _quote_tokens(doc: Doc, q: Quote) -> tuple[int, int] | None:
    span = doc.char_span(q.start, q.end, alignment_mode="expand")
    return (span.start, span.end) if span is not None else None


def _quote_with_tag(
    doc: Doc, q: Quote, quotes: QuoteIndex, speech: frozenset[str]
) -> RawAttribution | None:
    """A speech verb right after the quote (“...,” X said), or right before it (X said: “...”)."""
    toks = _quote_tokens(doc, q)
    if toks is None:
        return None
    q_first, q_end = toks
    # after: look at the next few tokens in the same paragraph
    for i in range(q_end, min(q_end + 8, len(doc))):
        t = doc[i]
        if "\n" in t.text or (t.text in ".!?" and i > q_end):
            break
        if t.lemma_.lower() in speech and t.pos_ in ("VERB", "AUX"):
            subj = find_subject(t) or _adjacent_subject(t)
            if subj is not None and not (q.start <= subj.idx < q.end):
                content = (q.start, q.end)
                nxt = _quote_after(doc, t, quotes)
                if nxt is not None:
                    content = (q.start, nxt.end)
                return _make(doc, content, _cue_span(t), subj, "quote-after")
    # before: "X said:" or "X said," just before the opening mark
    for i in range(q_first - 1, max(q_first - 10, -1), -1):
        t = doc[i]
        if "\n" in t.text or t.text in ".!?":
            break
        if t.lemma_.lower() in speech and t.pos_ in ("VERB", "AUX"):
            subj = find_subject(t) or _adjacent_subject(t)
            if subj is not None and not (q.start <= subj.idx < q.end):
                return _make(doc, (q.start, q.end), _cue_span(t), subj, "quote-before")
            break
    return None


def _adjacent_subject(verb: Token) -> Token | None:
    """Inverted tags the parser misreads: “...,” said one official."""
    doc = verb.doc
    for i in range(verb.i + 1, min(verb.i + 6, len(doc))):
        t = doc[i]
        if t.pos_ in ("NOUN", "PROPN", "PRON"):
            while t.head.i != t.i and t.dep_ in ("compound", "amod") and t.head.i < verb.i + 8:
                t = t.head
            return t
        if t.is_punct:
            break
    for i in range(verb.i - 1, max(verb.i - 4, -1), -1):
        t = doc[i]
        if t.pos_ in ("PROPN", "PRON", "NOUN"):
            return t
        if t.is_punct:
            break
    return None


def _quote_after(doc: Doc, verb: Token, quotes: QuoteIndex) -> Quote | None:
    """The second half of a split quote: “A,” X said, “B.”"""
    text = doc_text(doc)
    end = verb.idx + len(verb.text)
    para_end = text.find("\n", end)
    para_end = len(text) if para_end < 0 else para_end
    for q in quotes.starting_in(end, min(end + 60, para_end)):
        between = text[end : q.start].rstrip()
        # only the speaker's name (and a short title) may stand between tag and second half
        if "." not in between.replace(".,", "") and between.endswith((",", ":")) and len(
            between.split()
        ) <= 6:
            return q
    return None


def _continuation(doc: Doc, q: Quote, prev: RawAttribution | None) -> RawAttribution | None:
    """A quote with no tag right after a direct quote (``prev``, the statement that ends last
    before it) continues that speaker."""
    text = doc_text(doc)
    if prev is None or prev.source is None:
        return None
    gap = text[prev.content[1] : q.start]
    if gap.count("\n") > 3 or len(gap) > 400:
        return None
    if text[prev.content[0]] not in "\"“‘'«„" and not text[prev.content[1] - 1] in "\"”’'»":
        return None  # the previous statement was not a quote
    if "\n" not in gap or not gap.strip():
        # same paragraph, or the very next one with nothing in between: one running statement
        return replace(prev, content=(prev.content[0], q.end), rule=prev.rule + "+cont")
    return RawAttribution(
        (q.start, q.end), None, prev.source, prev.source_token, "continuation", prev.extra_mentions
    )


# -- all passes ---------------------------------------------------------------------------------


def extract_attributions(
    doc: Doc, quotes: list[Quote] | QuoteIndex, decision: CueDecision | None = None
) -> list[RawAttribution]:
    """Every attribution relation in ``doc``, in text order, without duplicates."""
    found: list[RawAttribution] = []
    found.extend(attribute_reported_speech(doc, decision or CueDecision()))
    found.extend(attribute_according_to(doc))
    found.extend(attribute_nominal_cues(doc, decision or CueDecision()))
    found.extend(attribute_colon_lines(doc))
    found.extend(attribute_adjective_cues(doc, decision or CueDecision()))
    if not isinstance(quotes, QuoteIndex):
        quotes = QuoteIndex(quotes)
    found = attribute_quotes(doc, quotes, found)
    # a same-paragraph continuation replaced its parent in place: drop the shorter copy
    by_key: dict[tuple[CharSpan | None, CharSpan | None], RawAttribution] = {}
    for r in found:
        key = (r.cue, r.source)
        old = by_key.get(key)
        if r.cue is not None and old is not None and _overlaps(old.content, r.content):
            if r.content[1] - r.content[0] > old.content[1] - old.content[0]:
                by_key[key] = r
            continue
        by_key[key if r.cue is not None else (r.content, r.source)] = r
    unique: dict[tuple[CharSpan, CharSpan | None], RawAttribution] = {}
    for r in by_key.values():
        if _inside_quote_first_person(doc, r, quotes):
            continue
        key2 = (r.content, r.source)
        if key2 not in unique:
            unique[key2] = r
    return sorted(unique.values(), key=lambda r: (r.content[0], r.content[1]))


def negated_subject(tok: Token) -> bool:
    """"Neither the video nor the images show ...", "nobody said", "not everyone tells the same
    story": a negated subject asserts nothing, so it is no source (the writer's own statement
    that something is not shown or not said)."""
    return tok.lower_ in ("nobody", "none", "no-one") or any(
        c.lower_ in ("neither", "no", "not", "nobody") for c in tok.children)


def negated_source(doc: Doc, rel: RawAttribution) -> bool:
    """Whether the relation's source is a negated subject (:func:`negated_subject`)."""
    return rel.source_token is not None and negated_subject(doc[rel.source_token])


def inanimate_source(doc: Doc, rel: RawAttribution) -> bool:
    """Is the relation's source an abstract or inanimate subject ("the decision underscores",
    "a growing unease characterized") -- no speaker at all? Its head noun is in
    ``lexicons/inanimate_nouns.txt`` and no name or person is part of it."""
    if rel.source_token is None:
        return False
    head = doc[rel.source_token]
    if head.pos_ not in ("NOUN", "PROPN") or head.lemma_.lower() not in words("inanimate_nouns"):
        return False
    span = doc[head.left_edge.i : head.right_edge.i + 1]
    return not any(t.ent_type_ in ("PERSON", "ORG", "NORP", "GPE") or t.pos_ == "PROPN"
                   for t in span)


def rule_family(rule: str) -> str:
    """``verb:ccomp+cont`` -> ``verb``: the rule that found a relation, without its detail."""
    return rule.split("+", 1)[0].split(":", 1)[0]


def rule_confidence(rule: str) -> float:
    """How often the rule that found a relation is right: its precision on PolNeAR train
    (``lexicons/rule_precision.tsv``, measured by ``scripts/measure_rule_precision.py``)."""
    table = rule_precision()
    return table.get(rule_family(rule), table.get("*", 0.5))


@cache
def rule_precision() -> dict[str, float]:
    from claimledger.pipeline.lexicons import table

    return {k: float(v) for k, v in table("rule_precision").items()}


def _overlaps(a: CharSpan, b: CharSpan) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _inside_quote_first_person(doc: Doc, r: RawAttribution, quotes: QuoteIndex) -> bool:
    """'I think' inside somebody's quote is the quoted speaker talking, not a new source."""
    if r.source_token is None:
        return False
    tok = doc[r.source_token]
    return tok.lower_ in _PRONOUN_SUBJECTS and quotes.containing(tok.idx) is not None


__all__ = [
    "CueDecision", "RawAttribution", "clean_name", "doc_entities", "doc_text",
    "extract_attributions", "find_subject", "names_someone", "source_np", "span_entities",
]
