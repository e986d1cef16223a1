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
from claimledger.evaluation.corroboration import pairwise  # noqa: E402


def emergent(path: str) -> None:
    rows = list(csv.DictReader(open(os.path.join(path, "emergent_train.csv"), encoding="utf-8")))
    items, seen = [], set()
    for r in rows:
        if r["claimId"] not in seen:
            seen.add(r["claimId"])
            items.append((r["claimHeadline"], r["claimId"]))
        items.append((r["articleHeadline"], r["claimId"]))
    from claimledger.crossref import polarity

    readings = [polarity.read(t) for t, _ in items]  # as the store path reads claims
    units = [cluster.Unit("a", str(i), t, t, cluster.numbers(r.proposition),
                          cluster.tokens(r.proposition), proposition=r.proposition,
                          polarity=r.polarity, framed=r.framed)
             for i, ((t, _), r) in enumerate(zip(items, readings))]
    for name, model in (("all-MiniLM-L6-v2 (numpy)", minilm), ("static distillation", embeddings)):
        t0 = time.perf_counter()
        vecs = model.encode([u.proposition for u in units])
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


def scale(n_claims: int = 100_000, n_queries: int = 50, n_new: int = 1_000) -> None:
    """`check` latency on a store of ``n_claims`` claims, and the cost of clustering ``n_new``
    new claims on top of it.

    The store is synthetic, built from PolNeAR train sentences (sentences of 8-60 words, each
    used up to several times with its figures and one word changed, 10 claims an article, one
    outlet of 40 and one date of 60 each, its text its ten claims); its rows are written directly
    (no analysis) with
    vectors from the static distillation projected to 384 dimensions, clusters of three
    consecutive claims. Queries and new claims are real: PolNeAR dev sentences, embedded by
    all-MiniLM-L6-v2 as `check` and `update` do."""
    import random

    from claimledger.corpus.store import Store
    from claimledger.crossref import check as checking
    from claimledger.crossref import index as vindex
    from claimledger.crossref import update
    from claimledger.evaluation.polnear import iter_articles
    from claimledger.neural.lexical_stance import split_sentences

    rng = random.Random(0)
    base = [s for a in iter_articles(split="train") for s in split_sentences(a.text)
            if 8 <= len(s.split()) <= 60]
    dev = [s for a in iter_articles(split="dev") for s in split_sentences(a.text)
           if 8 <= len(s.split()) <= 60]
    claims = []
    while len(claims) < n_claims:
        s = rng.choice(base)
        words = s.split()
        words[rng.randrange(len(words))] = rng.choice(("officials", "the ministry", "rebels",
                                                       "voters", str(rng.randint(2, 999))))
        claims.append(" ".join(words))
    t0 = time.perf_counter()
    proj = np.random.default_rng(0).standard_normal((256, 384)).astype(np.float32)
    vecs = embeddings.encode(claims) @ proj
    vecs /= np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-9)
    db = os.path.join(tempfile.mkdtemp(), "scale.duckdb")
    with Store(db) as store:
        arts = [(f"s{i:06d}", f"Synthetic article {i}", f"Outlet {i % 40}",
                 f"2026-0{1 + i % 6}-{1 + i % 28:02d}", f"2026-0{1 + i % 6}-{1 + i % 28:02d}",
                 json.dumps({"text": " ".join(claims[10 * i:10 * i + 10])}),
                 f"https://synthetic.example/{i}", "x")
                for i in range(n_claims // 10)]
        with store.transaction() as con:
            con.executemany("INSERT INTO articles (article_id, title, outlet, published, "
                            "published_date, ledger, url, input) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                            arts)
            con.executemany("INSERT INTO article_urls (article_id, url, outlet, input) "
                            "VALUES (?, ?, ?, ?)", [(a[0], a[6], a[2], "x") for a in arts])
            con.executemany("INSERT INTO article_signatures VALUES (?, ?)",
                            [(a[0], [0] * 4) for a in arts])
            con.executemany(
                "INSERT INTO claims (article_id, claim_id, text, start, \"end\", certainty) "
                "VALUES (?, ?, ?, 0, ?, 'asserted')",
                [(f"s{i // 10:06d}", f"C{i % 10 + 1}", c, len(c)) for i, c in enumerate(claims)])
            rows, ks = [], []
            for i, c in enumerate(claims):
                k = f"K{i // 3:07d}"
                rows.append((k, f"s{i // 10:06d}", f"C{i % 10 + 1}", 0, c, 1.0, "supports", 0.6,
                             vecs[i].tolist(), i, None))
                if i % 3 == 0:
                    g = vecs[i:i + 3].mean(axis=0)
                    ks.append((k, f"s{i // 10:06d}", f"C{i % 10 + 1}", c, False, g.tolist(),
                               len(vecs[i:i + 3]), sorted(cluster.tokens(c)), []))
            con.executemany("INSERT INTO cluster_members VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                            .replace("VALUES", "(cluster_id, article_id, claim_id, part, text, "
                                     "score, source_stance, stance_score, vector, vid, "
                                     "polarity_cue) VALUES"), rows)
            con.executemany("INSERT INTO claim_clusters (cluster_id, article_id, claim_id, claim, "
                            "framed, centroid, n_members, tokens, numbers) VALUES "
                            "(?, ?, ?, ?, ?, ?, ?, ?, ?)", ks)
        built = time.perf_counter() - t0
        t1 = time.perf_counter()
        vindex.VectorIndex(store)  # the first open indexes the store (one shard, HNSW)
        indexed = time.perf_counter() - t1
    vindex._OPEN.clear()
    with Store(db, read_only=True) as store:
        t2 = time.perf_counter()
        vindex.for_store(store)
        opened = time.perf_counter() - t2
        checking.check(store, [dev[0]])  # the encoder's first call loads it
        lat = []
        for q in rng.sample(dev, n_queries):
            t3 = time.perf_counter()
            checking.check(store, [q])
            lat.append(time.perf_counter() - t3)
    lat.sort()
    print(f"check on {n_claims:,} claims ({n_claims // 10:,} articles; store rows written in "
          f"{built:.0f} s, vector index built in {indexed:.1f} s, opened in {opened:.2f} s): "
          f"median {1000 * lat[len(lat) // 2]:.0f} ms, p95 {1000 * lat[int(0.95 * len(lat))]:.0f} ms, "
          f"max {1000 * lat[-1]:.0f} ms over {n_queries} claims")
    with Store(db) as store:
        new = rng.sample(dev, n_new)
        with store.transaction() as con:
            con.executemany("INSERT INTO articles (article_id, title, outlet, published, "
                            "published_date, ledger, input) VALUES (?, ?, 'New outlet', "
                            "'2026-07-01', '2026-07-01', ?, 'x')",
                            [(f"n{i:05d}", f"New {i}", json.dumps({"text": f"new article {i}"}))
                             for i in range(n_new // 10)])
            con.executemany(
                "INSERT INTO claims (article_id, claim_id, text, start, \"end\", certainty) "
                "VALUES (?, ?, ?, 0, ?, 'asserted')",
                [(f"n{i // 10:05d}", f"C{i % 10 + 1}", c, len(c)) for i, c in enumerate(new)])
        t4 = time.perf_counter()
        done = update(store)
        secs = time.perf_counter() - t4
    print(f"clustering {done['new_claims']:,} new claims into the {n_claims:,}-claim store: "
          f"{secs:.1f} s ({done['new_clusters']} new clusters), embedding included")


def contested(db: str | None) -> None:
    """The golden of propositions (``examples/contested``, ``tests/golden/contested``): every
    figure of :mod:`claimledger.evaluation.corroboration`."""
    from claimledger.corpus.ingest import ingest
    from claimledger.corpus.store import Store
    from claimledger.crossref import update
    from claimledger.crossref.families import Families
    from claimledger.evaluation import corroboration

    src = os.path.join(ROOT, "examples", "contested", "articles.jsonl")
    fam_file = os.path.join(ROOT, "examples", "contested", "families.tsv")
    golden, records = corroboration.load(
        os.path.join(ROOT, "tests", "golden", "contested", "expected.json"), src)
    if db is None:
        db = os.path.join(tempfile.mkdtemp(), "contested.duckdb")
    if not os.path.exists(db):
        ingest([src], db, workers=1, progress=False)
    with Store(db) as store:
        store.set_meta("families_file", fam_file)
        update(store)
        rep = corroboration.score(store, golden, records, Families.load(fam_file))
    print(f"contested corpus ({len(records)} articles, {len(golden['propositions'])} propositions):")
    for line in rep.lines():
        print("  " + line)
    for (kind, want, have), n in sorted(rep.confusion.items()):
        if want != have:
            print(f"    {kind} golden {want:9} -> {have:9} x{n}")
    for line in rep.errors:
        print("    " + line)


FNC_LABELS = ("agree", "disagree", "discuss", "unrelated")
_TO_FNC = {"supports": 0, "refutes": 1, "reports": 2, "questions": 2}


def fnc_pairs(split: str) -> list[tuple[str, str, int]]:
    """(headline, body, FNC label) of FNC-1 train pairs: ``held`` = the claim-connected held-out
    fifth of the judgments issue (evaluation only); ``dev`` = a fifth of the *training*
    components (seed 1), the part `check`'s threshold may be tuned on."""
    from claimledger.neural import data

    ts, held = data.fnc()
    if split == "held":
        idx = np.flatnonzero(held)
    else:
        comps = sorted({g for g, h in zip(ts.groups, held) if not h})
        rng = np.random.default_rng(1)
        dev = set(rng.choice(comps, size=round(0.2 * len(comps)), replace=False).tolist())
        idx = [i for i in range(len(ts.texts)) if not held[i] and ts.groups[i] in dev]
    return [(ts.texts[i], ts.pairs[i], int(ts.labels[i])) for i in idx]


def fnc_check(split: str, db: str | None, taus: list[float],
              modes: tuple[str, ...] = ("hybrid",)) -> None:
    """FNC-1 through `claimledger check`: the bodies of one split ingested into a store, its
    headlines checked; a body `check` does not return is unrelated; supports / refutes / reports
    or questions are agree / disagree / discuss."""
    import hashlib

    from claimledger.corpus.ingest import ingest
    from claimledger.corpus.store import Store
    from claimledger.crossref import check as checking
    from claimledger.crossref import update
    from claimledger.evaluation.classify import fnc_score, multiclass_report

    pairs = fnc_pairs(split)
    body_id = {b: hashlib.sha256(b.encode()).hexdigest()[:16] for _, b, _ in pairs}
    if db is None:
        db = os.path.join(tempfile.mkdtemp(), f"fnc-{split}.duckdb")
    t0 = time.perf_counter()
    if not os.path.exists(db):
        src = db + ".jsonl"
        with open(src, "w", encoding="utf-8") as fh:
            for b, k in body_id.items():
                fh.write(json.dumps({"id": k, "url": f"https://fnc.example/body/{k}",
                                     "outlet": "FNC-1", "text": b}) + "\n")
        ingest([src], db, workers=1, progress=False)
    with Store(db) as store:
        update(store)
        url_body = {u.rsplit("/", 1)[-1]: a for a, u in store.con.execute(
            "SELECT article_id, url FROM article_urls").fetchall() if u}
        n_claims = store.count("cluster_members")
        ready = time.perf_counter() - t0
        heads = sorted({h for h, _, _ in pairs})
        for tau, mode in [(t, m) for t in taus for m in modes]:
            checking.ARTICLE_STANCE = mode
            t1 = time.perf_counter()
            results = dict(zip(heads, checking.check(store, heads, tau=tau)))
            per = (time.perf_counter() - t1) / len(heads)
            y, pred = [], []
            for h, b, label in pairs:
                found = "unrelated"
                for a in results[h]["articles"]:
                    ids = {u.rsplit("/", 1)[-1] for u in a["urls"]}
                    if body_id[b] in ids:
                        found = a["stance"]
                        break
                y.append(label)
                pred.append(3 if found == "unrelated" else _TO_FNC[found])
            y, pred = np.array(y), np.array(pred)
            rep = multiclass_report(y, pred, FNC_LABELS)
            print(f"FNC-1 {split} through check (tau {tau:.2f}, article stance {mode}): {len(pairs)} pairs, {len(heads)} "
                  f"headlines, {len(body_id)} bodies ({n_claims} stored claims, store built in "
                  f"{ready:.0f} s); macro-F1 {rep['macro_f1']:.3f} (F1 {rep['f1']}), FNC score "
                  f"{fnc_score(y, pred):.3f}; {1000 * per:.0f} ms per check")
            print(f"    confusion (rows gold {'/'.join(FNC_LABELS)}): {rep['confusion']}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--stance", default=os.path.join(ROOT, "..", "shared", "data", "stance"))
    ap.add_argument("--db", default=None, help="an existing store of the corpus")
    ap.add_argument("--only", choices=("emergent", "corpus", "contested", "fnc", "scale"),
                    default=None)
    ap.add_argument("--contested-db", default=None, help="a store of examples/contested")
    ap.add_argument("--fnc-split", choices=("held", "dev"), default="held")
    ap.add_argument("--fnc-db", default=None, help="a store of the FNC-1 bodies (built if absent)")
    ap.add_argument("--tau", type=float, action="append", default=None,
                    help="check thresholds to try (default: the shipped one)")
    ap.add_argument("--article-stance", action="append", default=None,
                    choices=("hybrid", "model", "members"),
                    help="how check reads an article's stance (default: the shipped way)")
    args = ap.parse_args()
    from claimledger.crossref import check as checking

    if args.only in (None, "emergent"):
        emergent(args.stance)
    if args.only in (None, "corpus"):
        corpus(args.db)
    if args.only in (None, "contested"):
        contested(args.contested_db)
    if args.only in (None, "scale"):
        scale()
    if args.only in (None, "fnc"):
        fnc_check(args.fnc_split, args.fnc_db, args.tau or [checking.TAU],
                  tuple(args.article_stance or [checking.ARTICLE_STANCE]))


if __name__ == "__main__":
    main()
