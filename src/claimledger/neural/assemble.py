"""Tagged windows to attribution relations: a cue run and its role tags become one
``RawAttribution`` (content = the hull of its content runs, source = the source run nearest the
cue, cut back to the speaker's noun phrase by :mod:`claimledger.neural.speaker`), in the
character offsets of the Doc."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from spacy.tokens import Doc

from claimledger.neural.decode import runs
from claimledger.neural.speaker import (
    cue_possessor, noun_phrase_at_edge, speaker_phrase, subject_of_participle,
    subject_of_verb_cue,
)
from claimledger.neural.windows import Window
from claimledger.pipeline.attribution import RawAttribution, doc_text
from claimledger.pipeline.quotes import rstrip_space

CharSpan = tuple[int, int]
_OPENING_QUOTES = "\"“‘'«"


def char_span(doc: Doc, win: Window, first: int, last: int) -> CharSpan:
    a = doc[int(win.tokens[first])]
    b = doc[int(win.tokens[last])]
    return a.idx, b.idx + len(b.text)


MAX_CONTENT = 300  # tokens
MAX_SOURCE = 40


def best_span(start: np.ndarray, end: np.ndarray, longest: int,
              near: tuple[int, int] | None = None) -> tuple[int, int]:
    """``(s, e)`` with s <= e < s + longest maximising ``start[s] + end[e]``; when ``near`` (a run
    the tags found) is given, the span must overlap it."""
    n = len(start)
    s_idx = np.arange(n)[:, None]
    e_idx = np.arange(n)[None, :]
    ok = (e_idx >= s_idx) & (e_idx - s_idx < longest)
    if near is not None:
        ok &= (s_idx <= near[1]) & (e_idx >= near[0])
    score = np.where(ok, start[:, None] + end[None, :], -np.inf)
    s, e = np.unravel_index(int(np.argmax(score)), score.shape)
    return int(s), int(e)


def relation(doc: Doc, win: Window, cue: tuple[int, int], roles: np.ndarray,
             rule: str = "neural", pointers: np.ndarray | None = None) -> RawAttribution | None:
    """The relation of one cue run ``(first, last)`` from its role tags; None without content.
    The tags say whether there is a content and a source; their boundaries are the tags' hulls,
    or, with ``pointers`` ([T, 4] start/end scores of content and source), the best pointer span
    overlapping the tags' hull."""
    contents = runs(roles, 3, 4)
    if not contents:
        return None
    lo = min(f for f, _ in contents)
    hi = max(last for _, last in contents)
    if pointers is not None:
        lo, hi = best_span(pointers[:, 0], pointers[:, 1], MAX_CONTENT, (lo, hi))
    content = one_paragraph(doc_text(doc), char_span(doc, win, lo, hi))
    sources = runs(roles, 1, 2)
    source = source_token = first_tok = last_tok = None
    if sources:
        f, last = min(sources, key=lambda r: _gap(r, cue))
        first_tok, last_tok = int(win.tokens[f]), int(win.tokens[last])
        if pointers is not None:
            pf, pl = best_span(pointers[:, 2], pointers[:, 3], MAX_SOURCE, (f, last))
            pf, pl = int(win.tokens[pf]), int(win.tokens[pl])
            if not noun_phrase_at_edge(doc, (pf, pl), (first_tok, last_tok)):
                first_tok, last_tok = pf, pl
        first_tok, last_tok = speaker_phrase(doc, first_tok, last_tok)
    cue_first, cue_last = int(win.tokens[cue[0]]), int(win.tokens[cue[1]])
    owner = cue_possessor(doc, cue_first, cue_last)
    if owner is None and not sources:
        owner = subject_of_participle(doc, cue_first, cue_last)
    if owner is None and not sources:
        owner = subject_of_verb_cue(doc, cue_first, cue_last,
                                    (int(win.tokens[lo]), int(win.tokens[hi])))
    if owner is not None:
        first_tok, last_tok = owner
    if first_tok is not None:
        source = doc[first_tok].idx, doc[last_tok].idx + len(doc[last_tok].text)
        source_token = doc[first_tok : last_tok + 1].root.i
    return RawAttribution(
        content=content, cue=char_span(doc, win, *cue), source=source,
        source_token=source_token, rule=rule,
    )


def one_paragraph(text: str, content: CharSpan) -> CharSpan:
    """A content cut at a line break into a paragraph that does not open with a quotation mark
    (a quote running on over paragraphs reopens its mark on each): the tagger's windows span
    paragraphs, PolNeAR's contents do not. PolNeAR dev linked F1 0.671 -> 0.675 (about 30
    contents cut; before, a content running on into "she said.\n\nShe continued, ..." and the
    like)."""
    start, end = content
    at = start
    while (i := text.find("\n", at, end)) >= 0:
        rest = text[i:end].lstrip()
        if rest and rest[0] not in _OPENING_QUOTES:
            cut = rstrip_space(text, start, i)
            return (start, cut) if text[start:cut].strip() else content
        at = i + 1
    return content


def _gap(run: tuple[int, int], cue: tuple[int, int]) -> int:
    if run[1] < cue[0]:
        return cue[0] - run[1]
    if run[0] > cue[1]:
        return run[0] - cue[1]
    return 0


def dedupe(rels: Sequence[RawAttribution]) -> list[RawAttribution]:
    """One relation per (content, source), in text order."""
    seen: dict[tuple[CharSpan, CharSpan | None], RawAttribution] = {}
    for r in rels:
        seen.setdefault((r.content, r.source), r)
    return sorted(seen.values(), key=lambda r: (r.content[0], r.content[1]))
