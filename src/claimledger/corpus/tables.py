"""The tables a ledger is flattened into: one definition shared by the DuckDB store, the
Parquet/CSV/JSONL export and the Spark job, so all three hold the same rows.

Every row carries ``article_id``, the store's id of the article (:func:`identity.article_id`).
Offsets are Python ``str`` offsets into the article text, as in the ledger contract.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from claimledger.model import Ledger, Meta

# name -> [(column, DuckDB type)]; the Arrow type of each column follows from the DuckDB type.
TABLES: dict[str, list[tuple[str, str]]] = {
    "articles": [
        ("article_id", "VARCHAR"),
        ("title", "VARCHAR"),
        ("url", "VARCHAR"),
        ("outlet", "VARCHAR"),
        ("published", "VARCHAR"),
        ("published_date", "DATE"),
        ("author", "VARCHAR"),
        ("site_name", "VARCHAR"),
        ("input", "VARCHAR"),
        ("n_chars", "INTEGER"),
        ("n_words", "INTEGER"),
        ("n_sources", "INTEGER"),
        ("n_attributions", "INTEGER"),
        ("n_claims", "INTEGER"),
        ("share_anonymous", "DOUBLE"),
        ("share_vague", "DOUBLE"),
        ("share_unattributed_claims", "DOUBLE"),
        ("schema", "VARCHAR"),
        ("ledger", "VARCHAR"),
    ],
    "article_urls": [
        ("article_id", "VARCHAR"),
        ("url", "VARCHAR"),
        ("outlet", "VARCHAR"),
        ("title", "VARCHAR"),
        ("published", "VARCHAR"),
        ("input", "VARCHAR"),
    ],
    "sources": [
        ("article_id", "VARCHAR"),
        ("source_id", "VARCHAR"),
        ("name", "VARCHAR"),
        ("type", "VARCHAR"),
        ("role", "VARCHAR"),
        ("affiliation", "VARCHAR"),
        ("anonymity_reason", "VARCHAR"),
        ("n_mentions", "INTEGER"),
        ("n_attributions", "INTEGER"),
    ],
    "attributions": [
        ("article_id", "VARCHAR"),
        ("attribution_id", "VARCHAR"),
        ("source_id", "VARCHAR"),
        ("source_type", "VARCHAR"),
        ("source_text", "VARCHAR"),
        ("cue", "VARCHAR"),
        ("content", "VARCHAR"),
        ("kind", "VARCHAR"),
        ("content_start", "INTEGER"),
        ("content_end", "INTEGER"),
        ("cue_start", "INTEGER"),
        ("cue_end", "INTEGER"),
        ("source_start", "INTEGER"),
        ("source_end", "INTEGER"),
    ],
    "claims": [
        ("article_id", "VARCHAR"),
        ("claim_id", "VARCHAR"),
        ("text", "VARCHAR"),
        ("start", "INTEGER"),
        ("end", "INTEGER"),
        ("type", "VARCHAR"),
        ("checkworthiness", "DOUBLE"),
        ("attribution_id", "VARCHAR"),
        ("source_id", "VARCHAR"),
        ("source_type", "VARCHAR"),
        ("certainty", "VARCHAR"),
        ("hedge_ids", "VARCHAR[]"),
        ("evidence_ids", "VARCHAR[]"),
        ("quantities", "VARCHAR"),
        ("dates", "VARCHAR"),
    ],
    "hedges": [
        ("article_id", "VARCHAR"),
        ("hedge_id", "VARCHAR"),
        ("text", "VARCHAR"),
        ("start", "INTEGER"),
        ("end", "INTEGER"),
        ("kind", "VARCHAR"),
    ],
    "evidence": [
        ("article_id", "VARCHAR"),
        ("evidence_id", "VARCHAR"),
        ("text", "VARCHAR"),
        ("start", "INTEGER"),
        ("end", "INTEGER"),
        ("kind", "VARCHAR"),
        ("status", "VARCHAR"),
        ("claim_ids", "VARCHAR[]"),
    ],
}

# Tables filled from a ledger (``errors`` and ``runs`` belong to the store, not to an article).
LEDGER_TABLES: tuple[str, ...] = tuple(TABLES)

_ARROW = {
    "VARCHAR": pa.string(),
    "INTEGER": pa.int32(),
    "DOUBLE": pa.float64(),
    "DATE": pa.date32(),
    "VARCHAR[]": pa.list_(pa.string()),
}


def arrow_schema(table: str) -> pa.Schema:
    return pa.schema([(col, _ARROW[typ]) for col, typ in TABLES[table]])


@dataclass(frozen=True, slots=True)
class ArticleInfo:
    """What the store keeps about an article besides its ledger (from the input it came from)."""

    input: str | None = None
    url: str | None = None
    title: str | None = None
    published: str | None = None
    outlet: str | None = None
    author: str | None = None
    site_name: str | None = None

    @classmethod
    def of(cls, article: Any) -> ArticleInfo:
        """The metadata of an extracted :class:`claimledger.corpus.inputs.Article`."""
        return cls(**{f: getattr(article, f) for f in cls.__dataclass_fields__})

    def meta(self) -> Meta:
        """The ledger's :class:`Meta` for this article (its input names it)."""
        return Meta(path=self.input, title=self.title, outlet=self.outlet,
                    published=self.published, url=self.url)


