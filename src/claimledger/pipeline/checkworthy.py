"""Check-worthiness: P(a sentence states a checkable factual claim) for news and debate sentences.

A sentence is check-worthy (CheckThat! 2024 task 1 / ClaimBuster "check-worthy factual
sentence") when it asserts something about the world that a fact-checker could verify and that the
public would care about: statistics, records, events, votes, quantities, comparisons. Opinions,
promises, greetings, questions and small talk are not.

The model is linear (the average of the logits of two logistic regressions) over

* the sentence's static embedding (``claimledger.embeddings``, 256 dims);
* about 110 hand-made features of its spaCy parse (``sentence_features``): numbers, percentages,
  money and years; named-entity counts by type; tense and modal verbs; comparatives and
  superlatives; first-person opinion markers ("I think"); promises ("I will"); greetings; question
  marks; sentence length; a small lexicon of action verbs (cut, voted, raised, ...);
* a small lexical part: TF-IDF of word unigrams and bigrams in which named entities are replaced
  by their type and numbers by ``_num`` (``masked_tokens``), so that it learns how claims are
  phrased ("_num percent", "voted against") rather than who and what one debate was about,

trained by ``scripts/train_checkworthy.py`` on CheckThat! 2024 (US presidential debates) with
leave-one-debate-out cross-validation and shipped as ``models/checkworthy.json``. Scoring is
numpy and dictionary look-ups only. Parsed spans are reused when given, so within the pipeline
nothing is parsed twice.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from spacy.tokens import Span

from claimledger import embeddings
from claimledger.pipeline.attribution import span_entities

MODEL_FORMAT = "claimledger.checkworthy/1"
DEFAULT_MODEL = "checkworthy.json"

# spaCy's OntoNotes entity labels (en_core_web_sm)
ENT_TYPES = (
    "PERSON", "NORP", "FAC", "ORG", "GPE", "LOC", "PRODUCT", "EVENT", "WORK_OF_ART", "LAW",
    "LANGUAGE", "DATE", "TIME", "PERCENT", "MONEY", "QUANTITY", "ORDINAL", "CARDINAL",
)  # fmt: skip
_TAG_GROUPS = {
    "past": ("VBD",),
    "participle": ("VBN",),
    "present": ("VBZ", "VBP"),
    "base_verb": ("VB",),
    "gerund": ("VBG",),
    "modal": ("MD",),
    "comparative": ("JJR", "RBR"),
    "superlative": ("JJS", "RBS"),
    "pronoun": ("PRP", "PRP$"),
    "proper_noun": ("NNP", "NNPS"),
    "noun": ("NN", "NNS"),
    "cardinal": ("CD",),
    "interjection": ("UH",),
    "wh_word": ("WDT", "WP", "WP$", "WRB"),
    "adjective": ("JJ",),
    "adverb": ("RB",),
}
_TAG_TO_GROUP = {tag: group for group, tags in _TAG_GROUPS.items() for tag in tags}

_FIRST_SG = frozenset(("i", "me", "my", "mine", "myself"))
_FIRST_PL = frozenset(("we", "us", "our", "ours", "ourselves"))
_SECOND = frozenset(("you", "your", "yours", "yourself", "yourselves"))
_THIRD_PERSONAL = frozenset(("he", "she", "him", "her", "his", "hers", "they", "them", "their"))
_SCALE = frozenset(("hundred", "thousand", "million", "billion", "trillion", "thousands",
                    "millions", "billions", "trillions", "dozen", "dozens"))  # fmt: skip
_MONEY = frozenset(("$", "dollar", "dollars", "cent", "cents", "€", "£", "euro", "euros",
                    "pound", "pounds", "bucks"))  # fmt: skip
_PERCENT = frozenset(("%", "percent", "percentage", "per", "cent"))
_MODALS_WEAK = frozenset(("can", "could", "may", "might", "should", "would", "shall", "must",
                          "ought"))  # fmt: skip
_FUTURE = frozenset(("will", "'ll", "wo", "shall"))
_QUANT = frozenset(("every", "all", "most", "half", "twice", "times", "average", "rate", "majority",
                    "percent", "number", "total", "double", "triple", "ever", "record", "only",
                    "none", "nobody", "never", "since", "than"))  # fmt: skip
_HEDGE = frozenset(("maybe", "perhaps", "probably", "possibly", "hopefully", "frankly", "honestly"))
_OFFICE = frozenset(("president", "senator", "governor", "congress", "administration", "senate",
                     "house", "congressman", "secretary", "mayor", "minister", "government",
                     "court", "law", "bill", "vote", "votes", "voted", "budget", "tax", "taxes",
                     "deficit", "debt", "unemployment", "jobs", "economy", "inflation"))  # fmt: skip
# verbs of events and measurable change, the core of factual claims in political speech
# fmt: off
ACTION_VERBS = frozenset((
    "add", "borrow", "build", "ban", "close", "create", "cut", "decline", "decrease", "default",
    "die", "double", "drop", "elect", "employ", "end", "enact", "expand", "fall", "fund", "grow",
    "hire", "increase", "invade", "invest", "kill", "lay", "lose", "lower", "oppose", "owe",
    "pass", "pay", "propose", "raise", "reduce", "reject", "repeal", "rise", "sign", "spend",
    "support", "triple", "veto", "vote", "win", "shrink", "quadruple", "jump", "soar", "plunge",
    "climb", "slash", "approve", "introduce", "sponsor", "fail", "cost", "earn", "lead", "send",
    "deploy", "occupy", "bomb", "attack", "sell", "buy", "import", "export", "produce", "lend",
    "default", "bankrupt", "insure", "cover", "enroll", "release", "arrest", "convict", "sue",
    "fire", "appoint", "nominate", "ratify", "negotiate", "withdraw", "testify", "admit",
    "endorse", "balance"
))
# fmt: on
_OPINION = re.compile(
    r"\b(i|we)\s+(do\s+n[o']t\s+|don't\s+|really\s+|also\s+|still\s+|just\s+|strongly\s+)?"
    r"(think|believe|feel|guess|suppose|hope|want|wish|trust|doubt|suspect|am\s+sure|'m\s+sure|"
    r"am\s+convinced|'m\s+convinced|mean)\b"
    r"|\bin\s+my\s+(view|opinion|judgment)\b|\bit\s+seems\s+to\s+me\b|\bseems\s+to\s+me\b"
)
_PROMISE = re.compile(
    r"\b(i|we)\s*('ll|\s+will|\s+would|'d|\s+am\s+going\s+to|'m\s+going\s+to|\s+are\s+going\s+to|"
    r"'re\s+going\s+to|\s+gonna|\s+intend|\s+plan|\s+promise|\s+pledge|\s+must|\s+need\s+to|"
    r"\s+have\s+to|\s+ought|\s+should|\s+can)\b"
)
_GREETING = re.compile(
    r"\b(thank|thanks|good\s+evening|good\s+night|goodnight|good\s+morning|welcome|congratulat\w*|"
    r"pleasure|privilege|honored|honoured|appreciate|glad\s+to\s+be|happy\s+to\s+be|god\s+bless)\b"
)
_FILLER = re.compile(r"\b(uh|um|er|ah|you\s+know|i\s+mean|well|okay|ok|yes|no|sure)\b")
_LET = re.compile(r"^\W*(let's|let\s+me|let\s+us)\b")
_REPORTED = re.compile(r"\b(said|says|say|told|claimed|stated|announced|reported|according\s+to)\b")
_YEAR = re.compile(r"^(1[6-9]\d\d|20\d\d)s?$")
_DECADE = re.compile(r"^'?\d0s$")
_DIGIT = re.compile(r"\d")
_PCT_IN = re.compile(r"\d\s*%|\bper\s*cent\b|\bpercent\b")


def _bins(n: int) -> list[float]:
    return [
        float(n <= 3),
        float(4 <= n <= 7),
        float(8 <= n <= 14),
        float(15 <= n <= 24),
        float(n >= 25),
    ]


def _feature_names() -> tuple[str, ...]:
    names = ["len_log", "len_le3", "len_4_7", "len_8_14", "len_15_24", "len_ge25"]
    names += [f"ent_{t}" for t in ENT_TYPES]
    names += ["ents_any", "ents_log"]
    names += [f"tag_{g}" for g in _TAG_GROUPS] + [f"tag_any_{g}" for g in _TAG_GROUPS]
    names += [
        "num_any", "num_log", "digit_any", "percent", "money", "scale_word", "year", "decade",
        "first_sg", "first_pl", "second", "third", "opinion", "promise", "greeting", "filler_start",
        "filler_any", "let_start", "question", "exclaim", "wh_start", "negation", "hedge",
        "future", "modal_weak", "quant_word", "office_word", "reported", "action_any",
        "action_past", "past_action_ratio", "than", "starts_conj", "starts_pron", "imperative",
        "copula_root", "past_root", "present_root", "subj_first_person", "subj_proper",
        "subj_third", "dashes", "ellipsis", "quote_marks", "digits_ratio", "upper_ratio",
        "stop_ratio", "punct_ratio", "mean_word_len",
    ]  # fmt: skip
    return tuple(names)


FEATURE_NAMES = _feature_names()


def sentence_features(span: Span | Any) -> list[float]:
    """Hand-made features of one parsed sentence (a spaCy ``Span`` or ``Doc``)."""
    words = [t for t in span if not (t.is_punct or t.is_space)]
    n = len(words)
    nn = max(n, 1)
    lowers = [t.lower_ for t in span]
    text_l = span.text.lower().strip()
    feats: list[float] = [math.log1p(n), *_bins(n)]

    ent_counts = dict.fromkeys(ENT_TYPES, 0)
    ents = span_entities(span) if isinstance(span, Span) else list(span.ents)
    for e in ents:
        if e.label_ in ent_counts:
            ent_counts[e.label_] += 1
    feats += [min(ent_counts[t], 2) / 2.0 for t in ENT_TYPES]
    feats += [float(bool(ents)), math.log1p(len(ents))]

    groups = dict.fromkeys(_TAG_GROUPS, 0)
    for t in span:
        g = _TAG_TO_GROUP.get(t.tag_)
        if g is not None:
            groups[g] += 1
    feats += [groups[g] / nn for g in _TAG_GROUPS] + [float(groups[g] > 0) for g in _TAG_GROUPS]

    nums = sum(1 for t in span if t.like_num or t.tag_ == "CD")
    lset = set(lowers)
    lemmas = [t.lemma_.lower() for t in words]
    actions = [t for t in words if t.pos_ in ("VERB", "AUX") and t.lemma_.lower() in ACTION_VERBS]
    action_past = [t for t in actions if t.tag_ in ("VBD", "VBN")]
    verbs = [t for t in words if t.pos_ == "VERB"]
    first = words[0] if words else None
    root = next((t for t in span if t.dep_ == "ROOT"), None)
    subjects = [t for t in span if t.dep_ in ("nsubj", "nsubjpass")]
    subj = subjects[0] if subjects else None
    chars = span.text
    nchar = max(len(chars), 1)
    feats += [
        float(nums > 0),
        math.log1p(nums),
        float(bool(_DIGIT.search(chars))),
        float(bool(_PCT_IN.search(text_l)) or "%" in lset),
        float(bool(lset & _MONEY)),
        float(bool(lset & _SCALE)),
        float(any(_YEAR.match(t.text) for t in span)),
        float(any(_DECADE.match(t.text) for t in span)),
        float(bool(lset & _FIRST_SG)),
        float(bool(lset & _FIRST_PL)),
        float(bool(lset & _SECOND)),
        float(bool(lset & _THIRD_PERSONAL)),
        float(bool(_OPINION.search(text_l))),
        float(bool(_PROMISE.search(text_l))),
        float(bool(_GREETING.search(text_l))),
        float(bool(_FILLER.match(text_l))),
        float(bool(_FILLER.search(text_l))),
        float(bool(_LET.match(text_l))),
        float("?" in chars),
        float("!" in chars),
        float(first is not None and first.tag_ in ("WDT", "WP", "WRB")),
        float(any(t.dep_ == "neg" for t in span)),
        float(bool(lset & _HEDGE)),
        float(bool(lset & _FUTURE)),
        float(any(t.tag_ == "MD" and t.lower_ in _MODALS_WEAK for t in span)),
        float(bool(lset & _QUANT)),
        float(bool(set(lemmas) & _OFFICE)),
        float(bool(_REPORTED.search(text_l))),
        float(bool(actions)),
        float(bool(action_past)),
        len(action_past) / max(len(verbs), 1),
        float("than" in lset),
        float(first is not None and first.lower_ in ("and", "but", "so", "or", "because")),
        float(first is not None and first.tag_ in ("PRP", "EX", "DT")),
        float(root is not None and root.tag_ == "VB" and not subjects),
        float(root is not None and root.lemma_ == "be"),
        float(root is not None and root.tag_ == "VBD"),
        float(root is not None and root.tag_ in ("VBZ", "VBP")),
        float(subj is not None and subj.lower_ in _FIRST_SG | _FIRST_PL),
        float(subj is not None and subj.tag_ in ("NNP", "NNPS")),
        float(subj is not None and subj.lower_ in _THIRD_PERSONAL),
        float("--" in chars or " - " in chars or "—" in chars),
        float("..." in chars or "…" in chars),
        float('"' in chars or "“" in chars),
        sum(c.isdigit() for c in chars) / nchar,
        sum(c.isupper() for c in chars) / nchar,
        sum(1 for t in words if t.is_stop) / nn,
        (len(span) - n) / max(len(span), 1),
        min(sum(len(t.text) for t in words) / nn, 15.0) / 15.0,
    ]
    return feats


def masked_tokens(span: Span | Any) -> list[str]:
    """Lower-cased words with each named entity replaced by ``_TYPE`` (once per entity) and other
    numbers by ``_num``: the input of the lexical part."""
    out: list[str] = []
    for t in span:
        if t.is_space:
            continue
        if t.ent_type_:
            tok = "_" + t.ent_type_
            if t.ent_iob_ == "I" and out and out[-1] == tok:
                continue
            out.append(tok)
        elif t.like_num:
            out.append("_num")
        else:
            out.append(t.lower_)
    return out


def ngrams(tokens: Sequence[str], n: int = 2) -> list[str]:
    """Word n-grams of 1..n tokens, as scikit-learn's vectorizers make them."""
    grams = list(tokens)
    for k in range(2, n + 1):
        grams += [" ".join(tokens[i : i + k]) for i in range(len(tokens) - k + 1)]
    return grams


