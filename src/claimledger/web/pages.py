"""The HTML pages: dashboard, articles, one article (and its report), sources, claim clusters,
search and upload. Each route asks :mod:`queries` (or the library) and renders a template."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile

from claimledger.corpus.store import Store
from claimledger.errors import InputError
from claimledger.model import SOURCE_TYPES, Ledger
from claimledger.web import clusters, queries
from claimledger.web.deps import (
    DEFAULT_LIMIT,
    MAX_SHORT,
    MAX_TEXT,
    CachedRoute,
    Paging,
    checked_parameters,
    cursor_view,
    filters,
    known,
    paging,
    public_stats,
    request_store,
    source_type_param,
    state,
    text_query,
)
from claimledger.web.queries import Filters
from claimledger.web.security import ENVELOPE_BYTES, REPORT_CSP, header_list
from claimledger.web.templating import page, widths
from claimledger.web.upload import TooLarge, Upload, format_limit, from_file

router = APIRouter(include_in_schema=False, route_class=CachedRoute,
                   dependencies=[Depends(checked_parameters)])
ARTICLE_ID = Path(max_length=MAX_SHORT)
CLUSTER_ID = Path(max_length=MAX_TEXT)

DASHBOARD_WEAK_CLAIMS = 15
DASHBOARD_TOP_SOURCES = 15
DASHBOARD_DATES = 30


# --------------------------------------------------------------------------- dashboard


@router.get("/", response_class=HTMLResponse)
def dashboard(request: Request, store: Store = Depends(request_store)) -> HTMLResponse:
    stats = public_stats(store, DASHBOARD_TOP_SOURCES)
    for row in stats["by_outlet"]:
        row["bar"] = _type_bar(row)
    dates = stats["by_date"][-DASHBOARD_DATES:]
    return page(
        request, "dashboard.html", title="Dashboard", nav="home", stats=stats, dates=dates,
        most_per_date=max((d["articles"] for d in dates), default=0),
        weak=queries.weak_claims(store.con, DASHBOARD_WEAK_CLAIMS),
        clusters_available=clusters.available(store),
    )


def _type_bar(row: dict[str, Any]) -> list[dict[str, Any]]:
    """The segments of an outlet's source-type bar: named, anonymous, vague, and the rest
    (statements whose source was not resolved)."""
    named, anon, vague = (row["share_named"] or 0.0, row["share_anonymous"] or 0.0,
                          row["share_vague"] or 0.0)
    if not row["attributions"]:
        return []
    rest = max(0.0, 1.0 - named - anon - vague)
    keys = ("named", "anonymous", "vague", "unresolved")
    shares = (named, anon, vague, rest)
    return [
        {"key": k, "share": s, "width": w}
        for k, s, w in zip(keys, shares, widths(shares)) if w > 0
    ]


# --------------------------------------------------------------------------- articles


@router.get("/articles", response_class=HTMLResponse)
def articles(
    request: Request,
    f: Filters = Depends(filters),
    p: Paging = Depends(paging),
    store: Store = Depends(request_store),
) -> HTMLResponse:
    return page(
        request, "articles.html", title="Articles", nav="articles", filters=f,
        result=known(request, queries.list_articles, store, f, p.limit, p.offset),
        outlets=known(request, queries.outlets, store), source_types=SOURCE_TYPES,
    )


def _resolve(store: Store, article_id: str) -> str:
    full = queries.resolve_article(store.con, article_id)
    if full is None:
        raise HTTPException(404, f"no article {article_id} in this store")
    return full


@router.get("/articles/{article_id}", response_class=HTMLResponse)
def article_page(
    request: Request, article_id: str = ARTICLE_ID, store: Store = Depends(request_store)
) -> Response:
    full = _resolve(store, article_id)
    if full != article_id:
        return RedirectResponse(f"/articles/{full}", status_code=307)
    row = queries.article(store.con, full)
    ledger = state(request).cache.ledger(store, full)
    if row is None or ledger is None:
        raise HTTPException(404, f"no article {article_id} in this store")
    cluster_of = clusters.clusters_for_article(store, full)
    return page(
        request, "article.html", title=row["title"] or "Untitled article", nav="articles",
        article=row, urls=queries.article_urls(store.con, full),
        sources=_sources_of(ledger), claims=_claims_of(ledger, cluster_of),
        n_evidence=len(ledger.evidence),
    )


def _sources_of(ledger: Ledger) -> list[dict[str, Any]]:
    """The article's sources, most statements first: name, type, role, statement count."""
    said: dict[str | None, int] = {}
    for a in ledger.attributions:
        said[a.source_id] = said.get(a.source_id, 0) + 1
    out = [
        {"id": s.id, "name": s.name, "type": s.type, "role": s.role,
         "affiliation": s.affiliation, "anonymity_reason": s.anonymity_reason,
         "statements": said.get(s.id, 0)}
        for s in ledger.sources
    ]
    return sorted(out, key=lambda s: (-s["statements"], s["name"].lower()))


