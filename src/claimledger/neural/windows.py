"""Articles cut into encoder windows: whole sentences packed up to the encoder's length.

A window is a run of spaCy tokens ``[start, end)`` of one Doc; ``ids`` are its wordpieces framed
by ``[CLS]``/``[SEP]``; ``tokens`` are the Doc indices of the tokens that have wordpieces (space
tokens have none) and ``first`` the position in ``ids`` of each one's first wordpiece, which is
where a tagger reads it. ``sent`` gives each of those tokens its sentence number in the window, so
heads can tell "same sentence" from "the next one". A sentence longer than a window is cut at a
token boundary.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
from spacy.tokens import Doc

from claimledger.neural.wordpiece import WordPiece

MAX_WORDPIECES = 256  # [CLS] + 254 + [SEP]


@dataclass(frozen=True, slots=True)
class Window:
    start: int
    end: int
    ids: np.ndarray  # int64 [L]
    tokens: np.ndarray  # int64 [T]: Doc token index
    first: np.ndarray  # int64 [T]: index into ids
    sent: np.ndarray  # int64 [T]: sentence number within the window


def _sentences(doc: Doc) -> list[tuple[int, int]]:
    if doc.has_annotation("SENT_START"):
        return [(s.start, s.end) for s in doc.sents]
    return [(0, len(doc))]


def windows(doc: Doc, wp: WordPiece, max_len: int = MAX_WORDPIECES) -> list[Window]:
    """The Doc's tokens cut into windows of at most ``max_len`` wordpieces, whole sentences where
    they fit."""
    budget = max_len - 2
    pieces = [wp.ids(t.text) for t in doc]
    units: list[tuple[int, int, int]] = []  # (start, end, sentence id) runs that fit a window
    for sid, (s, e) in enumerate(_sentences(doc)):
        n = 0
        run = s
        for i in range(s, e):
            k = min(len(pieces[i]), budget)
            if n + k > budget:
                units.append((run, i, sid))
                run, n = i, 0
            n += k
        units.append((run, e, sid))
    out: list[Window] = []
    group: list[tuple[int, int, int]] = []
    size = 0
    for u in units:
        k = sum(min(len(pieces[i]), budget) for i in range(u[0], u[1]))
        if group and size + k > budget:
            out.append(_window(group, pieces, budget, wp))
            group, size = [], 0
        group.append(u)
        size += k
    if group:
        out.append(_window(group, pieces, budget, wp))
    return [w for w in out if len(w.tokens)]


def _window(units: Sequence[tuple[int, int, int]], pieces: list[tuple[int, ...]],
            budget: int, wp: WordPiece) -> Window:
    ids = [wp.cls]
    tokens: list[int] = []
    first: list[int] = []
    sent: list[int] = []
    first_sid = units[0][2]
    for s, e, sid in units:
        for i in range(s, e):
            p = pieces[i][:budget]
            if not p:
                continue
            tokens.append(i)
            first.append(len(ids))
            sent.append(sid - first_sid)
            ids.extend(p)
    ids.append(wp.sep)
    return Window(
        start=units[0][0], end=units[-1][1],
        ids=np.asarray(ids, dtype=np.int64), tokens=np.asarray(tokens, dtype=np.int64),
        first=np.asarray(first, dtype=np.int64), sent=np.asarray(sent, dtype=np.int64),
    )


def batches(items: Sequence[Window], size: int) -> Iterator[list[int]]:
    """Indices of ``items`` in batches of similar length (longest first)."""
    order = sorted(range(len(items)), key=lambda i: -len(items[i].ids))
    for k in range(0, len(order), size):
        yield order[k : k + size]
