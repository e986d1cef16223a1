"""The JSON API under ``/api/v1/``: the same questions as the pages, as JSON.

Lists are paginated with ``limit`` (at most 200) and ``offset`` and answer
``{"items": [...], "total": N, "limit": L, "offset": O}``. Errors answer
``{"error": {"status": S, "message": "..."}}``. ``GET /api/v1/articles/{id}`` answers the ledger
contract exactly as ``Ledger.to_dict()`` gives it (valid against the JSON Schema of
``claimledger.schema``); what the store knows besides (URLs, outlet, counts, clusters) is at
``/api/v1/articles/{id}/meta``, named by the response's ``Link`` header.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from claimledger.corpus.store import Store
from claimledger.errors import InputError
from claimledger.model import SOURCE_TYPES
from claimledger.web import clusters, queries
from claimledger.web.deps import (
    MAX_SHORT,
    MAX_TEXT,
    MAX_TOP,
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
from claimledger.web.upload import TooLarge, Upload

router = APIRouter(prefix="/api/v1", tags=["v1"], route_class=CachedRoute,
                   dependencies=[Depends(checked_parameters)])
ARTICLE_ID = Path(max_length=MAX_SHORT, description="an article id, or a unique prefix of it")
CLUSTER_ID = Path(max_length=MAX_TEXT, description="a claim cluster's id")

_ERROR = {"content": {"application/json": {"example": {
    "error": {"status": 404, "message": "no article 3f2a9c1e in this store"}}}}}


class ArticleIn(BaseModel):
    """An article to analyse and store."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, description="the article's plain text (UTF-8)")
    title: str | None = Field(None, max_length=1000)
    outlet: str | None = Field(None, max_length=300)
    url: str | None = Field(None, max_length=4000, description="an http(s) URL")
    published: str | None = Field(None, max_length=64, description="ISO 8601 date or datetime")


def _resolve(store: Store, article_id: str) -> str:
    full = queries.resolve_article(store.con, article_id)
    if full is None:
        raise HTTPException(404, f"no article {article_id} in this store")
    return full


@router.get("/articles", summary="Stored articles, newest first",
            responses={422: _ERROR})
def articles(
    request: Request, f: Filters = Depends(filters), p: Paging = Depends(paging),
    store: Store = Depends(request_store),
) -> dict[str, Any]:
    return known(request, queries.list_articles, store, f, p.limit, p.offset).to_dict()


@router.get("/articles/{article_id}", summary="One article's ledger (the ledger contract)",
            responses={404: _ERROR})
def article(
    request: Request, article_id: str = ARTICLE_ID, store: Store = Depends(request_store)
) -> JSONResponse:
    """The ledger exactly as Ledger.to_dict() gives it, except that ``meta.path`` (where the
    server read it) is null; the id may be a unique prefix."""
    full = _resolve(store, article_id)
    ledger = state(request).cache.ledger(store, full)
    if ledger is None:
        raise HTTPException(404, f"no article {article_id} in this store")
    return JSONResponse(ledger.to_dict(), headers={
        "X-Claimledger-Article-Id": full,
        "Link": f'</api/v1/articles/{full}/meta>; rel="describedby"',
    })


@router.get("/articles/{article_id}/meta", summary="What the store knows about an article",
            responses={404: _ERROR})
def article_meta(
    article_id: str = ARTICLE_ID, store: Store = Depends(request_store)
) -> dict[str, Any]:
    """The stored metadata and counts, every URL the article was found under, and the claim
    clusters of its claims ({} when none were computed)."""
    full = _resolve(store, article_id)
    return {
        "article": queries.article(store.con, full),
        "urls": queries.article_urls(store.con, full),
        "clusters": clusters.clusters_for_article(store, full),
    }


@router.get("/sources", summary="Sources across the corpus, most statements first",
            responses={422: _ERROR})
def sources(
    request: Request,
    q: str | None = text_query("part of the name"),
    source_type: str | None = text_query(", ".join(SOURCE_TYPES), alias="type",
                                         max_length=MAX_SHORT),
    p: Paging = Depends(paging), store: Store = Depends(request_store),
) -> dict[str, Any]:
    """A source is a name (case-insensitively) with a type."""
    kind = source_type_param(source_type, "type")
    return known(request, queries.list_sources, store, q, kind, p.limit, p.offset).to_dict()


@router.get("/sources/statements", summary="Every statement of one source",
            responses={404: _ERROR, 422: _ERROR})
def source_statements(
    name: str = Query(..., min_length=1, max_length=MAX_TEXT,
                      description="the source's name (any case)"),
    source_type: str | None = text_query(", ".join(SOURCE_TYPES), alias="type",
                                         max_length=MAX_SHORT),
    p: Paging = Depends(paging), store: Store = Depends(request_store),
) -> dict[str, Any]:
    """The statements (paginated), plus "summary": statements by type and by outlet."""
    kind = source_type_param(source_type, "type")
    summary = queries.source_summary(store.con, name, kind)
    if not summary["types"]:
        raise HTTPException(404, f"no source named {name!r} in this store")
    return {**queries.source_statements(store.con, name, kind, p.limit, p.offset).to_dict(),
            "summary": summary}


