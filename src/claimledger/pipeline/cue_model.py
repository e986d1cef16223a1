"""A small trained scorer for attribution cues: P(token is part of a cue) for candidate tokens.

The cues are those annotated in PolNeAR: speech and thought/belief/stance verbs ("said", "believes",
"wants", "endorsed", "called for"), "according to", nominal cues ("claim", "statement"), the colon
of "Trump: ..." headlines and the dash of “...” ― Name signatures.

The model is a logistic regression over sparse binary string features of the dependency parse
(lemma, tags, head, children, subject type, quotation context, neighbouring words, ...). It is
trained by ``scripts/train_cue_model.py`` (scikit-learn, training time only) and shipped as a JSON
file of feature weights; scoring here is pure Python: a dictionary look-up per feature and a sigmoid
per candidate token.

Feature extraction reads the parse through ``Doc.to_array`` once per document rather than through
``Token`` objects, which keeps scoring to a few milliseconds per thousand tokens.
"""

from __future__ import annotations

import json
import math
from bisect import bisect_right
from collections.abc import Sequence
from functools import lru_cache
from importlib import resources
from itertools import repeat
from pathlib import Path
from typing import Any

import numpy
from spacy.attrs import DEP, HEAD, IDX, LEMMA, LOWER, POS, SENT_START, TAG
from spacy.parts_of_speech import NAMES as _POS_NAMES
from spacy.tokens import Doc

from claimledger.pipeline.lexicons import words
from claimledger.pipeline.quotes import Quote, find_quotes

MODEL_FORMAT = "claimledger.cue_model/1"
DEFAULT_MODEL = "cue_model.json"

_ATTRS = [LOWER, LEMMA, POS, TAG, DEP, HEAD, IDX, SENT_START]
_POS = {int(k): v for k, v in _POS_NAMES.items()}
# auxiliaries that are candidates only when they head something themselves
_AUX_DEPS = frozenset(("aux", "auxpass"))
# predicative adjectives can be cues ("made clear", "is confident that", "critical of")
_ADJ_DEPS = frozenset(("acomp", "oprd", "ROOT", "ccomp", "conj", "advcl", "xcomp"))
_PUNCT_CUES = frozenset((":", "―", "—", "–", "--"))
# child relations whose word is itself informative
_CHILD_WORD_DEPS = frozenset(("mark", "aux", "auxpass", "neg", "prt", "agent", "prep"))
# child relations crossed with the candidate's lemma
_LEMMA_CHILD_DEPS = frozenset(("ccomp", "xcomp", "dobj", "nsubj", "nsubjpass", "prep", "agent"))
_SUBJ_DEPS = ("nsubj", "nsubjpass", "csubj")
_QUOTE_WINDOW = 3


def _space_word(text: str) -> str:
    return "<nl>" if "\n" in text else "<sp>"


class _Strings:
    """Hash -> string, cached across documents (``StringStore`` look-ups are comparatively slow)."""

    def __init__(self) -> None:
        self._cache: dict[int, str] = {0: ""}

    def lookup(self, doc: Doc, hashes: list[int]) -> list[str]:
        cache = self._cache
        missing = [h for h in set(hashes) if h not in cache]
        if missing:
            strings = doc.vocab.strings
            for h in missing:
                try:
                    cache[h] = strings[h]
                except KeyError:  # pragma: no cover - a hash from another vocab
                    cache[h] = ""
        return [cache[h] for h in hashes]


_STRINGS = _Strings()


def is_candidate(pos: str, dep: str, lower: str) -> bool:
    """Whether a token is worth scoring, from its coarse tag, relation and lower-cased text."""
    if pos == "VERB" or pos == "NOUN":
        return True
    if pos == "AUX":
        return dep not in _AUX_DEPS
    if pos == "ADJ":
        return dep in _ADJ_DEPS
    if pos == "PROPN":
        return dep == "ROOT"  # title-case headline verbs the tagger read as names
    if lower == "according":
        return True
    return lower in _PUNCT_CUES or "―" in lower


