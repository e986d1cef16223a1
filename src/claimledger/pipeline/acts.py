"""The act of an attribution: speech, thought or stance, from its cue (lexicon
``lexicons/acts.tsv``; every cue it does not list is speech). The accurate engine asks a classifier
trained on hand labels (:mod:`claimledger.neural.mentions`) wherever the cue's words do not decide
(:func:`decided_act`), and falls back to this when that model is absent.

Two hard cases of ``docs/annotation/acts.md`` are decided by the parse: a rejecting verb whose
object is a claim ("dismissed the ministry's claim that …", "rejected the notion that …") reports
an utterance about a proposition, speech (but "rejected the offer" is stance); "called X a Y" /
"calling the raid a “…”" labels, speech (but "called for" is stance)."""

from __future__ import annotations

from spacy.tokens import Doc

from claimledger.model import Act
from claimledger.pipeline.lexicons import table


# verbs of rejection that, with a claim as their object, report a denial (speech)
REJECTING = frozenset("reject dismiss dispute contest refute rebut denounce deride ridicule "
                      "scoff debunk".split())
CLAIM_NOUNS = frozenset("""claim notion idea suggestion allegation accusation charge assertion
report account story contention premise characterization characterisation argument theory rumour
rumor speculation assessment finding conclusion version narrative""".split())


def lexicon_act(doc: Doc, cue: tuple[int, int] | None) -> Act:
    """The act named by the cue's words (its root first), speech when none names one."""
    return decided_act(doc, cue) or "speech"


def decided_act(doc: Doc, cue: tuple[int, int] | None) -> Act | None:
    """The act the cue's words decide: a thought or stance the lexicon names, or one of the hard
    cases above; None when nothing in them decides (a learned model may then judge)."""
    if cue is None:
        return None
    span = doc.char_span(cue[0], cue[1], alignment_mode="expand")
    if span is None or not len(span):
        return None
    root = span.root
    lemma = root.lemma_.lower()
    if lemma == "call":
        deps = {c.dep_ for c in root.children}
        if "oprd" in deps:
            return "speech"  # called X a Y: labelling
        if any(c.dep_ == "prep" and c.lower_ == "for" for c in root.children):
            return "stance"  # called for: a policy position
    if lemma in REJECTING and any(c.dep_ == "dobj" and c.lemma_.lower() in CLAIM_NOUNS
                                  for c in root.children):
        return "speech"
    acts = table("acts")
    for tok in (root, *span):
        act = acts.get(tok.lemma_.lower()) or acts.get(tok.lower_)
        if act in ("thought", "stance"):
            return act  # type: ignore[return-value]
    return None