def _claims_of(ledger: Ledger, cluster_of: dict[str, str]) -> list[dict[str, Any]]:
    """The article's claims in text order, each with who makes it, its hedges, the evidence
    bearing on it, and its cluster (when clusters were computed)."""
    attributions = {a.id: a for a in ledger.attributions}
    hedges = {h.id: h for h in ledger.hedges}
    out = []
    for c in sorted(ledger.claims, key=lambda c: (c.start, c.end)):
        a = attributions.get(c.attribution_id) if c.attribution_id else None
        source = ledger.source(a.source_id) if a else None
        evidence = [
            {"status": e.status, "kind": e.kind, "text": e.text}
            for e in ledger.evidence if e.id in c.evidence_ids or c.id in e.claim_ids
        ]
        out.append({
            "id": c.id, "text": c.text, "type": c.type, "certainty": c.certainty,
            "checkworthiness": c.checkworthiness,
            "hedges": [hedges[h].text for h in c.hedge_ids if h in hedges],
            "source": source, "attributed": a is not None, "evidence": evidence,
            "cluster": cluster_of.get(c.id),
        })
    return out


@router.get("/articles/{article_id}/report", response_class=HTMLResponse)
def article_report(
    request: Request, article_id: str = ARTICLE_ID, store: Store = Depends(request_store)
) -> HTMLResponse:
    """The single-article report, as ``claimledger analyze -f html`` writes it (but without the
    path the server read the article from), under its own hash-pinned policy; only this
    server's article page may frame it."""
    full = _resolve(store, article_id)
    html = state(request).cache.report(store, full)
    if html is None:
        raise HTTPException(404, f"no article {article_id} in this store")
    headers = {k.decode(): v.decode() for k, v in header_list({
        "content-security-policy": REPORT_CSP, "x-frame-options": "SAMEORIGIN",
    })}
    return HTMLResponse(html, headers=headers)


# --------------------------------------------------------------------------- sources


@router.get("/sources", response_class=HTMLResponse)
def sources(
    request: Request,
    name: str | None = text_query(),
    source_type: str | None = text_query(alias="type", max_length=MAX_SHORT),
    q: str | None = text_query(),
    p: Paging = Depends(paging),
    store: Store = Depends(request_store),
) -> HTMLResponse:
    kind = source_type_param(source_type, "type")
    if not name:
        return page(
            request, "sources.html", title="Sources", nav="sources", q=q or "", type=kind,
            source_types=SOURCE_TYPES,
            result=known(request, queries.list_sources, store, q, kind, p.limit, p.offset),
        )
    summary = queries.source_summary(store.con, name, kind)
    if not summary["types"]:
        raise HTTPException(404, f"no source named {name!r} in this store")
    return page(
        request, "source.html", title=name, nav="sources", summary=summary,
        type_bar=_source_type_bar(summary["types"]),
        result=queries.source_statements(store.con, name, kind, p.limit, p.offset),
    )


def _source_type_bar(types: list[dict[str, Any]]) -> list[dict[str, Any]]:
    counts = [t["statements"] for t in types]
    return [
        {"key": t["type"], "count": t["statements"], "width": w}
        for t, w in zip(types, widths(counts)) if w > 0
    ]


# --------------------------------------------------------------------------- claim clusters


@router.get("/claims", response_class=HTMLResponse)
def claim_clusters(
    request: Request,
    q: str | None = text_query(),
    p: Paging = Depends(paging),
    store: Store = Depends(request_store),
) -> HTMLResponse:
    found = clusters.list_clusters(store, q, p.limit, p.offset)
    items, total = found if found is not None else ([], 0)
    return page(
        request, "claims.html", title="Claims across articles", nav="claims", q=q or "",
        available=found is not None, not_computed=clusters.NOT_COMPUTED,
        result=queries.Page(items, total, p.limit, p.offset),
    )


@router.get("/claims/{cluster_id}", response_class=HTMLResponse)
def claim_cluster(
    request: Request, cluster_id: str = CLUSTER_ID, store: Store = Depends(request_store)
) -> HTMLResponse:
    if not clusters.available(store):
        raise HTTPException(404, clusters.NOT_COMPUTED)
    cluster = clusters.get_cluster(store, cluster_id)
    if cluster is None:
        raise HTTPException(404, f"no claim cluster {cluster_id} in this store")
    return page(request, "cluster.html", title=cluster.get("claim") or cluster_id, nav="claims",
                cluster=cluster)


