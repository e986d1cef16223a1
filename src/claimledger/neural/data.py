"""The one data-loading harness of every trained model: corpora read from ``../shared/data``,
parsed once with the runtime's spaCy pipeline (cached as DocBin under ``build/cache``), and turned
into encoder examples.

Nothing here needs torch: the training tasks (:mod:`claimledger.neural.train`) and the benchmarks
use the same examples, so a model is scored on exactly what it was trained to see.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from spacy.tokens import Doc, DocBin

from claimledger.evaluation.polnear import DEFAULT_ROOT, GoldArticle, Spans, iter_articles
from claimledger.neural.features import cue_relations, token_features
from claimledger.neural.windows import Window, windows
from claimledger.neural.wordpiece import WordPiece

REPO = Path(__file__).resolve().parents[3]
CACHE = REPO / "build" / "cache"

# Tags of the cue tagger and of the cue-conditioned source/content tagger.
CUE_TAGS = ("O", "B", "I")
ROLE_TAGS = ("O", "B-SRC", "I-SRC", "B-CON", "I-CON")


def parse_cached(texts: Sequence[str], name: str) -> list[Doc]:
    """``texts`` parsed with the runtime pipeline (:func:`claimledger.analyzer.load_nlp`), cached
    under ``build/cache/<name>-<hash>.spacy``; the hash covers the texts and the pipeline."""
    from claimledger.analyzer import load_nlp

    nlp = load_nlp()
    h = hashlib.sha256()
    h.update(f"{nlp.meta['name']}-{nlp.meta['version']}-{','.join(nlp.pipe_names)}".encode())
    for t in texts:
        h.update(hashlib.sha256(t.encode("utf-8", "surrogatepass")).digest())
    path = CACHE / f"{name}-{h.hexdigest()[:16]}.spacy"
    if path.exists():
        docs = list(DocBin().from_disk(path).get_docs(nlp.vocab))
        if [d.text for d in docs] == list(texts):
            return docs
    docs = list(nlp.pipe(texts, batch_size=16))
    path.parent.mkdir(parents=True, exist_ok=True)
    db = DocBin(attrs=["ORTH", "SPACY", "TAG", "POS", "DEP", "HEAD", "LEMMA", "ENT_IOB",
                       "ENT_TYPE", "SENT_START", "MORPH"])
    for d in docs:
        db.add(d)
    db.to_disk(path)
    return docs


# -- attribution ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CuePair:
    """One cue of a window (its window positions) and the role tag of every window token."""

    cue: np.ndarray  # int64 positions in the window
    roles: np.ndarray  # int64 [T], indices into ROLE_TAGS
    relations: np.ndarray  # int64 [T], features.RELATIONS of each token to this cue


@dataclass(frozen=True, slots=True)
class AttributionExample:
    article: int  # index into the article list
    window: Window
    features: np.ndarray  # int64 [3, T], features.token_features
    cue_tags: np.ndarray  # int64 [T], indices into CUE_TAGS
    pairs: tuple[CuePair, ...]


def polnear(split: str, root: Path = DEFAULT_ROOT, annotators: str = "first"
            ) -> tuple[list[GoldArticle], list[Doc]]:
    """A PolNeAR split and its parsed Docs (cached)."""
    arts = list(iter_articles(root, split, annotators))
    return arts, parse_cached([a.text for a in arts], f"polnear-{split}-{annotators}")


def _token_sets(doc: Doc, spans: Spans | None) -> list[list[int]]:
    """Per piece of ``spans``, the Doc tokens it covers (space tokens left out)."""
    if not spans:
        return []
    starts = np.fromiter((t.idx for t in doc), dtype=np.int64, count=len(doc))
    out = []
    for s, e in spans:
        lo = int(np.searchsorted(starts, s, side="right")) - 1
        toks = []
        for i in range(max(lo, 0), len(doc)):
            t = doc[i]
            if t.idx >= e:
                break
            if t.idx + len(t.text) > s and not t.is_space:
                toks.append(i)
        if toks:
            out.append(toks)
    return out


def attribution_examples(arts: Sequence[GoldArticle], docs: Sequence[Doc], wp: WordPiece
                         ) -> list[AttributionExample]:
    """Every window of every article with its cue tags and one CuePair per gold cue inside it."""
    out = []
    for ai, (art, doc) in enumerate(zip(arts, docs)):
        rels = []
        for g in art.attributions:
            cue = sorted({i for p in _token_sets(doc, g.cue) for i in p})
            if not cue:
                continue
            rels.append((cue, _token_sets(doc, g.source), _token_sets(doc, g.content)))
        for win in windows(doc, wp):
            pos = {int(t): k for k, t in enumerate(win.tokens)}
            n = len(win.tokens)
            cue_tags = np.zeros(n, dtype=np.int64)
            by_cue: dict[tuple[int, ...], np.ndarray] = {}
            for cue, src, con in rels:
                if not all(i in pos for i in cue):
                    continue
                cp = tuple(pos[i] for i in cue)
                _tag_runs(cue_tags, cp, 1, 2)
                roles = by_cue.setdefault(cp, np.zeros(n, dtype=np.int64))
                for piece in con:
                    _tag_runs(roles, [pos[i] for i in piece if i in pos], 3, 4)
                for piece in src:
                    _tag_runs(roles, [pos[i] for i in piece if i in pos], 1, 2)
            pairs = tuple(
                CuePair(np.asarray(c, dtype=np.int64), r, cue_relations(doc, win, min(c), max(c)))
                for c, r in by_cue.items()
            )
            out.append(AttributionExample(ai, win, token_features(doc, win), cue_tags, pairs))
    return out


def _tag_runs(tags: np.ndarray, positions: Sequence[int], b: int, i: int) -> None:
    """Tag ``positions`` as B/I runs (a gap starts a new run)."""
    prev = None
    for p in sorted(positions):
        tags[p] = i if prev is not None and p == prev + 1 else b
        prev = p
