"""The accurate engine's attribution stage: the trained tagger's relations, each with its
confidence and its act (speech, thought or stance), and a typer of source mentions over the same
token vectors (one encoder pass serves all three)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np
from spacy.tokens import Doc

from claimledger.neural.attribution import AttributionTagger
from claimledger.neural.mentions import ActModel, SourceTyper
from claimledger.pipeline.acts import decided_act
from claimledger.pipeline.attribution import RawAttribution

# A mention typed not_a_source at least this surely is no speaker: its relation is dropped.
NOT_A_SOURCE = 0.7

Typer = Callable[[tuple[int, int]], dict[str, float]]


def attributions(doc: Doc) -> tuple[list[RawAttribution], Typer | None]:
    """Every attribution relation the tagger finds in ``doc``, in text order, and the typer of
    source mentions (char span -> probability of each type), None when its model is absent."""
    tagger = AttributionTagger.load()
    rels, vectors = tagger.tag(doc)
    acts = ActModel.load()
    if acts is not None:
        rels = [replace(r, act=_act(doc, vectors, r.cue, acts)) if r.cue else r for r in rels]
    typer = _typer(doc, vectors)
    if typer is not None:
        rels = [r for r in rels if r.source is None
                or typer(r.source).get("not_a_source", 0.0) < NOT_A_SOURCE]
    return rels, typer


def _act(doc: Doc, vectors: np.ndarray, cue: tuple[int, int], model: ActModel) -> str | None:
    """The act the cue's words decide (the lexicon naming a thought or a stance, or a hard case
    of the guidelines: a curated rule beats a classifier trained on 480 labels), else the
    classifier's."""
    decided = decided_act(doc, cue)
    return decided if decided is not None else model.act(doc, vectors, cue)


def _typer(doc: Doc, vectors: np.ndarray) -> Typer | None:
    model = SourceTyper.load()
    if model is None:
        return None
    cache: dict[tuple[int, int], dict[str, float]] = {}

    def typer(span: tuple[int, int]) -> dict[str, float]:
        if span not in cache:
            cache[span] = model.proba(doc, vectors, span)
        return cache[span]

    return typer
