"""Server-rendered pages: Jinja2 templates with autoescaping on, and the few helpers they use.

Every value from the store (titles, names, article text, URLs) is untrusted: templates print it
with autoescaping, and a URL becomes a link only when it is http(s) (:func:`safe_href`). Nothing
is marked safe; there are no style attributes (bar widths are ``w-N`` classes of the stylesheet).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlencode, urlsplit

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, StrictUndefined

TYPE_LABELS = {
    "named_person": "named person",
    "named_organization": "named organization",
    "anonymous": "anonymous",
    "vague": "vague",
    "unresolved": "unresolved",
    "author": "author's own voice",
}


def safe_href(url: Any) -> str | None:
    """``url`` when it is an absolute http(s) URL (so never ``javascript:``), else ``None``."""
    if not isinstance(url, str):
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    return url.strip() if parts.scheme in ("http", "https") and parts.netloc else None


def pct(share: float | None) -> str:
    return "–" if share is None else f"{100 * share:.0f}%"


def type_label(key: str | None) -> str:
    return TYPE_LABELS.get(key or "unresolved", str(key))


def type_class(key: str | None) -> str:
    """A source type as a class suffix, from a fixed vocabulary."""
    return key if key in TYPE_LABELS else "unresolved"


def widths(counts: Sequence[float]) -> list[int]:
    """Whole percentages for the segments of a stacked bar (largest remainders: they add up to
    100 when anything is there, and a non-zero count never shows as 0)."""
    total = sum(counts)
    if total <= 0:
        return [0] * len(counts)
    exact = [c * 100 / total for c in counts]
    out = [math.floor(x) for x in exact]
    for i in sorted(range(len(counts)), key=lambda i: exact[i] - out[i], reverse=True)[
        : 100 - sum(out)
    ]:
        out[i] += 1
    for i, c in enumerate(counts):
        if c > 0 and out[i] == 0:
            out[i] = 1
            out[max(range(len(out)), key=lambda j: out[j])] -= 1
    return out


def width(value: float, most: float) -> int:
    """A bar's width in whole percent of the longest one."""
    return 0 if most <= 0 else max(1 if value > 0 else 0, min(100, round(100 * value / most)))


def query(params: Mapping[str, Any], **changes: Any) -> str:
    """A query string: ``params`` with ``changes`` applied, empty values left out."""
    merged = {**params, **changes}
    return "?" + urlencode({k: v for k, v in merged.items() if v not in (None, "")})


def source_query(name: str, source_type: str | None = None) -> str:
    """The query string of a source's page."""
    return query({}, name=name, type=source_type)


_env = Environment(
    loader=PackageLoader("claimledger.web", "templates"),
    autoescape=True,
    trim_blocks=True,
    lstrip_blocks=True,
    undefined=StrictUndefined,
)
_env.filters.update(pct=pct, type_label=type_label, type_class=type_class, href=safe_href)
_env.globals.update(query=query, source_query=source_query, widths=widths, width=width)


def render(template: str, **context: Any) -> str:
    return _env.get_template(template).render(**context)


def page(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    """A page of the app, with what every page needs (the current query, read-only or not)."""
    state = request.app.state.web
    html = render(
        template, params=dict(request.query_params), path=request.url.path,
        read_only=state.read_only, store_name=state.store_name, **context,
    )
    return HTMLResponse(html, status_code=status)
