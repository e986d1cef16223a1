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
``unverified`` markers; they are not returned by ``find_hedges`` but make ``sentence_certainty``
return "uncertain" (the report they are about is unconfirmed).

The same file holds *markers* that are not hedge cues and are never returned: ``unverified``
(above) and the Wikipedia "words to watch" that the CoNLL-2010 uncertainty annotation also marks:
``vague`` quantities ("many", "some of", "in some cases"), ``peacock`` praise ("one of the most",
"well-known", "renowned") and ``editorial`` comment ("of course", "notably").

``sentence_certainty(span)`` classifies a sentence as "certain" or "uncertain". A small logistic
regression (``models/certainty.json``, trained by ``scripts/train_certainty.py`` on the
CoNLL-2010 Wikipedia sample; see that script) scores sentence features: the cues and markers by
kind and by pattern, whether each scopes over the main verb, vague quantifiers in the subject or on
nouns for people, negation, questions, modals on the main verb, "if" clauses, agentless passives of
speech and belief verbs, superlatives, closed-class words and length. A sentence with an
unverified marker, or with a hedge cue of a kind listed in the model file (all five) on its main
verb, is uncertain whatever the model says. Scoring is pure Python (no scikit-learn at run time).

Because the model learns the Wikipedia notion of uncertainty, vague quantities weigh a lot: "Many
people were killed" or "Several houses were destroyed" come out uncertain.
"""

from __future__ import annotations

import json
import math
import threading
from dataclasses import dataclass
from importlib import resources
from typing import Any

from spacy.attrs import LEMMA, LOWER
from spacy.matcher import Matcher
from spacy.tokens import Doc, Span, Token

from claimledger.pipeline.attribution import doc_text
from claimledger.pipeline.lexicons import table, words

MODEL_FORMAT = "claimledger.certainty/1"
DEFAULT_MODEL = "certainty.json"
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


def find_hedges(doc: Doc | Span) -> list[HedgeCue]:
    """The hedge cues of a parsed ``Doc`` (or ``Span``) in text order; offsets into doc.text."""
    d = doc.doc if isinstance(doc, Span) else doc
    return [_cue(d, m) for m in _matches(doc) if m.kind in KINDS]


# --------------------------------------------------------------------------------------------
# Sentence features

# nouns for people: a vague quantifier on one of them is the classic weasel ("some people")
_PEOPLE = frozenset(
    "people person observer critic expert analyst scholar historian researcher scientist "
    "commentator writer author source fan other member official".split()
)
# closed-class parts of speech whose lemmas are features (no topic words)
_LEX_POS = frozenset(("ADV", "DET", "PRON", "AUX", "SCONJ", "PART", "ADP", "CCONJ"))
_SUBJ_DEPS = frozenset(("nsubj", "nsubjpass", "expl", "csubj"))
# speech and belief verbs whose agentless passive is a weasel ("it was reported", "is regarded")
_REPORT_VERBS = words("cue_verbs") | frozenset(("know", "call", "regard", "rumour", "rumor"))


def _length_bucket(n: int) -> str:
    for limit in (4, 8, 15, 25, 40):
        if n <= limit:
            return str(limit)
    return "40+"


def _scope(root: Token, doc: Doc, m: _Match) -> str:
    """'main' when the cue is the main verb, depends on it (aux, advmod, its subject), or sits on
    the main verb's subject ("the alleged smugglers ..."); 'sub' otherwise."""
    r = root.i
    for j in range(m.start, m.end):
        t = doc[j]
        if j == r or t.head.i == r:
            return "main"
        if t.head.head.i == r and t.head.dep_ in _SUBJ_DEPS:
            return "main"
    return "sub"


