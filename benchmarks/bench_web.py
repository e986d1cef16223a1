"""Load check of the web app: one uvicorn process (``claimledger serve``) on loopback, N concurrent
clients for a while against article pages, their reports and search pages; prints requests/s,
latency percentiles and every non-2xx answer. Exits 1 when any request failed.

    .venv/bin/python benchmarks/bench_web.py                 # builds a store from examples/
    .venv/bin/python benchmarks/bench_web.py --db ledger.duckdb --clients 50 --seconds 30

Without --db it ingests examples/*.txt and examples/corpus/articles.jsonl into a temporary store
first. The clients run in this process (asyncio + httpx) and share the machine with the server,
so on a small machine the figures are a floor.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import glob
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time

import httpx

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KINDS = ("article", "report", "search")


def build_store(path: str) -> None:
    from claimledger.corpus.ingest import ingest

    inputs = sorted(glob.glob(os.path.join(ROOT, "examples", "*.txt")))
    corpus = os.path.join(ROOT, "examples", "corpus", "articles.jsonl")
    if os.path.exists(corpus):
        inputs.append(corpus)
    report = ingest(inputs, path, workers=1, progress=False)
    print(f"store: {report.summary()}", flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(db: str, port: int) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-m", "claimledger", "serve", "--db", db, "--port", str(port),
         "--read-only"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited: {proc.stderr.read()}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v1/stats", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("the server did not answer within 60 s")


def targets(base: str) -> tuple[list[str], list[str]]:
    """Article ids and search words taken from the store through the API."""
    ids, offset = [], 0
    while True:
        page = httpx.get(f"{base}/api/v1/articles", params={"limit": 200, "offset": offset},
                         timeout=30).json()
        ids.extend(a["article_id"] for a in page["items"])
        offset += len(page["items"])
        if not page["items"] or offset >= page["total"]:
            break
    titles = " ".join(a.get("title") or "" for a in httpx.get(
        f"{base}/api/v1/articles", params={"limit": 200}, timeout=30).json()["items"])
    words = sorted({w.lower() for w in re.findall(r"[A-Za-z]{5,}", titles)})
    return ids, words or ["said"]


async def client(base: str, ids: list[str], words: list[str], until: float, seed: int,
                 results: list[tuple[str, int, float]]) -> None:
    rnd = random.Random(seed)
    async with httpx.AsyncClient(base_url=base, timeout=60) as http:
        while time.monotonic() < until:
            kind = rnd.choice(KINDS)
            if kind == "article":
                url = f"/articles/{rnd.choice(ids)}"
            elif kind == "report":
                url = f"/articles/{rnd.choice(ids)}/report"
            else:
                scope = rnd.choice(("articles", "claims"))
                url = f"/search?q={rnd.choice(words)}&scope={scope}"
            t0 = time.perf_counter()
            try:
                r = await http.get(url)
                status = r.status_code
            except httpx.HTTPError as exc:
                status = -1
                print(f"error: {url}: {type(exc).__name__}: {exc}", file=sys.stderr)
            results.append((kind, status, time.perf_counter() - t0))


def pct(values: list[float], q: float) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", help="a store to serve (default: build one from examples/)")
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--warmup", type=float, default=3, help="seconds of load before measuring")
    args = ap.parse_args()

    tmp = None
    db = args.db
    if db is None:
        tmp = tempfile.TemporaryDirectory()
        db = os.path.join(tmp.name, "bench.duckdb")
        build_store(db)
    port = free_port()
    server = start_server(db, port)
    base = f"http://127.0.0.1:{port}"
    try:
        ids, words = targets(base)
        print(f"serving {len(ids)} articles at {base}; {args.clients} clients for "
              f"{args.seconds:g} s (after {args.warmup:g} s warm-up); mix: article page, "
              "report, search page", flush=True)
        warm: list[tuple[str, int, float]] = []

        async def run(seconds: float, out: list) -> None:
            until = time.monotonic() + seconds
            await asyncio.gather(*(client(base, ids, words, until, i, out)
                                   for i in range(args.clients)))

        asyncio.run(run(args.warmup, warm))
        results: list[tuple[str, int, float]] = []
        t0 = time.perf_counter()
        asyncio.run(run(args.seconds, results))
        elapsed = time.perf_counter() - t0
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
        if tmp is not None:
            tmp.cleanup()

    lat = [t * 1000 for _, _, t in results]
    bad = collections.Counter(s for _, s, _ in results if not 200 <= s < 300)
    print(f"requests: {len(results)} in {elapsed:.1f} s = {len(results) / elapsed:.1f} requests/s")
    print(f"latency ms: p50 {pct(lat, 50):.0f}  p95 {pct(lat, 95):.0f}  p99 {pct(lat, 99):.0f}  "
          f"max {max(lat):.0f}")
    for kind in KINDS:
        k = [t * 1000 for kd, _, t in results if kd == kind]
        if k:
            print(f"  {kind:8s} n={len(k):6d}  p50 {pct(k, 50):6.0f}  p95 {pct(k, 95):6.0f}  "
                  f"p99 {pct(k, 99):6.0f}")
    errors = sum(bad.values())
    print(f"errors: {errors}" + (" (" + ", ".join(
        f"{'connection' if s == -1 else s}: {n}" for s, n in sorted(bad.items())) + ")"
        if errors else ""))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
