"""Turn raw source mentions into typed source entities: who is speaking, and of what kind.

* **Typing** — named_person (a PERSON name), named_organization (an organization, government,
  country, outlet or named data: "UN data"), anonymous (unnamed but specific: "one official",
  "sources within the administration"), vague (generic: "analysts", "critics", "many").
* **Resolution** — pronouns, nominal anaphora ("the official", "the minister") and short names
  ("Petro") join the entity they refer to, which then lists every mention.
* **Role, affiliation, anonymity reason** — read off the mention and its sentence when stated.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from spacy.tokens import Doc, Span, Token

from claimledger.model import Attribution, Source, SourceType, TextSpan
from claimledger.pipeline.acts import lexicon_act
from claimledger.pipeline.attribution import (
    RawAttribution,
    clean_name,
    doc_entities,
    doc_text,
    names_someone,
    rule_confidence,
)
from claimledger.pipeline.lexicons import table, words
from claimledger.pipeline.quotes import Quote, QuoteIndex

_PERSON_PRONOUNS = frozenset("he she him her his hers".split())
_GROUP_PRONOUNS = frozenset("they them their it its we".split())
_RELATIVE = frozenset("who which that whom".split())
_DEFINITE = frozenset("the this that these those".split())
_VAGUE_QUANTIFIERS = frozenset("some many most few several others numerous various".split())
_ORG_LABELS = ("ORG", "GPE", "NORP", "FAC")
_TITLE_PREFIX = re.compile(r"^(?:(?:the|a|an)\s+)", re.I)

_ANONYMITY = re.compile(
    r"(?:(?:who\s+)?(?:was|were\s+)?(?:speaking|spoke|talking|talked)\s+on\s+(?:the\s+)?"
    r"condition\s+(?:of\s+anonymity|that\s+\w+\s+not\s+be\s+(?:named|identified))"
    r"(?:\s+(?:because|as|since|to)\s+[^,.;”\"]+)?"
    r"|(?:who\s+)?(?:asked|requested|declined|demanded)\s+(?:not\s+)?(?:to\s+be\s+)?"
    r"(?:anonymity|named|identified)(?:\s+(?:because|as|since)\s+[^,.;”\"]+)?"
    r"|(?:because|as)\s+(?:he|she|they)\s+(?:was|were|is|are)\s+not\s+authori[sz]ed\s+to\s+[^,.;”\"]+"
    r"|(?:speaking|spoke)\s+(?:anonymously|privately|on\s+background)"
    r"|on\s+(?:the\s+)?condition\s+of\s+anonymity)",
    re.I,
)


@dataclass
class _Entity:
    name: str
    type: SourceType
    key: str
    mentions: list[tuple[int, int]] = field(default_factory=list)
    role: str | None = None
    affiliation: str | None = None
    anonymity_reason: str | None = None
    head_lemmas: set[str] = field(default_factory=set)
    last_seen: int = 0

    def add(self, span: tuple[int, int]) -> None:
        if span not in self.mentions:
            self.mentions.append(span)
        self.last_seen = max(self.last_seen, span[0])


# -- helpers ------------------------------------------------------------------------------------


_clean_name = clean_name


def _country(text: str) -> str | None:
    return table("demonyms").get(_clean_name(text).lower().rstrip("."), None) or (
        table("demonyms").get(_clean_name(text).lower())
    )


_ents = doc_entities


def _ent_of(doc: Doc, tok: Token) -> Span | None:
    return _ents(doc)[2].get(tok.i) if tok.ent_type_ else None


def _ent_within(doc: Doc, first: int, last: int, labels: tuple[str, ...]) -> Span | None:
    ents, starts, _ = _ents(doc)
    for ent in ents[bisect_left(starts, first) : bisect_right(starts, last)]:
        if ent.label_ in labels and ent.end - 1 <= last:
            return ent
    return None


def _person_ent(doc: Doc, first: int, last: int) -> Span | None:
    return _ent_within(doc, first, last, ("PERSON",))


def _mostly_a_body(doc: Doc, text: str) -> bool:
    """Whether a one-word name the entity tagger calls a person here is, in the rest of the
    article, more often tagged an organization, place or nationality -- and never the surname of
    a longer person name (one sense per discourse)."""
    labels = doc.user_data.get("claimledger.name_labels")
    if labels is None:
        labels = doc.user_data["claimledger.name_labels"] = {}
        for e in _ents(doc)[0]:
            key = e.text.removesuffix("’s").removesuffix("'s")
            labels.setdefault(key, Counter())[e.label_] += 1
    seen = labels.get(text, Counter())
    body = sum(n for lab, n in seen.items() if lab in _ORG_LABELS)
    return body > seen["PERSON"] and _surname_key(text) not in _surnames(doc)


def _org_ent(doc: Doc, first: int, last: int) -> Span | None:
    return _ent_within(doc, first, last, _ORG_LABELS)


def _surnames(doc: Doc) -> frozenset[str]:
    cached = doc.user_data.get("claimledger.surnames")
    if cached is None:
        cached = doc.user_data["claimledger.surnames"] = frozenset(
            _surname_key(_clean_name(e.text)) for e in _ents(doc)[0]
            if e.label_ == "PERSON" and len(e) > 1
        )
    return cached


def _surname_key(name: str) -> str:
    parts = [p for p in re.split(r"\s+", name) if p]
    return parts[-1].lower().strip(".,") if parts else name.lower()


# -- typing -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Typed:
    type: SourceType
    name: str
    key: str
    role: str | None
    affiliation: str | None


def type_mention(doc: Doc, head: Token, first: int, last: int) -> _Typed:
    """Type one source mention (head token and its noun phrase ``[first, last]``); its name is
    never empty: when the entity it would be named after has no letter or digit (the tagger's
    PERSON over quote marks), the mention itself names it. A relative clause set off by a comma
    ("A person familiar with the talks, who asked not to be named, ...") is no part of the name
    (the anonymity reason is read from it apart)."""
    last = _before_relative_clause(doc, head, first, last)
    typed = _type_mention(doc, head, first, last)
    if names_someone(typed.name):
        return typed
    name = _clean_name(doc[first : last + 1].text)
    return _Typed(typed.type, name, typed.key[:2] + name.lower(), typed.role, typed.affiliation)


def _before_relative_clause(doc: Doc, head: Token, first: int, last: int) -> int:
    """``last`` cut back before a comma that opens a relative clause inside the mention (the
    parser may hang "who asked ..." on the last noun rather than on ``head``)."""
    for tok in doc[first + 1 : last + 1]:
        start = tok.left_edge.i
        if tok.dep_ == "relcl" and first + 1 < start and doc[start - 1].text == ",":
            end = start - 2
            while end > first and doc[end].is_punct:
                end -= 1
            return end if end >= head.i else last
    return last


def _appositive_person(doc: Doc, head: Token, first: int, last: int) -> _Typed | None:
    """"Norvane's defence minister, Helena Strand": a role noun with a proper-name apposition is
    that person (Helena Strand), the role (defence minister), and its possessor the affiliation
    (Norvane) -- whatever the entity tagger thought of the names."""
    if head.pos_ != "NOUN" or not (head.lemma_.lower() in words("titles")
                                   or head.lemma_.lower() in words("anonymous_nouns")):
        return None
    for child in head.rights:
        if child.dep_ != "appos" or child.pos_ != "PROPN" or child.left_edge.i > last + 2:
            continue
        names = [t for t in doc[child.left_edge.i : child.i + 1]
                 if t.pos_ == "PROPN" or (t.dep_ == "compound" and t.is_title)]
        if not names or not names_someone(" ".join(t.text for t in names)):
            continue
        name = _clean_name(doc[names[0].i : names[-1].i + 1].text)
        role_tokens = [t for t in doc[first : head.i + 1]
                       if t.dep_ in ("compound", "amod", "nmod") and t.head.i == head.i
                       and t.pos_ != "PROPN"] + [head]
        role = " ".join(t.text for t in role_tokens)
        owner = next((t for t in head.lefts if t.dep_ == "poss" and t.pos_ == "PROPN"), None)
        affiliation = (_clean_name(doc[owner.left_edge.i : owner.i + 1].text) if owner is not None
                       else _affiliation(doc, head, first, last))
        return _Typed("named_person", name, "p:" + _surname_key(name), role, affiliation)
    return None


def _type_mention(doc: Doc, head: Token, first: int, last: int) -> _Typed:
    span_text = doc[first : last + 1].text
    lemma = head.lemma_.lower()
    appositive = _appositive_person(doc, head, first, last)
    if appositive is not None:
        return appositive
    if (lemma in words("document_nouns") or head.lower_ in words("document_nouns")) and last > first:
        # documents and data speak for whoever produced them: organizations ("the report",
        # "internal documents", "UN data"); bare "reports say" stays vague
        name = _clean_name(span_text)
        return _Typed("named_organization", name, "o:" + re.sub(r"^(the|a|an)\s+", "",
                      name.lower()), None, _affiliation(doc, head, first, last))
    # a capitalised surname of a person the article names in full ("Tully called that forecast
    # ..." with "Tully" parsed as an adverb) is that person
    known_surname = head.text[:1].isupper() and head.lower_ in _surnames(doc)
    if head.pos_ == "ADV" and not known_surname:
        # "widely regarded", "generally believed": nobody in particular
        return _Typed("vague", f"unnamed ({head.lower_} held view)", "v:" + head.lower_, None, None)
    person = _person_ent(doc, first, last) or (
        _ent_of(doc, head) if head.ent_type_ == "PERSON" else None
    )
    if person is not None and len(person) == 1 and _mostly_a_body(doc, person.text):
        person = None  # "Norvane has not said ...": a country the tagger once took for a person
    if person is None and (head.pos_ == "PROPN" or known_surname) and head.lower_ in _surnames(doc):
        person = doc[head.i : head.i + 1]
    org = _org_ent(doc, first, last)
    affiliation = _affiliation(doc, head, first, last)
    quantifiers = {t.lower_ for t in doc[first : last + 1] if t.i != head.i}
    if person is None and head.pos_ == "NOUN":
        for child in head.children:
            if child.dep_ == "appos" and child.ent_type_ == "PERSON":
                ent = _ent_of(doc, child)
                if ent is not None:
                    name = _clean_name(ent.text)
                    role = " ".join(t.text for t in doc[first : last + 1]
                                    if t.dep_ not in ("det", "poss", "case") and t.head.dep_ != "poss")
                    return _Typed("named_person", name, "p:" + _surname_key(name), role or None,
                                  affiliation)
    if person is not None and (head.i >= person.start or head.dep_ == "compound"):
        name = _clean_name(_name_run(doc, person, last).text)
        role = _title_before(doc, first, person.start) or _appositive_role(head)
        return _Typed("named_person", name, "p:" + _surname_key(name), role, affiliation)
    anon = words("anonymous_nouns")
    vague = words("vague_nouns")
    if head.pos_ == "PROPN" and head.tag_ == "NNPS" and head.is_sent_start and first == last:
        # "Engineers said ...": a capitalised plural at the start of a sentence that the tagger
        # took for a name; a common noun when its singular is a known source noun
        singular = _singular(head.lower_)
        if singular in vague or singular in anon:
            lemma = singular
            if singular in anon:
                return _Typed("anonymous", _clean_name(span_text), "a:" + span_text.lower(), None,
                              affiliation)
    if lemma in words("vague_nouns") and lemma not in anon or lemma in _VAGUE_QUANTIFIERS:
        return _Typed("vague", _clean_name(span_text), "v:" + span_text.lower(), None, affiliation)
    if lemma in anon and head.pos_ == "NOUN":
        if quantifiers & _VAGUE_QUANTIFIERS and lemma in ("people", "person", "analyst"):
            return _Typed("vague", _clean_name(span_text), "v:" + span_text.lower(), None, affiliation)
        mods = [t.text for t in head.lefts if t.dep_ in ("amod", "compound", "nmod", "npadvmod")]
        role = " ".join([*mods, head.text]) if mods else None
        return _Typed("anonymous", _clean_name(span_text), "a:" + span_text.lower(), role, affiliation)
    proper_modifier = any(
        t.dep_ in ("compound", "poss") and t.pos_ == "PROPN" for t in head.lefts
    )
    if org is not None or head.pos_ == "PROPN" or lemma in words("organization_nouns") or (
        proper_modifier and lemma not in vague
    ):
        # "The Tidewater Rights Initiative, a human-rights group based in Geneva": the name
        # stops before its apposition
        appos = [c.left_edge.i for c in head.children if c.dep_ == "appos" and first < c.i <= last]
        end = min(appos) - 1 if appos else last
        while end > first and doc[end].is_punct:
            end -= 1
        name = _clean_name(doc[first : end + 1].text)
        name = _TITLE_PREFIX.sub("", name) if not name.lower().startswith("the ") else name
        core = [t for t in doc[first : end + 1] if t.lower_ not in ("the", "a", "an")]
        if org is not None and org.end - org.start >= len(core):
            name = _clean_name(org.text)
        if head.pos_ == "PROPN" and org is None and person is None:
            # a capitalised name the tagger did not label: people more often than not
            multiword = any(t.pos_ == "PROPN" and t.dep_ in ("compound", "flat") for t in head.lefts)
            if lemma not in words("organization_nouns") and not head.text.isupper() and multiword:
                name = _clean_name(doc[first : last + 1].text)
                return _Typed("named_person", name, "p:" + _surname_key(name), None, affiliation)
        key = "o:" + re.sub(r"^the\s+", "", name.lower())
        affiliation = affiliation or _country(re.sub(r"^the\s+", "", name, flags=re.I))
        return _Typed("named_organization", name, key, None, affiliation)
    if lemma in vague:
        return _Typed("vague", _clean_name(span_text), "v:" + span_text.lower(), None, affiliation)
    # a thing that speaks ("the report", "a poll", "the video"): unnamed, so vague
    return _Typed("vague", _clean_name(span_text), "v:" + span_text.lower(), None, affiliation)


def _singular(word: str) -> str:
    if word.endswith("men"):
        return word[:-3] + "man"
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("sses", "shes", "ches", "xes")):
        return word[:-2]
    return word[:-1] if word.endswith("s") else word


def _name_run(doc: Doc, person: Span, last: int) -> Span:
    """The person entity stretched over proper nouns the tagger left out ("Padrino López")."""
    end = person.end
    while end <= last and doc[end].pos_ == "PROPN" and not doc[end].ent_type_ in ("GPE", "ORG"):
        end += 1
    return doc[person.start : end]


def _title_before(doc: Doc, first: int, name_start: int) -> str | None:
    titles = words("titles")
    toks = [
        t
        for t in doc[first:name_start]
        if t.lower_ in titles or (t.pos_ == "PROPN" and not t.ent_type_ in ("GPE", "NORP"))
    ]
    toks = [t for t in toks if t.lower_ not in ("the", "a", "an")]
    if not toks:
        return None
    if not any(t.lower_ in titles for t in toks):
        return None
    return " ".join(t.text for t in toks)


def _appositive_role(head: Token) -> str | None:
    for child in head.children:
        if child.dep_ == "appos":
            toks = [t for t in child.subtree if t.dep_ not in ("poss", "case") and t.head.dep_ != "poss"]
            toks = [t for t in toks if not (t.dep_ == "det")]
            text = " ".join(t.text for t in toks).strip(" ,")
            return text or None
    return None


# "a group based in Geneva": where a body sits is not whom it belongs to
_LOCATED = frozenset("base headquarter locate register station".split())


def _affiliation(doc: Doc, head: Token, first: int, last: int) -> str | None:
    """A country, government or body the source belongs to, when the mention says so (not the
    place a body is based in)."""
    scope = list(doc[first : last + 1])
    for child in head.children:
        if child.dep_ == "appos":
            scope.extend(child.subtree)
        if child.dep_ == "prep" and child.lower_ in ("of", "within", "in", "at", "from", "for"):
            scope.extend(child.subtree)
    scope = [t for t in scope if not _where_based(t, head)]
    for tok in scope:
        if tok.ent_type_ in ("GPE", "NORP") or tok.lower_ in ("u.s.", "u.s", "us", "un", "u.n."):
            country = _country(tok.text)
            if country:
                return country
            if tok.ent_type_ in ("GPE", "NORP"):
                ent = _ent_of(doc, tok)
                return _clean_name(ent.text if ent is not None else tok.text)
    for tok in scope:
        if tok.i != head.i and tok.ent_type_ == "ORG":
            ent = _ent_of(doc, tok)
            if ent is not None and not (ent.start <= head.i < ent.end):
                return _clean_name(ent.text)
    for tok in scope:
        if tok.dep_ == "pobj" and tok.head.lower_ in ("within", "inside", "in", "at", "from") and (
            tok.lemma_.lower() in words("organization_nouns")
        ):
            return _clean_name(doc[tok.left_edge.i : tok.i + 1].text)
    return None


def _where_based(tok: Token, head: Token) -> bool:
    """Whether ``tok`` sits under "based / headquartered / located in" below ``head``."""
    for anc in tok.ancestors:
        if anc.i == head.i:
            return False
        if anc.lemma_.lower() in _LOCATED or anc.lower_ in ("based", "headquartered"):
            return True
    return False


def anonymity_reason(doc: Doc, head: Token) -> str | None:
    """'speaking on condition of anonymity because ...' next to the mention, in its sentence."""
    sent = head.sent
    m = _ANONYMITY.search(sent.text)
    return m.group(0).strip(" ,") if m else None


# -- resolution ---------------------------------------------------------------------------------


Typer = Callable[[tuple[int, int]], dict[str, float]]
# a learned type overrides the rules' when the typer gives it at least this probability
TYPER_CONFIDENT = 0.5


def resolve_sources(
    doc: Doc, raws: Sequence[RawAttribution], quotes: Sequence[Quote] | QuoteIndex = (),
    typer: Typer | None = None,
) -> tuple[tuple[Source, ...], tuple[Attribution, ...]]:
    """Type and resolve the sources of ``raws``; return the ledger's sources and attributions.
    ``typer`` (the accurate engine's source-type classifier: a mention's char span -> the
    probability of each type) retypes the mentions the rules type differently."""
    entities: list[_Entity] = []
    by_key: dict[str, _Entity] = {}
    persons = _person_index(doc)
    rel_entity: list[_Entity | None] = []
    for raw in raws:
        rel_entity.append(_resolve_one(doc, raw, entities, by_key, persons, typer))

    in_use = {id(r) for r in rel_entity if r is not None}
    used = [e for e in entities if id(e) in in_use]
    used.sort(key=lambda e: min(m[0] for m in e.mentions))
    ids = {id(e): f"S{i}" for i, e in enumerate(used, 1)}
    sources = tuple(
        Source(
            id=ids[id(e)],
            name=e.name,
            type=e.type,
            role=e.role,
            affiliation=e.affiliation,
            anonymity_reason=e.anonymity_reason,
            mentions=tuple(sorted(e.mentions)),
        )
        for e in used
    )
    text = doc_text(doc)
    attributions = []
    for i, (raw, ent) in enumerate(zip(raws, rel_entity), 1):
        s, e = raw.content
        attributions.append(
            Attribution(
                id=f"A{i}",
                source_id=ids[id(ent)] if ent is not None else None,
                source=TextSpan(text[raw.source[0] : raw.source[1]], *raw.source)
                if raw.source
                else None,
                cue=TextSpan(text[raw.cue[0] : raw.cue[1]], *raw.cue) if raw.cue else None,
                content=TextSpan(text[s:e], s, e),
                kind=attribution_kind(text, raw.content, quotes, raw.cue, raw.source),
                act=raw.act or lexicon_act(doc, raw.cue),  # type: ignore[arg-type]
                confidence=round(raw.confidence if raw.confidence is not None
                                 else rule_confidence(raw.rule), 4),
            )
        )
    return sources, tuple(attributions)


def _person_index(doc: Doc) -> dict[str, str]:
    """Surname -> the longest full name the article uses for that person."""
    out: dict[str, str] = {}
    for ent in _ents(doc)[0]:
        if ent.label_ != "PERSON":
            continue
        name = _clean_name(ent.text)
        key = _surname_key(name)
        if names_someone(name) and len(name) > len(out.get(key, "")):
            out[key] = name
    return out


def _resolve_one(
    doc: Doc,
    raw: RawAttribution,
    entities: list[_Entity],
    by_key: dict[str, _Entity],
    persons: dict[str, str],
    typer: Typer | None = None,
) -> _Entity | None:
    if raw.source is None or raw.source_token is None:
        return None
    head = doc[raw.source_token]
    mention = raw.source
    low = head.lower_
    if head.pos_ == "PRON" and low in _VAGUE_QUANTIFIERS | words("vague_nouns"):
        pass  # "some say", "many believe": typed as vague below
    elif head.pos_ == "PRON" or low in _RELATIVE:
        if low in _PERSON_PRONOUNS:
            ent = _antecedent(entities, mention[0], ("named_person", "anonymous"))
            named = _last_person_named_before(doc, head.i)
            if named is not None and (ent is None or named[0] > ent.last_seen):
                key = "p:" + _surname_key(named[1])
                ent = by_key.get(key)
                if ent is None:
                    ent = _Entity(persons.get(_surname_key(named[1]), named[1]), "named_person", key)
                    entities.append(ent)
                    by_key[key] = ent
        elif low in _GROUP_PRONOUNS:
            ent = _antecedent(
                entities, mention[0], ("named_organization", "anonymous", "vague")
            )
        else:
            ent = None
        if ent is not None:
            ent.add(mention)
            for extra in raw.extra_mentions:
                ent.add(extra)
        return ent
    tokens = _token_range(doc, mention)
    if tokens is None:
        return None
    first, last = tokens
    typed = type_mention(doc, head, first, last)
    if typer is not None:
        typed = _retyped(typed, typer(mention), doc[first : last + 1].text,
                         person=not _not_a_person(doc, head, first, last))
    if not names_someone(typed.name):
        return None  # a mention that names nobody (a quote mark, a stray "'s") is no source
    ent = None
    if _is_definite_anaphor(doc, head, first):
        ent = _nominal_antecedent(entities, head.lemma_.lower(), mention[0])
    if typed.type == "named_organization" and " " not in typed.name:
        known = by_key.get("p:" + _surname_key(typed.name))
        if known is not None:
            typed = _Typed("named_person", known.name, known.key, typed.role, typed.affiliation)
    if ent is None:
        key = typed.key
        if typed.type == "named_person":
            full = persons.get(_surname_key(typed.name))
            name = full if full and len(full) > len(typed.name) else typed.name
            typed = _Typed(typed.type, name, typed.key, typed.role, typed.affiliation)
        ent = by_key.get(key)
        if ent is None:
            ent = _Entity(typed.name, typed.type, key)
            entities.append(ent)
            by_key[key] = ent
        elif typed.type == "named_person" and len(typed.name) > len(ent.name):
            ent.name = typed.name
    ent.role = ent.role or typed.role
    ent.affiliation = ent.affiliation or typed.affiliation
    ent.head_lemmas.add(head.lemma_.lower())
    if ent.role and ent.type == "named_person":
        ent.head_lemmas.update(w.lower() for w in ent.role.split())
    if ent.type == "anonymous" and ent.anonymity_reason is None:
        ent.anonymity_reason = anonymity_reason(doc, head)
    ent.add(mention)
    for extra in raw.extra_mentions:
        ent.add(extra)
    return ent


def _not_a_person(doc: Doc, head: Token, first: int, last: int) -> bool:
    """Whether the mention's own words rule out a person, so that the learned typer must not make
    it one: documents and data with no person named in them ("Neither the grainy video nor the
    images show ...", "internal documents"; generic evidence is vague, a body's document the body
    -- docs/annotation/source-types.md), a name in apposition to an organization noun ("Radio
    Costa Sul, a local station"), and a one-word name the article elsewhere tags as a place or
    body (:func:`_mostly_a_body`)."""
    span = doc[first : last + 1]
    if len(span) == 1 and head.ent_type_ == "PERSON" and _mostly_a_body(doc, head.text):
        return True
    if any(c.dep_ == "appos" and c.pos_ == "NOUN" and first <= c.i <= last
           and c.lemma_.lower() in words("organization_nouns") for c in head.children):
        return True
    if any(t.ent_type_ == "PERSON" for t in span):
        return False
    return head.lemma_.lower() in words("document_nouns") or head.lower_ in words("document_nouns")


def _retyped(typed: _Typed, probs: dict[str, float], span_text: str,
             person: bool = True) -> _Typed:
    """The rules' typing of a mention, with the learned type when the typer is confident of
    another of the four source types (``not_a_source`` is handled before: the relation goes);
    never ``named_person`` when the mention's words rule a person out (``person=False``)."""
    best = max((t for t in probs if t != "not_a_source"), key=probs.get, default=None)
    if best is None or best == typed.type or probs[best] < TYPER_CONFIDENT:
        return typed
    if best == "named_person" and not person:
        return typed
    name = typed.name if best != "vague" or typed.type == "anonymous" else _clean_name(span_text)
    if best == "named_person":
        key = "p:" + _surname_key(name)
    elif best == "named_organization":
        key = "o:" + re.sub(r"^the\s+", "", name.lower())
    else:
        key = best[0] + ":" + _clean_name(span_text).lower()
    role = typed.role if best in ("named_person", "anonymous") else None
    return _Typed(best, name, key, role, typed.affiliation)


def _last_person_named_before(doc: Doc, i: int) -> tuple[int, str] | None:
    """The last PERSON name before token ``i`` within the two sentences before it."""
    sent_start = doc[i].sent.start
    prev = doc[sent_start - 1].sent.start if sent_start > 0 else sent_start
    surnames = _surnames(doc)
    for j in range(i - 1, prev - 1, -1):
        tok = doc[j]
        if (tok.ent_type_ == "PERSON" or (tok.pos_ == "PROPN" and tok.lower_ in surnames)) and (
            names_someone(tok.text)
        ):
            if tok.ent_type_ == "PERSON":
                ent = _ent_of(doc, tok)
                if ent is not None and names_someone(ent.text):
                    return ent.start_char, _clean_name(ent.text)
            return tok.idx, tok.text
    return None


def _token_range(doc: Doc, span: tuple[int, int]) -> tuple[int, int] | None:
    """The first and last token of a character span; None for an empty one."""
    s = doc.char_span(span[0], span[1], alignment_mode="expand")
    if s is None or len(s) == 0:
        return None
    return s.start, s.end - 1


def _is_definite_anaphor(doc: Doc, head: Token, first: int) -> bool:
    return (
        head.pos_ == "NOUN"
        and head.lemma_.lower() not in words("organization_nouns")
        and doc[first].lower_ in _DEFINITE
        and not any(t.ent_type_ for t in doc[first : head.i + 1])
        and head.tag_ == "NN"
    )


def _antecedent(
    entities: list[_Entity], before: int, types: tuple[str, ...]
) -> _Entity | None:
    best = None
    for e in entities:
        if e.type in types and e.last_seen < before and (best is None or e.last_seen > best.last_seen):
            best = e
    return best


def _nominal_antecedent(entities: list[_Entity], lemma: str, before: int) -> _Entity | None:
    best = None
    for e in entities:
        if lemma in e.head_lemmas and e.last_seen < before:
            if best is None or e.last_seen > best.last_seen:
                best = e
    return best


_OPEN_MARKS = "\"“‘'«„"  # '' (two apostrophes) starts with ' too
_CLOSE_MARKS = "\"”’'»"


def attribution_kind(
    text: str,
    span: tuple[int, int],
    quotes: Sequence[Quote] | QuoteIndex = (),
    cue: tuple[int, int] | None = None,
    source: tuple[int, int] | None = None,
) -> str:
    """direct: the content is quoted; mixed: it holds a quoted fragment; indirect: no quotes."""
    s, e = span
    if quotes:
        near = quotes.overlapping(s, e) if isinstance(quotes, QuoteIndex) else [
            q for q in quotes if q.start < e and s < q.end
        ]
        if cue is not None and any(q.start <= cue[0] < q.end and q.start <= s and e <= q.end
                                   for q in near):
            return "indirect"  # somebody's quote reports what a third party thinks
        starts = any(q.start == s for q in near)
        ends = any(q.end == e or (not q.closed and q.start < e <= q.end + 1) for q in near)
        if starts and ends:
            return "direct"
        tag = sum(t[1] - t[0] for t in (cue, source) if t is not None and s <= t[0] and t[1] <= e)
        inside = sum(max(0, min(e, q.end) - max(s, q.start)) for q in near)
        if inside == 0:
            return "indirect"
        return "direct" if inside >= 0.8 * (e - s - tag) else "mixed"
    content = text[s:e].rstrip(" .,;:")
    if not content:
        return "indirect"
    if content[0] in _OPEN_MARKS and (content[-1] in _CLOSE_MARKS or e == len(text)
                                      or text[e:e + 1] == "\n"):
        return "direct"
    if content[0] in _OPEN_MARKS and content.count(content[0]) >= 1 and _mostly_quoted(content):
        return "direct"
    if any(c in content for c in "“”«»\"") or re.search(r"(?:^|\W)‘\w", content):
        return "mixed"
    return "indirect"


def _mostly_quoted(content: str) -> bool:
    inside = 0
    depth = False
    for ch in content:
        if ch in _OPEN_MARKS and not depth:
            depth = True
        elif ch in _CLOSE_MARKS and depth:
            depth = False
        elif depth:
            inside += 1
    return inside >= 0.8 * len(content)
