"""An article sent to the app (pasted text, a .txt or .html file, or JSON): extract, analyse,
store, as ``claimledger ingest`` does for one document.

The spaCy model is loaded on the first upload and kept for the life of the process; analyses
run one at a time (a spaCy pipeline is not meant to be shared between threads), and each stored
article is written in one transaction by :meth:`Store.write`; the claim clusters are then
updated (incrementally) when ``claimledger.crossref`` is there, as ``claimledger ingest`` does.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from urllib.parse import urlsplit

from claimledger.corpus.identity import article_id
from claimledger.corpus.inputs import Document, extract, normalise_date
from claimledger.corpus.store import Store
from claimledger.corpus.tables import ArticleInfo, rows_of, url_row
from claimledger.errors import InputError
from claimledger.model import Meta
from claimledger.reading import decode_article
from claimledger.web import clusters, queries

TEXT_SUFFIXES = (".txt", ".text")
HTML_SUFFIXES = (".html", ".htm", ".xhtml")


class TooLarge(InputError):
    """The article is over the size limit (HTTP 413)."""


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
    """Analyses uploads and stores them; one per app."""

    def __init__(self, max_bytes: int, *, cluster: bool = True) -> None:
        self.max_bytes = max_bytes
        self.cluster = cluster  # update the claim clusters after each new article
        self._lock = threading.Lock()
        self._analyzer = None

    def _analyze(self, text: str, meta: Meta):
        if self._analyzer is None:
            from claimledger.analyzer import Analyzer

            self._analyzer = Analyzer()
        return self._analyzer.analyze(text, meta)

    def store(self, store: Store, up: Upload) -> tuple[str, bool]:
        """Store the uploaded article: ``(article id, True)``, or ``(id, False)`` when it was
        already stored (its URL is then added to ``article_urls``). InputError when there is no
        article in it, TooLarge over the limit."""
        up = check_fields(up)
        for body in (up.text, up.html):
            if body is not None and len(body.encode("utf-8", "surrogatepass")) > self.max_bytes:
                raise TooLarge(f"the article is more than the {format_limit(self.max_bytes)} "
                               "limit for one upload")
        if up.text is None and up.html is None:
            raise InputError("nothing to analyse: paste the text or choose a file")
        source = f"upload:{up.filename or 'pasted text'}"
        doc = Document(
            input=up.url or source, text=up.text, html=up.html, url=up.url, title=up.title,
            published=up.published, outlet=up.outlet,
        )
        art = extract(doc, max_bytes=self.max_bytes)
        aid = article_id(art.text)
        info = ArticleInfo.of(art)
        with self._lock:
            if queries.exists(store.con, aid):
                if info.url:
                    store.write(extra_urls=[url_row(aid, info)])
                return aid, False
            ledger = self._analyze(art.text, info.meta())
            store.write([rows_of(aid, info, ledger)])
            if self.cluster:
                clusters.update(store)
        return aid, True
