"""The lexical stance models (TF-IDF and hand features, static embeddings): the headline model the
run time uses for (claim, headline) pairs, and the body model the cross-encoder replaced.

:mod:`claimledger.neural.stance` is the stance API; it reads headlines with this module's headline
model (claim-disjoint Emergent CV 0.789, against 0.756 for the cross-encoder trained on Emergent
folds alone) and bodies with the cross-encoder, and uses the doubt-cue rule below for
``questions``. The description below is of the models as ``scripts/train_stance.py`` trains them.

Labels (``LABELS``):

* ``supports``  the text asserts the claim (Emergent "for", FNC-1 "agree");
* ``refutes``   the text denies or debunks it (Emergent "against", FNC-1 "disagree");
* ``reports``   the text relays the claim without taking a side (Emergent "observing", FNC-1
  "discuss"); also the label of a text that is not about the claim at all (below);
* ``questions`` the text raises doubt about the claim, or asks about it, without refuting it.

**Headlines** and other short texts (at most 60 words in at most 3 sentences) go through the
headline model, the blend
0.7 * A + 0.3 * B of two multinomial logistic regressions trained on Emergent (claim headline vs
article headline; 0.79 accuracy in claim-disjoint 10-fold CV, see ``scripts/train_stance.py``):

* A: TF-IDF of the headline's word 1-2-grams in which every word that also occurs in the claim is
  replaced by ``_c`` (unless it is a cue word), so that it learns how a headline takes a stance
  rather than what one story was about; TF-IDF of the headline's character 2-5-grams; and the
  15 hand features of ``headline_features`` (refuting, hedging and negation cues, especially those
  the claim does not contain; question marks; claim-word overlap; embedding cosine of claim and
  headline; ...);
* B: the static embedding (``claimledger.neural.embeddings``) of the headline's non-claim words next to
  the same hand features.

**Bodies** (longer texts) are split into sentences (at most 100); the first sentence and the
three sentences closest to the claim (embedding cosine) are the *key sentences*. Two models
trained on FNC-1 (headline vs body) read them:

* the relatedness gate, a logistic regression over claim-body overlap and similarity
  (``relatedness_features``: embedding cosines, claim-word recall, TF-IDF cosine with FNC-1's
  idf, ...), gives ``related`` = P(the body is about the claim). This is how FNC-1's fourth class,
  ``unrelated``, is handled: ``related`` multiplies the stance scores, so that ``scores`` sum to
  ``related``, and a body with ``related < 0.5`` is labelled ``reports`` (it takes no side) with
  that low score;
* the body model, a logistic regression over the headline model's probabilities on the key
  sentences, rates of cue words over the body (``body_features``) and TF-IDF of the body's
  claim-masked words, gives P(supports, refutes, reports | related). Since a claim that itself
  debunks ("The shark photo is fake") is agreed with by refuting sentences, the refutation
  features get a second copy that is non-zero only for such claims.

Headlines get ``related`` = 1: Emergent has no unrelated pairs to train or check a gate on, and a
headline handed over with a claim is taken to be about it. An empty claim or text gets
``reports`` with every score 0.

**Questions** has no training label; it is a rule over the three model scores
(``_apply_doubt``), from doubt cues in the headline, or in the key sentences of a body
(``doubt_cues``):

* strong cues: a question (a sentence ending in "?", or "Did/Is/Can ... ?", "really ...?"), words
  that say a claim is unproven ("unverified", "unconfirmed", "could not be independently
  verified", "no evidence", "no proof") and words of doubt ("remains unclear", "doubts" but not
  "no doubt", "dubious", "questioned", "questions over", "sceptical", "is it true", "fact
  check", ...);
* weak cues, words that keep a claim at a distance: "alleged", "purported", "supposedly",
  "so-called", "claims that", "rumour".

A weak cue moves ``WEAK_SHARE`` (0.6) of the reports mass to ``questions``, a strong cue
``STRONG_SHARE`` (0.8) of the supports and reports mass. The refutes mass stays, so that a text
that refutes, even as a question ("Did X happen? No, it is a hoax"), stays ``refutes``; except
when the only refuting words are those of an "unproven" cue ("There is no evidence that X"), which
questions the claim rather than denies it. So a headline that asserts the claim and calls a
suspect "alleged" still supports it, and "Claims that X ... remain unverified" questions it. On
Emergent (out-of-fold predictions) the rule turns 172 of the 775 "observing" headlines into
``questions``, and 20 of the 992 "for" and 9 of the 304 "against" ones.

Scoring is numpy and dictionary look-ups (no scikit-learn); the model file (``models/stance.json``,
written by ``scripts/train_stance.py``) is read once, on first use.
"""