def doc_features(doc: Doc, quotes: Sequence[Quote] | None = None) -> tuple[list[int], list[list[str]]]:
    """Candidate token indices of ``doc`` and, for each, its list of feature strings."""
    n = len(doc)
    if n == 0:
        return [], []
    arr = doc.to_array(_ATTRS)
    lower = _STRINGS.lookup(doc, arr[:, 0].tolist())
    lemma_raw = _STRINGS.lookup(doc, arr[:, 1].tolist())
    pos = [_POS.get(p, "") for p in arr[:, 2].tolist()]
    tag = _STRINGS.lookup(doc, arr[:, 3].tolist())
    dep = _STRINGS.lookup(doc, arr[:, 4].tolist())
    heads = (arr[:, 5].astype(numpy.int64) + numpy.arange(n, dtype=numpy.int64)).tolist()
    idxs = arr[:, 6].tolist()
    sent_start = arr[:, 7].astype(numpy.int64).tolist()

    cands = [i for i in range(n) if is_candidate(pos[i], dep[i], lower[i])]
    if not cands:
        return [], []

    lemma = [s.lower() for s in lemma_raw]
    text = doc.text
    children: list[list[int]] = [[] for _ in range(n)]
    for i, h in enumerate(heads):
        if h != i:
            children[h].append(i)

    # quotation context, as token indices
    if quotes is None:
        quotes = find_quotes(text)
    in_quote = bytearray(n)
    quote_open: set[int] = set()
    quote_close: set[int] = set()
    for q in quotes:
        first = bisect_right(idxs, q.start) - 1
        last = bisect_right(idxs, q.end - 1) - 1
        if first < 0:
            first = 0
        quote_open.add(first)
        if q.closed:
            quote_close.add(last)
            inner_last = last - 1
        else:
            inner_last = last
        for j in range(first + 1, inner_last + 1):
            in_quote[j] = 1

    cue_verbs = words("cue_verbs")
    cue_nouns = words("cue_nouns")
    out: list[list[str]] = []
    for i in cands:
        lem, p, d, lo = lemma[i], pos[i], dep[i], lower[i]
        h = heads[i]
        f = [
            "L=" + lem,
            "P=" + p,
            "T=" + tag[i],
            "D=" + d,
            "LD=" + lem + "|" + d,
            "LT=" + lem + "|" + tag[i],
        ]
        if h == i:
            f.append("HL=<root>")
        else:
            f.append("HL=" + lemma[h])
            f.append("HP=" + pos[h])
            f.append("HD=" + dep[h])
            f.append("PHP=" + p + "|" + pos[h])
        kids = children[i]
        seen: set[str] = set()
        subj = -1
        for c in kids:
            cd = dep[c]
            if cd not in seen:
                seen.add(cd)
                f.append("CD=" + cd)
                if cd in _LEMMA_CHILD_DEPS:
                    f.append("LC=" + lem + "|" + cd)
            if cd in _CHILD_WORD_DEPS:
                f.append("CW=" + cd + "|" + lemma[c])
            if subj < 0 and cd in _SUBJ_DEPS:
                subj = c
        if not kids:
            f.append("CD=<none>")
        if subj >= 0:
            sp = pos[subj]
            f.append("SUBJ=" + sp)
            if sp == "PRON":
                f.append("SUBJW=" + lower[subj])
            if in_quote[subj]:
                f.append("SUBJQ")
        # quotation context
        if in_quote[i]:
            f.append("Q")
            f.append("Q|P=" + p)
        if any((i - k) in quote_close for k in range(1, _QUOTE_WINDOW + 1)):
            f.append("QE")
            f.append("QE|P=" + p)
        if any((i + k) in quote_open for k in range(1, _QUOTE_WINDOW + 1)):
            f.append("QS")
            f.append("QS|P=" + p)
        # neighbours
        if i > 0:
            prev = lower[i - 1]
            f.append("PW=" + (_space_word(prev) if pos[i - 1] == "SPACE" else prev))
        else:
            f.append("PW=<start>")
        if i + 1 < n:
            nxt = lower[i + 1]
            f.append("NW=" + (_space_word(nxt) if pos[i + 1] == "SPACE" else nxt))
            if nxt == "that":
                f.append("THAT")
        else:
            f.append("NW=<end>")
        # position
        line_start = i == 0 or "\n" in text[idxs[i - 1] : idxs[i]]
        if line_start:
            f.append("LS")
        if sent_start[i] == 1:
            f.append("SS")
        if p == "PUNCT" or lo in _PUNCT_CUES or "―" in lo:
            f.extend(_punct_features(text, idxs[i], lo))
        if lem in cue_verbs:
            f.append("LEXV")
        if lem in cue_nouns:
            f.append("LEXN")
        out.append(f)
    return cands, out


