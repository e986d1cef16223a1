"""What every route needs: the app's state, a per-request view of the store, the query parameters
pages and the API share (pagination and filters) with their bounds, the checks every parameter
gets, what the web app must not show (server-side paths), and the cache of rendered answers.

DuckDB connections are not for sharing between threads, so each request gets its own cursor on
the one connection the app holds (``con.cursor()``), wrapped in a shallow copy of the Store so
library functions that take a Store (``corpus_stats``, ``claimledger.crossref``) work on it.

Parameter bounds are declared here once: every integer has a floor and a ceiling well inside
DuckDB's BIGINT, every string a length, and :func:`checked_parameters` (a dependency of both
routers) refuses NUL characters, lone surrogates and a parameter given twice, so that no value
of any parameter reaches the store unchecked: a bad one answers 422 with one line.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import json
import re
import threading
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from fastapi import HTTPException, Query, Request
from fastapi.routing import APIRoute
from starlette.responses import Response

from claimledger.corpus.stats import corpus_stats
from claimledger.corpus.store import Store
from claimledger.model import SOURCE_TYPES, Ledger
from claimledger.render.html import render_html
from claimledger.web import queries
from claimledger.web.queries import Filters
from claimledger.web.upload import Uploader

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
MAX_OFFSET = 1_000_000_000  # beyond any store, far inside DuckDB's BIGINT
MAX_TOP = 200
MAX_TEXT = 500  # characters of words to find, a name, an outlet
MAX_SHORT = 64  # characters of a date, a type, a scope
MAX_PARAMETER = 2_000  # characters of any parameter, path parameters included
CACHE_BYTES = 64_000_000
CACHE_RESULTS = 2_048  # query results kept besides the answers


class LedgerCache:
    """Parsed ledgers and rendered reports of recently viewed articles, as the web app shows
    them (:func:`public_ledger`). An article's id is the hash of its text, so what is stored
    under an id never changes and needs no invalidation."""

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._items: OrderedDict[tuple[str, str], object] = OrderedDict()
        self._lock = threading.Lock()

    def _get(self, key: tuple[str, str]) -> object | None:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def _put(self, key: tuple[str, str], value: object) -> None:
        with self._lock:
            self._items[key] = value
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def ledger(self, store: Store, article_id: str) -> Ledger | None:
        hit = self._get(("ledger", article_id))
        if hit is None:
            raw = queries.ledger_json(store.con, article_id)
            if raw is None:
                return None
            hit = public_ledger(Ledger.from_dict(json.loads(raw)))
            self._put(("ledger", article_id), hit)
        assert isinstance(hit, Ledger)
        return hit

    def report(self, store: Store, article_id: str) -> str | None:
        hit = self._get(("report", article_id))
        if hit is None:
            ledger = self.ledger(store, article_id)
            if ledger is None:
                return None
            hit = render_html(ledger)
            self._put(("report", article_id), hit)
        assert isinstance(hit, str)
        return hit


# --------------------------------------------------------------------------- what is not shown


def public_ledger(ledger: Ledger) -> Ledger:
    """The ledger without ``meta.path``: where the server read the article (a file on it, or
    ``upload:...``) is nobody's business over the web; ``claimledger show`` still has it."""
    if ledger.meta.path is None:
        return ledger
    return dataclasses.replace(ledger, meta=dataclasses.replace(ledger.meta, path=None))


def public_name(name: str) -> str:
    """An input's name without the server's directories: ``/srv/in/feed.xml`` -> ``feed.xml``
    (a URL stays as it is)."""
    if re.match(r"(?i)https?://", name):
        return name
    return re.split(r"[\\/]", name)[-1] or name


def public_stats(store: Store, top: int) -> dict[str, Any]:
    """``corpus_stats`` without server-side paths: the store by its file name, failed inputs by
    theirs (also where a reason quotes the path)."""
    stats = corpus_stats(store, top=top)
    stats["store"] = public_name(store.path)
    stats["recent_errors"] = [
        {**e, "input": public_name(e["input"]),
         "reason": (e["reason"] or "").replace(e["input"], public_name(e["input"]))}
        for e in stats["recent_errors"]
    ]
    return stats


