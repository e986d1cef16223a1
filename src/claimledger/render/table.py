"""The terminal ledger: plain text laid out with rich.

It opens with the article's profile (what the story rests on, in counts and shares, and its
credibility signals), then lists the sources grouped by type with their statements, then the
claims (type, certainty and hedges, check-worthiness, who makes them, numbers and dates), then
the evidence the article mentions, grouped by status. Parts with nothing to show are left out, so
version-1 ledgers (no claims, evidence or profile) render as before.
"""

from __future__ import annotations

import io

from rich.console import Console, Group, RenderableType
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from claimledger.model import Attribution, Claim, Evidence, Ledger, Source
from claimledger.render._common import (
    GROUP_TITLES,
    TYPE_LABELS,
    UNRESOLVED,
    ProfileView,
    certainty_label,
    checkworthiness,
    claim_facts,
    claim_who,
    claims_in_order,
    clean,
    evidence_by_status,
    in_order,
    indexed,
    plural,
    profile_view,
    share_text,
    source_details,
    source_groups,
    statements_of,
    truncate,
    type_counts,
    unresolved,
)

DEFAULT_WIDTH = 110
CONTENT_LIMIT = 160
CLAIM_LIMIT = 140
DETAIL_LIMIT = 90


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
    with indexed(ledger):
        for part in _parts(ledger, console.width):
            console.print(part)
    output = console.file.getvalue()  # type: ignore[attr-defined]
    return "\n".join(line.rstrip() for line in output.splitlines()) + "\n"


def _parts(ledger: Ledger, width: int) -> list[RenderableType]:
    """Everything printed, in order: header, profile, one block per source group, unresolved
    group, claims, evidence."""
    profile = profile_view(ledger)
    parts: list[RenderableType] = [_header(ledger, with_counts=profile is None)]
    if profile is not None:
        parts.append(_rule("PROFILE", width))
        parts.append(_profile(profile))
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
    if ledger.claims:
        parts.append(_rule(f"CLAIMS · {plural(len(ledger.claims), 'claim')}", width))
        parts.append(Padding(_claims(ledger), (1, 0, 0, 0)))
    if ledger.evidence:
        title = f"EVIDENCE · {plural(len(ledger.evidence), 'mention')}"
        parts.append(_rule(title, width))
        for status, members in evidence_by_status(ledger):
            parts.append(_evidence_block(status, members))
    return parts


def _header(ledger: Ledger, *, with_counts: bool = True) -> RenderableType:
    """Title, meta lines, totals and (without a profile) counts of attributions by source type."""
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
    if ledger.claims:
        totals += " · " + plural(len(ledger.claims), "claim")
    lines.append(Text(totals, style="bold"))
    if with_counts:
        counts = type_counts(ledger)
        by_type = " · ".join(f"{TYPE_LABELS[k]} {n}" for k, n in counts.items())
        lines.append(Text(f"by source type: {by_type}"))
    return Group(*lines)


def _profile(p: ProfileView) -> RenderableType:
    """The profile as labelled lines: statements, sources, voices, claims, evidence, signals."""
    grid = Table.grid(padding=(0, 2))
    grid.add_column(no_wrap=True, min_width=10)
    grid.add_column(ratio=1, overflow="fold")

    def line(total: int | None, parts: list[str]) -> str:
        head = [str(total)] if total is not None else []
        return " · ".join(head + parts)

    if p.statements is not None or p.statements_by_type:
        grid.add_row(Text("statements"), Text(line(
            p.statements, [share_text(s) for s in p.statements_by_type])))
    if p.statements_by_act:
        grid.add_row(Text("acts"), Text(" · ".join(share_text(s) for s in p.statements_by_act)))
    if p.sources is not None or p.sources_by_type:
        grid.add_row(Text("sources"), Text(line(
            p.sources, [f"{s.label} {s.count}" for s in p.sources_by_type])))
    if p.voices:
        voices = " · ".join(f"{name} {n}" for name, n in p.voices)
        if p.more_voices:
            voices += f" · +{p.more_voices} more"
        grid.add_row(Text("voices"), Text(voices))
    if p.claims is not None or p.claim_shares:
        grid.add_row(Text("claims"), Text(line(
            p.claims, [share_text(s) for s in p.claim_shares])))
    if p.evidence:
        evidence = " · ".join(f"{s.label} {s.count}" for s in p.evidence)
        grid.add_row(Text("evidence"), Text(evidence))
    for n, signal in enumerate(p.signals):
        text = Text(f"{signal.name}: ")
        text.append(signal.value, style="bold")
        if signal.detail:
            text.append(f" — {truncate(signal.detail, DETAIL_LIMIT)}")
        grid.add_row(Text("signals" if n == 0 else ""), text)
    return Padding(grid, (1, 0, 0, 0))