from __future__ import annotations

import itertools
import json
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from claimledger.neural import embeddings

MODEL_FORMAT = "claimledger.stance/1"
DEFAULT_MODEL = "stance.json"

LABELS = ("supports", "refutes", "reports", "questions")
MODEL_LABELS = ("supports", "refutes", "reports")  # what the trained models predict
STRONG_SHARE = 0.8
WEAK_SHARE = 0.6
HEADLINE_MAX_WORDS = 60
HEADLINE_MAX_SENTENCES = 3
KEY_SENTENCES = 3
MAX_SENTENCES = 100
MAX_BODY_CHARS = 100_000

# -- words ----------------------------------------------------------------------------------------
# Cue lists written for this model after reading the Emergent paper's refuting and hedging word
# lists (Ferreira & Vlachos 2016, for ideas only) and news headlines that debunk or relay rumours.
# They are features of the trained model: changing them means retraining (the model file keeps
# the feature names and the lists' checksum, see ``_lexicon_digest``).
# fmt: off
REFUTE = frozenset((
    "fake", "fakes", "faked", "hoax", "hoaxes", "hoaxer", "false", "falsely", "deny", "denies",
    "denied", "denial", "debunk", "debunked", "debunks", "myth", "not", "no", "never", "nope",
    "untrue", "bogus", "fabricated", "fabrication", "prank", "pranks", "satire", "satirical",
    "parody", "rumor", "rumors", "rumour", "rumours", "isn't", "wasn't", "aren't", "doesn't",
    "didn't", "don't", "won't", "can't", "hasn't", "haven't", "n't", "contrary", "refute",
    "refutes", "refuted", "dismiss", "dismisses", "dismissed", "reject", "rejects", "rejected",
    "wrong", "misleading", "scam", "lie", "lies", "lied", "photoshopped", "doctored", "shoots",
    "nonsense", "baseless", "fraud", "despite", "doubt", "doubts", "retract"
))
HEDGE = frozenset((
    "alleged", "allegedly", "apparently", "appears", "appear", "claim", "claims", "claimed",
    "could", "may", "might", "possibly", "possible", "purportedly", "purported", "reportedly",
    "reports", "report", "reported", "rumored", "rumoured", "rumor", "rumour", "rumors", "rumours",
    "sources", "source", "suggest", "suggests", "suspected", "unconfirmed", "unverified", "says",
    "said", "say", "according", "likely", "probably", "perhaps", "speculation", "speculate",
    "seems", "seem", "believed", "thought", "expected", "predicted", "predicts", "forecast",
    "would", "whether", "if", "evidently", "largely", "mainly", "maybe", "mostly", "presumably",
    "somewhat", "supposedly"
))
NEGATION = frozenset((
    "not", "no", "never", "n't", "isn't", "wasn't", "aren't", "doesn't", "didn't", "don't", "won't",
    "can't", "hasn't", "haven't", "nothing", "none", "nobody"
))
STOP = frozenset((
    "the", "a", "an", "of", "to", "in", "on", "for", "and", "is", "was", "are", "be", "by", "with",
    "at", "as", "from", "that", "this", "it", "its", "his", "her", "their", "has", "have", "had",
    "will"
))
QUESTION_START = frozenset((
    "is", "did", "does", "was", "could", "can", "will", "has", "are", "do", "should", "would",
    "why", "what", "how"
))
# fmt: on
CUE_WORDS = REFUTE | HEDGE

