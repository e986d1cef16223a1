"""Hedge cues and sentence certainty.

``find_hedges(doc)`` finds the words that weaken a claim, each with its character span and kind:

* ``epistemic``   may, might, could, possibly, perhaps, likely, it appears/seems, it is unclear
* ``evidential``  alleged(ly), purported(ly), reportedly, claimed, said to be, unconfirmed reports
* ``weasel``      analysts suggest, some say, many believe, it is believed, widely regarded
* ``conditional`` if this is true, if confirmed, assuming (that), unless, a conditional "if"
* ``speculative`` speculate, suspect (verb), suspected, guess, rumoured, suspicion

The patterns live in ``lexicons/hedges.tsv`` (one ``pattern<TAB>kind`` per line; the syntax is in
that file's header). They are compiled once per vocabulary into spaCy ``Matcher`` patterns over
lemmas, forms, POS and tags; a sentence only goes through the patterns whose required words it
contains (about 55 ms per 1,000 parsed sentences). Overlapping matches are resolved longest
first, then by line order. Context rules drop the uses that are not hedges:

* "May" the month: the modals only match with the tag ``MD`` ("In May, prices rose." has no cue);
* "could not" / "couldn't": past inability, not a hedge ("the report could not be verified");
* "May they rest in peace", "May I ask ...": a sentence-initial "may" before its subject (a wish);
* "will" and "would" are not hedges and are not in the lexicon; "can" neither (ability);
* "claim" as a noun only with "that"/"of"/"to", a possessor ("his claim"), a clause, or an adjective
  of doubt ("unverified claims") -- so not "insurance claims"; "claim" as a verb not with an object
  such as lives, victory, title, seat ("the storm claimed 12 lives");
* "suspect" only as a verb or as "suspected" ("the suspect fled" has no cue);
* "appear" only with a complement ("appears to be", "it appears that", "appeared unharmed"), not
  "appeared in court"; "believe", "think", "suggest", "indicate", "presume" only with a clause,
  an infinitive or as a parenthetical (not "believe in", "suggested a plan");
* "possible" not in "as soon as possible", "the best possible", "where possible", "made possible";
* "doubt" not after no/little/without/beyond/not (those are boosters: "there is no doubt");
* "unclear"/"uncertain" not as an attributive adjective ("uncertain times"); the vague marker
  "certain" only as one ("certain officials");
* "assume"/"assuming" only with a clause ("assuming the report is accurate"), not "assumed office";
* "if" only as the marker of an adverbial clause: not "asked if", "as if", "see if";
* "likely" and "unlikely" are separate lemmas (both hedges); no substring matching happens.

"The report could not be independently verified." is **not** a hedge cue: it states that evidence
is missing rather than weakening the claim it is made in. Such statements are read as
``unverified`` markers; they are not returned by ``find_hedges`` (the evidence stage reads them as
missing evidence) but are among the marks the certainty model reads.

The same file holds *markers* that are not hedge cues and are never returned: ``unverified``
(above) and the Wikipedia "words to watch" that the CoNLL-2010 uncertainty annotation also marks:
``vague`` quantities ("many", "some of", "in some cases"), ``peacock`` praise ("one of the most",
"well-known", "renowned") and ``editorial`` comment ("of course", "notably").

Sentence certainty (certain or uncertain) is the fine-tuned model's
(:mod:`claimledger.neural.judgments`, ``claimledger certainty``); this module gives it the cues and
markers it reads beside the sentence (``cue_marks``), and gives the ledger its hedge cues.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from spacy.attrs import LEMMA, LOWER
from spacy.matcher import Matcher
from spacy.tokens import Doc, Span, Token

from claimledger.pipeline.attribution import doc_text
from claimledger.pipeline.lexicons import table, words

KINDS = ("epistemic", "evidential", "weasel", "conditional", "speculative")
UNVERIFIED = "unverified"
# kinds in hedges.tsv that are not hedge cues: never returned by find_hedges, only model features
MARKERS = (UNVERIFIED, "vague", "peacock", "editorial")

_UPOS = frozenset(
    "ADJ ADP ADV AUX CCONJ DET INTJ NOUN NUM PART PRON PROPN PUNCT SCONJ SYM VERB X".split()
)
_GAP = 3


@dataclass(frozen=True)
class HedgeCue:
    """A hedge cue: character offsets into ``doc.text``, the text, and its kind."""

    start: int
    end: int
    text: str
    kind: str


# --------------------------------------------------------------------------------------------
# Compiling the lexicon


def _token_pattern(tok: str) -> list[dict[str, Any]]:
    if tok == "...":
        return [{"OP": f"{{0,{_GAP}}}"}]
    spec: dict[str, Any] = {}
    optional = tok.endswith("?") and len(tok) > 1
    if optional:
        tok = tok[:-1]
    if "/" in tok[1:]:
        tok, _, constraint = tok.rpartition("/")
        constraint = constraint.upper()
        spec["POS" if constraint in _UPOS else "TAG"] = constraint
    if tok.startswith("=") and len(tok) > 1:
        forms = tok[1:].split("|")
        spec["LOWER"] = forms[0] if len(forms) == 1 else {"IN": forms}
    else:
        alts = []
        for a in tok.split("|"):
            alts.extend((a, a.capitalize()) if a[:1].isalpha() else (a,))
        spec["LEMMA"] = {"IN": sorted(set(alts))}
    if optional:
        spec["OP"] = "?"
    return [spec]


def parse_pattern(pattern: str) -> list[dict[str, Any]]:
    """One ``hedges.tsv`` pattern as a spaCy ``Matcher`` pattern."""
    out: list[dict[str, Any]] = []
    for tok in pattern.split():
        out.extend(_token_pattern(tok))
    return out


def _required_words(pattern: list[dict[str, Any]]) -> list[frozenset[str]]:
    """For each required token of a pattern that names words, the words (lemmas or forms)."""
    out = []
    for spec in pattern:
        if spec.get("OP") is not None:
            continue
        for attr in ("LEMMA", "LOWER"):
            value = spec.get(attr)
            if value is not None:
                out.append(frozenset(value["IN"] if isinstance(value, dict) else (value,)))
    return out


class _Lexicon:
    """The compiled patterns of ``hedges.tsv``: one spaCy ``Matcher`` per pattern, and an index from
    words to the patterns that need them. A sentence is only run through the matchers of the
    patterns all of whose required words it contains (a few per sentence): the Matcher's cost
    grows with patterns x tokens, and this keeps it to a small fraction of running all of them."""

    def __init__(self, vocab) -> None:
        self.vocab = vocab
        self.rows = list(table("hedges").items())  # [(pattern, kind)], file order = priority
        self.matchers: list[Matcher] = []
        self.n_required: list[int] = []
        self.index: dict[int, list[tuple[int, int]]] = {}  # word hash -> [(row, slot)]
        self.unconditional: list[int] = []
        for i, (pattern, kind) in enumerate(self.rows):
            if kind not in KINDS and kind not in MARKERS:
                raise ValueError(f"hedges.tsv: unknown kind {kind!r} for {pattern!r}")
            spec = parse_pattern(pattern)
            matcher = Matcher(vocab)
            matcher.add(f"hedge{i}", [spec])
            self.matchers.append(matcher)
            required = _required_words(spec)
            self.n_required.append(len(required))
            if not required:
                self.unconditional.append(i)
            for slot, alternatives in enumerate(required):
                for w in alternatives:
                    self.index.setdefault(vocab.strings.add(w), []).append((i, slot))

    def candidates(self, word_ids) -> list[int]:
        """The rows whose every required word is among ``word_ids`` (lemma and form hashes)."""
        hit: dict[int, int] = {}
        for w in word_ids:
            for row, slot in self.index.get(w, ()):
                hit[row] = hit.get(row, 0) | (1 << slot)
        full = [r for r, mask in hit.items() if mask == (1 << self.n_required[r]) - 1]
        return full + self.unconditional if self.unconditional else full


_lexicons: dict[int, _Lexicon] = {}
_lex_lock = threading.Lock()


def _lexicon(vocab) -> _Lexicon:
    lex = _lexicons.get(id(vocab))
    if lex is None or lex.vocab is not vocab:
        with _lex_lock:
            lex = _lexicons.get(id(vocab))
            if lex is None or lex.vocab is not vocab:
                lex = _Lexicon(vocab)
                _lexicons[id(vocab)] = lex
    return lex


# --------------------------------------------------------------------------------------------
# Context rules (see the module docstring); each gets the single matched token

_NEG_WORDS = frozenset(("not", "n't", "never"))
_CLAUSE_DEPS = frozenset(("ccomp", "xcomp", "parataxis"))
_APPEAR_DEPS = frozenset(("ccomp", "xcomp", "acomp", "attr", "oprd"))
_CLAIM_NOUN_NEXT = frozenset(("that", "of", "to"))
_DOUBTFUL_ADJ = frozenset(
    "unverified unconfirmed unsubstantiated uncorroborated false dubious disputed baseless "
    "controversial wild outlandish unproven questionable contested".split()
)
_CLAIM_NOT_HEDGE_OBJ = frozenset(
    "life victim title victory seat medal prize crown championship gold silver bronze win place "
    "spot lead record share stake land territory throne trophy cup pole majority prize".split()
)
_NO_DOUBT = frozenset(("no", "little", "without", "beyond", "not", "n't", "never"))
_POSSIBLE_BEFORE = frozenset(("where", "when", "wherever", "whenever", "if"))
_IF_NOT_COND_HEADS = frozenset(
    "ask wonder see know check determine decide doubt clear unclear question find learn tell "
    "say inquire investigate examine consider test".split()
)


def _rule_could(t: Token) -> bool:
    doc = t.doc
    for j in range(t.i + 1, min(t.i + 3, len(doc))):
        if doc[j].lower_ in _NEG_WORDS:
            return False
        if doc[j].pos_ != "ADV":
            break
    return t.head.i == t.i or not any(c.dep_ == "neg" for c in t.head.children)


def _rule_may(t: Token) -> bool:
    # "May they rest in peace", "May I ask ...?": a wish or a request, not a hedge
    return not (t.is_sent_start and t.i + 1 < len(t.doc) and t.nbor(1).dep_ == "nsubj")


def _rule_appear(t: Token) -> bool:
    if any(c.dep_ in _APPEAR_DEPS for c in t.children):
        return True
    if any(c.dep_ == "expl" or (c.dep_ == "nsubj" and c.lower_ == "it") for c in t.children):
        return True
    nxt = t.nbor(1) if t.i + 1 < len(t.doc) else None
    return nxt is not None and nxt.lower_ in ("to", "that", "as")


def _rule_clause(t: Token) -> bool:
    if t.dep_ == "parataxis" or any(c.dep_ in _CLAUSE_DEPS for c in t.children):
        return True
    nxt = t.nbor(1) if t.i + 1 < len(t.doc) else None
    return nxt is not None and nxt.lower_ in ("that", "so")


def _rule_claim(t: Token) -> bool:
    if t.pos_ == "VERB":
        return not any(
            c.dep_ == "dobj" and c.lemma_.lower() in _CLAIM_NOT_HEDGE_OBJ for c in t.children
        )
    nxt = t.nbor(1) if t.i + 1 < len(t.doc) else None
    if nxt is not None and nxt.lower_ in _CLAIM_NOUN_NEXT:
        return True
    for c in t.children:
        if c.dep_ == "poss" or c.dep_ in ("acl", "ccomp", "relcl") and c.i > t.i:
            return True
        if c.dep_ == "amod" and c.lemma_.lower() in _DOUBTFUL_ADJ:
            return True
    return False


def _rule_possible(t: Token) -> bool:
    doc = t.doc
    prev = doc[t.i - 1] if t.i > 0 else None
    if prev is not None and (prev.tag_ in ("JJS", "RBS") or prev.lower_ in _POSSIBLE_BEFORE):
        return False
    if any(doc[j].lower_ == "as" for j in range(max(0, t.i - 3), t.i)):
        return False
    if t.head.i != t.i and t.head.lemma_ in ("make", "render"):
        return False
    return True


def _rule_doubt(t: Token) -> bool:
    doc = t.doc
    return not any(doc[j].lower_ in _NO_DOUBT for j in range(max(0, t.i - 2), t.i))


def _rule_unclear(t: Token) -> bool:
    return t.dep_ != "amod"


def _rule_attributive(t: Token) -> bool:
    return t.dep_ == "amod"


def _rule_assume(t: Token) -> bool:
    if any(c.dep_ == "dobj" for c in t.children):
        return False
    return _rule_clause(t)


def _rule_if(t: Token) -> bool:
    doc = t.doc
    if t.i > 0 and doc[t.i - 1].lower_ == "as":
        return False
    head = t.head
    if t.dep_ != "mark" or head.i == t.i:
        return t.dep_ != "mark" and t.i + 1 < len(doc) and doc[t.i + 1].lower_ in ("not", "any")
    if head.dep_ in ("ccomp", "csubj", "xcomp", "pcomp", "dobj"):
        return False
    return not (head.dep_ != "advcl" and head.head.lemma_.lower() in _IF_NOT_COND_HEADS)


_RULES = {
    "could": _rule_could,
    "may": _rule_may,
    "appear": _rule_appear,
    "believe": _rule_clause,
    "think": _rule_clause,
    "suggest": _rule_clause,
    "indicate": _rule_clause,
    "presume": _rule_clause,
    "claim": _rule_claim,
    "possible": _rule_possible,
    "doubt": _rule_doubt,
    "unclear": _rule_unclear,
    "uncertain": _rule_unclear,
    "assume": _rule_assume,
    "certain": _rule_attributive,
    "if": _rule_if,
}


# --------------------------------------------------------------------------------------------
# Matching


@dataclass(frozen=True)
class _Match:
    start: int  # token offsets
    end: int
    kind: str
    row: int  # line of hedges.tsv (priority)
    key: str  # the feature name of the cue (lemmas of the match, or the pattern for gaps)


def _units(doclike: Doc | Span) -> list[Span]:
    if isinstance(doclike, Span):
        return [doclike]
    if doclike.has_annotation("SENT_START"):
        return list(doclike.sents)
    return [doclike[:]]


def _matches(doclike: Doc | Span) -> list[_Match]:
    doc = doclike.doc if isinstance(doclike, Span) else doclike
    lex = _lexicon(doc.vocab)
    if len(doc) == 0:
        return []
    words = doc.to_array([LEMMA, LOWER])
    cands = []
    for unit in _units(doclike):
        if len(unit) == 0:
            continue
        rows = lex.candidates(set(words[unit.start : unit.end].ravel().tolist()))
        for row in rows:
            pattern, kind = lex.rows[row]
            for _, s, e in lex.matchers[row](unit):
                s += unit.start
                e += unit.start
                if e - s == 1:
                    tok = doc[s]
                    rule = _RULES.get(tok.lemma_.lower())
                    if rule is not None and not rule(tok):
                        continue
                elif any(doc[j].is_sent_start for j in range(s + 1, e)):
                    continue  # a match must not cross a sentence boundary
                cands.append((s, e, kind, row, pattern))
    # longest first, then the earlier line; keep the ones that do not overlap a kept one
    cands.sort(key=lambda c: (c[0] - c[1], c[3], c[0]))
    taken = bytearray(len(doc))
    out = []
    for s, e, kind, row, pattern in cands:
        if any(taken[s:e]):
            continue
        taken[s:e] = b"\x01" * (e - s)
        key = pattern if "..." in pattern else " ".join(doc[j].lemma_.lower() for j in range(s, e))
        out.append(_Match(s, e, kind, row, key))
    out.sort(key=lambda m: m.start)
    return out


def _cue(doc: Doc, m: _Match) -> HedgeCue:
    s, e = doc[m.start].idx, doc[m.end - 1].idx + len(doc[m.end - 1].text)
    return HedgeCue(s, e, doc_text(doc)[s:e], m.kind)


def cue_marks(doc: Doc | Span) -> list[tuple[str, str]]:
    """(text, kind) of every hedge cue and marker (``unverified``, ``vague``, ``peacock``,
    ``editorial``) of a parsed ``Doc`` or ``Span``, in text order: the hints the certainty model
    reads beside the sentence."""
    d = doc.doc if isinstance(doc, Span) else doc
    return [(d[m.start : m.end].text, m.kind) for m in _matches(doc)]


def find_hedges(doc: Doc | Span) -> list[HedgeCue]:
    """The hedge cues of a parsed ``Doc`` (or ``Span``) in text order; offsets into doc.text."""
    d = doc.doc if isinstance(doc, Span) else doc
    return [_cue(d, m) for m in _matches(doc) if m.kind in KINDS]
