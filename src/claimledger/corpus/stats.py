"""What a store holds, summarised (``claimledger stats``), and every table written out
(``claimledger export``)."""

from __future__ import annotations

import os
from typing import Any

from claimledger.corpus.store import Store
from claimledger.errors import UsageError

EXPORT_FORMATS = ("parquet", "csv", "jsonl")


def corpus_stats(store: Store, *, top: int = 10) -> dict[str, Any]:
    """Articles by outlet and date, source types by outlet, the most-cited sources, failures."""
    q = store.con.execute
    totals = q(
        "SELECT count(*), coalesce(sum(n_words), 0), coalesce(sum(n_attributions), 0), "
        "coalesce(sum(n_claims), 0), min(published_date), max(published_date) FROM articles"
    ).fetchone()
    by_outlet = q(
        """
        SELECT coalesce(a.outlet, '(unknown)') AS outlet,
               count(DISTINCT a.article_id) AS articles,
               count(t.attribution_id) AS attributions,
               avg(CASE WHEN t.source_type = 'anonymous' THEN 1.0 WHEN t.attribution_id IS NULL
                   THEN NULL ELSE 0.0 END) AS share_anonymous,
               avg(CASE WHEN t.source_type = 'vague' THEN 1.0 WHEN t.attribution_id IS NULL
                   THEN NULL ELSE 0.0 END) AS share_vague,
               avg(CASE WHEN t.source_type IN ('named_person', 'named_organization') THEN 1.0
                   WHEN t.attribution_id IS NULL THEN NULL ELSE 0.0 END) AS share_named
        FROM articles a LEFT JOIN attributions t USING (article_id)
        GROUP BY 1 ORDER BY articles DESC, outlet
        """
    ).fetchall()
    by_date = q(
        "SELECT coalesce(CAST(published_date AS VARCHAR), '(unknown)'), count(*) FROM articles "
        "GROUP BY 1 ORDER BY 1"
    ).fetchall()
    top_sources = q(
        """
        SELECT s.name, s.type, sum(s.n_attributions) AS statements,
               count(DISTINCT s.article_id) AS articles,
               count(DISTINCT a.outlet) AS outlets
        FROM sources s JOIN articles a USING (article_id)
        WHERE s.n_attributions > 0
        GROUP BY lower(s.name), s.name, s.type
        ORDER BY statements DESC, articles DESC, s.name LIMIT ?
        """,
        [top],
    ).fetchall()
    urls = q("SELECT count(*) FROM article_urls").fetchone()[0]
    errors = q("SELECT count(*) FROM errors").fetchone()[0]
    recent_errors = q(
        "SELECT input, reason FROM errors ORDER BY errors.at DESC, input LIMIT 5"
    ).fetchall()
    return {
        "store": store.path,
        "schema_version": store.schema_version,
        "articles": totals[0],
        "urls": urls,
        "words": int(totals[1]),
        "attributions": int(totals[2]),
        "claims": int(totals[3]),
        "first_published": str(totals[4]) if totals[4] else None,
        "last_published": str(totals[5]) if totals[5] else None,
        "by_outlet": [
            {"outlet": o, "articles": n, "attributions": na,
             "share_named": _r(sn), "share_anonymous": _r(sa), "share_vague": _r(sv)}
            for o, n, na, sa, sv, sn in by_outlet
        ],
        "by_date": [{"date": d, "articles": n} for d, n in by_date],
        "top_sources": [
            {"name": n, "type": t, "statements": int(s), "articles": a, "outlets": o}
            for n, t, s, a, o in top_sources
        ],
        "errors": errors,
        "recent_errors": [{"input": i, "reason": r} for i, r in recent_errors],
    }


def _r(x: float | None) -> float | None:
    return None if x is None else round(float(x), 4)


def render_stats(stats: dict[str, Any], *, width: int | None = None) -> str:
    from rich.console import Console
    from rich.table import Table

    console = Console(width=width or 100, record=True, file=open(os.devnull, "w"),
                      color_system=None)
    span = (f", published {stats['first_published']} .. {stats['last_published']}"
            if stats["first_published"] else "")
    console.print(
        f"{stats['store']}: {stats['articles']} articles ({stats['urls']} URLs), "
        f"{stats['words']:,} words, {stats['attributions']:,} attributions, "
        f"{stats['claims']:,} claims{span}; {stats['errors']} failed input(s)"
    )
    t = Table(title="By outlet", title_justify="left")
    for col in ("outlet", "articles", "attributions", "named", "anonymous", "vague"):
        t.add_column(col, justify="left" if col == "outlet" else "right")
    for row in stats["by_outlet"]:
        t.add_row(row["outlet"], str(row["articles"]), str(row["attributions"]),
                  _pct(row["share_named"]), _pct(row["share_anonymous"]), _pct(row["share_vague"]))
    console.print(t)
    t = Table(title="By date", title_justify="left")
    t.add_column("date")
    t.add_column("articles", justify="right")
    for row in stats["by_date"]:
        t.add_row(row["date"], str(row["articles"]))
    console.print(t)
    t = Table(title="Top sources", title_justify="left")
    for col in ("source", "type", "statements", "articles", "outlets"):
        t.add_column(col, justify="left" if col in ("source", "type") else "right")
    for row in stats["top_sources"]:
        t.add_row(row["name"], row["type"].replace("_", " "), str(row["statements"]),
                  str(row["articles"]), str(row["outlets"]))
    console.print(t)
    if stats["recent_errors"]:
        console.print("Recent failures:")
        for e in stats["recent_errors"]:
            console.print(f"  {e['input']}: {e['reason']}", markup=False, highlight=False)
    return console.export_text()


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.0f}%"


def export(store: Store, fmt: str, out_dir: str) -> list[str]:
    """Write every table of the store to ``out_dir`` as ``TABLE.parquet|csv|jsonl``."""
    if fmt not in EXPORT_FORMATS:
        raise UsageError(f"unknown export format {fmt!r}: choose one of {', '.join(EXPORT_FORMATS)}")
    os.makedirs(out_dir, exist_ok=True)
    options = {"parquet": "FORMAT parquet, COMPRESSION zstd", "csv": "FORMAT csv, HEADER true",
               "jsonl": "FORMAT json"}[fmt]
    written = []
    for name in store.table_names():
        path = os.path.join(out_dir, f"{name}.{fmt}")
        store.con.execute(f"COPY (SELECT * FROM {name}) TO '{_quote(path)}' ({options})")
        written.append(path)
    return written


def _quote(path: str) -> str:
    return path.replace("'", "''")
