"""The questions the web app asks the store, as SQL over its tables; every function takes a DuckDB
connection (a per-request cursor) and returns plain dicts, so pages and the API share them.

A source across the corpus is identified by its name, case-insensitively, and its type: "Ada
Quist" (named person) in two articles is one source; "officials" (vague) is another.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import duckdb

# The articles columns the app shows (everything but the ledger JSON and the input path).
ARTICLE_COLUMNS = (
    "article_id", "title", "url", "outlet", "published", "published_date", "author", "site_name",
    "n_words", "n_sources", "n_attributions", "n_claims", "share_anonymous", "share_vague",
    "share_unattributed_claims", "schema",
)
_ARTICLE_SELECT = ", ".join(f"a.{c}" for c in ARTICLE_COLUMNS)
_HEX_ID = re.compile(r"[0-9a-f]{4,64}")
ID_LENGTH = 32  # hex digits of a full article id (claimledger.corpus.identity)
SNIPPET_CHARS = 90  # context on each side of a search hit


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a longer list: its items, how many there are in all, and where it starts."""

    items: list[dict[str, Any]]
    total: int
    limit: int
    offset: int

    def to_dict(self) -> dict[str, Any]:
        return {"items": self.items, "total": self.total, "limit": self.limit,
                "offset": self.offset}


@dataclass(frozen=True, slots=True)
class Filters:
    """What a list of articles or claims can be narrowed to (``None``: no restriction)."""

    outlet: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    source_type: str | None = None  # one of SOURCE_TYPES


def _rows(cur: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    names = [d[0] for d in cur.description]
    return [_jsonable(dict(zip(names, row))) for row in cur.fetchall()]


def _jsonable(row: dict[str, Any]) -> dict[str, Any]:
    """Dates as ISO strings, so a row can go to JSON and to a template alike."""
    return {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in row.items()}


def _page(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any], limit: int,
          offset: int) -> Page:
    """Run ``sql`` (a SELECT without LIMIT) for one page, with the total from a window count."""
    cur = con.execute(
        f"SELECT *, count(*) OVER () AS _total FROM ({sql}) LIMIT ? OFFSET ?",
        [*params, limit, offset],
    )
    rows = _rows(cur)
    total = rows[0].pop("_total") if rows else _count(con, sql, params) if offset else 0
    for r in rows:
        r.pop("_total", None)
    return Page(rows, int(total), limit, offset)


