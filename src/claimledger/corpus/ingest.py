"""Ingest: read inputs, analyse new articles in worker processes, write them to the store.

The main process reads the inputs, hands batches of documents to the workers (each loads the
spaCy model once), and is the only writer of the store. Articles are committed in groups, each
group in one transaction, so killing an ingest at any moment loses at most the group in flight,
and running the same command again fills the gap: articles already stored are skipped by id
before any analysis.
"""

from __future__ import annotations

import collections
import gzip
import multiprocessing
import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from claimledger.corpus.identity import article_id
from claimledger.corpus.inputs import Document, Failure, extract, iter_documents
from claimledger.corpus.store import Store
from claimledger.corpus.tables import ArticleInfo, rows_of, url_row
from claimledger.errors import ClaimledgerError

BATCH = 8  # documents per task handed to a worker


@dataclass
class IngestReport:
    stored: int = 0
    skipped: int = 0  # already in the store before this run
    duplicates: int = 0  # the same article again within this run (syndicated copies)
    failed: int = 0
    seconds: float = 0.0
    write_seconds: float = 0.0  # time spent writing to the store (its share of ``seconds``)
    failures: list[tuple[str, str]] = field(default_factory=list)

    @property
    def articles_per_second(self) -> float:
        done = self.stored + self.skipped + self.duplicates
        return done / self.seconds if self.seconds else 0.0

    def summary(self) -> str:
        parts = [f"stored {self.stored} new article{'s' * (self.stored != 1)}"]
        if self.skipped:
            parts.append(f"skipped {self.skipped} already in the store")
        if self.duplicates:
            parts.append(f"{self.duplicates} duplicate cop{'ies' if self.duplicates != 1 else 'y'}"
                         " recorded as extra URLs")
        if self.failed:
            parts.append(f"{self.failed} failed (listed in the errors table)")
        return ", ".join(parts) + f" in {self.seconds:.1f} s"


def default_workers() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def ingest(
    inputs: Iterable[str],
    db: str,
    *,
    workers: int | None = None,
    commit_every: int = 64,
    commit_seconds: float = 10.0,
    max_bytes: int = 5 * 1024 * 1024,
    timeout: float = 20.0,
    progress: bool | None = None,
    log: Callable[[str], None] | None = None,
    command: str = "ingest",
) -> IngestReport:
    """Ingest ``inputs`` into the store at ``db``; see the module docstring."""
    inputs = list(inputs)
    workers = workers or default_workers()
    report = IngestReport()
    t0 = time.perf_counter()
    with Store(db) as store:
        known = frozenset(store.article_ids())
        run_id = store.start_run(command)
        seen: set[str] = set(known)
        pending: list[dict[str, list[dict[str, Any]]]] = []
        urls: list[dict[str, Any]] = []
        errors: list[tuple[str, str]] = []
        last_commit = time.monotonic()

        def fail(inp: str, reason: str) -> None:
            report.failed += 1
            errors.append((inp, reason))
            if len(report.failures) < 1000:
                report.failures.append((inp, reason))

        def flush() -> None:
            nonlocal pending, urls, errors, last_commit
            if pending or urls or errors:
                tw = time.perf_counter()
                store.write(pending, urls, errors, run_id=run_id)
                report.write_seconds += time.perf_counter() - tw
                if log and pending:
                    log(f"committed {len(pending)} article(s); {report.stored} stored so far")
            pending, urls, errors = [], [], []
            last_commit = time.monotonic()

        docs = iter_documents(inputs, max_bytes=max_bytes, timeout=timeout)
        # a store kept inside a directory being ingested is not an input
        own = {os.path.abspath(p) for p in (db, db + ".wal")}
        batches = _batches(docs, fail, own)
        bar = _Progress(_estimate(inputs) if _show(progress) else None, enabled=_show(progress))
        try:
            for results in _run(batches, known, workers, max_bytes):
                for kind, *rest in results:
                    if kind == "failed":
                        fail(*rest)
                    elif kind == "known":
                        report.skipped += 1
                        urls.append(rest[1])
                    else:
                        aid, rows = rest
                        if aid in seen:
                            report.duplicates += 1
                            urls.append(rows["article_urls"][0])
                        else:
                            seen.add(aid)
                            report.stored += 1
                            pending.append(rows)
                    bar.advance()
                if len(pending) >= commit_every or time.monotonic() - last_commit > commit_seconds:
                    flush()
            flush()
        finally:
            bar.close()
            report.seconds = time.perf_counter() - t0
            try:
                store.finish_run(run_id, stored=report.stored, skipped=report.skipped,
                                 duplicates=report.duplicates, failed=report.failed)
            except Exception:  # noqa: BLE001 - the store may be gone with the exception we raise
                pass
    return report


