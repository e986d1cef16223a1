"""The terminal ledger: plain text laid out with rich, sources grouped by type."""

from __future__ import annotations

import io

from rich.console import Console, Group, RenderableType
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from claimledger.model import Attribution, Ledger, Source
from claimledger.render._common import (
    GROUP_TITLES,
    TYPE_LABELS,
    UNRESOLVED,
    clean,
    in_order,
    plural,
    source_details,
    source_groups,
    truncate,
    type_counts,
    unresolved,
)

DEFAULT_WIDTH = 110
CONTENT_LIMIT = 160


def render_table(ledger: Ledger, *, width: int | None = None) -> str:
    """The ledger as plain, uncoloured text laid out for a terminal ``width`` columns wide."""
    console = Console(
        file=io.StringIO(),
        width=width or DEFAULT_WIDTH,
        color_system=None,
        force_terminal=False,
        force_jupyter=False,
        force_interactive=False,
        highlight=False,
        markup=False,
        emoji=False,
        soft_wrap=False,
    )
    for part in _parts(ledger, console.width):
        console.print(part)
    output = console.file.getvalue()  # type: ignore[attr-defined]
    return "\n".join(line.rstrip() for line in output.splitlines()) + "\n"


def _parts(ledger: Ledger, width: int) -> list[RenderableType]:
    """Everything printed, in order: header, one block per source group, unresolved group."""
    parts: list[RenderableType] = [_header(ledger)]
    for key, sources in source_groups(ledger):
        parts.append(_group_rule(ledger, GROUP_TITLES[key], sources, width))
        parts.extend(_source_block(ledger, s) for s in sources)
    orphans = unresolved(ledger)
    if orphans:
        title = f"{GROUP_TITLES[UNRESOLVED].upper()} · {plural(len(orphans), 'statement')}"
        parts.append(_rule(title, width))
        parts.extend(_unresolved_blocks(ledger, orphans))
    if not ledger.attributions and not ledger.sources:
        parts.append(Text("No sources or attributions found."))
    return parts


def _header(ledger: Ledger) -> RenderableType:
    """Title, meta lines, totals and counts of attributions by source type."""
    meta = ledger.meta
    lines = [Text(clean(meta.title) or "Untitled article", style="bold")]
    facts = [(k, clean(v)) for k, v in (("outlet", meta.outlet), ("published", meta.published))]
    facts_line = "   ".join(f"{k}: {v}" for k, v in facts if v)
    if facts_line:
        lines.append(Text(facts_line))
    for label, value in (("url", meta.url), ("path", meta.path)):
        if clean(value):
            lines.append(Text(f"{label}: {clean(value)}"))
    totals = f"{plural(len(ledger.sources), 'source')} · "
    totals += plural(len(ledger.attributions), "attribution")
    lines.append(Text(totals, style="bold"))
    counts = type_counts(ledger)
    by_type = " · ".join(f"{TYPE_LABELS[k]} {n}" for k, n in counts.items())
    lines.append(Text(f"by source type: {by_type}"))
    return Group(*lines)


def _rule(title: str, width: int) -> RenderableType:
    """A full-width heading line ``── TITLE ─────``, preceded by a blank line."""
    line = Text("── ")
    line.append(title, style="bold")
    line.append(" " + "─" * max(3, width - len(title) - 4))
    line.truncate(width)
    return Padding(line, (1, 0, 0, 0))


def _group_rule(ledger: Ledger, title: str, sources: list[Source], width: int) -> RenderableType:
    """The heading of one source group with its number of sources and statements."""
    n = sum(len(ledger.attributions_of(s.id)) for s in sources)
    counts = f"{plural(len(sources), 'source')} · {plural(n, 'statement')}"
    return _rule(f"{title.upper()} · {counts}", width)


def _source_block(ledger: Ledger, source: Source) -> RenderableType:
    """One source: its id and name, its details, then its statements indented below."""
    statements = in_order(ledger.attributions_of(source.id))
    head = Text()
    head.append(f"{clean(source.id)}  ", style="bold")
    head.append(clean(source.name) or "(no name)", style="bold")
    head.append(f"  — {plural(len(statements), 'statement')}")
    lines: list[RenderableType] = [head]
    details = source_details(source)
    if details:
        lines.append(Padding(Text(" · ".join(f"{k}: {v}" for k, v in details)), (0, 0, 0, 4)))
    if statements:
        lines.append(Padding(_statements(statements), (0, 0, 0, 4)))
    return Padding(Group(*lines), (1, 0, 0, 0))


def _statements(attributions: list[Attribution]) -> Table:
    """A borderless grid: id, kind, cue, truncated content — one row per attribution."""
    grid = Table.grid(padding=(0, 2))
    grid.add_column(no_wrap=True, min_width=3)
    grid.add_column(no_wrap=True, min_width=8)
    grid.add_column(min_width=12, max_width=24, overflow="fold")
    grid.add_column(ratio=1, overflow="fold")
    for a in attributions:
        cue = clean(a.cue.text) if a.cue else ""
        grid.add_row(
            Text(clean(a.id)),
            Text(clean(a.kind)),
            Text(cue or "(no cue)"),
            Text(truncate(a.content.text, CONTENT_LIMIT)),
        )
    return grid


def _unresolved_blocks(ledger: Ledger, attributions: list[Attribution]) -> list[RenderableType]:
    """Unresolved attributions grouped by the source text (or unknown source id) they carry."""
    groups: dict[str, list[Attribution]] = {}
    for a in attributions:
        groups.setdefault(_unresolved_label(a), []).append(a)
    blocks: list[RenderableType] = []
    for label, members in groups.items():
        head = Text(label, style="bold")
        body = Padding(_statements(members), (0, 0, 0, 4))
        blocks.append(Padding(Group(head, body), (1, 0, 0, 0)))
    return blocks


def _unresolved_label(attribution: Attribution) -> str:
    """How an unresolved attribution names its source: its text, or the dangling id, or nothing."""
    text = clean(attribution.source.text) if attribution.source else ""
    parts = [f"source text: “{text}”" if text else "no source text"]
    if attribution.source_id:
        parts.append(f"unknown source id {clean(attribution.source_id)}")
    return " · ".join(parts)
