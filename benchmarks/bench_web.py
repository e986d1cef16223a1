"""Load check of the web app: ``claimledger serve --read-only`` on loopback, N concurrent clients
for a while against pages (article, report, search, lists) and API reads; prints requests/s,
latency percentiles per kind of route, every non-2xx answer, and what the clients and the server
cost in CPU. Exits 1 when any request failed.

    .venv/bin/python benchmarks/bench_web.py                        # builds a store from examples/
    .venv/bin/python benchmarks/bench_web.py --db ledger.duckdb --clients 50 --seconds 30
    .venv/bin/python benchmarks/bench_web.py --serve-args "--workers 2 --cache-mb 0"

Without --db it ingests examples/*.txt and examples/corpus/articles.jsonl into a temporary store
first. The clients are cheap on purpose: one process, asyncio streams, HTTP/1.1 keep-alive, a
hand-written request and response parser (no HTTP library), so that on a small machine they take
as little as possible of the CPU they share with the server; their own CPU time is printed.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import glob
import json
import os
import random
import re
import shlex
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

import psutil

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# kind -> weight in the mix; "api" covers the JSON reads, the rest are pages.
MIX = {"article": 3, "report": 2, "search": 2, "list": 1, "api": 3}
PAGE_KINDS = ("article", "report", "search", "list")


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


def get_json(url: str) -> object:
    with urllib.request.urlopen(url, timeout=30) as r:  # loopback only
        return json.load(r)


def start_server(db: str, port: int, extra: list[str]) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-m", "claimledger", "serve", "--db", db, "--port", str(port),
         "--read-only", *extra],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited: {proc.stderr.read() if proc.stderr else ''}")
        try:
            get_json(f"http://127.0.0.1:{port}/api/v1/stats")
            return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("the server did not answer within 60 s")


def targets(base: str) -> tuple[list[str], list[str]]:
    """Article ids and search words taken from the store through the API."""
    ids: list[str] = []
    titles: list[str] = []
    offset = 0
    while True:
        page = get_json(f"{base}/api/v1/articles?limit=200&offset={offset}")
        assert isinstance(page, dict)
        ids.extend(a["article_id"] for a in page["items"])
        titles.extend(a.get("title") or "" for a in page["items"])
        offset += len(page["items"])
        if not page["items"] or offset >= page["total"]:
            break
    words = sorted({w.lower() for w in re.findall(r"[A-Za-z]{5,}", " ".join(titles))})
    return ids, words or ["said"]


def pick_url(kind: str, rnd: random.Random, ids: list[str], words: list[str]) -> str:
    word = urllib.parse.quote(rnd.choice(words))
    if kind == "article":
        return f"/articles/{rnd.choice(ids)}"
    if kind == "report":
        return f"/articles/{rnd.choice(ids)}/report"
    if kind == "search":
        return f"/search?q={word}&scope={rnd.choice(('articles', 'claims'))}"
    if kind == "list":
        return rnd.choice((f"/articles?offset={rnd.randrange(len(ids))}&limit=10",
                           f"/sources?q={word[:3]}", "/"))
    return rnd.choice((
        f"/api/v1/articles/{rnd.choice(ids)}", f"/api/v1/articles/{rnd.choice(ids)}/meta",
        f"/api/v1/search?q={word}", f"/api/v1/sources?q={word[:3]}",
        f"/api/v1/articles?offset={rnd.randrange(len(ids))}&limit=10",
    ))


class Connection:
    """One keep-alive HTTP/1.1 connection: a request out, a whole response in."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, path: str) -> int:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        assert self.reader is not None
        self.writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n\r\n".encode())
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = {}
        for line in lines[1:]:
            if ":" in line:
                k, v = line.split(":", 1)
                headers[k.strip().lower()] = v.strip()
        if "content-length" in headers:
            await self.reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
                await self.reader.readexactly(size + 2)
                if size == 0:
                    break
        if headers.get("connection", "").lower() == "close":
            self.close()
        return status

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def client(port: int, ids: list[str], words: list[str], until: float, seed: int,
                 results: list[tuple[str, int, float]]) -> None:
    rnd = random.Random(seed)
    kinds, weights = list(MIX), list(MIX.values())
    conn = Connection(port)
    try:
        while time.monotonic() < until:
            kind = rnd.choices(kinds, weights)[0]
            url = pick_url(kind, rnd, ids, words)
            t0 = time.perf_counter()
            try:
                status = await asyncio.wait_for(conn.get(url), 60)
            except (OSError, asyncio.IncompleteReadError, TimeoutError, ValueError) as exc:
                status = -1
                conn.close()
                print(f"error: {url}: {type(exc).__name__}: {exc}", file=sys.stderr)
            results.append((kind, status, time.perf_counter() - t0))
    finally:
        conn.close()