@router.get("/check", response_class=HTMLResponse)
def check_claim(
    request: Request,
    claim: str | None = text_query(max_length=2_000),
    store: Store = Depends(request_store),
) -> HTMLResponse:
    available = clusters.available(store)
    result = clusters.check(store, claim.strip()) if claim and claim.strip() and available else None
    return page(request, "check.html", title=f"Check: {claim}" if claim else "Check a claim",
                nav="check", claim=claim or "", available=available,
                not_computed=clusters.NOT_COMPUTED, result=result)


# --------------------------------------------------------------------------- search


SCOPES = ("articles", "claims")


@router.get("/search", response_class=HTMLResponse)
def search(
    request: Request,
    q: str = Query("", max_length=MAX_TEXT),
    scope: str = Query("articles", max_length=MAX_SHORT),
    f: Filters = Depends(filters),
    p: Paging = Depends(paging),
    store: Store = Depends(request_store),
) -> HTMLResponse:
    if scope not in SCOPES:
        raise HTTPException(422, f"scope: must be one of {', '.join(SCOPES)}")
    q = q.strip()
    searched = bool(q) or f != Filters()
    result = counts = None
    if searched:
        run = queries.search_articles if scope == "articles" else queries.search_claims
        other = queries.search_claims if scope == "articles" else queries.search_articles
        result = known(request, run, store, q, f, p.limit, p.offset)
        # The other scope's count, from the page that scope's tab opens (so it is often known).
        counts = {scope: result.total,
                  _other(scope): known(request, other, store, q, f, DEFAULT_LIMIT, 0).total}
    return page(
        request, "search.html", title=f"Search: {q}" if q else "Search", nav="search", q=q,
        scope=scope, filters=f, result=result, counts=counts, searched=searched,
        outlets=known(request, queries.outlets, store), source_types=SOURCE_TYPES,
    )


def _other(scope: str) -> str:
    return "claims" if scope == "articles" else "articles"


# --------------------------------------------------------------------------- upload


@router.get("/upload", response_class=HTMLResponse)
def upload_form(request: Request) -> HTMLResponse:
    return _upload_page(request)


def _upload_page(request: Request, status: int = 200, error: str | None = None,
                 values: dict[str, str] | None = None) -> HTMLResponse:
    web = state(request)
    return page(
        request, "upload.html", status=status, title="Upload an article", nav="upload",
        error=error, values=values or {}, limit=format_limit(web.max_upload_bytes),
    )


@router.post("/upload", response_class=HTMLResponse)
async def upload(request: Request) -> Response:
    """Analyse and store the pasted text or the uploaded file, then go to its page."""
    web = state(request)
    if web.read_only:
        return _upload_page(request, 403, "this server was started with --read-only: uploads "
                            "are turned off")
    try:
        form = await request.form(max_files=1, max_fields=10,
                                  max_part_size=web.max_upload_bytes + ENVELOPE_BYTES)
    except Exception:  # noqa: BLE001 - a malformed form is the client's error
        return _upload_page(request, 400, "the form could not be read; send it again")
    values = {k: v for k in ("text", "title", "outlet", "url", "published")
              if isinstance(v := form.get(k), str)}
    try:
        up = await _upload_of(form, values, web.max_upload_bytes)
        article_id, _ = await _store_upload(request, up)
        web.store_changed()
    except TooLarge as exc:
        return _upload_page(request, 413, str(exc), {**values, "text": ""})
    except InputError as exc:
        return _upload_page(request, 422, str(exc), values)
    return RedirectResponse(f"/articles/{article_id}", status_code=303)


async def _upload_of(form: Any, values: dict[str, str], max_bytes: int) -> Upload:
    file = form.get("file")
    text = values.get("text") or ""
    meta = {k: values.get(k) for k in ("title", "outlet", "url", "published")}
    if isinstance(file, UploadFile) and file.filename:
        data = await file.read(max_bytes + 1)
        if data:
            if text.strip():
                raise InputError("paste the text or choose a file, not both")
            body, html = from_file(data, file.filename, max_bytes)
            return Upload(text=body, html=html, filename=file.filename, **meta)
    if not text.strip():
        raise InputError("nothing to analyse: paste the text or choose a .txt or .html file")
    # Browsers send a textarea's line breaks as CRLF; the article is stored as typed.
    return Upload(text=text.replace("\r\n", "\n"), **meta)


async def _store_upload(request: Request, up: Upload) -> tuple[str, bool]:
    web = state(request)
    with cursor_view(web.store) as store:
        return await web.uploader.store(store, up)
