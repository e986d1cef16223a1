"""Claims worth checking: the statements an article makes, attributed or in its own voice.

Units are the contents of attributions (a claim a source makes) and the sentences no attribution
covers (the author's voice). Each unit is scored for check-worthiness by the trained model
(``checkworthy.py``); those at or above its threshold become claims, and so do units below it that
carry a statistic, are disputed or questioned, or sit beside evidence said to be missing or
disputed. Claims are typed by rules (statistic, causal, prediction, comparison, opinion, event, other), with their
numbers and dates normalised, their hedges, the evidence around them and a certainty:
disputed > questioned > hedged > asserted.
"""

from __future__ import annotations

import datetime as dt
import re
from bisect import bisect_left
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from spacy.tokens import Doc, Span

from claimledger.model import Attribution, Claim, Evidence, Hedge
from claimledger.pipeline.attribution import doc_text
from claimledger.pipeline.quantities import find_dates, find_quantities

Scorer = Callable[[list[str], list[Span]], Sequence[float]]

_CAUSAL = re.compile(
    r"\b(?:because(?: of)?|due to|as a result(?: of)?|caused|causing|causes|led to|leads? to|"
    r"resulted in|results? in|result of|driven by|blamed? \w+ (?:for|on)|thanks to|"
    r"in response to|so that|responsible for|triggered|fuel(?:ed|led|s)?)\b",
    re.I,
)
_PREDICTION = re.compile(
    r"\b(?:will|won't|would|is expected to|are expected to|expects?|forecasts?|projects?|"
    r"projected|predicts?|predicted|likely to|going to|is set to|are set to|plans? to|"
    r"could spiral|next (?:week|month|year))\b",
    re.I,
)
_COMPARISON = re.compile(
    r"\b(?:than|compared (?:with|to)|doubled|tripled|halved|twice as|more|fewer|less|"
    r"the (?:most|least|highest|lowest|largest|smallest|biggest|fastest|worst|best)|"
    r"highest|lowest|largest|smallest|biggest|record)\b",
    re.I,
)
_OPINION = re.compile(
    r"\b(?:i think|i believe|we believe|in my (?:view|opinion)|should|must|ought to|"
    r"shameful|disgraceful|outrageous|unacceptable|reckless|moral failure|theatrics|"
    r"terrible|wonderful|great|disaster|absurd|ridiculous|wrong|right thing|calculated move)\b",
    re.I,
)
_DISPUTE_CUES = frozenset(
    "deny dismiss reject dispute refute rebut contest deride debunk disavow contradict".split()
)
_QUESTION_CUES = frozenset("question doubt challenge query wonder scrutinize".split())
_DISPUTE_WORDS = re.compile(
    r"\b(?:fabricat\w*|false(?:ly)?|fake|hoax|untrue|baseless|lies?|denied|denies|rejected)\b", re.I
)
_QUESTION_WORDS = re.compile(
    r"\b(?:raises? (?:\w+ )?(?:doubts?|questions?)|questions? (?:about|over)|questioned|"
    r"doubts? (?:about|over)|skeptic\w*|sceptic\w*|unclear whether|remains? to be seen|"
    r"(?:could not|couldn't|cannot|can't|was unable to|were unable to|has not been|have not been)"
    r" (?:be )?(?:independently )?(?:verif\w*|confirm\w*))\b",
    re.I,
)


@dataclass(frozen=True)
class _Unit:
    start: int
    end: int
    attribution: Attribution | None
    span: Span


def claim_units(doc: Doc, attributions: Sequence[Attribution]) -> list[_Unit]:
    """Attribution contents, and the sentences no attribution content covers."""
    units: list[_Unit] = []
    seen: set[tuple[int, int]] = set()
    for a in attributions:
        s, e = a.content.start, a.content.end
        if len(a.content.text.split()) < 4 or (s, e) in seen:
            continue
        span = doc.char_span(s, e, alignment_mode="expand")
        if span is None:
            continue
        seen.add((s, e))
        units.append(_Unit(s, e, a, span))
    covered = sorted((a.content.start, a.content.end) for a in attributions)
    cue_starts = sorted(a.cue.start for a in attributions if a.cue)
    active: list[tuple[int, int]] = []  # contents that start before the sentence ends, in order
    next_covered = 0
    for sent in doc.sents:  # in text order: a content that ends before a sentence is done with
        while next_covered < len(covered) and covered[next_covered][0] < sent.end_char:
            active.append(covered[next_covered])
            next_covered += 1
        active = [(s, e) for s, e in active if e > sent.start_char]
        text = sent.text.strip()
        if len(text.split()) < 5:
            continue
        inside = sum(max(0, min(e, sent.end_char) - max(s, sent.start_char)) for s, e in active)
        if inside >= 0.4 * (sent.end_char - sent.start_char):
            continue  # the sentence reports somebody; its content is already a unit
        if bisect_left(cue_starts, sent.end_char) > bisect_left(cue_starts, sent.start_char):
            continue  # a cue of the sentence: it reports somebody
        lead = len(sent.text) - len(sent.text.lstrip())
        start = sent.start_char + lead
        end = start + len(text)
        units.append(_Unit(start, end, None, sent))
    units.sort(key=lambda u: (u.start, u.end))
    return units