@router.get("/search", summary="Search articles (title and text) or claims",
            responses={422: _ERROR})
def search(
    request: Request,
    q: str = Query("", max_length=MAX_TEXT, description="words to find (case-insensitive)"),
    scope: str = Query("articles", pattern="^(articles|claims)$", max_length=MAX_SHORT,
                       description="articles (titles and texts) or claims"),
    f: Filters = Depends(filters), p: Paging = Depends(paging),
    store: Store = Depends(request_store),
) -> dict[str, Any]:
    run = queries.search_articles if scope == "articles" else queries.search_claims
    found = known(request, run, store, q.strip(), f, p.limit, p.offset)
    return {**found.to_dict(), "scope": scope}


@router.get("/claims", summary="Claim clusters across articles",
            responses={404: _ERROR})
def claim_clusters(
    q: str | None = text_query("words of the claim, as worded in any article"),
    p: Paging = Depends(paging), store: Store = Depends(request_store),
) -> dict[str, Any]:
    """404 when no clusters were computed for this store."""
    found = clusters.list_clusters(store, q, p.limit, p.offset)
    if found is None:
        raise HTTPException(404, clusters.NOT_COMPUTED)
    items, total = found
    return queries.Page(items, total, p.limit, p.offset).to_dict()


@router.get("/claims/{cluster_id}", summary="One claim cluster with its members",
            responses={404: _ERROR})
def claim_cluster(
    cluster_id: str = CLUSTER_ID, store: Store = Depends(request_store)
) -> dict[str, Any]:
    if not clusters.available(store):
        raise HTTPException(404, clusters.NOT_COMPUTED)
    cluster = clusters.get_cluster(store, cluster_id)
    if cluster is None:
        raise HTTPException(404, f"no claim cluster {cluster_id} in this store")
    return cluster


@router.get("/check", summary="Who confirms this claim? The stored articles that bear on it",
            responses={404: _ERROR, 422: _ERROR})
def check_claim(
    claim: str | None = text_query("the claim, e.g. 'The boat was carrying drugs'",
                                   max_length=2_000),
    store: Store = Depends(request_store),
) -> dict[str, Any]:
    """Each article (syndicated copies folded in, ``urls`` lists them) with its stance toward the
    claim, the statements that bear on it, the families for / against / questioning and a
    verdict-free status line, as `claimledger check -f json`. 404 when no clusters were computed."""
    if not claim or not claim.strip():
        raise HTTPException(422, "claim: give the claim to check, e.g. ?claim=The+boat+was+carrying+drugs")
    found = clusters.check(store, claim.strip())
    if found is None:
        raise HTTPException(404, clusters.NOT_COMPUTED)
    return found


@router.get("/stats", summary="The corpus summarised (as `claimledger stats -f json`)")
def stats(
    top: int = Query(10, ge=1, le=MAX_TOP,
                     description=f"how many top sources (at most {MAX_TOP})"),
    store: Store = Depends(request_store),
) -> dict[str, Any]:
    """As the CLI gives it, but the store and failed inputs by their file names only."""
    return public_stats(store, top)


@router.post("/upload", status_code=201, summary="Analyse and store an article",
             responses={200: {"description": "already stored (same id)"}, 403: _ERROR,
                        413: _ERROR, 422: _ERROR, 503: _ERROR})
async def upload(request: Request, body: ArticleIn) -> JSONResponse:
    """201 with the new article's id; 200 with the id when the same text was stored before
    (its URL is then recorded as another copy); 413 over the size limit; 422 for empty text, a
    non-http(s) URL, an unreadable date or an analysis stopped at the time limit; 503 with
    Retry-After when the upload queue is full."""
    web = state(request)
    if web.read_only:
        raise HTTPException(403, "this server was started with --read-only: uploads are turned "
                            "off")
    up = Upload(text=body.text, title=body.title, outlet=body.outlet, url=body.url,
                published=body.published)
    try:
        with cursor_view(web.store) as store:
            article_id, created = await web.uploader.store(store, up)
        web.store_changed()
    except TooLarge as exc:
        raise HTTPException(413, str(exc)) from None
    except InputError as exc:
        raise HTTPException(422, str(exc)) from None
    return JSONResponse(
        {"id": article_id, "created": created, "url": f"/articles/{article_id}",
         "ledger": f"/api/v1/articles/{article_id}"},
        status_code=201 if created else 200,
        headers={"Location": f"/api/v1/articles/{article_id}"},
    )