def _count(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> int:
    return int(con.execute(f"SELECT count(*) FROM ({sql})", params).fetchone()[0])


def like_pattern(text: str) -> str:
    """An ILIKE pattern matching ``text`` anywhere, with ``%``, ``_`` and ``\\`` taken literally
    (use with ``ESCAPE '\\'``)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _article_where(f: Filters, alias: str = "a") -> tuple[list[str], list[Any]]:
    where, params = [], []
    if f.outlet is not None:
        where.append(f"{alias}.outlet = ?")
        params.append(f.outlet)
    if f.date_from is not None:
        where.append(f"{alias}.published_date >= ?")
        params.append(f.date_from)
    if f.date_to is not None:
        where.append(f"{alias}.published_date <= ?")
        params.append(f.date_to)
    return where, params


# --------------------------------------------------------------------------- articles


def list_articles(con: duckdb.DuckDBPyConnection, f: Filters, limit: int, offset: int) -> Page:
    """Articles, newest first (undated ones last), narrowed by outlet, date and source type."""
    where, params = _article_where(f)
    if f.source_type is not None:
        where.append("EXISTS (SELECT 1 FROM attributions t WHERE t.article_id = a.article_id "
                     "AND t.source_type = ?)")
        params.append(f.source_type)
    sql = f"SELECT {_ARTICLE_SELECT} FROM articles a"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY a.published_date DESC NULLS LAST, a.published DESC NULLS LAST, a.article_id"
    return _page(con, sql, params, limit, offset)


def outlets(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Every outlet with its number of articles, most articles first."""
    return _rows(con.execute(
        "SELECT outlet, count(*) AS articles FROM articles WHERE outlet IS NOT NULL "
        "GROUP BY outlet ORDER BY articles DESC, outlet"
    ))


def resolve_article(con: duckdb.DuckDBPyConnection, ident: str) -> str | None:
    """The full id of the article ``ident`` names (its id or a unique prefix of at least 4 hex
    digits), or ``None`` when it names none or several."""
    ident = ident.strip().lower()
    if not _HEX_ID.fullmatch(ident):
        return None
    if len(ident) == ID_LENGTH:
        return ident if exists(con, ident) else None
    hits = con.execute(
        "SELECT article_id FROM articles WHERE starts_with(article_id, ?) LIMIT 2", [ident]
    ).fetchall()
    return hits[0][0] if len(hits) == 1 else None


def article(con: duckdb.DuckDBPyConnection, article_id: str) -> dict[str, Any] | None:
    """The stored metadata and counts of one article (no ledger), or ``None``."""
    rows = _rows(con.execute(
        f"SELECT {_ARTICLE_SELECT} FROM articles a WHERE a.article_id = ?", [article_id]
    ))
    return rows[0] if rows else None


def ledger_json(con: duckdb.DuckDBPyConnection, article_id: str) -> str | None:
    """The stored ledger of one article, as the JSON text the store keeps."""
    row = con.execute("SELECT ledger FROM articles WHERE article_id = ?", [article_id]).fetchone()
    return row[0] if row else None


def article_urls(con: duckdb.DuckDBPyConnection, article_id: str) -> list[dict[str, Any]]:
    """Every URL the article was found under (syndicated copies included), each once."""
    return _rows(con.execute(
        "SELECT url, any_value(outlet) AS outlet, any_value(title) AS title, "
        "any_value(published) AS published FROM article_urls "
        "WHERE article_id = ? AND url IS NOT NULL GROUP BY url ORDER BY min(published), url",
        [article_id],
    ))


def exists(con: duckdb.DuckDBPyConnection, article_id: str) -> bool:
    return con.execute(
        "SELECT 1 FROM articles WHERE article_id = ?", [article_id]
    ).fetchone() is not None


# --------------------------------------------------------------------------- sources


def list_sources(con: duckdb.DuckDBPyConnection, query: str | None, source_type: str | None,
                 limit: int, offset: int) -> Page:
    """Sources across the corpus (name case-insensitively, and type), most statements first."""
    where, params = ["s.n_attributions > 0"], []
    if query:
        where.append("s.name ILIKE ? ESCAPE '\\'")
        params.append(like_pattern(query))
    if source_type is not None:
        where.append("s.type = ?")
        params.append(source_type)
    sql = f"""
        SELECT any_value(s.name ORDER BY s.article_id) AS name, s.type,
               sum(s.n_attributions)::BIGINT AS statements,
               count(DISTINCT s.article_id) AS articles, count(DISTINCT a.outlet) AS outlets
        FROM sources s JOIN articles a USING (article_id)
        WHERE {" AND ".join(where)}
        GROUP BY lower(s.name), s.type
        ORDER BY statements DESC, articles DESC, lower(s.name), s.type
    """
    return _page(con, sql, params, limit, offset)


def source_summary(con: duckdb.DuckDBPyConnection, name: str,
                   source_type: str | None) -> dict[str, Any]:
    """How a source appears across the corpus: statements and articles by type, by outlet."""
    where, params = "lower(s.name) = lower(?)", [name]
    if source_type is not None:
        where += " AND s.type = ?"
        params.append(source_type)
    types = _rows(con.execute(
        f"SELECT s.type, sum(s.n_attributions)::BIGINT AS statements, "
        f"count(DISTINCT s.article_id) AS articles FROM sources s WHERE {where} "
        "GROUP BY s.type ORDER BY statements DESC, s.type", params,
    ))
    by_outlet = _rows(con.execute(
        f"SELECT coalesce(a.outlet, '(unknown)') AS outlet, "
        f"sum(s.n_attributions)::BIGINT AS statements, count(DISTINCT s.article_id) AS articles "
        f"FROM sources s JOIN articles a USING (article_id) WHERE {where} "
        "GROUP BY 1 ORDER BY statements DESC, outlet", params,
    ))
    statements = sum(t["statements"] for t in types)
    return {
        "name": name,
        "type": source_type,
        "statements": statements,
        "articles": int(con.execute(
            f"SELECT count(DISTINCT s.article_id) FROM sources s WHERE {where}", params
        ).fetchone()[0]),
        "types": types,
        "outlets": by_outlet,
        "share_anonymous": (
            sum(t["statements"] for t in types if t["type"] == "anonymous") / statements
            if statements else None
        ),
    }


def source_statements(con: duckdb.DuckDBPyConnection, name: str, source_type: str | None,
                      limit: int, offset: int) -> Page:
    """Every statement of a source across the corpus, newest article first, in text order."""
    where, params = "lower(s.name) = lower(?)", [name]
    if source_type is not None:
        where += " AND s.type = ?"
        params.append(source_type)
    sql = f"""
        SELECT t.article_id, a.title, a.outlet, a.published, t.attribution_id, s.source_id,
               s.name, s.type AS source_type, s.role, t.cue, t.content, t.kind
        FROM sources s
        JOIN attributions t ON t.article_id = s.article_id AND t.source_id = s.source_id
        JOIN articles a ON a.article_id = s.article_id
        WHERE {where}
        ORDER BY a.published_date DESC NULLS LAST, a.article_id, t.content_start
    """
    return _page(con, sql, params, limit, offset)


# --------------------------------------------------------------------------- claims and search


_CLAIM_SELECT = """
    SELECT c.article_id, c.claim_id, c.text, c.type, c.certainty, c.checkworthiness,
           c.source_type, s.name AS source_name, a.title, a.outlet, a.published
    FROM claims c
    JOIN articles a ON a.article_id = c.article_id
    LEFT JOIN sources s ON s.article_id = c.article_id AND s.source_id = c.source_id
"""


def weak_claims(con: duckdb.DuckDBPyConnection, limit: int) -> Page:
    """Claims resting only on an anonymous or vague source, most check-worthy first."""
    sql = (_CLAIM_SELECT + " WHERE c.source_type IN ('anonymous', 'vague') "
           "ORDER BY c.checkworthiness DESC, a.published_date DESC NULLS LAST, c.article_id, "
           "c.start")
    return _page(con, sql, [], limit, 0)


def search_articles(con: duckdb.DuckDBPyConnection, q: str, f: Filters, limit: int,
                    offset: int) -> Page:
    """Articles whose title or text contains ``q`` (case-insensitively), with a snippet."""
    where, params = _article_where(f)
    if q:
        where.append("(a.title ILIKE ? ESCAPE '\\' OR "
                     "json_extract_string(a.ledger, '$.text') ILIKE ? ESCAPE '\\')")
        params.extend([like_pattern(q)] * 2)
    if f.source_type is not None:
        where.append("EXISTS (SELECT 1 FROM attributions t WHERE t.article_id = a.article_id "
                     "AND t.source_type = ?)")
        params.append(f.source_type)
    sql = (f"SELECT {_ARTICLE_SELECT}, json_extract_string(a.ledger, '$.text') AS text "
           "FROM articles a")
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY a.published_date DESC NULLS LAST, a.title, a.article_id"
    page = _page(con, sql, params, limit, offset)
    for row in page.items:
        row["snippet"] = snippet(row.pop("text") or "", q)
    return page


def search_claims(con: duckdb.DuckDBPyConnection, q: str, f: Filters, limit: int,
                  offset: int) -> Page:
    """Claims whose text contains ``q``, most check-worthy first."""
    where, params = _article_where(f)
    if q:
        where.append("c.text ILIKE ? ESCAPE '\\'")
        params.append(like_pattern(q))
    if f.source_type is not None:
        where.append("c.source_type = ?")
        params.append(f.source_type)
    sql = _CLAIM_SELECT
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += (" ORDER BY c.checkworthiness DESC, a.published_date DESC NULLS LAST, c.article_id, "
            "c.start")
    return _page(con, sql, params, limit, offset)


def snippet(text: str, q: str, width: int = SNIPPET_CHARS) -> dict[str, str]:
    """The text around the first hit of ``q``: ``{"before", "hit", "after"}`` (plain text; the
    page escapes it and marks the hit)."""
    m = re.search(re.escape(q), text, re.IGNORECASE) if q else None
    if m is None:
        head = " ".join(text[: 2 * width].split())
        return {"before": head + ("…" if len(text) > 2 * width else ""), "hit": "", "after": ""}
    start, end = max(0, m.start() - width), min(len(text), m.end() + width)
    before = ("…" if start else "") + text[start:m.start()]
    after = text[m.end():end] + ("…" if end < len(text) else "")
    return {"before": _flat(before), "hit": m.group(0), "after": _flat(after)}


def _flat(s: str) -> str:
    """Runs of whitespace (line breaks included) as one space."""
    return re.sub(r"\s+", " ", s)


# --------------------------------------------------------------------------- the store itself


def table_names(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {r[0] for r in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main'"
    ).fetchall()}

