"""Helpers shared by the renderers: type labels, grouping, counting, text clean-up, and the
claims, evidence and profile of a ledger tidied for display."""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Collection, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace
from typing import Any

from claimledger.model import SOURCE_TYPES, Attribution, Claim, Evidence, Hedge, Ledger, Source

UNRESOLVED = "unresolved"
OTHER = "other"

TYPE_LABELS: dict[str, str] = {
    "named_person": "named person",
    "named_organization": "named organization",
    "anonymous": "anonymous",
    "vague": "vague",
    UNRESOLVED: "unresolved source",
    OTHER: "other",
}

GROUP_TITLES: dict[str, str] = {
    "named_person": "Named people",
    "named_organization": "Named organizations",
    "anonymous": "Anonymous sources",
    "vague": "Vague sources",
    OTHER: "Other sources",
    UNRESOLVED: "Unresolved source",
}

# Bidirectional overrides/isolates can make terminal or HTML text display differently from
# what it is ("Trojan source"); they are dropped from labels, never from the article text.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class _Index:
    """The ledger's items by id, so that every lookup is O(1) and rendering stays linear."""

    sources: dict[str, Source]  # the first source with an id wins, as in Ledger.source()
    attributions: dict[str, Attribution]
    hedges: dict[str, Hedge]
    by_source: dict[str | None, list[Attribution]]


_INDEX: ContextVar[tuple[Ledger, _Index] | None] = ContextVar("claimledger_render_index",
                                                               default=None)


def _build_index(ledger: Ledger) -> _Index:
    sources: dict[str, Source] = {}
    for s in ledger.sources:
        sources.setdefault(s.id, s)
    attributions: dict[str, Attribution] = {}
    by_source: dict[str | None, list[Attribution]] = {}
    for a in ledger.attributions:
        attributions.setdefault(a.id, a)
        by_source.setdefault(a.source_id, []).append(a)
    hedges: dict[str, Hedge] = {}
    for h in ledger.hedges:
        hedges.setdefault(h.id, h)
    return _Index(sources, attributions, hedges, by_source)


@contextmanager
def indexed(ledger: Ledger) -> Iterator[None]:
    """Within this block the helpers below look ``ledger``'s items up in one shared index."""
    token = _INDEX.set((ledger, _build_index(ledger)))
    try:
        yield
    finally:
        _INDEX.reset(token)


def _index(ledger: Ledger) -> _Index:
    """The index of ``ledger``: the one of the current render, else a fresh one."""
    current = _INDEX.get()
    if current is not None and current[0] is ledger:
        return current[1]
    return _build_index(ledger)


def source_of(ledger: Ledger, source_id: str | None) -> Source | None:
    """``ledger.source(source_id)`` in O(1)."""
    return _index(ledger).sources.get(source_id) if source_id is not None else None


def statements_of(ledger: Ledger, source_id: str) -> list[Attribution]:
    """``ledger.attributions_of(source_id)`` in O(1)."""
    return list(_index(ledger).by_source.get(source_id, ()))


def type_key(source: Source | None) -> str:
    """The display type of a source: one of SOURCE_TYPES, ``other`` or ``unresolved``."""
    if source is None:
        return UNRESOLVED
    return source.type if source.type in SOURCE_TYPES else OTHER


def attribution_type(ledger: Ledger, attribution: Attribution) -> str:
    """The display type of the source an attribution resolves to."""
    return type_key(source_of(ledger, attribution.source_id))


def clean(text: str | None) -> str:
    """Text safe for one line of a label: control and bidi characters removed, spaces collapsed."""
    if not text:
        return ""
    kept = []
    for ch in text:
        if ch.isspace():
            kept.append(" ")
        elif ch in _BIDI_CONTROLS or unicodedata.category(ch) in ("Cc", "Cs"):
            continue
        else:
            kept.append(ch)
    return _SPACES.sub(" ", "".join(kept)).strip()


def truncate(text: str, limit: int = 160) -> str:
    """``text`` cleaned and cut to at most ``limit`` characters, ending in an ellipsis when cut."""
    text = clean(text)
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space >= limit * 3 // 4:
        cut = cut[:space]
    return cut.rstrip(" ,;:") + "…"


def type_counts(ledger: Ledger) -> dict[str, int]:
    """Number of attributions per display type, every standard type and ``unresolved`` included."""
    counts = {t: 0 for t in (*SOURCE_TYPES, UNRESOLVED)}
    index = _index(ledger)
    for a in ledger.attributions:
        source = index.sources.get(a.source_id) if a.source_id is not None else None
        key = type_key(source)
        counts[key] = counts.get(key, 0) + 1
    return counts