# doubt cues for ``questions`` (rules, not model features)
_UNPROVEN = re.compile(
    r"\b(?:un(?:verified|confirmed|substantiated|proven)|(?:could not|couldn't|cannot|can't|"
    r"can not|was not|wasn't|were not|weren't|has not|hasn't|have not|haven't|had not|not) "
    r"(?:yet )?(?:been |be )?(?:independently )?(?:verified|confirmed)|no (?:hard |real |clear |"
    r"solid |confirmed )?(?:evidence|proof)|little evidence|lack of evidence|"
    r"without (?:any )?evidence)\b",
    re.IGNORECASE,
)
_DOUBT = re.compile(
    r"\b(?:remains? (?:unclear|unknown|to be seen)|(?:it is|it's) (?:not |un)clear|"
    r"(?<!no )(?<!without )(?<!beyond )doubts?|doubtful|dubious|questionable|sceptic\w*|"
    r"skeptic\w*|questions? (?:over|about|remain|raised|linger)\w*|raises? questions|"
    r"is it true|fact[- ]?check\w*|too good to be true|questioned|call(?:s|ed)? into question|"
    r"casts? doubt)\b",
    re.IGNORECASE,
)
_REALLY_QUESTION = re.compile(r"\breally\b[^.!?]*\?", re.IGNORECASE)
_WEAK_DOUBT = re.compile(
    r"\b(?:alleged(?:ly)?|purported(?:ly)?|supposed(?:ly)?|so-called|claims? that|"
    r"rumou?r(?:s|ed)?)\b",
    re.IGNORECASE,
)
_QUESTION_WORD = re.compile(
    r"^\W*(?:is|are|was|were|did|does|do|has|have|had|can|could|will|would|should)\b",
    re.IGNORECASE,
)

_TOKEN = re.compile(r"[^\W_]+(?:'[^\W_]+)?|\?")
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'"})


def tokens(text: str) -> list[str]:
    """Lower-cased words (``isn't`` is one word) and question marks."""
    return _TOKEN.findall(text.lower().translate(_APOSTROPHES))


def masked_tokens(claim_tokens: Iterable[str], text_tokens: Sequence[str]) -> list[str]:
    """The text's tokens with every claim word that is not a cue word replaced by ``_c``."""
    claim = set(claim_tokens)
    return [t if t not in claim or t in CUE_WORDS or t == "?" else "_c" for t in text_tokens]


def word_ngrams(toks: Sequence[str], n: int = 2) -> list[str]:
    """Word 1..n-grams, as scikit-learn's vectorizers make them."""
    grams = list(toks)
    for k in range(2, n + 1):
        grams += [" ".join(toks[i : i + k]) for i in range(len(toks) - k + 1)]
    return grams


def char_ngrams(text: str, lo: int = 2, hi: int = 5) -> list[str]:
    """Character n-grams inside words padded with one space (scikit-learn's ``char_wb``)."""
    grams: list[str] = []
    for w in text.lower().split():
        w = f" {w} "
        n_w = len(w)
        for n in range(lo, hi + 1):
            if n_w < n:
                if n == lo:
                    grams.append(w)
                break
            grams += [w[i : i + n] for i in range(n_w - n + 1)]
    return grams


HEADLINE_FEATURES = (
    "refute_cue", "refute_cue_not_in_claim", "hedge_cue", "hedge_cue_not_in_claim", "question_mark",
    "ends_with_question", "negation", "negation_mismatch", "claim_word_recall", "word_jaccard",
    "length_log", "colon", "question_start", "quote", "embedding_cosine",
)  # fmt: skip


def headline_features(
    claim_toks: Sequence[str], text: str, text_toks: Sequence[str], cosine: float
) -> list[float]:
    """The hand features of a (claim, headline) pair, in the order of ``HEADLINE_FEATURES``."""
    cs, hs = set(claim_toks), set(text_toks)
    cc, hc = cs - STOP, hs - STOP
    common = len(cc & hc)
    feats = [
        bool(hs & REFUTE),
        bool((hs & REFUTE) - cs),
        bool(hs & HEDGE),
        bool((hs & HEDGE) - cs),
        "?" in text,
        text.strip().endswith("?"),
        bool(hs & NEGATION),
        bool(hs & NEGATION) != bool(cs & NEGATION),
        common / max(len(cc), 1),
        common / max(len(cc | hc), 1),
        math.log1p(len(text_toks)),
        ":" in text,
        bool(text_toks) and text_toks[0] in QUESTION_START,
        '"' in text or text[:1] == "'",
        cosine,
    ]
    return [float(v) for v in feats]