def _rule(title: str, width: int) -> RenderableType:
    """A full-width heading line ``── TITLE ─────``, preceded by a blank line."""
    line = Text("── ")
    line.append(title, style="bold")
    line.append(" " + "─" * max(3, width - len(title) - 4))
    line.truncate(width)
    return Padding(line, (1, 0, 0, 0))


def _group_rule(ledger: Ledger, title: str, sources: list[Source], width: int) -> RenderableType:
    """The heading of one source group with its number of sources and statements."""
    n = sum(len(statements_of(ledger, s.id)) for s in sources)
    counts = f"{plural(len(sources), 'source')} · {plural(n, 'statement')}"
    return _rule(f"{title.upper()} · {counts}", width)


def _source_block(ledger: Ledger, source: Source) -> RenderableType:
    """One source: its id and name, its details, then its statements indented below."""
    statements = in_order(statements_of(ledger, source.id))
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
    """A borderless grid: id, kind (and act when not speech), cue, truncated content — one row
    per attribution."""
    grid = Table.grid(padding=(0, 2))
    grid.add_column(no_wrap=True, min_width=3)
    grid.add_column(no_wrap=True, min_width=8)
    grid.add_column(min_width=12, max_width=24, overflow="fold")
    grid.add_column(ratio=1, overflow="fold")
    for a in attributions:
        cue = clean(a.cue.text) if a.cue else ""
        kind = clean(a.kind) if a.act in (None, "speech") else f"{clean(a.kind)} {a.act}"
        grid.add_row(
            Text(clean(a.id)),
            Text(kind),
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


def _claims(ledger: Ledger) -> Table:
    """One row per claim, in article order: id, type, certainty with its hedges,
    check-worthiness, then who makes it, its text and its numbers and dates below each other."""
    grid = Table.grid(padding=(0, 2))
    grid.add_column(no_wrap=True, min_width=3)
    grid.add_column(no_wrap=True, min_width=5)
    grid.add_column(min_width=8, max_width=20, overflow="fold")
    grid.add_column(no_wrap=True, min_width=4)
    grid.add_column(ratio=1, overflow="fold")
    for c in claims_in_order(ledger.claims):
        grid.add_row(
            Text(clean(c.id)),
            Text(clean(str(c.type)) or "?"),
            Text(certainty_label(ledger, c)),
            Text(f"{checkworthiness(c):.2f}"),
            _claim_body(ledger, c),
        )
    return grid


def _claim_body(ledger: Ledger, claim: Claim) -> Text:
    """Who makes a claim, the claim itself (truncated), and its numbers and dates."""
    body = Text(claim_who(ledger, claim), style="bold")
    if claim.attribution_id is not None:
        body.append(f" · {clean(claim.attribution_id)}")
    body.append("\n" + (truncate(claim.text, CLAIM_LIMIT) or "(no text)"))
    facts = claim_facts(claim)
    if facts:
        body.append(f"\n» {facts}")
    return body


def _evidence_block(status: str, members: list[Evidence]) -> RenderableType:
    """The evidence of one status: a heading, then id, kind, text and claims per mention."""
    head = Text(f"{status} ({len(members)})", style="bold")
    grid = Table.grid(padding=(0, 2), expand=True)  # full width: columns align across groups
    grid.add_column(no_wrap=True, min_width=3)
    grid.add_column(no_wrap=True, min_width=12)
    grid.add_column(ratio=1, overflow="fold")
    grid.add_column(width=18, overflow="fold")
    for e in members:
        claims = ", ".join(clean(c) for c in e.claim_ids if clean(c))
        grid.add_row(
            Text(clean(e.id)),
            Text(clean(str(e.kind)) or "?"),
            Text(truncate(e.text, CONTENT_LIMIT) or "(no text)"),
            Text(f"→ {claims}" if claims else ""),
        )
    return Padding(Group(head, Padding(grid, (0, 0, 0, 4))), (1, 0, 0, 0))
