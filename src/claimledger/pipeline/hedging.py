"""Hedge cues and sentence certainty.

``find_hedges(doc)`` finds the words that weaken a claim, each with its character span and kind:

* ``epistemic``   may, might, could, possibly, perhaps, likely, it appears/seems, it is unclear
* ``evidential``  alleged(ly), purported(ly), reportedly, claimed, said to be, unconfirmed reports
* ``weasel``      analysts suggest, some say, many believe, it is believed, widely regarded
* ``conditional`` if this is true, if confirmed, assuming (that), unless, a conditional "if"
* ``speculative`` speculate, suspect (verb), suspected, guess, rumoured, suspicion

The patterns live in ``lexicons/hedges.tsv`` (one ``pattern<TAB>kind`` per line; the syntax is in
that file's header). They are compiled once per vocabulary into a spaCy ``Matcher`` over lemmas,
POS and tags. Overlapping matches are resolved longest first, then by line order. Context rules
drop the uses that are not hedges:

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
* "unclear"/"uncertain" not as an attributive adjective ("uncertain times");
* "assume"/"assuming" only with a clause ("assuming the report is accurate"), not "assumed office";
* "if" only as the marker of an adverbial clause: not "asked if", "as if", "see if";
* "likely" and "unlikely" are separate lemmas (both hedges); no substring matching happens.

"The report could not be independently verified." is **not** a hedge cue: it states that evidence
is missing rather than weakening the claim it is made in. Such statements are read as
``unverified`` markers; they are not returned by ``find_hedges`` but make ``sentence_certainty``
return "uncertain" (the report they are about is unconfirmed).

``sentence_certainty(span)`` classifies a sentence as "certain" or "uncertain". A small logistic
regression (``models/certainty.json``, trained by ``scripts/train_cue_certainty.py`` on the
CoNLL-2010 Wikipedia sample; see that script) scores sentence features: the cues by kind and by
pattern, whether a cue scopes over the main verb, negation, questions, modals on the main verb,
"if" clauses, agentless passives of speech and belief verbs, the Wikipedia weasel patterns (vague
quantifiers such as "some people", "many", superlatives and "one of the most"), closed-class words
and length. A sentence with an unverified marker, or with a hedge cue that scopes over its main
verb, is uncertain whatever the model says. Scoring is pure Python (no scikit-learn at run time).
"""

from __future__ import annotations

import json
import math
import threading
from dataclasses import dataclass
from importlib import resources
from typing import Any

from spacy.matcher import Matcher
from spacy.tokens import Doc, Span, Token

from claimledger.pipeline.lexicons import table, words

MODEL_FORMAT = "claimledger.certainty/1"
DEFAULT_MODEL = "certainty.json"
KINDS = ("epistemic", "evidential", "weasel", "conditional", "speculative")
UNVERIFIED = "unverified"

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


class _Lexicon:
    def __init__(self, vocab) -> None:
        self.vocab = vocab
        self.rows = list(table("hedges").items())  # [(pattern, kind)], file order = priority
        self.matcher = Matcher(vocab)
        for i, (pattern, kind) in enumerate(self.rows):
            if kind not in KINDS and kind != UNVERIFIED:
                raise ValueError(f"hedges.tsv: unknown kind {kind!r} for {pattern!r}")
            self.matcher.add(f"hedge{i}", [parse_pattern(pattern)])
        self.key_index = {vocab.strings[f"hedge{i}"]: i for i in range(len(self.rows))}


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
    return not any(c.dep_ == "neg" for c in t.head.children) if t.head is not t else True


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
    if t.head.lemma_ in ("make", "render") and t.head is not t:
        return False
    return True


def _rule_doubt(t: Token) -> bool:
    doc = t.doc
    return not any(doc[j].lower_ in _NO_DOUBT for j in range(max(0, t.i - 2), t.i))


def _rule_unclear(t: Token) -> bool:
    return t.dep_ != "amod"


def _rule_assume(t: Token) -> bool:
    if any(c.dep_ == "dobj" for c in t.children):
        return False
    return _rule_clause(t)


def _rule_if(t: Token) -> bool:
    doc = t.doc
    if t.i > 0 and doc[t.i - 1].lower_ == "as":
        return False
    head = t.head
    if t.dep_ != "mark" or head is t:
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


def _matches(doclike: Doc | Span) -> list[_Match]:
    doc = doclike.doc if isinstance(doclike, Span) else doclike
    offset = doclike.start if isinstance(doclike, Span) else 0
    lex = _lexicon(doc.vocab)
    cands = []
    for match_id, s, e in lex.matcher(doclike):
        s += offset
        e += offset
        row = lex.key_index[match_id]
        pattern, kind = lex.rows[row]
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
    return HedgeCue(s, e, doc.text[s:e], m.kind)


def find_hedges(doc: Doc | Span) -> list[HedgeCue]:
    """The hedge cues of a parsed ``Doc`` (or ``Span``), in text order; offsets into ``doc.text``."""
    d = doc.doc if isinstance(doc, Span) else doc
    return [_cue(d, m) for m in _matches(doc) if m.kind != UNVERIFIED]