# -- sentences ------------------------------------------------------------------------------------

_BOUNDARY = re.compile(r"[.!?…]+[\"'”’)\]]*\s+(?=[\"'“‘(\[]?[A-Z0-9])")
_ABBREV = frozenset((
    "mr", "mrs", "ms", "dr", "st", "jr", "sr", "prof", "gen", "col", "lt", "sgt", "rep", "sen",
    "gov", "pres", "no", "vs", "inc", "corp", "co", "ltd", "u.s", "u.k", "jan", "feb", "mar",
    "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
))  # fmt: skip


def split_sentences(text: str, limit: int = MAX_SENTENCES) -> list[str]:
    """Sentences of a body: lines, cut after . ! ? before a capital (not after Mr., U.S., ...)."""
    out: list[str] = []
    for line in text[:MAX_BODY_CHARS].splitlines():
        line = line.strip()
        start = 0
        for m in _BOUNDARY.finditer(line):
            words = line[start : m.start()].split()
            last = words[-1].lower().rstrip(".") if words else ""
            if last in _ABBREV or (len(last) == 1 and last.isalpha()):
                continue
            out.append(line[start : m.end()].strip())
            start = m.end()
        if line[start:].strip():
            out.append(line[start:].strip())
        if len(out) >= limit:
            break
    return [s for s in out[:limit] if tokens(s)]


def is_headline(text: str) -> bool:
    """A short text, read whole by the headline model: at most ``HEADLINE_MAX_WORDS`` words in at
    most ``HEADLINE_MAX_SENTENCES`` sentences (a headline, a tweet, a quote)."""
    return (
        len(text.split()) <= HEADLINE_MAX_WORDS
        and len(split_sentences(text, HEADLINE_MAX_SENTENCES + 1)) <= HEADLINE_MAX_SENTENCES
    )


# -- body features --------------------------------------------------------------------------------

RELATEDNESS_FEATURES = (
    "max_cosine", "top3_cosine", "first_cosine", "body_cosine", "claim_recall", "best_recall",
    "lead_recall", "bigram_recall", "sentences_log", "tfidf_cosine", "idf_recall",
)  # fmt: skip
_BODY_BASE = (
    *(f"first_{lab}" for lab in MODEL_LABELS),
    *(f"key_{lab}" for lab in MODEL_LABELS),
    "key_max_refutes", "key_refute_cue", "key_hedge_cue", "key_question", "key_negation",
    "body_refute_rate", "body_hedge_rate", "body_question_rate", "body_negation_rate",
    "body_debunk_words", "max_cosine", "claim_recall",
)  # fmt: skip
# When the claim itself debunks or denies ("Viral shark photo is fake"), refuting sentences agree
# with it: these features get a second copy that is non-zero only for such claims.
_FLIPPED = (
    *(f"first_{lab}" for lab in MODEL_LABELS), *(f"key_{lab}" for lab in MODEL_LABELS),
    "key_max_refutes", "key_refute_cue", "body_refute_rate", "body_debunk_words",
)  # fmt: skip
_FLIPPED_AT = tuple(_BODY_BASE.index(n) for n in _FLIPPED)
BODY_FEATURES = (*_BODY_BASE, "claim_refute_cue", *(f"{n}_x_claim_refute" for n in _FLIPPED))
_DEBUNK = frozenset((
    "fake", "hoax", "hoaxes", "false", "debunk", "debunked", "debunks", "myth", "bogus",
    "fabricated", "prank", "satire", "satirical", "parody", "photoshopped", "doctored", "untrue",
))  # fmt: skip


@dataclass(frozen=True)
class Body:
    """A body read for stance: its sentences with their tokens and embeddings."""

    sentences: list[str]
    toks: list[list[str]]
    emb: np.ndarray  # (sentences, dim), rows of norm 1
    body_emb: np.ndarray  # (dim,): the embedding of the whole text (its first 512 tokens)
    sets: list[frozenset[str]] = field(repr=False)
    all_toks: frozenset[str] = field(repr=False)
    bigrams: frozenset[tuple[str, str]] = field(repr=False)
    counts: Counter[str] = field(repr=False)  # content words (not STOP) of all the sentences

    def words(self) -> list[str]:
        """All the tokens of the sentences, in order."""
        return [t for ts in self.toks for t in ts]


