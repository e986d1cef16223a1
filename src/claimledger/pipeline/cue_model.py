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
from spacy.attrs import DEP, HEAD, LEMMA, LOWER, ORTH, POS, SENT_START, SPACY, TAG
from spacy.parts_of_speech import NAMES as _POS_NAMES
from spacy.strings import get_string_id
from spacy.tokens import Doc

from claimledger.pipeline.lexicons import words
from claimledger.pipeline.quotes import Quote, find_quotes

MODEL_FORMAT = "claimledger.cue_model/1"
DEFAULT_MODEL = "cue_model.json"

_ATTRS = [ORTH, SPACY, LOWER, LEMMA, POS, TAG, DEP, HEAD, SENT_START]
_POS = {int(k): v for k, v in _POS_NAMES.items()}
_POS_ID = {v: int(k) for k, v in _POS_NAMES.items()}
# auxiliaries that are candidates only when they head something themselves
_AUX_DEPS = ("aux", "auxpass")
# predicative adjectives can be cues ("made clear", "is confident that", "critical of")
_ADJ_DEPS = ("acomp", "oprd", "ROOT", "ccomp", "conj", "advcl", "xcomp")
_PUNCT_CUES = (":", "―", "—", "–", "--")
# child relations whose word is itself informative
_CHILD_WORD_DEPS = frozenset(("mark", "aux", "auxpass", "neg", "prt", "agent", "prep"))
# child relations crossed with the candidate's lemma
_LEMMA_CHILD_DEPS = frozenset(("ccomp", "xcomp", "dobj", "nsubj", "nsubjpass", "prep", "agent"))
_PREP_DEPS = frozenset(("prep", "prt", "agent"))
_SUBJ_DEPS = ("nsubj", "nsubjpass", "csubj")
_QUOTE_WINDOW = 3
_MAX_CACHED_STRINGS = 1_000_000


def _h(values) -> numpy.ndarray:
    return numpy.array([get_string_id(v) for v in values], dtype=numpy.uint64)


_H_AUX_DEPS = _h(_AUX_DEPS)
_H_ADJ_DEPS = _h(_ADJ_DEPS)
_H_ROOT = get_string_id("ROOT")
_H_WORDS = _h(_PUNCT_CUES + ("according",))


def _space_word(text: str) -> str:
    return "<nl>" if "\n" in text else "<sp>"


class _Strings:
    """Hash -> string, cached across documents (``StringStore`` look-ups are comparatively slow)."""

    def __init__(self) -> None:
        self._cache: dict[int, str] = {0: ""}
        self._lower: dict[int, str] = {0: ""}

    def lookup(self, doc: Doc, hashes: list[int]) -> list[str]:
        cache = self._cache
        try:
            return [cache[h] for h in hashes]
        except KeyError:
            pass
        if len(cache) > _MAX_CACHED_STRINGS:  # a long-running process over an open vocabulary
            cache.clear()
            self._lower.clear()
            cache[0] = self._lower[0] = ""
        strings = doc.vocab.strings
        for h in set(hashes):
            if h not in cache:
                try:
                    cache[h] = strings[h]
                except KeyError:  # pragma: no cover - a hash from another vocab
                    cache[h] = ""
        return [cache[h] for h in hashes]

    def lookup_lower(self, doc: Doc, hashes: list[int]) -> list[str]:
        low = self._lower
        try:
            return [low[h] for h in hashes]
        except KeyError:
            pass
        for h, s in zip(hashes, self.lookup(doc, hashes)):
            low[h] = s.lower()
        return [low[h] for h in hashes]


_STRINGS = _Strings()


def _candidate_mask(arr: numpy.ndarray, lower: list[str] | None = None) -> numpy.ndarray:
    """Which rows of a ``[LOWER, POS, DEP]`` array are worth scoring: verbs and nouns, auxiliaries
    heading a clause, predicative adjectives, sentence-root proper nouns (title-case headline verbs
    the tagger read as names), 'according', colons and dashes."""
    low, pos, dep = arr[:, 0], arr[:, 1], arr[:, 2]
    mask = (pos == _POS_ID["VERB"]) | (pos == _POS_ID["NOUN"])
    mask |= (pos == _POS_ID["AUX"]) & ~numpy.isin(dep, _H_AUX_DEPS)
    mask |= (pos == _POS_ID["ADJ"]) & numpy.isin(dep, _H_ADJ_DEPS)
    mask |= (pos == _POS_ID["PROPN"]) & (dep == _H_ROOT)
    mask |= numpy.isin(low, _H_WORDS)
    if lower is not None:
        # a dash glued to a closing quote mark: “...”― Name
        for i, s in enumerate(lower):
            if "―" in s:
                mask[i] = True
    return mask


