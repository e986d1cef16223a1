"""Who confirms this claim? The articles and statements of a store that bear on a claim a user types.

    >>> check(store, ["The boat was carrying drugs"])

The claim is read like any stored statement (:func:`claimledger.crossref.polarity.read`): its
framing is removed and a negation undone, so "The boat was not carrying drugs" asks about the same
proposition and every stance is then turned round. Its vector is looked up in the store's vector
index (:mod:`claimledger.crossref.index`); a stored statement bears on the claim when its match
score (the clustering score: ``ALPHA * cosine + (1 - ALPHA) * jaccard`` over the proposition's
words, with the figure veto) reaches ``TAU``, and so do the other members of a cluster whose
centroid matches the claim that well. Each statement keeps the polarity it was stored with;
articles are grouped with their syndicated copies folded into the original (``urls`` lists them
all) and get the article stance of :mod:`claimledger.crossref.report`. Articles that do not bear on
the claim are left out. The summary is the cluster summary: families for, against and questioning,
the claimant and independent support, evidence cited and said to be missing, a status line.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import numpy as np

from claimledger.corpus.store import Store
from claimledger.crossref import cluster, polarity, report
from claimledger.crossref.families import Families

TAU = 0.40  # a single statement has fewer words than a cluster: stricter than clustering's 0.30
NEIGHBOURS = 256
MAX_CLAIM_CHARS = 2_000


def _score(prop_tokens: frozenset[str], prop_numbers: frozenset[float], cos: float,
           member_text: str) -> float:
    r = polarity.read(member_text)
    toks = cluster.tokens(r.proposition)
    if not cluster.numbers_agree(prop_numbers, cluster.numbers(r.proposition)):
        return -1.0
    union = prop_tokens | toks
    jac = len(prop_tokens & toks) / len(union) if union else 0.0
    return cluster.ALPHA * cos + (1 - cluster.ALPHA) * jac


def check(store: Store, claims: list[str], *, families: Families | None = None,
          index=None, tau: float = TAU) -> list[dict[str, Any]]:
    """One result per claim: ``claim``, ``proposition``, ``articles`` (best match first) and the
    summary fields of a cluster (``families_for`` ... ``status``)."""
    from claimledger.crossref.index import for_store
    from claimledger.neural import minilm

    fam = report._families(store, families)
    readings = [polarity.read(c[:MAX_CLAIM_CHARS]) for c in claims]
    if not claims:
        return []
    if "cluster_members" not in store.table_names():
        return [_result(store, c, r, [], {}) for c, r in zip(claims, readings)]
    index = index if index is not None else for_store(store)
    vecs = minilm.encode([r.proposition for r in readings])
    vecs /= np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-9)
    sims, vids = index.search(vecs, NEIGHBOURS) if len(index) else (None, None)
    out = []
    for i, (claim, r) in enumerate(zip(claims, readings)):
        scores: dict[int, float] = {}
        if sims is not None:
            ptoks, pnums = cluster.tokens(r.proposition), cluster.numbers(r.proposition)
            cand = [(int(v), float(s)) for v, s in zip(vids[i], sims[i]) if v >= 0]
            texts = dict(store.con.execute(
                "SELECT vid, text FROM cluster_members WHERE vid IN (SELECT unnest(?::BIGINT[]))",
                [[v for v, _ in cand]]).fetchall()) if cand else {}
            for v, cos in cand:
                sc = _score(ptoks, pnums, cos, texts.get(v, ""))
                if sc >= tau:
                    scores[v] = sc
            _add_cluster_mates(store, scores, ptoks, pnums, vecs[i], tau)
        out.append(_result(store, claim, r, sorted(scores), scores, fam))
    return out


def _add_cluster_mates(store: Store, scores: dict[int, float], ptoks, pnums, vec: np.ndarray,
                       tau: float) -> None:
    """The members of clusters whose centroid and words match the claim as well as a statement
    must: they bear on it even when worded too differently to be found one by one."""
    if not scores:
        return
    rows = store.con.execute(
        "SELECT DISTINCT k.cluster_id, k.centroid, k.tokens, k.numbers FROM cluster_members m "
        "JOIN claim_clusters k USING (cluster_id) WHERE m.vid IN (SELECT unnest(?::BIGINT[]))",
        [list(scores)]).fetchall()
    good = []
    for cid, centroid, toks, nums in rows:
        if not cluster.numbers_agree(pnums, frozenset(nums or ())):
            continue
        c = np.asarray(centroid, dtype=np.float32)
        cos = float(c @ vec / (np.linalg.norm(c) or 1.0))
        union = ptoks | set(toks or ())
        jac = len(ptoks & set(toks or ())) / len(union) if union else 0.0
        s = cluster.ALPHA * cos + (1 - cluster.ALPHA) * jac
        if s >= tau:
            good.append((cid, s))
    for cid, s in good:
        for (v,) in store.con.execute("SELECT vid FROM cluster_members WHERE cluster_id = ?",
                                      [cid]).fetchall():
            scores.setdefault(int(v), s)


def _result(store: Store, claim: str, r: polarity.Reading, vids: list[int],
            scores: dict[int, float], fam: Families | None = None) -> dict[str, Any]:
    # a claim typed as a denial asks about the positive proposition: stances turn round
    turned = r.polarity == "refutes"
    members: list[dict[str, Any]] = []
    if vids:
        fam = fam or report._families(store, None)
        rows = store.con.execute(
            "SELECT vid, article_id, claim_id, part FROM cluster_members "
            "WHERE vid IN (SELECT unnest(?::BIGINT[]))", [vids]).fetchall()
        best: dict[tuple[str, str], float] = {}
        for v, a, c, _ in rows:  # a claim cut into parts scores as its best part
            best[(a, c)] = max(best.get((a, c), -1.0), scores.get(int(v), 0.0))
        members = report._members(store, "WHERE m.vid IN (SELECT unnest(?::BIGINT[]))", [vids], fam)
        for m in members:
            m["score"] = round(best.get((m["article_id"], m["claim_id"]), 0.0), 4)
            m["cluster_id"] = "check"
            if turned:
                m["source_stance"] = polarity.flip(m["source_stance"])
        report._article_stances(members)
    summary = report._summary(store, "check", polarity.canonical(r.proposition), members) \
        if members else _empty_summary(claim, r)
    summary.pop("cluster_id", None)
    summary["claim"] = claim
    summary["proposition"] = polarity.canonical(r.proposition)
    summary["negated"] = turned
    summary["articles"] = _articles(store, members)
    return summary


def _empty_summary(claim: str, r: polarity.Reading) -> dict[str, Any]:
    s = {"claim": claim, "first_seen": None, "latest": None, "n_articles": 0, "n_copies": 0,
         "n_outlets": 0, "copy_outlets": [], "families_for": [], "families_against": [],
         "families_questioning": [], "claimant_family": None, "independent_for": 0,
         "only_anonymous_or_vague": True, "evidence_cited": [], "evidence_missing": []}
    s["status"] = "no article in the store bears on this claim"
    return s


def _articles(store: Store, members: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One entry per story: the original with its syndicated copies folded in."""
    if not members:
        return []
    by_root: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for m in members:
        by_root[m["duplicate_of"] or m["article_id"]].append(m)
    roots = list(by_root)
    copies: dict[str, list[str]] = defaultdict(list)
    for aid, dup in store.con.execute(
            "SELECT article_id, duplicate_of FROM article_duplicates WHERE duplicate_of IN "
            "(SELECT unnest(?::VARCHAR[]))", [roots]).fetchall():
        copies[dup].append(aid)
    every = roots + [a for r in roots for a in copies[r]]
    urls: dict[str, list[str]] = defaultdict(list)
    for aid, url in store.con.execute(
            "SELECT article_id, url FROM article_urls WHERE article_id IN "
            "(SELECT unnest(?::VARCHAR[])) AND url IS NOT NULL ORDER BY url", [every]).fetchall():
        if url not in urls[aid]:
            urls[aid].append(url)
    meta = {a: (o, p, t) for a, o, p, t in store.con.execute(
        "SELECT article_id, outlet, published, title FROM articles WHERE article_id IN "
        "(SELECT unnest(?::VARCHAR[]))", [roots]).fetchall()}
    out = []
    for root, ms in by_root.items():
        own = [m for m in ms if m["article_id"] == root] or ms
        outlet, published, title = meta.get(root, (own[0]["outlet"], own[0]["published"], None))
        out.append({
            "article_id": root,
            "urls": urls[root] + [u for c in sorted(copies[root]) for u in urls[c]],
            "copies": sorted(copies[root]),
            "outlet": outlet, "published": published, "title": title,
            "stance": own[0]["stance"],
            "score": max(m["score"] for m in ms),
            "families": sorted({m["family"] for m in ms if m["family"]}),
            "statements": [{k: m[k] for k in ("text", "source_name", "source_type", "family",
                                               "source_stance", "polarity_cue", "cue", "score")}
                           for m in own],
        })
    out.sort(key=lambda a: (-a["score"], str(a["published"] or ""), a["article_id"]))
    return out


def jsonl_rows(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per (claim, article), the JSONL contract of ``claimledger check -f jsonl``."""
    return [{"claim": r["claim"], "article_id": a["article_id"], "urls": a["urls"],
             "outlet": a["outlet"], "published": a["published"], "stance": a["stance"],
             "score": a["score"], "families": a["families"]}
            for r in results for a in r["articles"]]