def read_body(text: str) -> Body:
    sents = split_sentences(text) or [text.strip()]
    toks = [tokens(s) for s in sents]
    enc = embeddings.encode([*sents, text[:20_000]]).astype(np.float64)
    sets = [frozenset(t) for t in toks]
    bigrams: set[tuple[str, str]] = set()
    for ts in toks:
        bigrams |= _bigrams([t for t in ts if t not in STOP])
    counts = Counter(t for ts in toks for t in ts if t not in STOP and t != "?")
    return Body(
        sents, toks, enc[:-1], enc[-1], sets, frozenset().union(*sets), frozenset(bigrams), counts
    )


def key_sentences(claim_emb: np.ndarray, body: Body, k: int = KEY_SENTENCES) -> list[int]:
    """Indexes of the first sentence and of the ``k`` sentences most similar to the claim."""
    cos = body.emb @ claim_emb
    order = [int(i) for i in np.argsort(-cos, kind="stable")[:k]]
    return [0] + [i for i in order if i != 0]


def _bigrams(toks: Sequence[str]) -> set[tuple[str, str]]:
    return set(itertools.pairwise(toks))


def _tfidf_unit(counts: Counter[str], idf: dict[str, float]) -> dict[str, float]:
    vec = {w: (1.0 + math.log(c)) * idf[w] for w, c in counts.items() if w in idf}
    norm = math.sqrt(sum(v * v for v in vec.values()))
    return {w: v / norm for w, v in vec.items()} if norm > 0 else {}


def relatedness_features(
    claim_toks: Sequence[str], claim_emb: np.ndarray, body: Body, idf: dict[str, float]
) -> list[float]:
    """Overlap and similarity of a claim and a body, in the order of ``RELATEDNESS_FEATURES``;
    ``idf`` is the inverse document frequency of content words in FNC-1 bodies and headlines."""
    cos = body.emb @ claim_emb
    top = np.sort(cos)[::-1][:3]
    content = set(claim_toks) - STOP - {"?"}
    n = max(len(content), 1)
    best = int(np.argmax(cos))
    lead = body.sets[0] | body.sets[1] if len(body.sets) > 1 else body.sets[0]
    cb = _bigrams([t for t in claim_toks if t not in STOP])
    return [
        float(top[0]),
        float(top.mean()),
        float(cos[0]),
        float(body.body_emb @ claim_emb),
        len(content & body.all_toks) / n,
        len(content & body.sets[best]) / n,
        len(content & lead) / n,
        len(cb & body.bigrams) / max(len(cb), 1),
        math.log1p(len(body.sentences)),
        _tfidf_cosine(claim_toks, body, idf),
        _idf_recall(content, body, idf),
    ]


def _tfidf_cosine(claim_toks: Sequence[str], body: Body, idf: dict[str, float]) -> float:
    c = _tfidf_unit(Counter(t for t in claim_toks if t not in STOP and t != "?"), idf)
    b = _tfidf_unit(body.counts, idf)
    return sum(v * b.get(w, 0.0) for w, v in c.items())


def _idf_recall(content: set[str], body: Body, idf: dict[str, float]) -> float:
    """The share of the claim's content words found in the body, each weighed by its idf (the
    largest idf for a word unseen in training)."""
    top = max(idf.values(), default=1.0)
    total = sum(idf.get(w, top) for w in content)
    found = sum(idf.get(w, top) for w in content if w in body.all_toks)
    return found / total if total > 0 else 0.0


