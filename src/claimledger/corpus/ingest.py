"""Ingest: read inputs, analyse new articles in worker processes, write them to the store.

The main process reads the inputs, hands the documents to worker processes (each loads the
spaCy model once; :mod:`claimledger.workers`), and is the only writer of the store. Articles are
committed in groups, each group in one transaction, so killing an ingest at any moment loses at
most the group in flight, and running the same command again fills the gap: articles already
stored are skipped by id before any analysis. An article whose analysis runs over the time limit
(``time_limit``, ``--time-limit``), or whose worker dies, has its worker replaced and goes to the
``errors`` table with the reason; the run goes on.
"""

from __future__ import annotations

import collections
import contextlib
import functools
import gzip
import os
import sys
import time
from collections.abc import Callable, Generator, Iterable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

from claimledger.corpus.identity import article_id
from claimledger.corpus.inputs import Article, Document, Failure, extract, iter_documents
from claimledger.corpus.store import Store
from claimledger.corpus.tables import ArticleInfo, rows_of, url_row
from claimledger.errors import ClaimledgerError
from claimledger.workers import DEFAULT_TIME_LIMIT, AnalysisStopped, WorkerPool, WorkersUnavailable

BATCH = 8  # documents read from the inputs at a time


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
    time_limit: float | None = DEFAULT_TIME_LIMIT,
    progress: bool | None = None,
    log: Callable[[str], None] | None = None,
    command: str = "ingest",
    analyzer_factory: Callable[[], Any] | None = None,
    engine: str = "accurate",
) -> IngestReport:
    """Ingest ``inputs`` into the store at ``db``; see the module docstring.

    ``time_limit``: seconds one article's extraction and analysis may take (None or 0: no
    limit). ``analyzer_factory`` makes the analyser of each worker (default
    :class:`claimledger.analyzer.Analyzer`; anything with ``analyze(text, meta)``); it must
    pickle, as a class defined at module level does. Tests use it to make an article slow.
    ``engine`` is the analyser's attribution engine ("accurate" or "fast") when no factory is
    given.
    """
    if analyzer_factory is None:
        from claimledger.analyzer import Analyzer, check_engine

        analyzer_factory = functools.partial(Analyzer, engine=check_engine(engine))
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
        # a store kept inside a directory being ingested is not an input, nor is its vector index
        own = {os.path.abspath(p) for p in (db, db + ".wal", db + ".ann")}
        batches = _batches(docs, fail, own)
        bar = _Progress(_estimate(inputs) if _show(progress) else None, enabled=_show(progress))
        results = _run(batches, known, workers, max_bytes, time_limit, analyzer_factory)
        try:
            with contextlib.closing(results):  # on an error, the workers stop here and now
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
                    if (len(pending) >= commit_every
                            or time.monotonic() - last_commit > commit_seconds):
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
    """Documents in batches of BATCH; each reader Failure recorded with ``fail`` (unless it is the
    store itself, in ``skip``, found in a directory being ingested)."""
    batch: list[Document] = []
    for doc in docs:
        if isinstance(doc, Failure):
            where = os.path.abspath(doc.input)
            if where not in skip and os.path.dirname(where) not in skip:
                fail(doc.input, doc.reason)
            continue
        batch.append(doc)
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _run(
    batches: Iterator[list[Document]], known: frozenset[str], workers: int, max_bytes: int,
    time_limit: float | None, analyzer_factory: Callable[[], Any] | None,
) -> Generator[tuple, None, None]:
    """The result of :func:`_work` for every document, in input order, each analysed within
    ``time_limit`` by a worker process; at most three documents per worker in flight, so the
    inputs are read no faster than they are analysed. A plain-text document that is unreadable
    or already stored is settled here, without a worker."""
    pool = WorkerPool(_work, workers=workers, time_limit=time_limit, initializer=_init,
                      initargs=(known, max_bytes, analyzer_factory))
    in_flight: collections.deque[tuple[Document, Future]] = collections.deque()
    try:
        for batch in batches:
            for doc in batch:
                in_flight.append((doc, _settled(doc, known, max_bytes) or pool.submit(doc)))
                while len(in_flight) >= workers * 3:
                    yield _outcome(*in_flight.popleft())
        while in_flight:
            yield _outcome(*in_flight.popleft())
    finally:
        pool.close()


