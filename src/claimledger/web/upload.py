"""An article sent to the app (pasted text, a .txt or .html file, or JSON): extract, analyse,
store, as ``claimledger ingest`` does for one document.

Analysis runs in a worker process (:mod:`claimledger.workers`), never in the server's: the
request awaits it without holding a thread, so the server goes on answering, and an analysis
over the time limit is stopped (its worker killed and replaced) with a one-line reason. The
worker starts, and loads the spaCy model, on the first upload: a server nobody uploads to (or
a read-only one) never pays for a second copy of the model. A few uploads may wait for the
worker (``queue``); beyond that an upload is refused at once with :class:`Busy` (HTTP 503 with
Retry-After) rather than left waiting.

The store is written in the server process only (DuckDB has one writer), each article in one
transaction by :meth:`Store.write`; the claim clusters are then updated (incrementally) when
``claimledger.crossref`` is there, as ``claimledger ingest`` does.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import anyio.to_thread

from claimledger.corpus.identity import article_id
from claimledger.corpus.inputs import Document, extract, normalise_date
from claimledger.corpus.store import Store
from claimledger.corpus.tables import ArticleInfo, rows_of, url_row
from claimledger.errors import ClaimledgerError, InputError
from claimledger.reading import HTML_SUFFIXES, decode_article
from claimledger.web import clusters, queries
from claimledger.workers import DEFAULT_TIME_LIMIT, WorkerPool

UPLOAD_QUEUE = 4  # uploads that may wait while the worker analyses another
RETRY_AFTER = 10  # seconds a refused client is told to wait

TEXT_SUFFIXES = (".txt", ".text")


class TooLarge(InputError):
    """The article is over the size limit (HTTP 413)."""


class Busy(ClaimledgerError):
    """Every analysis slot and every place in the queue is taken (HTTP 503, Retry-After)."""

    retry_after = RETRY_AFTER


@dataclass(frozen=True, slots=True)
class Upload:
    """What the user sent: the article as text or HTML, and what they said about it."""

    text: str | None = None
    html: str | None = None
    filename: str | None = None
    title: str | None = None
    outlet: str | None = None
    url: str | None = None
    published: str | None = None


def format_limit(n: int) -> str:
    return f"{n / 1_000_000:g} MB" if n >= 100_000 else f"{n:,} bytes"


def from_file(data: bytes, filename: str, max_bytes: int) -> tuple[str | None, str | None]:
    """``(text, html)`` of an uploaded file, by its suffix; InputError when it is neither a .txt
    nor an .html file, or not UTF-8."""
    if len(data) > max_bytes:
        raise TooLarge(f"{filename} is {format_limit(len(data))}, more than the "
                       f"{format_limit(max_bytes)} limit for one article")
    low = filename.lower()
    if low.endswith(HTML_SUFFIXES):
        return None, decode_article(data, filename, max_bytes=max_bytes).lstrip("\ufeff")
    if low.endswith(TEXT_SUFFIXES):
        return decode_article(data, filename, max_bytes=max_bytes).lstrip("\ufeff"), None
    raise InputError(f"cannot read {filename}: upload a .txt or .html file, or paste the text")


def check_fields(up: Upload) -> Upload:
    """The upload with its metadata tidied; InputError for a bad URL or date."""
    url = (up.url or "").strip() or None
    if url is not None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise InputError("url must be an http:// or https:// address")
    published = (up.published or "").strip() or None
    if published is not None:
        published = normalise_date(published)
        if not _is_date(published):
            raise InputError("published must be a date such as 2026-03-09 (ISO 8601)")
    return Upload(
        text=up.text, html=up.html, filename=up.filename,
        title=(up.title or "").strip() or None, outlet=(up.outlet or "").strip() or None,
        url=url, published=published,
    )


def _is_date(value: str) -> bool:
    import datetime as dt

    try:
        dt.date.fromisoformat(value[:10])
    except ValueError:
        return False
    return True


class Uploader:
    """Analyses uploads in worker processes and stores them; one per app.

    ``workers`` uploads are analysed at a time, each within ``time_limit`` seconds (None or 0:
    no limit), and ``queue`` more may wait. ``analyzer_factory`` makes the worker's analyser
    (default :class:`claimledger.analyzer.Analyzer`; it must pickle): a hook for tests.
    """

    def __init__(self, max_bytes: int, *, cluster: bool = True,
                 time_limit: float | None = DEFAULT_TIME_LIMIT, queue: int = UPLOAD_QUEUE,
                 workers: int = 1, analyzer_factory: Callable[[], Any] | None = None) -> None:
        self.max_bytes = max_bytes
        self.cluster = cluster  # update the claim clusters after each new article
        self.time_limit = time_limit or None
        self.queue = queue
        self.workers = workers
        self._analyzer_factory = analyzer_factory
        self._pool: WorkerPool | None = None
        self._lock = threading.Lock()  # one writer of the store at a time
        self._places = threading.Lock()
        self._admitted = 0  # uploads being analysed or waiting

    async def store(self, store: Store, up: Upload) -> tuple[str, bool]:
        """Store the uploaded article: ``(article id, True)``, or ``(id, False)`` when it was
        already stored (its URL is then added to ``article_urls``). InputError when there is no
        article in it or its analysis was stopped (AnalysisStopped), TooLarge over the limit,
        Busy when the queue is full."""
        up = check_fields(up)
        for body in (up.text, up.html):
            if body is not None and len(body.encode("utf-8", "surrogatepass")) > self.max_bytes:
                raise TooLarge(f"the article is more than the {format_limit(self.max_bytes)} "
                               "limit for one upload")
        if up.text is None and up.html is None:
            raise InputError("nothing to analyse: paste the text or choose a file")
        with self._place():
            found = await anyio.to_thread.run_sync(self._prepare, store, up)
            if isinstance(found, tuple):
                return found
            if self._pool is None:
                self._pool = WorkerPool(
                    _analyse_upload, workers=self.workers, time_limit=self.time_limit,
                    initializer=_init_upload_worker, initargs=(self._analyzer_factory,),
                )
            job = self._pool.submit((found, self.max_bytes))
            aid, info, rows = await asyncio.wrap_future(job)
            return await anyio.to_thread.run_sync(self._write, store, aid, info, rows)

    def close(self) -> None:
        """Stop the worker processes (an analysis under way is abandoned)."""
        if self._pool is not None:
            self._pool.close()

    @property
    def in_progress(self) -> int:
        """Uploads being analysed or waiting for a worker now."""
        return self._admitted

    def pids(self) -> list[int]:
        """The process ids of the analysis workers (none before the first upload)."""
        return self._pool.pids() if self._pool is not None else []

    @contextlib.contextmanager
    def _place(self) -> Iterator[None]:
        with self._places:
            if self._admitted >= self.workers + self.queue:
                raise Busy(f"the server is busy: {self._admitted} uploads are being analysed or "
                           f"waiting (at most {self.queue} may wait, --upload-queue); try again "
                           f"in {RETRY_AFTER} s")
            self._admitted += 1
        try:
            yield
        finally:
            with self._places:
                self._admitted -= 1

    def _prepare(self, store: Store, up: Upload) -> Document | tuple[str, bool]:
        """The upload as a Document to analyse, or ``(id, False)`` when it is plain text
        already stored (HTML is extracted by the worker, under the time limit)."""
        source = f"upload:{up.filename or 'pasted text'}"
        doc = Document(
            input=up.url or source, text=up.text, html=up.html, url=up.url, title=up.title,
            published=up.published, outlet=up.outlet,
        )
        if doc.text is None:
            return doc
        art = extract(doc, max_bytes=self.max_bytes)
        aid = article_id(art.text)
        with self._lock:
            if not queries.exists(store.con, aid):
                return doc
            info = ArticleInfo.of(art)
            if info.url:
                store.write(extra_urls=[url_row(aid, info)])
        return aid, False

    def _write(self, store: Store, aid: str, info: ArticleInfo,
               rows: dict[str, list[dict[str, Any]]]) -> tuple[str, bool]:
        with self._lock:
            if queries.exists(store.con, aid):  # stored meanwhile, by another upload
                if info.url:
                    store.write(extra_urls=[url_row(aid, info)])
                return aid, False
            store.write([rows])
            if self.cluster:
                clusters.update(store)
        return aid, True


# -- in the worker process ------------------------------------------------------------------------

_analyzer: Any = None


def _init_upload_worker(analyzer_factory: Callable[[], Any] | None) -> None:
    """Load the worker's analyser (the spaCy model), once, before its first upload."""
    global _analyzer
    if analyzer_factory is None:
        from claimledger.analyzer import Analyzer

        analyzer_factory = Analyzer
    _analyzer = analyzer_factory()


def _analyse_upload(job: tuple[Document, int]) -> tuple[str, ArticleInfo, dict[str, Any]]:
    """Extract and analyse an upload: its id, metadata and store rows; InputError when the
    document holds no article."""
    doc, max_bytes = job
    art = extract(doc, max_bytes=max_bytes)
    aid = article_id(art.text)
    info = ArticleInfo.of(art)
    return aid, info, rows_of(aid, info, _analyzer.analyze(art.text, info.meta()))