# --------------------------------------------------------------------------- rendered answers


@dataclass(frozen=True, slots=True)
class _Kept:
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes


class ResponseCache:
    """The 200 answers of GET routes, by path and query string, and the results of the queries
    several routes share (:meth:`remember`), for the store as it is now.

    Every page and API read is a function of the store and its URL, and the store changes only
    when this app writes it (an upload: :meth:`WebState.store_changed`), since DuckDB lets no
    other process write while the app holds the file. Least recently used answers go first
    once ``max_bytes`` are kept; ``max_bytes=0`` keeps nothing.
    """

    def __init__(self, max_bytes: int = CACHE_BYTES, max_results: int = CACHE_RESULTS) -> None:
        self.max_bytes = max_bytes
        self.max_results = max_results if max_bytes else 0
        self.generation = 0
        self._items: OrderedDict[tuple[int, str, bytes], _Kept] = OrderedDict()
        self._results: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def remember(self, query: Callable[..., Any], con: Any, *args: Any) -> Any:
        """``query(con, *args)``, or its result from an earlier call with the same ``args``
        (which must be hashable) on the store as it is now. The result is shared: whoever
        gets it must not change it."""
        key = (self.generation, query, args)
        with self._lock:
            if key in self._results:
                self._results.move_to_end(key)
                return self._results[key]
        result = query(con, *args)
        with self._lock:
            if self.max_results and key[0] == self.generation:
                self._results[key] = result
                while len(self._results) > self.max_results:
                    self._results.popitem(last=False)
        return result

    def key(self, request: Request) -> tuple[int, str, bytes]:
        return (self.generation, request.url.path, request.scope.get("query_string", b""))

    def get(self, key: tuple[int, str, bytes]) -> Response | None:
        with self._lock:
            kept = self._items.get(key)
            if kept is None:
                return None
            self._items.move_to_end(key)
        response = Response(kept.body, status_code=kept.status)
        response.raw_headers = list(kept.headers)
        return response

    def put(self, key: tuple[int, str, bytes], response: Response) -> None:
        body = getattr(response, "body", None)
        if (response.status_code != 200 or not isinstance(body, bytes)
                or len(body) > self.max_bytes // 8 or response.background is not None
                or any(k == b"set-cookie" for k, _ in response.raw_headers)):
            return
        with self._lock:
            if key[0] != self.generation or key in self._items:
                return  # the store changed while this answer was made
            self._items[key] = _Kept(response.status_code, list(response.raw_headers), body)
            self._bytes += len(body)
            while self._bytes > self.max_bytes and self._items:
                _, dropped = self._items.popitem(last=False)
                self._bytes -= len(dropped.body)

    def clear(self) -> None:
        """Forget every answer: the store has changed."""
        with self._lock:
            self.generation += 1
            self._items.clear()
            self._results.clear()
            self._bytes = 0


class CachedRoute(APIRoute):
    """A route whose GET answers come from the app's :class:`ResponseCache` when they can: a hit
    costs no parameter parsing, no query and no rendering."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        if "GET" not in (self.methods or ()):
            return handler

        async def cached(request: Request) -> Response:
            if request.method != "GET":
                return await handler(request)
            cache = state(request).responses
            key = cache.key(request)
            hit = cache.get(key)
            if hit is not None:
                return hit
            response = await handler(request)
            cache.put(key, response)
            return response

        return cached


@dataclass
class WebState:
    """Everything the app holds for its lifetime."""

    store: Store
    read_only: bool
    max_upload_bytes: int
    uploader: Uploader
    cache: LedgerCache = field(default_factory=LedgerCache)
    responses: ResponseCache = field(default_factory=ResponseCache)

    @property
    def store_name(self) -> str:
        """The store's file name, for the page footer (not its full path)."""
        return public_name(self.store.path)

    def store_changed(self) -> None:
        """Call after anything is written to the store: cached pages and answers are dropped
        (parsed ledgers stay: an article's id is the hash of its text)."""
        self.responses.clear()


def state(request: Request) -> WebState:
    return request.app.state.web