def sentence_features(sent: Span, matches: list[_Match] | None = None) -> dict[str, float]:
    """The features of one sentence, by name (the names the model's weights are keyed by).

    cue:<lemmas>        each hedge cue or marker matched (learned weight per pattern)
    kind:<k>, kind2:<k> a cue of kind k (two or more); ncues = log(1 + number of hedge cues)
    scope:<k>:main|sub  the cue scopes over the main verb or sits in a subordinate part
    vague:subj, vague:people  a vague quantifier in the subject, or on a noun for people
    w:<lemma>           closed-class words (adverbs, determiners, pronouns, auxiliaries, ...)
    neg, neg:main, question, modal:<lemma>, modal:main, if_clause, superlative,
    agentless_report_passive, root_passive, len:<bucket>, no_verb, no_final_punct
    """
    doc = sent.doc
    if matches is None:
        matches = _matches(sent)
    feats: dict[str, float] = {}
    tokens = [t for t in sent if not t.is_space]
    n = len(tokens)
    feats[f"len:{_length_bucket(n)}"] = 1.0
    if n == 0:
        return feats
    root = sent.root
    r = root.i
    kinds: dict[str, int] = {}
    for m in matches:
        kinds[m.kind] = kinds.get(m.kind, 0) + 1
        feats[f"cue:{m.key}"] = 1.0
        feats[f"scope:{m.kind}:{_scope(root, doc, m)}"] = 1.0
        if m.kind == "vague":
            t = doc[m.start]
            head = t.head
            if head.lemma_.lower() in _PEOPLE or t.lemma_.lower() in ("other", "others"):
                feats["vague:people"] = 1.0
            if t.dep_ in _SUBJ_DEPS or head.dep_ in _SUBJ_DEPS:
                feats["vague:subj"] = 1.0
    for k, c in kinds.items():
        feats[f"kind:{k}"] = 1.0
        if c > 1:
            feats[f"kind2:{k}"] = 1.0
    nhedges = sum(c for k, c in kinds.items() if k in KINDS)
    if nhedges:
        feats["ncues"] = math.log1p(nhedges)
    last = tokens[-1]
    if last.text == "?":
        feats["question"] = 1.0
    if last.pos_ != "PUNCT":
        feats["no_final_punct"] = 1.0
    has_verb = False
    for t in tokens:
        pos = t.pos_
        dep = t.dep_
        if pos in ("VERB", "AUX"):
            has_verb = True
        if pos in _LEX_POS:
            feats[f"w:{t.lemma_.lower()}"] = 1.0
        if dep == "neg":
            feats["neg"] = 1.0
            if t.head.i == r:
                feats["neg:main"] = 1.0
        elif dep == "mark" and t.lower_ == "if":
            feats["if_clause"] = 1.0
        elif dep == "auxpass":
            verb = t.head
            if verb.lemma_.lower() in _REPORT_VERBS and not any(
                c.dep_ == "agent" for c in verb.children
            ):
                feats["agentless_report_passive"] = 1.0
            if verb.i == r:
                feats["root_passive"] = 1.0
        tag = t.tag_
        if tag == "MD":
            feats[f"modal:{t.lemma_.lower()}"] = 1.0
            if t.head.i == r:
                feats["modal:main"] = 1.0
        elif tag in ("JJS", "RBS"):
            feats["superlative"] = 1.0
    if not has_verb:
        feats["no_verb"] = 1.0
    return feats




# --------------------------------------------------------------------------------------------
# The model


class CertaintyModel:
    """The sentence certainty classifier: a logistic regression over ``sentence_features``.

    Loaded once from ``claimledger/models/certainty.json`` (``CertaintyModel.default()``), or from a
    path. ``weights`` maps feature names to weights; features the model does not know score 0.
    """

    def __init__(self, data: dict[str, Any]) -> None:
        if data.get("format") != MODEL_FORMAT:
            raise ValueError(f"not a {MODEL_FORMAT} model: format={data.get('format')!r}")
        self.bias = float(data["bias"])
        self.threshold = float(data.get("threshold", 0.5))
        self.weights: dict[str, float] = {k: float(v) for k, v in data["weights"].items()}
        self.override_kinds = frozenset(data.get("override_main_scope_kinds", ()))
        self.metadata = data.get("metadata", {})

    _default: CertaintyModel | None = None
    _lock = threading.Lock()

    @classmethod
    def default(cls) -> CertaintyModel:
        if cls._default is None:
            with cls._lock:
                if cls._default is None:
                    path = resources.files("claimledger.models").joinpath(DEFAULT_MODEL)
                    cls._default = cls(json.loads(path.read_text(encoding="utf-8")))
        return cls._default

    @classmethod
    def load(cls, path) -> CertaintyModel:
        with open(path, encoding="utf-8") as fh:
            return cls(json.load(fh))

    def score(self, feats: dict[str, float]) -> float:
        """P(uncertain) of a feature dict."""
        z = self.bias
        w = self.weights
        for name, value in feats.items():
            wt = w.get(name)
            if wt is not None:
                z += wt * value
        if z >= 0:
            return 1.0 / (1.0 + math.exp(-z))
        ez = math.exp(z)
        return ez / (1.0 + ez)

    def decide(self, feats: dict[str, float]) -> str:
        if "kind:" + UNVERIFIED in feats:
            return "uncertain"
        for k in self.override_kinds:
            if f"scope:{k}:main" in feats:
                return "uncertain"
        return "uncertain" if self.score(feats) >= self.threshold else "certain"

    def classify(self, sent: Span) -> tuple[str, list[HedgeCue]]:
        matches = _matches(sent)
        label = self.decide(sentence_features(sent, matches))
        doc = sent.doc
        return label, [_cue(doc, m) for m in matches if m.kind in KINDS]


def sentence_certainty(span: Span) -> tuple[str, list[HedgeCue]]:
    """("certain" | "uncertain", the hedge cues of the sentence) for one sentence ``Span``."""
    return CertaintyModel.default().classify(span)


def doc_certainty(doc: Doc) -> list[tuple[Span, str, list[HedgeCue]]]:
    """``sentence_certainty`` for every sentence of a parsed ``Doc``."""
    model = CertaintyModel.default()
    return [(s, *model.classify(s)) for s in doc.sents]