def body_features(
    claim_toks: Sequence[str],
    claim_emb: np.ndarray,
    body: Body,
    headline_proba: Callable[[Sequence[str], Sequence[str]], np.ndarray],
    claim: str,
) -> list[float]:
    """Stance features of a body, in the order of ``BODY_FEATURES``."""
    keys = key_sentences(claim_emb, body)
    probs = headline_proba([claim] * len(keys), [body.sentences[i] for i in keys])
    cos = body.emb @ claim_emb
    w = np.maximum(cos[keys], 0.0) + 1e-3
    key_mean = (probs * w[:, None]).sum(axis=0) / w.sum()
    cs = set(claim_toks)

    def rate(words: frozenset[str], idx: Iterable[int]) -> float:
        idx = list(idx)
        return sum(bool((body.sets[i] & words) - cs) for i in idx) / max(len(idx), 1)

    every = range(len(body.sentences))
    questions = [("?" in body.sentences[i]) for i in keys]
    debunk = sum(len([t for t in ts if t in _DEBUNK and t not in cs]) for ts in body.toks)
    content = set(claim_toks) - STOP - {"?"}
    base = [
        *(float(p) for p in probs[0]),
        *(float(p) for p in key_mean),
        float(probs[:, 1].max()),
        rate(REFUTE, keys),
        rate(HEDGE, keys),
        sum(questions) / len(keys),
        rate(NEGATION, keys),
        rate(REFUTE, every),
        rate(HEDGE, every),
        sum("?" in s for s in body.sentences) / len(body.sentences),
        rate(NEGATION, every),
        math.log1p(debunk),
        float(cos.max()),
        len(content & body.all_toks) / max(len(content), 1),
    ]
    flag = float(bool(cs & REFUTE))
    return [*base, flag, *(base[i] * flag for i in _FLIPPED_AT)]


def body_tokens(claim_toks: Sequence[str], body: Body) -> list[str]:
    """The body's words with the claim's words masked (``masked_tokens``): the lexical input of
    the body model."""
    return masked_tokens(claim_toks, body.words())


# -- models ---------------------------------------------------------------------------------------


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


class _Tfidf:
    """A scikit-learn TfidfVectorizer (sublinear tf, l2 norm) times a weight matrix."""

    def __init__(self, vocab: dict[str, list[float]], k: int) -> None:
        self.idf = {g: float(v[0]) for g, v in vocab.items()}
        self.w = {g: np.asarray(v[1 : 1 + k], dtype=np.float64) for g, v in vocab.items()}
        self.k = k

    def logits(self, grams: Iterable[str]) -> np.ndarray:
        counts = Counter(g for g in grams if g in self.idf)
        out = np.zeros(self.k)
        if not counts:
            return out
        norm2 = 0.0
        for g, c in counts.items():
            v = (1.0 + math.log(c)) * self.idf[g]
            norm2 += v * v
            out += v * self.w[g]
        return out / math.sqrt(norm2)


class _Linear:
    """Standardise, then a linear map: ``((x - mean) / scale) @ W + b``."""

    def __init__(self, p: dict[str, Any]) -> None:
        self.mean = np.asarray(p["mean"], dtype=np.float64)
        self.scale = np.asarray(p["scale"], dtype=np.float64)
        self.W = np.asarray(p["W"], dtype=np.float64)
        self.b = np.asarray(p["b"], dtype=np.float64)

    def logits(self, x: np.ndarray) -> np.ndarray:
        return ((x - self.mean) / self.scale) @ self.W + self.b


class HeadlineModel:
    """The headline model: P(supports, refutes, reports) of (claim, headline) pairs."""

    def __init__(self, p: dict[str, Any]) -> None:
        if tuple(p["features"]) != HEADLINE_FEATURES:
            raise ValueError("the headline model was trained with a different feature set")
        k = len(MODEL_LABELS)
        self.word_n = int(p["word_ngram"])
        self.char_range = (int(p["char_ngram"][0]), int(p["char_ngram"][1]))
        self.words = _Tfidf(p["word_vocab"], k)
        self.chars = _Tfidf(p["char_vocab"], k)
        self.hand = _Linear(p["hand"])  # carries the intercept of the lexical model
        self.emb = _Linear(p["embedding_model"])
        self.blend = float(p["blend"])

    def predict_proba(self, claims: Sequence[str], texts: Sequence[str]) -> np.ndarray:
        n = len(texts)
        if n == 0:
            return np.zeros((0, len(MODEL_LABELS)))
        c_toks = [tokens(c) for c in claims]
        t_toks = [tokens(t) for t in texts]
        masked = [masked_tokens(c, t) for c, t in zip(c_toks, t_toks)]
        enc = embeddings.encode([*claims, *texts, *(" ".join(m for m in ms if m != "_c")
                                                     for ms in masked)]).astype(np.float64)  # fmt: skip
        e_claim, e_text, e_rest = enc[:n], enc[n : 2 * n], enc[2 * n :]
        cos = (e_claim * e_text).sum(axis=1)
        hand = np.array(
            [
                headline_features(c, t, tt, float(s))
                for c, t, tt, s in zip(c_toks, texts, t_toks, cos)
            ]
        ).reshape(n, len(HEADLINE_FEATURES))
        lex = np.array(
            [
                self.words.logits(word_ngrams(m, self.word_n))
                + self.chars.logits(char_ngrams(t, *self.char_range))
                for m, t in zip(masked, texts)
            ]
        )
        p_a = _softmax(lex + self.hand.logits(hand))
        p_b = _softmax(self.emb.logits(np.hstack([e_rest, hand])))
        return self.blend * p_a + (1.0 - self.blend) * p_b