def _batches(
    docs: Iterator[Document | Failure], fail: Callable[[str, str], None], skip: set[str]
) -> Iterator[list[Document]]:
    batch: list[Document] = []
    for doc in docs:
        if isinstance(doc, Failure):
            if os.path.abspath(doc.input) not in skip:
                fail(doc.input, doc.reason)
            continue
        batch.append(doc)
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _run(
    batches: Iterator[list[Document]], known: frozenset[str], workers: int, max_bytes: int
) -> Iterator[list[tuple]]:
    """Results of :func:`_work` for every batch, in input order; at most a few batches per
    worker in flight, so the inputs are read no faster than they are analysed."""
    if workers <= 1:
        _init(known, max_bytes)
        for batch in batches:
            yield _work(batch)
        return
    ctx = multiprocessing.get_context("spawn")
    saved = {k: os.environ.get(k) for k in _THREAD_VARS}
    os.environ.update({k: "1" for k in _THREAD_VARS})
    try:
        pool = ctx.Pool(workers, initializer=_init, initargs=(known, max_bytes))
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    try:
        in_flight: collections.deque = collections.deque()
        for batch in batches:
            in_flight.append(pool.apply_async(_work, (batch,)))
            while len(in_flight) >= workers * 3:
                yield in_flight.popleft().get()
        while in_flight:
            yield in_flight.popleft().get()
        pool.close()
    except BaseException:
        pool.terminate()
        raise
    finally:
        pool.join()


_THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS")

# Worker state: set once per process by _init.
_known: frozenset[str] = frozenset()
_max_bytes = 5 * 1024 * 1024
_analyzer = None


def _init(known: frozenset[str], max_bytes: int) -> None:
    global _known, _max_bytes
    _known, _max_bytes = known, max_bytes


def _work(batch: list[Document]) -> list[tuple]:
    """Extract, identify and analyse a batch of documents. Every document gives one result:
    ("failed", input, reason), ("known", article_id, url_row) or ("new", article_id, rows)."""
    global _analyzer
    out: list[tuple | None] = []
    todo: list[tuple[int, str, ArticleInfo, str]] = []
    for doc in batch:
        try:
            art = extract(doc, max_bytes=_max_bytes)
        except ClaimledgerError as exc:
            out.append(("failed", doc.input, str(exc)))
            continue
        except Exception as exc:  # noqa: BLE001 - one bad article never stops the batch
            out.append(("failed", doc.input, f"could not extract the article: {_one_line(exc)}"))
            continue
        info = ArticleInfo.of(art)
        aid = article_id(art.text)
        if aid in _known:
            out.append(("known", aid, url_row(aid, info)))
            continue
        todo.append((len(out), aid, info, art.text))
        out.append(None)
    if todo:
        if _analyzer is None:
            from claimledger.analyzer import Analyzer

            _analyzer = Analyzer()
        for slot, aid, info, result in _analyze(todo):
            out[slot] = result
    return [r for r in out if r is not None]


def _analyze(todo: list[tuple[int, str, ArticleInfo, str]]) -> Iterator[tuple]:
    metas = [info.meta() for _, _, info, _ in todo]
    try:
        ledgers = list(_analyzer.pipe([t for *_, t in todo], metas))
    except Exception:  # noqa: BLE001 - find the article that fails, keep the others
        ledgers = None
    for i, (slot, aid, info, text) in enumerate(todo):
        try:
            ledger = ledgers[i] if ledgers is not None else _analyzer.analyze(text, metas[i])
            yield slot, aid, info, ("new", aid, rows_of(aid, info, ledger))
        except Exception as exc:  # noqa: BLE001
            yield slot, aid, info, ("failed", info.input or aid,
                                    f"analysis failed: {_one_line(exc)}")


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}".rstrip(": ")


# -- progress ----------------------------------------------------------------------------------


def _show(progress: bool | None) -> bool:
    return sys.stderr.isatty() if progress is None else progress


def _estimate(inputs: list[str]) -> int | None:
    """How many articles the inputs hold, when cheap to tell (files, JSONL lines); else None."""
    total = 0
    for inp in inputs:
        if inp.startswith(("http://", "https://")):
            return None
        paths = [inp]
        if os.path.isdir(inp):
            paths = [os.path.join(r, f) for r, ds, fs in os.walk(inp) for f in fs
                     if not f.startswith(".")]
        for p in paths:
            low = p.lower()
            if low.endswith((".warc", ".warc.gz", ".rss", ".atom", ".xml")):
                return None
            if low.endswith((".jsonl", ".ndjson", ".jsonl.gz", ".ndjson.gz")):
                try:
                    opener = gzip.open if low.endswith(".gz") else open
                    with opener(p, "rb") as fh:
                        total += sum(1 for line in fh if line.strip())
                except OSError:
                    pass
            else:
                total += 1
    return total


class _Progress:
    """A progress bar on stderr (articles, articles/s, ETA), or nothing."""

    def __init__(self, total: int | None, *, enabled: bool) -> None:
        self.p = None
        if not enabled:
            return
        from rich.console import Console
        from rich.progress import (
            BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.p = Progress(
            TextColumn("ingesting"), BarColumn(), MofNCompleteColumn(),
            TextColumn("{task.fields[rate]}"), TimeElapsedColumn(), TextColumn("ETA"),
            TimeRemainingColumn(), console=Console(stderr=True), transient=False,
        )
        self.p.start()
        self.t0 = time.perf_counter()
        self.done = 0
        self.task = self.p.add_task("ingest", total=total, rate="")

    def advance(self) -> None:
        if self.p is None:
            return
        self.done += 1
        rate = self.done / max(time.perf_counter() - self.t0, 1e-9)
        self.p.update(self.task, advance=1, rate=f"{rate:.1f} articles/s")

    def close(self) -> None:
        if self.p is not None:
            self.p.stop()