def known(request: Request, query: Callable[..., Any], store: Store, *args: Any) -> Any:
    """``query(store.con, *args)``, through the app's cache of query results (shared: not to be
    changed)."""
    return state(request).responses.remember(query, store.con, *args)


@contextmanager
def cursor_view(store: Store) -> Iterator[Store]:
    """A view of ``store`` on a cursor of its own, closed at the end of the block."""
    view = copy.copy(store)
    view.con = store.con.cursor()
    try:
        yield view
    finally:
        view.con.close()


async def request_store(request: Request) -> AsyncIterator[Store]:
    """The store on a cursor of the request's own, closed when the request is done. Async, so
    that opening and closing a cursor (microseconds) costs no trip to the thread pool; the
    route itself, a plain function, runs in the pool."""
    with cursor_view(state(request).store) as view:
        yield view


# --------------------------------------------------------------------------- parameters


def bad_request(message: str) -> HTTPException:
    return HTTPException(status_code=422, detail=message)


def _text_problem(value: str) -> str | None:
    if "\x00" in value:
        return "must not contain NUL characters"
    if any("\ud800" <= ch <= "\udfff" for ch in value):
        return "must be valid Unicode text (it has a lone surrogate)"
    if len(value) > MAX_PARAMETER:
        return f"must be at most {MAX_PARAMETER:,} characters"
    return None


async def checked_parameters(request: Request) -> None:
    """Refuse (422) a query parameter given more than once, and any query or path parameter
    with a NUL character, a lone surrogate, or over :data:`MAX_PARAMETER` characters: checks
    every route gets, before its own parameters are read."""
    seen: set[str] = set()
    for name, value in request.query_params.multi_items():
        if name in seen:
            raise bad_request(f"{_shown(name)}: given more than once; give each parameter once")
        seen.add(name)
        problem = _text_problem(name) or _text_problem(value)
        if problem:
            raise bad_request(f"{_shown(name)}: {problem}")
    for name, value in request.path_params.items():
        problem = _text_problem(value) if isinstance(value, str) else None
        if problem:
            raise bad_request(f"{name}: {problem}")


def _shown(name: str) -> str:
    """A parameter's name as an error message may quote it (short, printable)."""
    name = "".join(ch if ch.isprintable() and not "\ud800" <= ch <= "\udfff" else "?"
                   for ch in name[:40])
    return name or "(empty name)"


@dataclass(frozen=True, slots=True)
class Paging:
    limit: int
    offset: int


def paging(
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT,
                       description=f"items per page (at most {MAX_LIMIT})"),
    offset: int = Query(0, ge=0, le=MAX_OFFSET,
                        description=f"items to skip (at most {MAX_OFFSET:,})"),
) -> Paging:
    return Paging(limit, offset)


def text_query(description: str = "", *, alias: str | None = None,
               max_length: int = MAX_TEXT) -> Any:
    """An optional free-text query parameter, at most ``max_length`` characters."""
    return Query(None, alias=alias, max_length=max_length, description=description)


def parse_date(value: str | None, name: str) -> dt.date | None:
    if value is None or not value.strip():
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise bad_request(f"{name}: not a date; write it as YYYY-MM-DD") from None


def source_type_param(value: str | None, name: str = "source_type") -> str | None:
    if value is None or value == "":
        return None
    if value not in SOURCE_TYPES:
        raise bad_request(f"{name}: must be one of {', '.join(SOURCE_TYPES)}")
    return value


def filters(
    outlet: str | None = text_query("only articles of this outlet (exact name)"),
    date_from: str | None = text_query("published on or after, YYYY-MM-DD", alias="from",
                                       max_length=MAX_SHORT),
    date_to: str | None = text_query("published on or before, YYYY-MM-DD", alias="to",
                                     max_length=MAX_SHORT),
    source_type: str | None = text_query(
        "only articles citing (or claims resting on) a source of this type: "
        f"{', '.join(SOURCE_TYPES)}", max_length=MAX_SHORT),
) -> Filters:
    start, end = parse_date(date_from, "from"), parse_date(date_to, "to")
    if start and end and start > end:
        raise bad_request("from: must not be after to")
    return Filters(
        outlet=outlet or None, date_from=start, date_to=end,
        source_type=source_type_param(source_type),
    )