class StanceModel:
    """Headline model, relatedness gate and body model; ``load()`` gives the packaged one."""

    def __init__(self, params: dict[str, Any]) -> None:
        if params.get("format") != MODEL_FORMAT:
            raise ValueError(f"not a {MODEL_FORMAT} model: {params.get('format')!r}")
        if tuple(params["labels"]) != MODEL_LABELS:
            raise ValueError(f"the model's labels are {params['labels']}, expected {MODEL_LABELS}")
        if params["lexicons"] != _lexicon_digest():
            raise ValueError("the model was trained with other cue word lists: retrain it")
        if (
            tuple(params["gate"]["features"]) != RELATEDNESS_FEATURES
            or tuple(params["body"]["features"]) != BODY_FEATURES
        ):
            raise ValueError("the body models were trained with a different feature set")
        self.params = params
        self.headline = HeadlineModel(params["headline"])
        self.gate = _Linear(params["gate"])
        self.idf: dict[str, float] = {w: float(v) for w, v in params["gate"]["idf"].items()}
        self.body = _Linear(params["body"])  # carries the intercept of the body model
        self.body_words = _Tfidf(params["body"]["word_vocab"], len(MODEL_LABELS))

    @classmethod
    def load(cls, path: str | Path | None = None) -> StanceModel:
        """The packaged model (read once per process), or the model file at ``path``."""
        if path is None:
            return _packaged()
        return cls(json.loads(Path(path).read_text(encoding="utf-8")))

    def body_proba(self, claim: str, text: str) -> tuple[float, np.ndarray, list[str]]:
        """(P(related), P(supports, refutes, reports | related), key sentences) of a body."""
        body = read_body(text)
        claim_toks = tokens(claim)
        claim_emb = embeddings.encode([claim])[0].astype(np.float64)
        rel = np.asarray(relatedness_features(claim_toks, claim_emb, body, self.idf))
        related = float(1.0 / (1.0 + math.exp(-float(self.gate.logits(rel[None, :])[0, 0]))))
        x = np.asarray(
            body_features(claim_toks, claim_emb, body, self.headline.predict_proba, claim)
        )
        z = self.body.logits(x[None, :])[0] + self.body_words.logits(body_tokens(claim_toks, body))
        probs = _softmax(z)
        keys = [body.sentences[i] for i in key_sentences(claim_emb, body)]
        return related, probs, keys

    def predict(self, pairs: Sequence[tuple[str, str]]) -> list[StanceResult]:
        """The stance of each text towards its claim (see ``predict``)."""
        out: list[StanceResult | None] = [None] * len(pairs)
        for i, (claim, text) in enumerate(pairs):
            if not tokens(claim) or not tokens(text):  # nothing to compare: no stance
                out[i] = StanceResult("reports", 0.0, dict.fromkeys(LABELS, 0.0), 0.0)
        short = [i for i, (_, t) in enumerate(pairs) if out[i] is None and is_headline(t)]
        if short:
            probs = self.headline.predict_proba(
                [pairs[i][0] for i in short], [pairs[i][1] for i in short]
            )
            for i, p in zip(short, probs):
                out[i] = make_result(p, 1.0, [pairs[i][1]])
        for i, (claim, text) in enumerate(pairs):
            if out[i] is None:
                related, p, keys = self.body_proba(claim, text)
                out[i] = make_result(p, related, keys)
        return [r for r in out if r is not None]


