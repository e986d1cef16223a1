"""Claim clustering quality and speed, in one run.

    .venv/bin/python benchmarks/eval_clusters.py [--stance ../shared/data/stance] [--db STORE]

1. Emergent (``emergent_train.csv``: 240 claims, each with the headlines of the articles about
   it): every claim and headline is a unit; the gold clusters are the claim ids. Pairwise
   precision / recall / F1 of :func:`claimledger.crossref.cluster.cluster_units`. This is the set
   ALPHA and TAU were chosen on.
2. The hand-written corpus (``examples/corpus/articles.jsonl``, golden clusters in
   ``tests/golden/corpus/expected.json``): ingested into a fresh store and clustered; each golden
   member is mapped to the stored claim that overlaps its span, and pairwise P / R / F1 is computed
   over the golden members found (members with no overlapping claim are counted and listed).
3. Time per 1,000 new claims: clustering the Emergent units into a store-like state, claims/s.
"""

from __future__ import annotations

import argparse
import collections
import csv
import json
import os
import sys
import tempfile
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "src"))

from claimledger.neural import embeddings  # noqa: E402
from claimledger.neural import minilm  # noqa: E402
from claimledger.crossref import cluster  # noqa: E402


def pairwise(gold: list, pred: list) -> tuple[float, float, float]:
    pairs = lambda c: sum(n * (n - 1) / 2 for n in c.values())  # noqa: E731
    tp = pairs(collections.Counter(zip(gold, pred)))
    pp, gp = pairs(collections.Counter(pred)), pairs(collections.Counter(gold))
    p = tp / pp if pp else 1.0
    r = tp / gp if gp else 1.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def emergent(path: str) -> None:
    rows = list(csv.DictReader(open(os.path.join(path, "emergent_train.csv"), encoding="utf-8")))
    items, seen = [], set()
    for r in rows:
        if r["claimId"] not in seen:
            seen.add(r["claimId"])
            items.append((r["claimHeadline"], r["claimId"]))
        items.append((r["articleHeadline"], r["claimId"]))
    units = [cluster.Unit("a", str(i), t, t, cluster.numbers(t), cluster.tokens(t))
             for i, (t, _) in enumerate(items)]
    for name, model in (("all-MiniLM-L6-v2 (numpy)", minilm), ("static distillation", embeddings)):
        t0 = time.perf_counter()
        vecs = model.encode([t for t, _ in items])
        vecs /= np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-9)
        for u, v in zip(units, vecs):
            u.vector = v
        assigned = cluster.cluster_units(units, [])
        secs = time.perf_counter() - t0
        pred = [c.cluster_id for _, c, _ in assigned]
        p, r, f = pairwise([g for _, g in items], pred)
        print(f"Emergent, {name}: {len(items)} units, {len(seen)} gold clusters, "
              f"{len(set(pred))} predicted; pairwise P {p:.3f} R {r:.3f} F1 {f:.3f}; "
              f"{1000 * secs / len(items):.2f} s per 1,000 new claims (embedding + assignment)")


def corpus(db: str | None) -> None:
    from claimledger.corpus.ingest import ingest
    from claimledger.corpus.store import Store

    src = os.path.join(ROOT, "examples", "corpus", "articles.jsonl")
    golden = json.load(open(os.path.join(ROOT, "tests", "golden", "corpus", "expected.json")))
    records = {json.loads(line)["id"]: json.loads(line) for line in open(src, encoding="utf-8")}
    if db is None:
        db = os.path.join(tempfile.mkdtemp(), "corpus.duckdb")
    if not os.path.exists(db):
        ingest([src], db, workers=1, progress=False)
    from claimledger.crossref import update

    with Store(db) as store:
        update(store)
        url_to_article = dict(store.con.execute("SELECT url, article_id FROM article_urls").fetchall())
        claims = store.con.execute(
            "SELECT c.article_id, c.start, c.text, m.text, m.cluster_id FROM claims c "
            "JOIN cluster_members m USING (article_id, claim_id)"
        ).fetchall()
    by_article = collections.defaultdict(list)
    for aid, start, whole, part, k in claims:  # a member is a claim or a part of one
        at = max(whole.find(part), 0)
        by_article[aid].append((start + at, start + at + len(part), k))
    gold, pred, missing = [], [], []
    for c in golden["clusters"]:
        for m in c["members"]:
            rec = records[m["article"]]
            aid = url_to_article[rec["url"]]
            start = rec["text"].find(m["text"])
            end = start + len(m["text"])
            best = max(by_article[aid], key=lambda x: min(x[1], end) - max(x[0], start),
                       default=None)
            if best is None or min(best[1], end) - max(best[0], start) <= 0:
                missing.append(f"{c['id']}: {m['article']}: {m['text'][:60]}")
                continue
            gold.append(c["id"])
            pred.append(best[2])
    p, r, f = pairwise(gold, pred)
    total = sum(len(c["members"]) for c in golden["clusters"])
    stance_and_families(db, golden, records, url_to_article, gold, pred)
    print(f"corpus: {len(golden['clusters'])} golden clusters, {total} members, "
          f"{len(gold)} found as claims, {len(set(pred))} predicted clusters among them; "
          f"pairwise P {p:.3f} R {r:.3f} F1 {f:.3f}")
    for line in missing:
        print(f"  not a stored claim: {line}")


def stance_and_families(db, golden, records, url_to_article, gold, pred) -> None:
    """Article stances and families of each golden cluster, read off the predicted cluster that
    holds most of its members."""
    from claimledger.corpus.store import Store
    from claimledger.crossref import get_cluster
    from claimledger.crossref.families import Families

    fam = Families.load(os.path.join(ROOT, "examples", "corpus", "families.tsv"))
    right = total = 0
    confusion: collections.Counter = collections.Counter()
    fam_scores, indep = [], 0
    with Store(db, read_only=True) as store:
        for c in golden["clusters"]:
            ks = [k for g, k in zip(gold, pred) if g == c["id"]]
            if not ks:
                total += len(c["stances"])
                continue
            k = collections.Counter(ks).most_common(1)[0][0]
            got = get_cluster(store, k, families=fam)
            by_article = {m["article_id"]: m["stance"] for m in got["members"]}
            for art, want in c["stances"].items():
                have = by_article.get(url_to_article[records[art]["url"]], "(absent)")
                confusion[(want, have)] += 1
                right += have == want
                total += 1
            for key in ("families_for", "families_against"):
                a, b = set(c[key]), set(got[key])
                fam_scores.append(len(a & b) / len(a | b) if a | b else 1.0)
            indep += got["independent_for"] == c["independent_support"]
    print(f"article stances: {right}/{total} = {right / total:.3f} agree with the golden")
    for (want, have), n in sorted(confusion.items()):
        if want != have:
            print(f"    golden {want:9} -> {have:9} x{n}")
    print(f"families for/against: mean Jaccard {sum(fam_scores) / len(fam_scores):.3f} over "
          f"{len(fam_scores)} sets; independent support exact in {indep}/{len(golden['clusters'])}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--stance", default=os.path.join(ROOT, "..", "shared", "data", "stance"))
    ap.add_argument("--db", default=None, help="an existing store of the corpus")
    args = ap.parse_args()
    emergent(args.stance)
    corpus(args.db)


if __name__ == "__main__":
    main()
