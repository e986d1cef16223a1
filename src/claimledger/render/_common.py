"""Helpers shared by the renderers: type labels, grouping, counting and text clean-up."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from claimledger.model import SOURCE_TYPES, Attribution, Ledger, Source

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


def type_key(source: Source | None) -> str:
    """The display type of a source: one of SOURCE_TYPES, ``other`` or ``unresolved``."""
    if source is None:
        return UNRESOLVED
    return source.type if source.type in SOURCE_TYPES else OTHER


def attribution_type(ledger: Ledger, attribution: Attribution) -> str:
    """The display type of the source an attribution resolves to."""
    return type_key(ledger.source(attribution.source_id))


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
    for a in ledger.attributions:
        key = attribution_type(ledger, a)
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
    return in_order(a for a in ledger.attributions if ledger.source(a.source_id) is None)


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
