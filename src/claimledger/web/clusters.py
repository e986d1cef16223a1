"""Cross-article claim clusters, when ``claimledger.crossref`` exists and has filled its tables.

The app works without them: every function here answers "not computed" (``None``, empty) when
the module cannot be imported, when the store has no cluster table, or when the module fails on
a missing table; the pages then say "claim clusters have not been computed for this store".
The module is looked up on every call, so tests can put a fake one in ``sys.modules``.
"""

from __future__ import annotations

import importlib
import logging
from types import ModuleType
from typing import Any

import duckdb

from claimledger.corpus.store import Store
from claimledger.web.queries import like_pattern, table_names

NOT_COMPUTED = "claim clusters have not been computed for this store"
_COUNT_ALL = 1_000_000  # with neither a count nor known tables, the whole list is counted

log = logging.getLogger(__name__)


_PLACE = {"article_id": None, "outlet": None, "published": None}
_CLUSTER = {
    "cluster_id": "", "claim": "", "first_seen": _PLACE, "latest": _PLACE, "n_articles": 0,
    "n_outlets": 0, "families_for": [], "families_against": [], "independent_for": 0,
    "only_anonymous_or_vague": False, "evidence_cited": [], "evidence_missing": [], "status": "",
}
_MEMBER = {
    "article_id": None, "outlet": None, "published": None, "title": None, "claim_id": None,
    "text": "", "source_name": None, "source_type": None, "family": None, "stance": None,
    "source_stance": None, "polarity_cue": None, "score": None, "duplicate_of": None,
}


def _complete(cluster: dict[str, Any]) -> dict[str, Any]:
    """The cluster with every key of the interface present (missing ones empty), so that pages
    never fail on a field the clustering left out."""
    out = {**_CLUSTER, **cluster}
    for key in ("first_seen", "latest"):
        out[key] = {**_PLACE, **(out[key] or {})}
    if "members" in cluster:
        out["members"] = [{**_MEMBER, **m} for m in cluster["members"] or []]
    return out


def _module() -> ModuleType | None:
    try:
        module = importlib.import_module("claimledger.crossref")
    except ImportError:
        return None
    needed = ("list_clusters", "get_cluster", "clusters_for_article")
    return module if all(callable(getattr(module, n, None)) for n in needed) else None


def available(store: Store) -> bool:
    """Whether the store has clusters to show: the module is there, and so are its tables, with
    something in them (``claimledger cluster`` or ``ingest`` has run)."""
    if _module() is None:
        return False
    try:
        return bool(store.con.execute(
            "SELECT EXISTS (SELECT 1 FROM cluster_members)"
        ).fetchone()[0])
    except duckdb.CatalogException:  # no cluster tables: a store from before them
        return False


def update(store: Store) -> None:
    """Bring the clusters up to date after an upload, when the module can; a failure is logged
    and the upload stands (clusters are recomputed incrementally by the next update)."""
    module = _module()
    run = getattr(module, "update", None)
    if not callable(run):
        return
    try:
        run(store)
    except Exception:  # noqa: BLE001 - clustering is an extra; the article is stored
        log.warning("could not update the claim clusters after an upload", exc_info=True)


def list_clusters(store: Store, query: str | None, limit: int,
                  offset: int) -> tuple[list[dict[str, Any]], int] | None:
    """One page of clusters and how many match in all, or ``None`` when not computed."""
    module = _module()
    if module is None or not available(store):
        return None
    try:
        items = [_complete(c) for c in
                 module.list_clusters(store, query=query or None, limit=limit, offset=offset)]
        counter = getattr(module, "count_clusters", None)
        if callable(counter):
            total = int(counter(store, query=query or None))
        elif offset == 0 and len(items) < limit:
            total = len(items)
        else:
            total = _count(store, query) if _has_tables(store) else len(
                module.list_clusters(store, query=query or None, limit=_COUNT_ALL, offset=0))
    except duckdb.CatalogException:
        log.warning("claim cluster tables are incomplete", exc_info=True)
        return None
    return items, total


def _has_tables(store: Store) -> bool:
    return {"claim_clusters", "cluster_members"} <= table_names(store.con)


def _count(store: Store, query: str | None) -> int:
    """How many clusters ``list_clusters`` would list in all: those with a member, and with a
    member whose text contains ``query`` when given (as ``claimledger.crossref`` filters)."""
    sql = ("SELECT count(DISTINCT m.cluster_id) FROM cluster_members m "
           "JOIN claim_clusters k USING (cluster_id)")
    params: list[Any] = []
    if query:
        sql += (" WHERE m.cluster_id IN (SELECT cluster_id FROM cluster_members "
                "WHERE text ILIKE ? ESCAPE '\\')")
        params.append(like_pattern(query))
    return int(store.con.execute(sql, params).fetchone()[0])


def get_cluster(store: Store, cluster_id: str) -> dict[str, Any] | None:
    """One cluster with its members, or ``None`` (unknown id, or nothing computed)."""
    module = _module()
    if module is None or not available(store):
        return None
    try:
        cluster = module.get_cluster(store, cluster_id)
    except duckdb.CatalogException:
        return None
    return _complete(cluster) if cluster is not None else None


def clusters_for_article(store: Store, article_id: str) -> dict[str, str]:
    """The cluster of each claim of an article (``claim_id -> cluster_id``); empty when none."""
    module = _module()
    if module is None or not available(store):
        return {}
    try:
        return dict(module.clusters_for_article(store, article_id) or {})
    except duckdb.CatalogException:
        return {}


def check(store: Store, claim: str) -> dict[str, Any] | None:
    """The articles and statements bearing on ``claim`` (:mod:`claimledger.crossref.check`), or
    ``None`` when no clusters were computed."""
    if _module() is None or not available(store):
        return None
    from claimledger.crossref import check as checking

    try:
        return checking.check(store, [claim])[0]
    except duckdb.CatalogException:
        return None