def pct(values: list[float], q: float) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def cpu_seconds(proc: psutil.Process) -> float:
    """User + system CPU of a process and its children (the server's workers)."""
    total = 0.0
    for p in [proc, *proc.children(recursive=True)]:
        try:
            t = p.cpu_times()
            total += t.user + t.system
        except psutil.NoSuchProcess:
            pass
    return total


def line(name: str, lat: list[float]) -> str:
    return (f"  {name:8s} n={len(lat):6d}  p50 {pct(lat, 50):6.0f}  p95 {pct(lat, 95):6.0f}  "
            f"p99 {pct(lat, 99):6.0f}  max {max(lat):6.0f}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", help="a store to serve (default: build one from examples/)")
    ap.add_argument("--clients", type=int, default=200)
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--warmup", type=float, default=3, help="seconds of load before measuring")
    ap.add_argument("--serve-args", default="", metavar="ARGS",
                    help="more options for `claimledger serve`, e.g. \"--workers 2\"")
    args = ap.parse_args()

    tmp = None
    db = args.db
    if db is None:
        tmp = tempfile.TemporaryDirectory()
        db = os.path.join(tmp.name, "bench.duckdb")
        build_store(db)
    port = free_port()
    server = start_server(db, port, shlex.split(args.serve_args))
    server_ps = psutil.Process(server.pid)
    base = f"http://127.0.0.1:{port}"
    try:
        ids, words = targets(base)
        print(f"serving {len(ids)} articles at {base} ({args.serve_args or 'defaults'}); "
              f"{args.clients} clients for "
              f"{args.seconds:g} s (after {args.warmup:g} s warm-up); mix: "
              + ", ".join(f"{k} {w}" for k, w in MIX.items()), flush=True)

        async def run(seconds: float, out: list) -> None:
            until = time.monotonic() + seconds
            await asyncio.gather(*(client(port, ids, words, until, i, out)
                                   for i in range(args.clients)))

        asyncio.run(run(args.warmup, []))
        results: list[tuple[str, int, float]] = []
        server_cpu0, client_cpu0 = cpu_seconds(server_ps), time.process_time()
        t0 = time.perf_counter()
        asyncio.run(run(args.seconds, results))
        elapsed = time.perf_counter() - t0
        client_cpu = time.process_time() - client_cpu0
        server_cpu = cpu_seconds(server_ps) - server_cpu0
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
        if tmp is not None:
            tmp.cleanup()

    n = len(results)
    lat = [t * 1000 for _, _, t in results]
    bad = collections.Counter(s for _, s, _ in results if not 200 <= s < 300)
    print(f"requests: {n} in {elapsed:.1f} s = {n / elapsed:.1f} requests/s")
    print(f"latency ms: p50 {pct(lat, 50):.0f}  p95 {pct(lat, 95):.0f}  p99 {pct(lat, 99):.0f}  "
          f"max {max(lat):.0f}")
    for kind in MIX:
        k = [t * 1000 for kd, _, t in results if kd == kind]
        if k:
            print(line(kind, k))
    pages = [t * 1000 for kd, _, t in results if kd in PAGE_KINDS]
    if pages:
        print(line("pages", pages))
    print(f"cpu: clients {client_cpu:.1f} s ({100 * client_cpu / elapsed:.0f}% of a core, "
          f"{1e6 * client_cpu / max(n, 1):.0f} µs a request); server {server_cpu:.1f} s "
          f"({100 * server_cpu / elapsed:.0f}% of a core, {1e6 * server_cpu / max(n, 1):.0f} µs "
          f"a request); {os.cpu_count()} cores")
    errors = sum(bad.values())
    print(f"errors: {errors}" + (" (" + ", ".join(
        f"{'connection' if s == -1 else s}: {n}" for s, n in sorted(bad.items())) + ")"
        if errors else ""))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