class CheckworthyModel:
    """A trained check-worthiness scorer; ``load()`` returns the packaged one (cached)."""

    def __init__(self, params: dict[str, Any]) -> None:
        if params.get("format") != MODEL_FORMAT:
            raise ValueError(f"not a {MODEL_FORMAT} model: {params.get('format')!r}")
        if tuple(params["hand_features"]) != FEATURE_NAMES:
            raise ValueError("the model was trained with a different feature set")
        self.params = params
        self.threshold: float = float(params["threshold"])
        self.embedding_dim: int = int(params["embedding_dim"])
        self.kind: str = params["kind"]
        self._layers = [
            (np.asarray(layer["W"], dtype=np.float64), np.asarray(layer["b"], dtype=np.float64))
            for layer in params["layers"]
        ]
        self._mean = np.asarray(params["mean"], dtype=np.float64)
        self._scale = np.asarray(params["scale"], dtype=np.float64)
        lex = params.get("lexical")
        self._lex_n = int(lex["ngram"]) if lex else 0
        # n-gram -> (idf, weight); every n-gram of the vocabulary is kept for the TF-IDF norm
        self._lex: dict[str, tuple[float, float]] = (
            {g: (float(v[0]), float(v[1])) for g, v in lex["vocab"].items()} if lex else {}
        )

    @classmethod
    def load(cls, path: str | Path | None = None) -> CheckworthyModel:
        """The packaged model (loaded once per process), or the model file at ``path``."""
        if path is None:
            return _packaged()
        return cls(json.loads(Path(path).read_text(encoding="utf-8")))

    def _spans(self, texts: Sequence[str], spans: Sequence[Span | Any] | None):
        if spans is None:
            from claimledger.analyzer import load_nlp

            spans = [doc[:] for doc in load_nlp().pipe(texts, batch_size=256)]
        if len(spans) != len(texts):
            raise ValueError(f"{len(texts)} texts but {len(spans)} spans")
        return spans

    def features(
        self, texts: Sequence[str], spans: Sequence[Span | Any] | None = None
    ) -> np.ndarray:
        """The dense input matrix: embeddings of ``texts`` next to the hand features of ``spans``
        (parsed from ``texts`` when None)."""
        spans = self._spans(texts, spans)
        emb = embeddings.encode(list(texts))
        hand = np.array([sentence_features(s) for s in spans], dtype=np.float64).reshape(
            len(texts), len(FEATURE_NAMES)
        )
        return np.hstack([emb.astype(np.float64), hand])

    def lexical_logit(self, tokens: Sequence[str]) -> float:
        """The lexical part's contribution: TF-IDF (sublinear tf, l2-normalised) . weights."""
        if not self._lex:
            return 0.0
        counts: dict[str, int] = {}
        for g in ngrams(tokens, self._lex_n):
            if g in self._lex:
                counts[g] = counts.get(g, 0) + 1
        if not counts:
            return 0.0
        norm2 = 0.0
        dot = 0.0
        for g, c in counts.items():
            idf, w = self._lex[g]
            v = (1.0 + math.log(c)) * idf
            norm2 += v * v
            dot += v * w
        return dot / math.sqrt(norm2)

    def score_features(self, x: np.ndarray, lexical: np.ndarray | None = None) -> np.ndarray:
        """Probabilities from a dense matrix made by ``features`` (plus the lexical logits)."""
        h = (x - self._mean) / self._scale
        for i, (w, b) in enumerate(self._layers):
            h = h @ w + b
            if i < len(self._layers) - 1:
                h = np.maximum(h, 0.0)  # ReLU between layers (MLP); none for a linear model
        z = h[:, 0] if lexical is None else h[:, 0] + lexical
        return 1.0 / (1.0 + np.exp(-np.clip(z, -60.0, 60.0)))

    def score(self, texts: Sequence[str], spans: Sequence[Span | Any] | None = None) -> np.ndarray:
        """P(check-worthy) in [0, 1] for each text; ``spans`` (the parsed sentences, e.g.
        ``doc.sents`` of an article) avoid parsing again. Compare with ``self.threshold``."""
        if len(texts) == 0:
            return np.zeros(0, dtype=np.float64)
        spans = self._spans(texts, spans)
        lex = np.array([self.lexical_logit(masked_tokens(s)) for s in spans], dtype=np.float64)
        return self.score_features(self.features(texts, spans), lex)


@cache
def _packaged() -> CheckworthyModel:
    ref = resources.files("claimledger") / "models" / DEFAULT_MODEL
    return CheckworthyModel(json.loads(ref.read_text(encoding="utf-8")))