class _ByStart:
    """Indices of items whose start lies in a range, in their original order, by bisection."""

    def __init__(self, starts: Sequence[int]) -> None:
        order = sorted(range(len(starts)), key=lambda i: starts[i])
        self._starts = [starts[i] for i in order]
        self._order = order

    def within(self, lo: int, hi: int) -> list[int]:
        """Indices ``i`` with ``lo <= starts[i] < hi``, ascending."""
        return sorted(
            self._order[bisect_left(self._starts, lo) : bisect_left(self._starts, hi)]
        )


def claim_type(text: str, quantities: list, dates: list, span: Span) -> str:
    if quantities:
        return "statistic"
    if _CAUSAL.search(text):
        return "causal"
    if _PREDICTION.search(text):
        return "prediction"
    if _COMPARISON.search(text) and re.search(r"\bthan\b|\bthe (?:most|least)\b|est\b", text):
        return "comparison"
    if _OPINION.search(text):
        return "opinion"
    if dates or any(t.tag_ in ("VBD", "VBN") for t in span):
        return "event"
    return "other"


def claim_certainty(
    text: str, sentence: str, attribution: Attribution | None, cue_lemma: str | None,
    hedges: list[Hedge], evidence: list[Evidence],
) -> str:
    if (cue_lemma in _DISPUTE_CUES) or any(e.status == "disputed" for e in evidence) or (
        attribution is not None and _DISPUTE_WORDS.search(sentence) and cue_lemma is not None
        and _DISPUTE_WORDS.search(text) is None
    ):
        return "disputed"
    if cue_lemma in _QUESTION_CUES or _QUESTION_WORDS.search(sentence):
        return "questioned"
    if hedges:
        return "hedged"
    return "asserted"


def build_claims(
    doc: Doc,
    attributions: Sequence[Attribution],
    hedges: Sequence[Hedge],
    evidence: Sequence[Evidence],
    scorer: Scorer,
    threshold: float,
    published: dt.date | None = None,
) -> tuple[tuple[Claim, ...], tuple[Evidence, ...]]:
    """The claims of ``doc``; returns them and the evidence with ``claim_ids`` filled in."""
    text = doc_text(doc)
    units = claim_units(doc, attributions)
    if not units:
        return (), tuple(evidence)
    scores = scorer([text[u.start : u.end] for u in units], [u.span for u in units])
    claims: list[Claim] = []
    ev_claims: dict[str, list[str]] = {e.id: [] for e in evidence}
    hedges_by_start = _ByStart([h.start for h in hedges])
    evidence_by_start = _ByStart([e.start for e in evidence])
    for u, score in zip(units, scores):
        unit_text = text[u.start : u.end]
        dates = find_dates(unit_text, u.start, published)
        quantities = find_quantities(
            unit_text, u.start, skip=[(d.start, d.end) for d in dates]
        )
        sent_start = u.span.sent.start_char if u.attribution is None else min(
            u.span.sent.start_char, u.attribution.cue.start if u.attribution.cue else u.start
        )
        sent_end = max(u.end, u.span[-1].sent.end_char if len(u.span) else u.end)
        in_scope = [hedges[i] for i in hedges_by_start.within(sent_start, sent_end)]
        near = [evidence[i] for i in evidence_by_start.within(sent_start, sent_end)]
        cue_lemma = None
        if u.attribution is not None and u.attribution.cue is not None:
            cue_span = doc.char_span(u.attribution.cue.start, u.attribution.cue.end,
                                     alignment_mode="expand")
            cue_lemma = cue_span.root.lemma_.lower() if cue_span is not None else None
        ctype = claim_type(unit_text, quantities, dates, u.span)
        certainty = claim_certainty(
            unit_text, text[sent_start:sent_end], u.attribution, cue_lemma, in_scope, near
        )
        contested = certainty in ("disputed", "questioned") or any(
            e.status != "cited" for e in near
        )
        if score < threshold and not quantities and not contested:
            continue  # kept below the threshold: statistics, and what is disputed or unproven
        cid = f"C{len(claims) + 1}"
        for e in near:
            ev_claims[e.id].append(cid)
        claims.append(
            Claim(
                id=cid,
                text=unit_text,
                start=u.start,
                end=u.end,
                type=ctype,  # type: ignore[arg-type]
                checkworthiness=round(float(score), 4),
                attribution_id=u.attribution.id if u.attribution else None,
                certainty=certainty,  # type: ignore[arg-type]
                hedge_ids=tuple(h.id for h in in_scope),
                evidence_ids=tuple(e.id for e in near),
                quantities=tuple(q.to_dict() for q in quantities),
                dates=tuple(d.to_dict() for d in dates),
            )
        )
    linked = tuple(
        Evidence(e.id, e.text, e.start, e.end, e.kind, e.status, tuple(ev_claims[e.id]))
        for e in evidence
    )
    return tuple(claims), linked