def group_order() -> tuple[str, ...]:
    """The order in which source groups are shown."""
    return (*SOURCE_TYPES, OTHER)


def source_groups(ledger: Ledger) -> list[tuple[str, list[Source]]]:
    """Sources grouped by display type, in display order, empty groups left out."""
    groups: list[tuple[str, list[Source]]] = []
    for key in group_order():
        members = [s for s in ledger.sources if type_key(s) == key]
        if members:
            groups.append((key, members))
    return groups


def in_order(attributions: Iterable[Attribution]) -> list[Attribution]:
    """Attributions in article order (by content start)."""
    return sorted(attributions, key=lambda a: (a.content.start, a.content.end))


def unresolved(ledger: Ledger) -> list[Attribution]:
    """Attributions whose source id is missing or does not name a source of the ledger."""
    return in_order(a for a in ledger.attributions if source_of(ledger, a.source_id) is None)


def describe_source(source: Source) -> str:
    """A one-line description such as ``S2 one official (anonymous)``."""
    return f"{clean(source.id)} {clean(source.name)} ({TYPE_LABELS[type_key(source)]})"


def source_details(source: Source) -> list[tuple[str, str]]:
    """The known details of a source as (label, value) pairs: role, affiliation, anonymity."""
    pairs = [
        ("role", source.role),
        ("affiliation", source.affiliation),
        ("anonymity", source.anonymity_reason),
    ]
    return [(label, clean(value)) for label, value in pairs if clean(value)]


def plural(n: int, word: str, words: str | None = None) -> str:
    """``1 source`` / ``2 sources``."""
    return f"{n} {word if n == 1 else (words or word + 's')}"


# --------------------------------------------------------------------------- claims and evidence

AUTHOR = "author"
CERTAINTY_KEYS = ("asserted", "hedged", "disputed", "questioned")
HEDGE_KEYS = ("epistemic", "evidential", "weasel", "conditional", "speculative")
EVIDENCE_KINDS = ("video", "image", "document", "data", "physical", "testimony", "intelligence")
EVIDENCE_STATUS_ORDER = ("missing", "disputed", "cited")
CLAIM_TYPES = ("statistic", "event", "causal", "prediction", "comparison", "opinion")


def known(value: object, allowed: tuple[str, ...], default: str = OTHER) -> str:
    """``value`` when it is one of ``allowed`` (safe as a CSS class or label), else ``default``."""
    return value if isinstance(value, str) and value in allowed else default


def claims_in_order(claims: Iterable[Claim]) -> list[Claim]:
    """Claims in article order (by start, then end)."""
    return sorted(claims, key=lambda c: (c.start, c.end))


def claim_attribution(ledger: Ledger, claim: Claim) -> Attribution | None:
    """The attribution a claim rests on, or ``None`` (the author's own voice, or a dangling id)."""
    if claim.attribution_id is None:
        return None
    return _index(ledger).attributions.get(claim.attribution_id)


def claim_source(ledger: Ledger, claim: Claim) -> Source | None:
    """The source a claim is attributed to, through its attribution, or ``None``."""
    a = claim_attribution(ledger, claim)
    return source_of(ledger, a.source_id) if a is not None else None


def claim_type_key(ledger: Ledger, claim: Claim) -> str:
    """``author`` for a claim in the author's voice, else the display type of its source."""
    if claim.attribution_id is None:
        return AUTHOR
    return type_key(claim_source(ledger, claim))


def claim_who(ledger: Ledger, claim: Claim) -> str:
    """Who makes a claim: ``author``, ``Maria Lopez (named person)`` or what is known of it."""
    if claim.attribution_id is None:
        return AUTHOR
    a = claim_attribution(ledger, claim)
    if a is None:
        return f"unknown attribution {clean(claim.attribution_id)}"
    source = source_of(ledger, a.source_id)
    if source is not None:
        return f"{clean(source.name) or '(no name)'} ({TYPE_LABELS[type_key(source)]})"
    text = clean(a.source.text) if a.source else ""
    return f"unresolved source “{text}”" if text else "unresolved source"


def claim_hedges(ledger: Ledger, claim: Claim) -> list[Hedge]:
    """The hedges a claim lists, in the order it lists them (unknown ids skipped)."""
    by_id = _index(ledger).hedges
    return [by_id[h] for h in dict.fromkeys(claim.hedge_ids) if h in by_id]


def certainty_label(ledger: Ledger, claim: Claim) -> str:
    """``hedged (may, alleged)``: the certainty and the distinct texts of its hedges."""
    label = clean(str(claim.certainty)) or "unknown"
    cues = list(dict.fromkeys(clean(h.text) for h in claim_hedges(ledger, claim) if clean(h.text)))
    return f"{label} ({', '.join(cues)})" if cues else label