def url_row(article_id: str, info: ArticleInfo) -> dict[str, Any]:
    """The ``article_urls`` row saying ``info`` is a copy of the stored article ``article_id``."""
    return {"article_id": article_id, "url": info.url, "outlet": info.outlet,
            "title": info.title, "published": info.published, "input": info.input}


def rows_of(article_id: str, info: ArticleInfo, ledger: Ledger) -> dict[str, list[dict[str, Any]]]:
    """The rows of every ledger table for one article."""
    d = ledger.to_dict()
    profile = ledger.profile or {}
    by_type = profile.get("attributions_by_source_type", {})
    source_type = {s.id: s.type for s in ledger.sources}
    attr_source = {a.id: a.source_id for a in ledger.attributions}
    said = {}
    for a in ledger.attributions:
        if a.source_id:
            said[a.source_id] = said.get(a.source_id, 0) + 1
    unattributed = profile.get("claims_unattributed", {})
    article = {
        "article_id": article_id,
        "title": info.title or ledger.meta.title,
        "url": info.url or ledger.meta.url,
        "outlet": info.outlet or ledger.meta.outlet,
        "published": info.published or ledger.meta.published,
        "published_date": _date(info.published or ledger.meta.published),
        "author": info.author,
        "site_name": info.site_name,
        "input": info.input,
        "n_chars": len(ledger.text),
        "n_words": len(ledger.text.split()),
        "n_sources": len(ledger.sources),
        "n_attributions": len(ledger.attributions),
        "n_claims": len(ledger.claims),
        "share_anonymous": _share(by_type, "anonymous", len(ledger.attributions)),
        "share_vague": _share(by_type, "vague", len(ledger.attributions)),
        "share_unattributed_claims": (
            float(unattributed.get("share", 0.0)) if ledger.claims else None
        ),
        "schema": ledger.schema,
        "ledger": json.dumps(d, ensure_ascii=False, separators=(",", ":")),
    }
    rows: dict[str, list[dict[str, Any]]] = {"articles": [article]}
    rows["article_urls"] = [{
        "article_id": article_id, "url": article["url"], "outlet": article["outlet"],
        "title": article["title"], "published": article["published"], "input": info.input,
    }]
    rows["sources"] = [
        {
            "article_id": article_id, "source_id": s.id, "name": s.name, "type": s.type,
            "role": s.role, "affiliation": s.affiliation, "anonymity_reason": s.anonymity_reason,
            "n_mentions": len(s.mentions), "n_attributions": said.get(s.id, 0),
        }
        for s in ledger.sources
    ]
    rows["attributions"] = [
        {
            "article_id": article_id, "attribution_id": a.id, "source_id": a.source_id,
            "source_type": source_type.get(a.source_id) if a.source_id else None,
            "source_text": a.source.text if a.source else None,
            "cue": a.cue.text if a.cue else None,
            "content": a.content.text, "kind": a.kind,
            "content_start": a.content.start, "content_end": a.content.end,
            "cue_start": a.cue.start if a.cue else None, "cue_end": a.cue.end if a.cue else None,
            "source_start": a.source.start if a.source else None,
            "source_end": a.source.end if a.source else None,
        }
        for a in ledger.attributions
    ]
    rows["claims"] = []
    for c in ledger.claims:
        sid = attr_source.get(c.attribution_id) if c.attribution_id else None
        rows["claims"].append({
            "article_id": article_id, "claim_id": c.id, "text": c.text, "start": c.start,
            "end": c.end, "type": c.type, "checkworthiness": c.checkworthiness,
            "attribution_id": c.attribution_id, "source_id": sid,
            "source_type": source_type.get(sid) if sid else None, "certainty": c.certainty,
            "hedge_ids": list(c.hedge_ids), "evidence_ids": list(c.evidence_ids),
            "quantities": json.dumps([dict(q) for q in c.quantities], ensure_ascii=False),
            "dates": json.dumps([dict(x) for x in c.dates], ensure_ascii=False),
        })
    rows["hedges"] = [
        {"article_id": article_id, "hedge_id": h.id, "text": h.text, "start": h.start,
         "end": h.end, "kind": h.kind}
        for h in ledger.hedges
    ]
    rows["evidence"] = [
        {"article_id": article_id, "evidence_id": e.id, "text": e.text, "start": e.start,
         "end": e.end, "kind": e.kind, "status": e.status, "claim_ids": list(e.claim_ids)}
        for e in ledger.evidence
    ]
    return rows


def to_arrow(table: str, rows: Iterable[dict[str, Any]]) -> pa.Table:
    schema = arrow_schema(table)
    rows = list(rows)
    return pa.table({f.name: pa.array([r[f.name] for r in rows], f.type) for f in schema}, schema)


def _share(by_type: dict[str, Any], key: str, total: int) -> float | None:
    if not total:
        return None
    return float(by_type.get(key, {}).get("count", 0)) / total


def _date(published: str | None):
    """The calendar date of an ISO 8601 date or datetime, or None."""
    import datetime as dt

    if not published:
        return None
    try:
        return dt.date.fromisoformat(published[:10])
    except ValueError:
        return None