# -- questions and the result ---------------------------------------------------------------------


@dataclass(frozen=True)
class StanceResult:
    """The stance of one text towards one claim.

    ``scores`` has the four ``LABELS``; they sum to ``related`` (1 for headlines), ``score`` is
    ``scores[label]``. ``cues`` are the doubt cues that moved mass to ``questions``."""

    label: str
    score: float
    scores: dict[str, float]
    related: float = 1.0
    cues: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class Doubt:
    """The doubt cues of some sentences (see the module docstring)."""

    strong: tuple[str, ...]
    weak: tuple[str, ...]
    unproven_only: bool  # "no evidence" and the like, and no refuting word besides them


def doubt_cues(sentences: Sequence[str]) -> Doubt:
    """The strong and weak doubt cues in the sentences, in order of appearance."""
    strong: list[str] = []
    weak: list[str] = []
    unproven = False
    refuted = False
    for s in sentences:
        s = s.strip()
        found = [m.group(0).lower() for m in _UNPROVEN.finditer(s)]
        unproven = unproven or bool(found)
        strong += found
        strong += [m.group(0).lower() for m in _DOUBT.finditer(s)]
        if _REALLY_QUESTION.search(s):
            strong.append("really ...?")
        if s.endswith(("?", '?"', "?\u201d", "?'")) or (_QUESTION_WORD.match(s) and "?" in s):
            strong.append("?")
        weak += [m.group(0).lower() for m in _WEAK_DOUBT.finditer(s)]
        rest = _DOUBT.sub(" ", _UNPROVEN.sub(" ", s))
        refuted = refuted or bool(set(tokens(rest)) & (REFUTE - {"rumor", "rumors", "rumour",
                                                                 "rumours"}))  # fmt: skip
    return Doubt(tuple(dict.fromkeys(strong)), tuple(dict.fromkeys(weak)), unproven and not refuted)


def _apply_doubt(
    p: np.ndarray, sentences: Sequence[str]
) -> tuple[dict[str, float], tuple[str, ...]]:
    """Move stance mass to ``questions`` when the sentences carry doubt cues: a weak cue moves
    ``WEAK_SHARE`` of reports, a strong cue ``STRONG_SHARE`` of supports and reports, and of
    refutes too when the only refuting words are those of "no evidence"-like cues."""
    sup, ref, rep = (float(v) for v in p)
    que = 0.0
    doubt = doubt_cues(sentences)
    if doubt.weak:
        que += WEAK_SHARE * rep
        rep -= WEAK_SHARE * rep
    if doubt.strong:
        moved = STRONG_SHARE * (sup + rep + (ref if doubt.unproven_only else 0.0))
        que += moved
        sup, rep = (1 - STRONG_SHARE) * sup, (1 - STRONG_SHARE) * rep
        if doubt.unproven_only:
            ref = (1 - STRONG_SHARE) * ref
    return {"supports": sup, "refutes": ref, "reports": rep, "questions": que}, (
        doubt.strong + doubt.weak
    )


def make_result(p: np.ndarray, related: float, sentences: Sequence[str]) -> StanceResult:
    cond, cues = _apply_doubt(p, sentences)
    scores = {lab: round(related * cond[lab], 6) for lab in LABELS}
    if related < 0.5:
        label = "reports"
    else:
        label = max(LABELS, key=lambda lab: scores[lab])
    return StanceResult(label, scores[label], scores, round(related, 6), cues)


def _lexicon_digest() -> str:
    import hashlib

    words = [sorted(REFUTE), sorted(HEDGE), sorted(NEGATION), sorted(STOP), sorted(QUESTION_START),
             sorted(_DEBUNK)]  # fmt: skip
    return hashlib.sha256(json.dumps(words).encode()).hexdigest()[:16]


@cache
def _packaged() -> StanceModel:
    ref = resources.files("claimledger") / "models" / DEFAULT_MODEL
    return StanceModel(json.loads(ref.read_text(encoding="utf-8")))