def _settled(doc: Document, known: frozenset[str], max_bytes: int) -> Future | None:
    """A done future of the result of a plain-text document that needs no analysis (it is
    unreadable or already stored); None when it does, or when it is HTML (extracting HTML
    is left to the workers, under the time limit)."""
    if doc.text is None:
        return None
    art = _extract(doc, max_bytes)
    if isinstance(art, Article):
        aid = article_id(art.text)
        if aid not in known:
            return None
        result: tuple = ("known", aid, url_row(aid, ArticleInfo.of(art)))
    else:
        result = art
    done: Future = Future()
    done.set_result(result)
    return done


def _outcome(doc: Document, future: Future) -> tuple:
    """The document's result; one stopped over the time limit, or whose worker died, failed."""
    try:
        return future.result()
    except WorkersUnavailable:  # no worker can start: every article would fail; stop the run
        raise
    except AnalysisStopped as exc:
        return ("failed", doc.input, str(exc))
    except Exception as exc:  # noqa: BLE001 - e.g. a result that could not be sent back
        return ("failed", doc.input, f"analysis failed: {_one_line(exc)}")


# Worker state: set once per process by _init.
_known: frozenset[str] = frozenset()
_max_bytes = 5 * 1024 * 1024
_analyzer: Any = None


def _init(known: frozenset[str], max_bytes: int,
          analyzer_factory: Callable[[], Any] | None) -> None:
    """Set up a worker: the ids already stored, the size limit, and its analyser (the model is
    loaded here, before the worker takes its first article, so no article's time pays for it)."""
    global _known, _max_bytes, _analyzer
    if analyzer_factory is None:
        from claimledger.analyzer import Analyzer

        analyzer_factory = Analyzer
    _known, _max_bytes, _analyzer = known, max_bytes, analyzer_factory()


def _work(doc: Document) -> tuple:
    """Extract, identify and analyse one document, in a worker: ("failed", input, reason),
    ("known", article_id, url_row) or ("new", article_id, rows)."""
    art = _extract(doc, _max_bytes)
    if not isinstance(art, Article):
        return art
    info = ArticleInfo.of(art)
    aid = article_id(art.text)
    if aid in _known:
        return ("known", aid, url_row(aid, info))
    try:
        ledger = _analyzer.analyze(art.text, info.meta())
        return ("new", aid, rows_of(aid, info, ledger))
    except Exception as exc:  # noqa: BLE001 - one bad article never stops the batch
        return ("failed", info.input or aid, f"analysis failed: {_one_line(exc)}")


def _extract(doc: Document, max_bytes: int) -> Article | tuple:
    """The document's Article, or its ("failed", input, reason)."""
    try:
        return extract(doc, max_bytes=max_bytes)
    except ClaimledgerError as exc:
        return ("failed", doc.input, str(exc))
    except Exception as exc:  # noqa: BLE001 - one bad article never stops the batch
        return ("failed", doc.input, f"could not extract the article: {_one_line(exc)}")


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}".rstrip(": ")


# -- progress ----------------------------------------------------------------------------------


def _show(progress: bool | None) -> bool:
    return sys.stderr.isatty() if progress is None else progress


_COUNT_BYTES = 64 * 1024 * 1024  # JSONL read to count its lines, all files together