def checkworthiness(claim: Claim) -> float:
    """The claim's check-worthiness clamped to ``[0, 1]`` (0 when it is not a number)."""
    try:
        value = float(claim.checkworthiness)
    except (TypeError, ValueError):
        return 0.0
    if math.isnan(value):
        return 0.0
    return min(1.0, max(0.0, value))


def _number_text(value: object) -> str:
    """A number as people write it: ``9``, ``48,500,000``, ``0.5``; anything else cleaned."""
    if isinstance(value, bool):
        return clean(str(value))
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float) and math.isfinite(value):
        return f"{int(value):,}" if value.is_integer() else f"{value:,.6g}"
    return clean(str(value)) if value is not None else ""


def quantity_label(q: object) -> str:
    """``80 percent (over)``: a quantity's value, unit and qualifier, or its text."""
    if not isinstance(q, dict):
        return ""
    value = _number_text(q.get("value"))
    if not value:
        return clean(str(q.get("text") or ""))
    unit = clean(str(q.get("unit") or ""))
    qualifier = clean(str(q.get("qualifier") or ""))
    label = f"{value} {unit}" if unit else value
    return f"{label} ({qualifier})" if qualifier else label


def date_label(d: object) -> str:
    """A date's resolved value (``2025-09-02``), or its text in quotes when unresolved."""
    if not isinstance(d, dict):
        return ""
    value = clean(str(d.get("value") or ""))
    if value:
        return value
    text = clean(str(d.get("text") or ""))
    return f"“{text}”" if text else ""


def claim_facts(claim: Claim) -> str:
    """Quantities then dates of a claim, compact: ``9 people (at least) · 2025-09-02``."""
    labels = [quantity_label(q) for q in claim.quantities] + [date_label(d) for d in claim.dates]
    return " · ".join(dict.fromkeys(x for x in labels if x))


def evidence_by_status(ledger: Ledger) -> list[tuple[str, list[Evidence]]]:
    """Evidence grouped by status (missing, disputed, cited, then other), in article order."""
    groups: list[tuple[str, list[Evidence]]] = []
    ordered = sorted(ledger.evidence, key=lambda e: (e.start, e.end))
    for status in (*EVIDENCE_STATUS_ORDER, OTHER):
        members = [e for e in ordered if known(e.status, EVIDENCE_STATUS_ORDER) == status]
        if members:
            groups.append((status, members))
    return groups


# --------------------------------------------------------------------------- the profile

PROFILE_CLAIM_KEYS: tuple[tuple[str, str], ...] = (
    ("claims_unattributed", "unattributed"),
    ("claims_hedged", "hedged"),
    ("claims_disputed", "disputed"),
    ("claims_questioned", "questioned"),
    ("claims_only_anonymous_or_vague", "only anonymous/vague sources"),
)
PROFILE_TYPE_LABELS: dict[str, str] = {**TYPE_LABELS, UNRESOLVED: "unresolved"}
TOP_VOICES = 6


@dataclass(frozen=True, slots=True)
class Share:
    """One count of the profile, its share of a total (0..1) and a label."""

    key: str
    label: str
    count: int
    share: float | None


@dataclass(frozen=True, slots=True)
class Signal:
    """One credibility signal ready to print: its id, name, value text and detail."""

    id: str
    name: str
    value: str
    detail: str


@dataclass(frozen=True, slots=True)
class ProfileView:
    """The ledger's profile, checked and tidied for display; a missing part is ``None``/empty."""

    statements: int | None
    statements_by_type: tuple[Share, ...]
    statements_by_act: tuple[Share, ...]
    sources: int | None
    sources_by_type: tuple[Share, ...]
    voices: tuple[tuple[str, int], ...]
    more_voices: int
    claims: int | None
    claim_shares: tuple[Share, ...]
    evidence: tuple[Share, ...]
    signals: tuple[Signal, ...]


def _count(value: object) -> int | None:
    """A non-negative whole count, or ``None``."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return max(0, value)
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return max(0, int(value))
    return None


def _fraction(value: object) -> float | None:
    """A share in ``[0, 1]``, or ``None``."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if not math.isfinite(value):
        return None
    return min(1.0, max(0.0, float(value)))