def doc_features(
    doc: Doc, quotes: Sequence[Quote] | None = None
) -> tuple[list[int], list[list[str]]]:
    """Candidate token indices of ``doc`` and, for each, its list of feature strings."""
    n = len(doc)
    if n == 0:
        return [], []
    arr = doc.to_array(_ATTRS)
    orth = _STRINGS.lookup(doc, arr[:, 0].tolist())
    lower = _STRINGS.lookup(doc, arr[:, 2].tolist())
    # Doc.text goes through Python Token objects; this is the same string, much faster
    text = "".join([o + " " if s else o for o, s in zip(orth, arr[:, 1].tolist())])
    cands = numpy.flatnonzero(
        _candidate_mask(arr[:, [2, 4, 6]], lower if "―" in text else None)
    ).tolist()
    if not cands:
        return [], []
    lemma = _STRINGS.lookup_lower(doc, arr[:, 3].tolist())
    pos = [_POS.get(p, "") for p in arr[:, 4].tolist()]
    tag = _STRINGS.lookup(doc, arr[:, 5].tolist())
    dep = _STRINGS.lookup(doc, arr[:, 6].tolist())
    heads = (arr[:, 7].astype(numpy.int64) + numpy.arange(n, dtype=numpy.int64)).tolist()
    children: list[list[int]] = [[] for _ in range(n)]
    for i, h in enumerate(heads):
        if h != i:
            children[h].append(i)
    sent_start = arr[:, 8].tolist()
    spaces = arr[:, 1].tolist()
    idxs = numpy.cumsum([0] + [len(o) + s for o, s in zip(orth, spaces)]).tolist()

    # quotation context, as token indices
    if quotes is None:
        quotes = find_quotes(text)
    in_quote = bytearray(n)
    close_before = bytearray(n)  # a quote closes within 3 tokens before
    open_after = bytearray(n)  # a quote opens within 3 tokens after
    if quotes:
        for q in quotes:
            first = max(bisect_right(idxs, q.start) - 1, 0)
            last = bisect_right(idxs, q.end - 1) - 1
            for j in range(max(first - _QUOTE_WINDOW, 0), first):
                open_after[j] = 1
            if q.closed:
                for j in range(last + 1, min(last + 1 + _QUOTE_WINDOW, n)):
                    close_before[j] = 1
                last -= 1
            for j in range(first + 1, last + 1):
                in_quote[j] = 1

    cue_verbs = words("cue_verbs")
    cue_nouns = words("cue_nouns")
    out: list[list[str]] = []
    for i in cands:
        lem, p, d, lo, t = lemma[i], pos[i], dep[i], lower[i], tag[i]
        h = heads[i]
        f = ["L=" + lem, "P=" + p, "T=" + t, "D=" + d, "LD=" + lem + "|" + d, "LT=" + lem + "|" + t]
        if h == i:
            f.append("HL=<root>")
        else:
            hp = pos[h]
            hl = lemma[h]
            f += ("HL=" + hl, "HP=" + hp, "HD=" + dep[h], "PHP=" + p + "|" + hp)
            f.append("HLD=" + hl + "|" + d)
        kids = children[i]
        subj = -1
        if kids:
            seen: set[str] = set()
            for c in kids:
                cd = dep[c]
                if cd not in seen:
                    seen.add(cd)
                    f.append("CD=" + cd)
                    if cd in _LEMMA_CHILD_DEPS:
                        f.append("LC=" + lem + "|" + cd)
                if cd in _CHILD_WORD_DEPS:
                    cl = lemma[c]
                    f.append("CW=" + cd + "|" + cl)
                    if cd in _PREP_DEPS:
                        f.append("LCW=" + lem + "|" + cl)  # called for, critical of
                if subj < 0 and cd in _SUBJ_DEPS:
                    subj = c
        else:
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
            f += ("Q", "Q|P=" + p)
        if close_before[i]:
            f += ("QE", "QE|P=" + p)
        if open_after[i]:
            f += ("QS", "QS|P=" + p)
        # neighbours and position
        if i > 0:
            prev = lower[i - 1]
            if pos[i - 1] == "SPACE":
                prev = _space_word(prev)
                if prev == "<nl>":
                    f.append("LS")
            f.append("PW=" + prev)
        else:
            f += ("PW=<start>", "LS")
        if i + 1 < n:
            nxt = lower[i + 1]
            f.append("NW=" + (_space_word(nxt) if pos[i + 1] == "SPACE" else nxt))
            if nxt == "that":
                f.append("THAT")
        else:
            f.append("NW=<end>")
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
        return numpy.flatnonzero(_candidate_mask(arr, lower)).tolist()

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
        ref = resources.files("claimledger").joinpath("models").joinpath(DEFAULT_MODEL)
        raw = ref.read_text(encoding="utf-8")
    else:
        raw = Path(path).read_text(encoding="utf-8")
    return CueModel.from_dict(json.loads(raw))


__all__ = ["CueModel", "doc_features", "MODEL_FORMAT"]