def _estimate(inputs: list[str]) -> int | None:
    """How many articles the inputs hold, when cheap to tell (files, JSONL lines); else None.

    Never blocks, never raises, and changes nothing the ingest does: only regular files are
    opened (a FIFO, device or unreadable file counts 0: it is reported, not analysed), damage
    ends a file's count where it is, and past _COUNT_BYTES lines are extrapolated from sizes.
    """
    try:
        counter = _LineCounter()
        total = 0
        for inp in inputs:
            if inp.startswith(("http://", "https://")):
                return None
            for path in _files_under(inp):
                count = counter.articles_in(path)
                if count is None:
                    return None
                total += count
        return total
    except Exception:  # noqa: BLE001 - a bar without a total, never a failed ingest
        return None


def _files_under(inp: str) -> Iterator[str]:
    """``inp``, or the files of the directory ``inp`` as the reader walks it (hidden ones not)."""
    if not os.path.isdir(inp):
        yield inp
        return
    for root, dirs, files in os.walk(inp):  # unlistable directories: skipped, as by the reader
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        yield from (os.path.join(root, f) for f in sorted(files) if not f.startswith("."))


class _LineCounter:
    """Counts the records of JSONL files, reading at most _COUNT_BYTES of them in all."""

    def __init__(self) -> None:
        self.budget = _COUNT_BYTES
        self.lines_per_byte: dict[bool, float] = {}  # by gzipped or not, from files counted

    def articles_in(self, path: str) -> int | None:
        """1 for an article file, its record count for JSONL, 0 for what cannot be read, and
        None when it cannot be told without parsing (WARC, feeds)."""
        from claimledger.reading import special_file_reason

        try:
            mode = os.stat(path).st_mode
        except (OSError, ValueError):
            return 0
        if special_file_reason(mode):
            return 0
        low = path.lower()
        if low.endswith((".warc", ".warc.gz", ".rss", ".atom", ".xml")):
            return None
        if not low.endswith((".jsonl", ".ndjson", ".jsonl.gz", ".ndjson.gz")):
            return 1
        return self.lines(path, gzipped=low.endswith(".gz"))

    def lines(self, path: str, *, gzipped: bool) -> int | None:
        """The non-blank lines of a JSONL file: counted while the budget lasts, then
        extrapolated from the share of the file read (or from the files counted before)."""
        import zlib

        from claimledger.reading import open_regular

        count = 0
        try:
            with open_regular(path) as raw:
                size = os.fstat(raw.fileno()).st_size
                if self.budget <= 0:
                    ratio = self.lines_per_byte.get(gzipped)
                    return round(size * ratio) if ratio is not None else None
                fh = gzip.GzipFile(fileobj=raw, mode="rb") if gzipped else raw
                in_line = False
                while piece := fh.readline(1 << 20):
                    self.budget -= len(piece)
                    in_line = in_line or bool(piece.strip())
                    if piece.endswith(b"\n"):
                        count += in_line
                        in_line = False
                    if self.budget <= 0:
                        done = max(raw.tell(), 1)
                        self.lines_per_byte[gzipped] = count / done
                        return round(count * size / done)
                count += in_line
                self.lines_per_byte.setdefault(gzipped, count / max(size, 1))
        except (OSError, EOFError, zlib.error):  # unreadable or damaged: what was counted
            pass
        return count


class _Progress:
    """A progress bar on stderr (articles, articles/s, ETA), or nothing; a bar that fails to
    draw goes away and the ingest goes on."""

    def __init__(self, total: int | None, *, enabled: bool) -> None:
        self.p = None
        if not enabled:
            return
        try:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
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
        except Exception:  # noqa: BLE001 - no bar rather than no ingest
            self.close()

    def advance(self) -> None:
        if self.p is None:
            return
        self.done += 1
        rate = self.done / max(time.perf_counter() - self.t0, 1e-9)
        try:
            self.p.update(self.task, advance=1, rate=f"{rate:.1f} articles/s")
        except Exception:  # noqa: BLE001
            self.close()

    def close(self) -> None:
        bar, self.p = self.p, None
        if bar is not None:
            with contextlib.suppress(Exception):
                bar.stop()
