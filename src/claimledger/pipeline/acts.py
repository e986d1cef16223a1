"""The act of an attribution: speech, thought or stance, from its cue (lexicon
``lexicons/acts.tsv``; every cue it does not list is speech). The accurate engine replaces this
with a classifier trained on hand labels (:mod:`claimledger.neural.mentions`) and falls back to
it when that model is absent."""

from __future__ import annotations

from spacy.tokens import Doc

from claimledger.model import Act
from claimledger.pipeline.lexicons import table


def lexicon_act(doc: Doc, cue: tuple[int, int] | None) -> Act:
    """The act named by the cue's words (its root first), speech when none names one."""
    if cue is None:
        return "speech"
    span = doc.char_span(cue[0], cue[1], alignment_mode="expand")
    if span is None or not len(span):
        return "speech"
    acts = table("acts")
    for tok in (span.root, *span):
        act = acts.get(tok.lemma_.lower()) or acts.get(tok.lower_)
        if act in ("thought", "stance"):
            return act  # type: ignore[return-value]
    return "speech"