def _punct_features(text: str, start: int, lower: str) -> list[str]:
    """Where a colon or dash sits on its line: "Trump: ..." headlines, "he said:" before a quote."""
    f = ["PU=" + lower]
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", start)
    if line_end < 0:
        line_end = len(text)
    head = text[line_start:start].strip()
    rest = text[start + len(lower) : line_end].strip()
    if not head:
        f.append("PU_LINESTART")
    elif head[0].isupper() and len(head.split()) <= 6:
        f.append("PU_CAPHEAD")
        if head[0] in "\"“'‘":
            f.append("PU_QUOTEDHEAD")
    if not rest:
        f.append("PU_EOL")
    elif len(rest) > 15:
        f.append("PU_LONGREST")
    if rest[:1] in ("\"", "“", "‘", "'"):
        f.append("PU_QUOTE_NEXT")
    if head[-1:] in ("\"", "”", "’", "'"):
        f.append("PU_QUOTE_BEFORE")
    return f


class CueModel:
    """Logistic regression over the features of ``doc_features``; see the module docstring."""

    def __init__(
        self,
        weights: dict[str, float],
        bias: float,
        threshold: float = 0.5,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        self.weights = weights
        self.bias = float(bias)
        self.threshold = float(threshold)
        self.metadata = metadata or {}

    # -- loading --------------------------------------------------------------------------------

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CueModel:
        if data.get("format") != MODEL_FORMAT:
            raise ValueError(f"not a {MODEL_FORMAT} model: format={data.get('format')!r}")
        return cls(
            {str(k): float(v) for k, v in data["weights"].items()},
            float(data["bias"]),
            float(data["threshold"]),
            data.get("metadata") or {},
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": MODEL_FORMAT,
            "bias": self.bias,
            "threshold": self.threshold,
            "metadata": self.metadata,
            "weights": self.weights,
        }

    @classmethod
    def load(cls, path: str | Path | None = None) -> CueModel:
        """The model at ``path``, by default the one shipped with the package; loaded once per
        path and then shared."""
        return _load(None if path is None else str(Path(path).resolve()))

    # -- scoring --------------------------------------------------------------------------------

    def candidates(self, doc: Doc) -> list[int]:
        """Indices of the tokens the model scores (verbs, nouns, predicative adjectives,
        auxiliaries heading a clause, 'according', colons and dashes)."""
        n = len(doc)
        if n == 0:
            return []
        arr = doc.to_array([LOWER, POS, DEP])
        lower = _STRINGS.lookup(doc, arr[:, 0].tolist())
        pos = [_POS.get(p, "") for p in arr[:, 1].tolist()]
        dep = _STRINGS.lookup(doc, arr[:, 2].tolist())
        return [i for i in range(n) if is_candidate(pos[i], dep[i], lower[i])]

    def score_features(self, feats: list[str]) -> float:
        get = self.weights.get
        z = self.bias + sum(map(get, feats, repeat(0.0)))
        return _sigmoid(z)

    def score_doc(self, doc: Doc, quotes: Sequence[Quote] | None = None) -> dict[int, float]:
        """Token index -> P(cue) for every candidate token; pass ``quotes`` (from
        ``find_quotes(doc.text)``) when they are already known, to skip finding them again."""
        cands, feats = doc_features(doc, quotes)
        get = self.weights.get
        bias = self.bias
        zero = repeat(0.0)
        out: dict[int, float] = {}
        for i, f in zip(cands, feats):
            z = bias + sum(map(get, f, zero))
            out[i] = _sigmoid(z)
        return out

    def cue_tokens(self, doc: Doc, quotes: Sequence[Quote] | None = None) -> list[int]:
        """Candidate tokens scoring at or above the model's threshold, in text order."""
        t = self.threshold
        return [i for i, p in self.score_doc(doc, quotes).items() if p >= t]


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


@lru_cache(maxsize=8)
def _load(path: str | None) -> CueModel:
    if path is None:
        raw = resources.files("claimledger").joinpath("models", DEFAULT_MODEL).read_text("utf-8")
    else:
        raw = Path(path).read_text(encoding="utf-8")
    return CueModel.from_dict(json.loads(raw))


__all__ = ["CueModel", "doc_features", "is_candidate", "MODEL_FORMAT"]