# --------------------------------------------------------------------------------------------
# Sentence features

# quantifiers and frequency adverbs that make a statement vague (the Wikipedia weasel notion)
_VAGUE_QUANT = frozenset(
    "some many several most various numerous few certain countless multiple majority often "
    "sometimes usually generally commonly widely typically frequently occasionally largely mostly "
    "mainly primarily variety number".split()
)
_PEOPLE = frozenset(
    "people person observer critic expert analyst scholar historian researcher scientist "
    "commentator writer author source fan other".split()
)
# closed-class parts of speech whose lemmas are features (no topic words)
_LEX_POS = frozenset(("ADV", "DET", "PRON", "AUX", "SCONJ", "PART", "ADP", "CCONJ"))
_SUBJ_DEPS = frozenset(("nsubj", "nsubjpass", "expl", "csubj"))


def _length_bucket(n: int) -> str:
    for limit in (4, 8, 15, 25, 40):
        if n <= limit:
            return str(limit)
    return "40+"


def _scope(sent_root: Token, doc: Doc, m: _Match) -> str:
    """'main' when the cue is the main verb, on it (aux, advmod, amod of its subject), or heads it."""
    for j in range(m.start, m.end):
        t = doc[j]
        if t is sent_root or t.head is sent_root:
            return "main"
        if t.head.head is sent_root and t.head.dep_ in _SUBJ_DEPS:
            return "main"
    return "sub"


def sentence_features(
    sent: Span, matches: list[_Match] | None = None
) -> dict[str, float]:
    """The features of one sentence (the names the model's weights are keyed by)."""
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
    kinds = set()
    for m in matches:
        kinds.add(m.kind)
        feats[f"cue:{m.key}"] = 1.0
        sc = _scope(root, doc, m)
        feats[f"scope:{m.kind}:{sc}"] = 1.0
    for k in kinds:
        feats[f"kind:{k}"] = 1.0
    hedges = [m for m in matches if m.kind != UNVERIFIED]
    if hedges:
        feats["ncues"] = math.log1p(len(hedges))
    has_verb = False
    last = tokens[-1]
    if last.text == "?":
        feats["question"] = 1.0
    if last.pos_ != "PUNCT":
        feats["no_final_punct"] = 1.0
    for t in tokens:
        pos = t.pos_
        dep = t.dep_
        lemma = t.lemma_.lower()
        if pos in ("VERB", "AUX"):
            has_verb = True
        if pos in _LEX_POS:
            feats[f"w:{lemma}"] = 1.0
        if dep == "neg":
            feats["neg"] = 1.0
            if t.head is root:
                feats["neg:main"] = 1.0
        if t.tag_ == "MD":
            feats[f"modal:{lemma}"] = 1.0
            if t.head is root:
                feats["modal:main"] = 1.0
        if t.tag_ in ("JJS", "RBS"):
            feats["superlative"] = 1.0
        if pos == "ADJ":
            feats[f"adj:{lemma}"] = 1.0
        if lemma in _VAGUE_QUANT:
            feats["vague"] = feats.get("vague", 0.0) + 1.0
            head = t.head
            if head.lemma_.lower() in _PEOPLE:
                feats["vague:people"] = 1.0
            if head.dep_ in _SUBJ_DEPS or dep in _SUBJ_DEPS:
                feats["vague:subj"] = 1.0
        if dep == "mark" and lemma == "if":
            feats["if_clause"] = 1.0
        if dep == "auxpass" and t.head.tag_ == "VBN":
            verb = t.head
            if verb.lemma_.lower() in _REPORT_VERBS and not any(
                c.dep_ == "agent" for c in verb.children
            ):
                feats["agentless_report_passive"] = 1.0
    # "one of the most ...", "one of the best ..."
    for t in tokens:
        if t.lower_ == "one" and t.i + 3 <= sent.end - 1:
            nx = doc[t.i + 1 : t.i + 4]
            if nx[0].lower_ == "of" and nx[1].lower_ == "the" and (
                nx[2].tag_ in ("JJS", "RBS") or nx[2].lower_ in ("most", "best", "greatest")
            ):
                feats["one_of_the_most"] = 1.0
                break
    if not has_verb:
        feats["no_verb"] = 1.0
    if root.tag_ == "VBN" and any(c.dep_ == "auxpass" for c in root.children):
        feats["root_passive"] = 1.0
    return feats


_REPORT_VERBS = words("cue_verbs") | frozenset(("know", "call", "regard", "rumour", "rumor"))


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
        return label, [_cue(doc, m) for m in matches if m.kind != UNVERIFIED]


def sentence_certainty(span: Span) -> tuple[str, list[HedgeCue]]:
    """("certain" | "uncertain", the hedge cues of the sentence) for one sentence ``Span``."""
    return CertaintyModel.default().classify(span)


def doc_certainty(doc: Doc) -> list[tuple[Span, str, list[HedgeCue]]]:
    """``sentence_certainty`` for every sentence of a parsed ``Doc``."""
    model = CertaintyModel.default()
    return [(s, *model.classify(s)) for s in doc.sents]