def _share_of(key: str, label: str, d: object, total: int | None) -> Share | None:
    """A ``{count, share}`` dict (or a bare count) as a Share; ``None`` when unreadable."""
    if isinstance(d, dict):
        count, share = _count(d.get("count")), _fraction(d.get("share"))
    else:
        count, share = _count(d), None
    if count is None:
        return None
    if share is None and total:
        share = count / total
    return Share(key, label, count, share)


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def percent(share: float | None) -> str:
    """``13%`` (``<1%`` for a small non-zero share); empty when unknown."""
    if share is None:
        return ""
    if 0 < share < 0.005:
        return "<1%"
    return f"{round(share * 100)}%"


def share_text(s: Share) -> str:
    """``anonymous 6 (13%)``."""
    p = percent(s.share)
    return f"{s.label} {s.count} ({p})" if p else f"{s.label} {s.count}"


def signal_value(value: object) -> str:
    """A signal value for people: yes/no, a share as a percentage, a count, or ``n/a``."""
    if value is None:
        return "n/a"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and math.isfinite(value):
        return percent(min(1.0, max(0.0, value))) if 0 <= value <= 1 else _number_text(value)
    return clean(str(value)) or "n/a"


def profile_view(ledger: Ledger) -> ProfileView | None:
    """The ledger's profile tidied for display, or ``None`` when it has none (version 1 data)."""
    p = ledger.profile
    if not isinstance(p, dict) or not p:
        return None
    n_attr = _count(p.get("attributions"))
    by_type = _dict(p.get("attributions_by_source_type"))
    standard = (*SOURCE_TYPES, UNRESOLVED)
    keys = [*standard, *(k for k in by_type if k not in standard)]
    statements = [
        _share_of(str(k), PROFILE_TYPE_LABELS.get(str(k), clean(str(k))), by_type.get(k), n_attr)
        for k in keys if k in by_type
    ]
    by_act = _dict(p.get("attributions_by_act"))
    acts = [_share_of(str(k), clean(str(k)), v, n_attr) for k, v in by_act.items()]
    n_src = _count(p.get("sources"))
    src_types = _dict(p.get("sources_by_type"))
    sources = [
        _share_of(str(k), PROFILE_TYPE_LABELS.get(str(k), clean(str(k))), v, n_src)
        for k, v in src_types.items()
    ]
    voices_all = [
        (clean(str(k)), c) for k, v in _dict(p.get("voices_by_affiliation")).items()
        if clean(str(k)) and (c := _count(v)) is not None
    ]
    voices_all.sort(key=lambda kv: -kv[1])  # stable: keeps the profile's order on ties
    n_claims = _count(p.get("claims"))
    claim_shares = [
        _share_of(key, label, p.get(key), n_claims) for key, label in PROFILE_CLAIM_KEYS
        if key in p
    ]
    ev = _dict(p.get("evidence"))
    evidence = [
        _share_of(str(k), clean(str(k)), v, None)
        for k, v in sorted(ev.items(), key=lambda kv: _status_rank(kv[0]))
    ]
    signals = []
    for s in p.get("signals") or ():
        if not isinstance(s, dict) or not clean(str(s.get("name") or "")):
            continue
        detail = s.get("detail")
        signals.append(Signal(
            clean(str(s.get("id") or "")), clean(str(s.get("name"))), signal_value(s.get("value")),
            clean(str(detail)) if detail is not None else "",
        ))
    return ProfileView(
        statements=n_attr,
        statements_by_type=tuple(s for s in statements if s is not None),
        statements_by_act=tuple(s for s in acts if s is not None),
        sources=n_src,
        sources_by_type=tuple(s for s in sources if s is not None),
        voices=tuple(voices_all[:TOP_VOICES]),
        more_voices=max(0, len(voices_all) - TOP_VOICES),
        claims=n_claims,
        claim_shares=tuple(s for s in claim_shares if s is not None),
        evidence=tuple(s for s in evidence if s is not None),
        signals=tuple(signals),
    )


def _status_rank(status: object) -> int:
    order = ("cited", "missing", "disputed")
    return order.index(status) if status in order else len(order)


def only_acts(ledger: Ledger, acts: Collection[str]) -> Ledger:
    """The ledger as shown with ``--acts``: only the attributions whose act is in ``acts`` (an
    attribution of a v1/v2 ledger, without an act, counts as speech), the sources that still say
    something, and the claims that are unattributed or attributed to a kept statement. Offsets
    and the profile (of the whole article) are unchanged."""
    keep = tuple(a for a in ledger.attributions if (a.act or "speech") in acts)
    ids = {a.id for a in keep}
    speaking = {a.source_id for a in keep}
    return replace(
        ledger,
        attributions=keep,
        sources=tuple(s for s in ledger.sources if s.id in speaking),
        claims=tuple(c for c in ledger.claims if c.attribution_id is None or c.attribution_id in ids),
    )
