"""What every route needs: the app's state, a per-request view of the store, and the query
parameters pages and the API share (pagination and filters), checked the same way for both.

DuckDB connections are not for sharing between threads, so each request gets its own cursor on
the one connection the app holds (``con.cursor()``), wrapped in a shallow copy of the Store so
library functions that take a Store (``corpus_stats``, ``claimledger.crossref``) work on it.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import os
import threading
from collections import OrderedDict
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from fastapi import HTTPException, Query, Request

from claimledger.corpus.store import Store
from claimledger.model import SOURCE_TYPES, Ledger
from claimledger.render.html import render_html
from claimledger.web import queries
from claimledger.web.queries import Filters
from claimledger.web.upload import Uploader

MAX_LIMIT = 200


class LedgerCache:
    """Parsed ledgers and rendered reports of recently viewed articles. An article's id is the
    hash of its text, so what is stored under an id never changes and needs no invalidation."""

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
            hit = Ledger.from_dict(json.loads(raw))
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


@dataclass
class WebState:
    """Everything the app holds for its lifetime."""

    store: Store
    read_only: bool
    max_upload_bytes: int
    uploader: Uploader
    cache: LedgerCache = field(default_factory=LedgerCache)

    @property
    def store_name(self) -> str:
        """The store's file name, for the page footer (not its full path)."""
        return os.path.basename(self.store.path) or self.store.path


def state(request: Request) -> WebState:
    return request.app.state.web


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


@dataclass(frozen=True, slots=True)
class Paging:
    limit: int
    offset: int


def paging(
    limit: int = Query(50, ge=1, le=MAX_LIMIT, description=f"items per page (at most {MAX_LIMIT})"),
    offset: int = Query(0, ge=0, description="items to skip"),
) -> Paging:
    return Paging(limit, offset)


def bad_request(message: str) -> HTTPException:
    return HTTPException(status_code=422, detail=message)


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
    outlet: str | None = Query(None, description="only articles of this outlet (exact name)"),
    date_from: str | None = Query(None, alias="from", description="published on or after, "
                                  "YYYY-MM-DD"),
    date_to: str | None = Query(None, alias="to", description="published on or before, "
                                "YYYY-MM-DD"),
    source_type: str | None = Query(None, description="only articles citing (or claims resting "
                                    f"on) a source of this type: {', '.join(SOURCE_TYPES)}"),
) -> Filters:
    start, end = parse_date(date_from, "from"), parse_date(date_to, "to")
    if start and end and start > end:
        raise bad_request("from: must not be after to")
    return Filters(
        outlet=outlet or None, date_from=start, date_to=end,
        source_type=source_type_param(source_type),
    )
