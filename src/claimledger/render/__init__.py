"""Output renderers: one module per format, chosen by name through :func:`render`."""

from __future__ import annotations

import json
from collections.abc import Iterable

from claimledger.errors import UsageError
from claimledger.model import Ledger
from claimledger.render.html import render_html
from claimledger.render.table import render_table

FORMATS: tuple[str, ...] = ("table", "json", "jsonl", "html")

__all__ = ["FORMATS", "render", "render_html", "render_json", "render_jsonl", "render_table"]


def render(
    ledger_or_ledgers: Ledger | Iterable[Ledger], fmt: str, *, width: int | None = None
) -> str:
    """Render one ledger or several in ``fmt`` (one of FORMATS); ``width`` is for ``table``."""
    if fmt not in FORMATS:
        raise UsageError(f"unknown output format {fmt!r}: choose one of {', '.join(FORMATS)}")
    single = isinstance(ledger_or_ledgers, Ledger)
    ledgers = [ledger_or_ledgers] if single else list(ledger_or_ledgers)  # type: ignore[list-item]
    if fmt == "jsonl":
        return render_jsonl(ledgers)
    if fmt == "json":
        return render_json(ledgers[0] if single else ledgers)
    if fmt == "table":
        return "\n".join(render_table(ledger, width=width) for ledger in ledgers)
    if len(ledgers) != 1:
        raise UsageError(
            f"the html format renders one article per file, got {len(ledgers)}: "
            "render each ledger separately"
        )
    return render_html(ledgers[0])


def render_json(ledger_or_ledgers: Ledger | list[Ledger]) -> str:
    """One ledger as an indented JSON object, or a list of ledgers as a JSON array."""
    if isinstance(ledger_or_ledgers, Ledger):
        data: object = ledger_or_ledgers.to_dict()
    else:
        data = [ledger.to_dict() for ledger in ledger_or_ledgers]
    return json.dumps(data, ensure_ascii=False, indent=2)


def render_jsonl(ledgers: Iterable[Ledger]) -> str:
    """One compact JSON object per line, each line ending in a newline."""
    return "".join(
        json.dumps(ledger.to_dict(), ensure_ascii=False, separators=(",", ":")) + "\n"
        for ledger in ledgers
    )
