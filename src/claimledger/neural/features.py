"""What the parse and the spelling add to the encoder's token vectors, as small ids the heads
embed: each token's case shape, part of speech and dependency label (the encoder is uncased and
knows no syntax), and each token's syntactic relation to a cue — the label of the cue's child on
the path from the token up to the cue (``ccomp``: inside the reported clause, ``nsubj``: the
speaker), ``CUE`` inside the cue, ``ABOVE`` when the cue hangs below the token (``according
to``), ``NONE`` otherwise."""

from __future__ import annotations

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


def token_features(doc: Doc, win: Window) -> np.ndarray:
    """[3, T] ids: shape, part of speech, dependency label of each window token."""
    out = np.zeros((3, len(win.tokens)), dtype=np.int64)
    for k, i in enumerate(win.tokens.tolist()):
        t = doc[i]
        out[0, k] = _shape(t.text)
        out[1, k] = _POS_ID.get(t.pos_, 0)
        out[2, k] = _DEP_ID.get(t.dep_, 0)
    return out


def cue_relations(doc: Doc, win: Window, first: int, last: int) -> np.ndarray:
    """[T] relation ids of each window token to the cue at window positions [first, last]."""
    toks = win.tokens.tolist()
    cue = set(toks[first : last + 1])
    above: set[int] = set()
    for c in cue:  # the cue's ancestors
        t = doc[c]
        for _ in range(_MAX_DEPTH):
            if t.head.i == t.i:
                break
            t = t.head
            above.add(t.i)
    above -= cue
    out = np.zeros(len(toks), dtype=np.int64)
    for k, i in enumerate(toks):
        if i in cue:
            out[k] = _REL_ID["CUE"]
            continue
        if i in above:
            out[k] = _REL_ID["ABOVE"]
            continue
        t = doc[i]
        for _ in range(_MAX_DEPTH):
            h = t.head
            if h.i == t.i:
                break
            if h.i in cue:
                out[k] = _REL_ID.get(t.dep_, 0) if t.dep_ in _REL_ID else 0
                break
            t = h
    return out
