"""What the parse and the spelling add to the encoder's token vectors, as small ids the heads
embed: each token's case shape, part of speech and dependency label (the encoder is uncased and
knows no syntax), and each token's syntactic relation to a cue — the label of the cue's child on
the path from the token up to the cue (``ccomp``: inside the reported clause, ``nsubj``: the
speaker), ``CUE`` inside the cue, ``ABOVE`` when the cue hangs below the token (``according
to``), ``NONE`` otherwise."""

from __future__ import annotations

import threading

import numpy as np
from spacy.tokens import Doc

from claimledger.neural.windows import Window

DEPS = (
    "ROOT acl acomp advcl advmod agent amod appos attr aux auxpass case cc ccomp compound conj "
    "csubj csubjpass dative dep det dobj expl intj mark meta neg nmod npadvmod nsubj nsubjpass "
    "nummod oprd parataxis pcomp pobj poss preconj predet prep prt punct quantmod relcl xcomp"
).split()
POS = "ADJ ADP ADV AUX CCONJ DET INTJ NOUN NUM PART PRON PROPN PUNCT SCONJ SPACE SYM VERB X".split()
SHAPES = ("lower", "title", "upper", "digit", "quote", "punct", "other")
RELATIONS = ("NONE", "CUE", "ABOVE", *DEPS)

_DEP_ID = {d: i + 1 for i, d in enumerate(DEPS)}  # 0 = unknown
_POS_ID = {p: i + 1 for i, p in enumerate(POS)}
_REL_ID = {r: i for i, r in enumerate(RELATIONS)}
_QUOTES = frozenset("\"'“”‘’«»„‚‹›`")
_MAX_DEPTH = 64


def _shape(text: str) -> int:
    if text[:1] in _QUOTES:
        return 4
    if any(c.isdigit() for c in text):
        return 3
    if text[:1].isupper():
        return 2 if len(text) > 1 and text.isupper() else 1
    if text[:1].islower():
        return 0
    if not text[:1].isalnum():
        return 5
    return 6


class _Syntax:
    """The per-token arrays of one Doc the features read: head index, relation id of the token's
    dependency label, the [3, n] shape / part-of-speech / label ids, and whether it is alphabetic."""

    def __init__(self, doc: Doc) -> None:
        n = len(doc)
        self.doc = doc
        self.heads = np.arange(n, dtype=np.int64) + doc.to_array("HEAD").astype(np.int64)
        self.feats = np.zeros((3, n), dtype=np.int64)
        self.rel = np.zeros(n, dtype=np.int64)
        self.alpha = np.zeros(n, dtype=bool)
        for i, t in enumerate(doc):
            self.feats[0, i] = _shape(t.text)
            self.feats[1, i] = _POS_ID.get(t.pos_, 0)
            self.feats[2, i] = _DEP_ID.get(t.dep_, 0)
            self.rel[i] = _REL_ID.get(t.dep_, 0)
            self.alpha[i] = t.is_alpha
        self._win: tuple[Window, np.ndarray] | None = None

    def ancestors(self, win: Window) -> np.ndarray:
        """[T, D] doc indices: each window token (column 0), then its head, its head's head ...
        up to _MAX_DEPTH steps (a root repeats itself)."""
        if self._win is not None and self._win[0] is win:
            return self._win[1]
        cur = win.tokens.astype(np.int64)
        cols = [cur]
        for _ in range(_MAX_DEPTH):
            nxt = self.heads[cur]
            if np.array_equal(nxt, cur):
                break
            cols.append(nxt)
            cur = nxt
        anc = np.stack(cols, axis=1)
        self._win = (win, anc)
        return anc


_local = threading.local()


def syntax(doc: Doc) -> _Syntax:
    """The arrays of ``doc``, computed once for the Doc being read (one per thread)."""
    cached = getattr(_local, "syntax", None)
    if cached is None or cached.doc is not doc:
        cached = _local.syntax = _Syntax(doc)
    return cached


def token_features(doc: Doc, win: Window) -> np.ndarray:
    """[3, T] ids: shape, part of speech, dependency label of each window token."""
    return syntax(doc).feats[:, win.tokens]


def cue_relations(doc: Doc, win: Window, first: int, last: int) -> np.ndarray:
    """[T] relation ids of each window token to the cue at window positions [first, last]."""
    syn = syntax(doc)
    anc = syn.ancestors(win)
    toks = win.tokens
    cue = np.zeros(len(doc), dtype=bool)
    cue[toks[first : last + 1]] = True
    above = np.zeros(len(doc), dtype=bool)  # the cue's ancestors
    above[anc[first : last + 1, 1:].ravel()] = True
    above &= ~cue
    out = np.zeros(len(toks), dtype=np.int64)
    if anc.shape[1] > 1:
        hit = cue[anc[:, 1:]]  # [T, D-1]: is the d-th ancestor in the cue
        found = hit.any(1)
        step = hit.argmax(1)  # the first such ancestor is anc[:, step + 1]; its child anc[:, step]
        child = anc[np.arange(len(toks)), step]
        out[found] = syn.rel[child[found]]
    out[above[toks]] = _REL_ID["ABOVE"]
    out[cue[toks]] = _REL_ID["CUE"]
    return out
