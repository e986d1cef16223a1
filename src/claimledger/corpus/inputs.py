"""Read what ``claimledger ingest`` is given -- files, directories, JSONL, WARC, RSS/Atom, http(s)
URLs -- into Documents, and a Document into the Article the analyser gets.

``iter_documents`` runs in the main process and never raises for a bad input: each one becomes a
``Failure`` with a one-line reason and the batch goes on. ``extract`` is pure and runs in worker
processes, so Documents carry raw text or HTML and extraction happens there.

How an input is recognised: http(s) URLs are fetched; a directory is walked recursively in sorted
order, skipping hidden files and directories silently; a file's kind comes from its suffix
(``.gz`` looked through), overruled by its content when that is unmistakable (a WARC header, an
RSS/Atom root, an HTML root, or a JSON object on the first line of a would-be text file).
A file of unknown kind is one Failure: named on the command line, a file without a suffix is
read as plain text when it is text; found in a directory, it must look like HTML, a feed or a
WARC, so a stray README or LICENSE is reported once and never analysed as news.

Only regular files are opened (symlinks followed): a FIFO, device or socket is one Failure
("not a regular file (a FIFO)"), told without opening it, so it can never block the batch.
Text and HTML in UTF-16 or UTF-32 are read when they start with a byte-order mark, and named
as such when they do not.

``max_bytes`` caps everything read whole: a text or HTML file, a feed, a fetched page, one JSONL
line, one WARC record's payload. JSONL and WARC files are streamed and have no overall cap.
"""

from __future__ import annotations

import codecs
import contextlib
import email.utils
import gzip
import html as html_lib
import io
import json
import os
import re
import zlib
from calendar import timegm
from collections.abc import Iterable, Iterator
from copy import deepcopy
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any, BinaryIO
from urllib.parse import urlsplit

from claimledger.corpus.fetch import (
    Fetcher,
    FetchError,
    Page,
    format_size,
    is_http_url,
    parse_content_type,
)
from claimledger.corpus.nesting import flatten_deep_nesting
from claimledger.errors import InputError
from claimledger.reading import (
    NotRegularFile,
    byte_order_mark,
    decode_article,
    guess_title,
    open_regular,
    unmarked_encoding_reason,
)

MAX_BYTES = 5 * 1024 * 1024
FULL_ARTICLE_WORDS = 80  # a feed entry's content is taken as the article from this many words
KNOWN_TYPES = "claimledger reads .txt, .html, .jsonl[.gz], .warc[.gz], RSS/Atom"

_SUFFIX_KINDS = {
    ".txt": "text",
    ".text": "text",
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".warc": "warc",
    ".rss": "feed",
    ".atom": "feed",
    ".xml": "xml",  # a feed when its root says so
}
_UNMISTAKABLE = ("warc", "feed", "html")
_NOT_BINARY = {
    "text": "a UTF-8 text article",
    "html": "HTML",
    "jsonl": "JSON lines",
    "warc": "a WARC file",
    "feed": "an RSS or Atom feed",
}
_HTML_TYPES = ("text/html", "application/xhtml+xml")
_FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml")
_XML_TYPES = ("application/xml", "text/xml")
_BINARY_MAGIC = (b"%PDF", b"PK\x03\x04", b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"\xd0\xcf\x11\xe0")
_HEAD_BYTES = 64 * 1024
_ROOT = re.compile(
    r"(?:\s|<\?.*?\?>|<!--.*?-->|<!doctype\s+(?!html)[^>]*>)*<(!doctype\s+html|[a-z][\w:.-]*)",
    re.IGNORECASE | re.DOTALL,
)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", re.IGNORECASE)
_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class Document:
    """One article as found, before extraction; picklable, so it can go to a worker process."""

    input: str  # a path, "path:LINE" (JSONL), "path#N" (N-th WARC record or feed entry), or a URL
    text: str | None = None  # plain text, when the input is plain text
    html: str | None = None  # raw HTML, when text must be extracted
    url: str | None = None
    title: str | None = None
    published: str | None = None  # ISO 8601 date or datetime when parseable, else as found
    outlet: str | None = None
    author: str | None = None


@dataclass(frozen=True, slots=True)
class Failure:
    """An input that could not be read; the batch goes on."""

    input: str
    reason: str  # one line: what is wrong and, when useful, what to do


@dataclass(frozen=True, slots=True)
class Article:
    """An extracted article: what the analyser gets."""

    input: str
    text: str
    url: str | None = None
    title: str | None = None
    published: str | None = None
    outlet: str | None = None
    author: str | None = None
    site_name: str | None = None


def iter_documents(
    inputs: Iterable[str],
    *,
    max_bytes: int = MAX_BYTES,
    timeout: float = 20.0,
    follow_feed_links: bool = True,
) -> Iterator[Document | Failure]:
    """The Documents in ``inputs`` (paths, directories, http(s) URLs), in order, and a Failure for
    each input, line, record or entry that cannot be read.

    Nothing is raised for a bad input and nothing is downloaded but the URLs named and, when
    ``follow_feed_links``, the article links of feed entries that carry only a summary.
    """
    reader = _Reader(max_bytes=max_bytes, timeout=timeout, follow_feed_links=follow_feed_links)
    try:
        for raw in inputs:
            name = os.fspath(raw) if isinstance(raw, os.PathLike) else str(raw)
            yield from _guarded(name, reader.read(name))
    finally:
        reader.close()


def extract(doc: Document, *, max_bytes: int = MAX_BYTES) -> Article:
    """The Article in ``doc``: its text as given, or extracted from its HTML with trafilatura at
    precision settings, paragraphs separated by blank lines.

    Metadata the input gave (feed, JSONL) wins over what the HTML says, except the date: a date
    the page declares in its markup wins over ``doc.published``, which for WARC records is only
    the crawl date. Raises InputError with a one-line reason when there is no article text.
    """
    if doc.text is not None:
        if len(doc.text) > max_bytes:  # characters: never more than the bytes they were read from
            raise InputError(f"the text is larger than the {format_size(max_bytes)} limit")
        if not doc.text.strip():
            raise InputError("the article is empty")
        return Article(
            input=doc.input,
            text=doc.text,
            url=doc.url,
            title=doc.title or guess_title(doc.text),
            published=doc.published,
            outlet=doc.outlet or _host(doc.url),
            author=doc.author,
        )
    if doc.html is None or not doc.html.strip():
        raise InputError("nothing to extract: the document has neither text nor HTML")
    if len(doc.html) > max_bytes:
        raise InputError(f"the HTML is larger than the {format_size(max_bytes)} limit")
    found = _trafilatura(flatten_deep_nesting(doc.html), doc.url)
    text = _paragraphs(found.body) if found is not None else ""
    if not text:
        raise InputError(
            "no article text found in the HTML (an index, paywall or script-built page?); "
            "ingest the article page itself, or its text"
        )
    url = _prefer_canonical(found.url, doc.url)
    return Article(
        input=doc.input,
        text=text,
        url=url,
        title=doc.title or _clean(found.title),
        published=normalise_date(found.date) if found.date else doc.published,
        outlet=doc.outlet or _clean(found.sitename) or _host(url),
        author=doc.author or _clean(found.author),
        site_name=_clean(found.sitename),
    )


def normalise_date(value: str) -> str:
    """ISO 8601 for a date (``2024-03-05``) or datetime (``2024-03-05T14:30:00-05:00``) written
    as ISO 8601 or RFC 2822 (as feeds and HTTP write them); anything else unchanged."""
    return _parse_date(value) or value.strip()


def _parse_date(value: str) -> str | None:
    text = value.strip()
    with contextlib.suppress(ValueError):
        return date.fromisoformat(text).isoformat()
    with contextlib.suppress(ValueError):
        return datetime.fromisoformat(text).isoformat()
    with contextlib.suppress(TypeError, ValueError, IndexError):
        return email.utils.parsedate_to_datetime(text).isoformat()
    return None


class _Reader:
    """Turns input names into Documents; holds the limits and the one HTTP client of a batch."""

    def __init__(self, *, max_bytes: int, timeout: float, follow_feed_links: bool) -> None:
        self.max_bytes = max_bytes
        self.timeout = timeout
        self.follow_feed_links = follow_feed_links
        self._fetcher: Fetcher | None = None

    def close(self) -> None:
        if self._fetcher is not None:
            self._fetcher.close()

    def fetch(self, url: str) -> Page:
        if self._fetcher is None:
            self._fetcher = Fetcher(timeout=self.timeout, max_bytes=self.max_bytes)
        return self._fetcher.get(url)

    def read(self, name: str) -> Iterator[Document | Failure]:
        scheme = re.match(r"([a-zA-Z][a-zA-Z0-9+.-]+)://", name)
        if scheme:
            if scheme[1].lower() not in ("http", "https"):
                yield Failure(name, f"cannot fetch {scheme[1]}:// URLs; only http and https")
            else:
                yield from self.url(name)
        elif os.path.isdir(name):
            yield from self.directory(name)
        else:
            yield from self.file(name, named=True)

    # -- files ------------------------------------------------------------------------------

    def directory(self, root: str) -> Iterator[Document | Failure]:
        errors: list[OSError] = []
        found = False
        for dirpath, dirnames, filenames in os.walk(root, onerror=errors.append):
            for error in errors:
                found = True
                yield Failure(error.filename or root, f"cannot list directory: {_os_reason(error)}")
            errors.clear()
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for filename in sorted(filenames):
                if filename.startswith("."):
                    continue
                path = os.path.join(dirpath, filename)
                for item in _guarded(path, self.file(path, named=False)):
                    found = True
                    yield item
        for error in errors:
            found = True
            yield Failure(error.filename or root, f"cannot list directory: {_os_reason(error)}")
        if not found:
            yield Failure(root, "no files in this directory (hidden files are skipped)")

    def file(self, path: str, *, named: bool) -> Iterator[Document | Failure]:
        try:
            head, gzipped = _read_head(path)  # refuses a FIFO, device or socket unopened
        except OSError as exc:
            yield Failure(path, _os_reason(exc))
            return
        except (EOFError, zlib.error):
            yield Failure(path, "not a valid gzip file")
            return
        if not head.strip():
            yield Failure(path, "the file is empty")
            return
        sniffed = _sniff(head)
        kind, reason = _decide(_suffix_kind(path), sniffed, named=named)
        if sniffed == "binary":
            reason = unmarked_encoding_reason(head) or reason
        marked = byte_order_mark(head)
        if kind == "jsonl" and marked and marked[1] != "UTF-8":
            encoding = marked[1][:6]  # UTF-16 or UTF-32, either byte order
            yield Failure(path, f"{encoding} text; JSON lines must be UTF-8: convert it, "
                          f"e.g. iconv -f {encoding.lower()} -t utf-8")
            return
        if kind in ("text", "html", "feed"):
            data = _read_whole(path, gzipped, self.max_bytes)
            if isinstance(data, str):
                yield Failure(path, data)
            elif kind == "text":
                yield _text_document(path, data, self.max_bytes)
            elif kind == "html":
                yield _html_document(path, data, charset=None)
            else:
                yield from self.feed(path, data, base_url=None)
        elif kind == "jsonl":
            yield from self.jsonl(path, gzipped)
        elif kind == "warc":
            yield from self.warc(path)
        else:
            yield Failure(path, reason)

    def jsonl(self, path: str, gzipped: bool) -> Iterator[Document | Failure]:
        line_no = 0
        with _open(path, gzipped) as fh:
            try:
                for line_no, line in _capped_lines(fh, self.max_bytes):
                    where = f"{path}:{line_no}"
                    if line is None:
                        limit = format_size(self.max_bytes)
                        yield Failure(where, f"line longer than the {limit} limit")
                        continue
                    item = _jsonl_record(where, line)
                    if item is not None:
                        yield item
            except EOFError:
                yield Failure(
                    path,
                    f"the gzip file is truncated after line {line_no}; "
                    "the records before it were read, the rest is lost",
                )
            except (gzip.BadGzipFile, zlib.error) as exc:
                yield Failure(
                    path,
                    f"corrupt gzip data after line {line_no} ({_first_line(exc)}); "
                    "the rest of the file is skipped",
                )

    def warc(self, path: str) -> Iterator[Document | Failure]:
        """The HTML responses of a WARC file, as ``path#N`` for its N-th record (all kinds
        counted from 1); damage ends the file with a Failure, keeping the records before it."""
        from warcio.archiveiterator import ArchiveIterator
        from warcio.exceptions import ArchiveLoadFailed

        number = 0
        with open_regular(path) as fh:
            size = os.fstat(fh.fileno()).st_size
            archive = ArchiveIterator(fh)
            records = iter(archive)
            while True:
                where = f"{path}#{number + 1}"
                try:
                    with _captured_stderr() as complaints:
                        record = next(records, None)
                        if record is None:
                            break
                        if record.format == "warc" and not (
                            record.rec_type and record.rec_headers.get_header("Content-Length")
                        ):
                            raise ArchiveLoadFailed("a record without WARC-Type or Content-Length")
                        item = self.warc_record(where, record)
                        archive.read_to_end()
                        truncated = getattr(record.raw_stream, "limit", 0) > 0
                except (ArchiveLoadFailed, EOFError, OSError, zlib.error) as exc:
                    yield Failure(path, _warc_damage(number, _first_line(exc)))
                    return
                except Exception:  # noqa: BLE001 -- warcio trips over its own None checks
                    yield Failure(path, _warc_damage(number, "a record warcio cannot parse"))
                    return
                number += 1
                if truncated:
                    yield Failure(where, "truncated record: the file ends inside it")
                    return
                if complaints.getvalue().strip():  # e.g. a wrong Content-Length: skip the record
                    warning = _first_line(complaints.getvalue()).removeprefix("WARNING: ")
                    yield Failure(where, f"damaged WARC record ({warning}); skipped, reading on")
                elif item is not None:
                    yield item
        if number == 0:
            yield Failure(path, "no WARC records in the file")
        elif archive.offset < size:
            yield Failure(path, _warc_damage(number, f"{size - archive.offset} bytes unread"))

    def warc_record(self, where: str, record: Any) -> Document | Failure | None:
        """A Document for an HTTP 200 HTML response record; None for any other record."""
        if record.rec_type != "response" or record.http_headers is None:
            return None
        if record.http_headers.get_statuscode() != "200":
            return None
        media, charset = parse_content_type(record.http_headers.get_header("Content-Type"))
        if media and media not in _HTML_TYPES:
            return None
        payload = record.content_stream().read(self.max_bytes + 1)
        if media == "" and _sniff(payload[:_HEAD_BYTES]) != "html":
            return None
        if len(payload) > self.max_bytes:
            return Failure(where, f"response larger than the {format_size(self.max_bytes)} limit")
        if not payload.strip():
            return Failure(where, "empty HTML response")
        warc_date = record.rec_headers.get_header("WARC-Date")
        return Document(
            where,
            html=_decode_html(payload, charset),
            url=record.rec_headers.get_header("WARC-Target-URI"),
            published=normalise_date(warc_date) if warc_date else None,
        )

    # -- feeds ------------------------------------------------------------------------------

    def feed(
        self, where: str, data: bytes, *, base_url: str | None
    ) -> Iterator[Document | Failure]:
        import feedparser

        headers = {"content-location": base_url} if base_url else None
        # a stream, never a string: feedparser fetches strings that look like URLs or paths
        parsed = feedparser.parse(io.BytesIO(data), response_headers=headers)
        if not parsed.get("version") and not parsed.entries:
            detail = f" ({_first_line(parsed.bozo_exception)})" if parsed.get("bozo") else ""
            yield Failure(where, f"not an RSS or Atom feed{detail}")
            return
        if not parsed.entries:
            yield Failure(where, "the feed has no entries")
            return
        outlet = _clean(parsed.feed.get("title"))
        for number, entry in enumerate(parsed.entries, 1):
            yield self.feed_entry(f"{where}#{number}", entry, outlet)

    def feed_entry(self, where: str, entry: Any, outlet: str | None) -> Document | Failure:
        title = _clean(entry.get("title"))
        link = (entry.get("link") or "").strip() or None
        meta = {
            "url": link,
            "title": title,
            "published": _entry_date(entry),
            "outlet": outlet,
            "author": _clean(entry.get("author")),
        }
        contents = entry.get("content") or []  # content:encoded, atom:content
        content: dict[str, Any] = max(contents, key=lambda c: len(c.get("value") or ""), default={})
        body = content.get("value") or ""
        if _word_count(body) >= FULL_ARTICLE_WORDS:
            if content.get("type") == "text/plain":
                return Document(where, text=body, **meta)
            return Document(where, html=_wrap_fragment(body, title), **meta)
        summary_words = _word_count(body or entry.get("summary") or "")
        only = f"feed entry has only a summary ({summary_words} words), not the article"
        if link is None or not is_http_url(link):
            return Failure(where, f"{only}, and no http(s) link to it")
        if not self.follow_feed_links:
            return Failure(where, f"{only}; link following is off: ingest {link} instead")
        try:
            page = self.fetch(link)
        except FetchError as exc:
            return Failure(where, f"{only}, and its link {link} could not be fetched: {exc}")
        found = _page_document(where, page, self.max_bytes)
        if isinstance(found, Failure):
            return Failure(where, f"{only}, and its link {link} is no article: {found.reason}")
        return replace(
            found,
            title=title or found.title,
            published=meta["published"],
            outlet=outlet,
            author=meta["author"],
        )

    # -- URLs -------------------------------------------------------------------------------

    def url(self, url: str) -> Iterator[Document | Failure]:
        try:
            page = self.fetch(url)
        except FetchError as exc:
            yield Failure(url, str(exc))
            return
        if _page_kind(page) == "feed":
            yield from self.feed(url, page.body, base_url=page.url)
        else:
            yield _page_document(url, page, self.max_bytes)


# -- recognising inputs ---------------------------------------------------------------------


def _suffix_kind(path: str) -> str:
    """The kind a file's name promises: a _SUFFIX_KINDS value, "" (no suffix) or the suffix."""
    name = os.path.basename(path).lower().removesuffix(".gz")
    suffix = os.path.splitext(name)[1]
    return _SUFFIX_KINDS.get(suffix, suffix)


def _sniff(head: bytes) -> str | None:
    """What a file's first bytes look like: warc, feed, html, jsonl, text, xml, binary or None."""
    if head.startswith(b"WARC/"):
        return "warc"
    marked = byte_order_mark(head)
    codec, body = (marked[0], head[len(marked[2]):]) if marked else ("utf-8", head)
    if head.startswith(_BINARY_MAGIC) or (marked is None and b"\x00" in head):
        return "binary"
    start = codecs.getincrementaldecoder(codec)("replace").decode(body).lstrip("\ufeff \t\r\n")
    root = _ROOT.match(start[:4096])
    if root:
        tag = root[1].lower()
        if tag in ("rss", "feed", "rdf:rdf"):
            return "feed"
        if tag.startswith("!doctype") or tag in ("html", "head", "body"):
            return "html"
        return "xml"
    if start.startswith("{"):
        first, newline, _ = start.partition("\n")
        if not newline and len(head) >= _HEAD_BYTES:
            return "jsonl"  # a first line longer than the head: only JSONL does that
        with contextlib.suppress(ValueError):
            if isinstance(json.loads(first), dict):
                return "jsonl"
    try:
        codecs.getincrementaldecoder(codec)().decode(body, final=False)
    except UnicodeDecodeError:
        return None
    return "text"


def _decide(promised: str, sniffed: str | None, *, named: bool) -> tuple[str | None, str]:
    """(reader, "") for a file, the reader one of text, html, jsonl, warc, feed; or (None, why)."""
    if sniffed in _UNMISTAKABLE:
        return sniffed, ""  # the content overrules a suffix that lies
    if sniffed == "jsonl" and promised in ("text", ""):
        return "jsonl", ""
    if promised in _NOT_BINARY:
        if sniffed == "binary":
            return None, f"binary data, not {_NOT_BINARY[promised]}"
        return promised, ""
    if promised == "xml":
        return None, f"XML that is not an RSS or Atom feed; {KNOWN_TYPES}"
    if promised == "" and named and sniffed == "text":
        return "text", ""
    return None, f"unknown input type ({promised or 'no suffix'}); {KNOWN_TYPES}"


def _page_kind(page: Page) -> str | None:
    """How to read a fetched page: html, text or feed, from its Content-Type and first bytes."""
    sniffed = _sniff(page.body[:_HEAD_BYTES])
    media = page.media_type
    if media in _FEED_TYPES or sniffed == "feed":
        return "feed"
    if media in _HTML_TYPES or sniffed == "html":
        return "html"
    if media in _XML_TYPES:
        return None
    if media == "text/plain" or (media in ("", "application/octet-stream") and sniffed == "text"):
        return "text"
    return None


# -- building Documents ---------------------------------------------------------------------


def _text_document(where: str, data: bytes, max_bytes: int) -> Document | Failure:
    try:
        text = decode_article(data, where, max_bytes=max_bytes)
    except InputError as exc:
        return Failure(where, _without_name(str(exc), where))
    return Document(where, text=text, title=guess_title(text))


def _html_document(
    where: str, data: bytes, *, charset: str | None, url: str | None = None
) -> Document | Failure:
    if byte_order_mark(data) is None and b"\x00" in data[:_HEAD_BYTES]:
        return Failure(where, unmarked_encoding_reason(data) or "binary data, not HTML")
    html = _decode_html(data, charset)
    if not html.strip():
        return Failure(where, "the page is empty")
    return Document(where, html=html, url=url)


def _page_document(where: str, page: Page, max_bytes: int) -> Document | Failure:
    """A fetched HTML or plain-text page as a Document (feeds are handled by the caller)."""
    kind = _page_kind(page)
    if not page.body.strip():
        return Failure(where, "the server sent an empty page")
    if kind == "html":
        return _html_document(where, page.body, charset=page.charset, url=page.url)
    if kind == "text":
        if page.charset and page.charset.replace("_", "-") not in ("utf-8", "utf8"):
            try:
                text = page.body.decode(page.charset)
            except (LookupError, UnicodeDecodeError):
                return Failure(where, f"the page is not valid {page.charset}, as its server says")
        else:
            found = _text_document(where, page.body, max_bytes)
            if isinstance(found, Failure):
                return found
            text = found.text or ""
        return Document(where, text=text, url=page.url, title=guess_title(text))
    if kind == "feed":
        return Failure(where, "it is a feed, not an article page")
    shown = page.media_type or "none"
    return Failure(
        where,
        f"unsupported content type ({shown}); claimledger reads HTML, "
        "plain-text and RSS/Atom pages",
    )


def _jsonl_record(where: str, line: bytes) -> Document | Failure | None:
    """One JSONL line as a Document, a Failure saying what is wrong with it, or None if blank."""
    try:
        raw = line.decode("utf-8").lstrip("\ufeff").strip()
    except UnicodeDecodeError as exc:
        byte = line[exc.start]
        return Failure(where, f"not valid UTF-8 (byte 0x{byte:02x} at offset {exc.start})")
    if not raw:
        return None
    try:
        record = json.loads(raw)
    except json.JSONDecodeError as exc:
        return Failure(where, f"not valid JSON ({exc.msg} at column {exc.colno})")
    if not isinstance(record, dict):
        kind = _json_type(record)
        return Failure(where, f"a JSON {kind}, not an object with a 'text' or 'html' field")
    text, html = record.get("text"), record.get("html")
    if text is None and html is None:
        fields = ", ".join(sorted(record)[:8]) or "none"
        return Failure(where, f"no 'text' or 'html' field (fields: {fields})")
    for field, value in (("text", text), ("html", html)):
        if value is not None and not isinstance(value, str):
            return Failure(where, f"the '{field}' field is a {_json_type(value)}, not a string")
    if text is not None and not text.strip():
        if html is None or not html.strip():
            return Failure(where, "the 'text' field is empty")
        text = None
    if text is None and not (html or "").strip():
        return Failure(where, "the 'html' field is empty")
    return Document(
        where,
        text=text,
        html=None if text is not None else html,  # given text wins; its HTML is not carried
        url=_field(record, "url"),
        title=_field(record, "title"),
        published=_json_date(record.get("published", record.get("date"))),
        outlet=_field(record, "outlet", "source", "site"),
        author=_field(record, "author"),
    )


def _field(record: dict[str, Any], *names: str) -> str | None:
    """The first of ``names`` holding a non-empty string (or a list of them, or {"name": ...})."""
    for name in names:
        value = record.get(name)
        if isinstance(value, dict):
            value = value.get("name")
        if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
            value = "; ".join(v.strip() for v in value if v.strip())
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def _json_date(value: Any) -> str | None:
    if isinstance(value, str) and value.strip():
        return normalise_date(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        with contextlib.suppress(OverflowError, OSError, ValueError):
            return datetime.fromtimestamp(value, UTC).isoformat()
    return None


def _json_type(value: Any) -> str:
    names = {
        dict: "object",
        list: "array",
        str: "string",
        bool: "boolean",
        int: "number",
        float: "number",
        type(None): "null",
    }
    return names.get(type(value), type(value).__name__)


def _entry_date(entry: Any) -> str | None:
    """An entry's published (else updated) date, keeping the feed's own UTC offset when it can."""
    for key in ("published", "updated"):
        raw = entry.get(key)
        if raw:
            parsed = entry.get(f"{key}_parsed")  # feedparser reads more formats, but in UTC only
            if parsed_date := _parse_date(raw):
                return parsed_date
            return (
                datetime.fromtimestamp(timegm(parsed), UTC).isoformat() if parsed else raw.strip()
            )
    return None


def _wrap_fragment(fragment: str, title: str | None) -> str:
    """Feed content as a page trafilatura reads like any other."""
    head = f"<title>{html_lib.escape(title)}</title>" if title else ""
    return (
        f'<!DOCTYPE html><html><head><meta charset="utf-8">{head}</head>'
        f"<body><article>{fragment}</article></body></html>"
    )


def _word_count(markup: str) -> int:
    return len(html_lib.unescape(_TAG.sub(" ", markup)).split())


# -- reading bytes --------------------------------------------------------------------------


def _read_head(path: str) -> tuple[bytes, bool]:
    """The first bytes of a regular file, decompressed if it is gzip, and whether it is."""
    with open_regular(path) as fh:
        raw = fh.read(_HEAD_BYTES)
    if raw.startswith(b"\x1f\x8b"):
        return zlib.decompressobj(wbits=31).decompress(raw, _HEAD_BYTES), True
    return raw, False


@contextlib.contextmanager
def _open(path: str, gzipped: bool) -> Iterator[gzip.GzipFile | BinaryIO]:
    """A regular file for reading, decompressed when ``gzipped``."""
    with open_regular(path) as raw:
        if gzipped:
            with gzip.GzipFile(fileobj=raw, mode="rb") as unzipped:
                yield unzipped
        else:
            yield raw


def _read_whole(path: str, gzipped: bool, max_bytes: int) -> bytes | str:
    """A file's bytes (decompressed), or a one-line reason it cannot be had whole."""
    try:
        with _open(path, gzipped) as fh:
            data = fh.read(max_bytes + 1)
    except OSError as exc:
        return _os_reason(exc)
    except (EOFError, zlib.error):
        return "the gzip file is truncated or corrupt"
    if len(data) > max_bytes:
        return f"larger than the {format_size(max_bytes)} limit for one article or feed; raise it with --max-mb"
    return data


def _capped_lines(
    fh: gzip.GzipFile | BinaryIO, max_bytes: int
) -> Iterator[tuple[int, bytes | None]]:
    """(line number, line) pairs from 1; the line is None when longer than ``max_bytes``."""
    number = 0
    while line := fh.readline(max_bytes + 1):
        number += 1
        if len(line) > max_bytes and not line.endswith(b"\n"):
            while (rest := fh.readline(1 << 20)) and not rest.endswith(b"\n"):
                pass
            yield number, None
        else:
            yield number, line


def _decode_html(data: bytes, charset: str | None) -> str:
    """HTML bytes as text: BOM (UTF-8, -16 or -32), then the server's charset, then <meta
    charset>, then UTF-8, then a guess (trafilatura's detection)."""
    marked = byte_order_mark(data)
    if marked:
        codec, _, bom = marked
        return data[len(bom):].decode(codec, "replace")
    meta = _META_CHARSET.search(data[:4096])
    for declared in (charset, meta[1].decode("ascii", "replace") if meta else None):
        if not declared:
            continue
        try:
            encoding = codecs.lookup(declared).name
        except LookupError:
            continue
        if encoding in ("latin-1", "iso8859-1", "ascii"):
            encoding = "cp1252"  # as browsers read them
        with contextlib.suppress(UnicodeDecodeError):
            return data.decode(encoding)
    from trafilatura.utils import decode_file

    return decode_file(data)


def _warc_damage(records_read: int, detail: str) -> str:
    if records_read == 0:
        return f"not a readable WARC file ({detail})"
    return (
        f"damaged or truncated WARC after record {records_read} ({detail}); "
        "the records before it were read, the rest is skipped"
    )


@contextlib.contextmanager
def _captured_stderr() -> Iterator[io.StringIO]:
    """warcio writes warnings about damaged records to stderr; catch them to report them."""
    buffer = io.StringIO()
    with contextlib.redirect_stderr(buffer):
        yield buffer


# -- extraction -----------------------------------------------------------------------------


def _trafilatura(html: str, url: str | None) -> Any:
    import trafilatura
    from trafilatura.deduplication import LRUCache
    from trafilatura.settings import set_date_params

    try:
        return trafilatura.bare_extraction(
            html,
            url=url,
            favor_precision=True,
            include_comments=False,
            include_tables=False,
            # a cache per document: repeated boilerplate inside the page goes, but no state is
            # shared between documents (trafilatura's default cache is process-wide)
            deduplicate=LRUCache(maxsize=256),
            with_metadata=True,
            date_extraction_params=set_date_params(extensive=False),
        )
    except Exception as exc:  # noqa: BLE001 -- lxml and trafilatura raise many kinds
        raise InputError(f"the HTML could not be parsed ({_first_line(exc)})") from None


def _paragraphs(body: Any) -> str:
    """The text of trafilatura's body tree, one block (paragraph, heading, list, quote) per
    paragraph, blocks separated by a blank line."""
    from lxml import etree
    from trafilatura.xml import xmltotxt

    if body is None:
        return ""
    blocks = [_SPACE.sub(" ", body.text).strip()] if body.text else []
    for child in body:
        wrapper = etree.Element("body")
        wrapper.append(deepcopy(child))
        blocks.append(xmltotxt(wrapper, False).strip())
    return "\n\n".join(block for block in blocks if block)


def _prefer_canonical(canonical: str | None, given: str | None) -> str | None:
    """The page's canonical URL unless it is not http(s) or points at a site's home page while the
    given URL does not (a common CMS mistake)."""
    if not canonical or not is_http_url(canonical):
        return given
    if given and urlsplit(canonical).path in ("", "/") and urlsplit(given).path not in ("", "/"):
        return given
    return canonical


def _host(url: str | None) -> str | None:
    """An outlet guess from a URL: its host name without ``www.``."""
    if not url:
        return None
    host = (urlsplit(url).hostname or "").lower()
    return host.removeprefix("www.") or None


# -- small helpers --------------------------------------------------------------------------


def _guarded(name: str, items: Iterator[Document | Failure]) -> Iterator[Document | Failure]:
    """``items``, with anything raised turned into a last Failure for ``name``."""
    try:
        yield from items
    except OSError as exc:
        yield Failure(name, f"read error: {_os_reason(exc)}")
    except Exception as exc:  # noqa: BLE001 -- the contract: no input raises out of here
        yield Failure(name, f"unexpected error: {type(exc).__name__}: {_first_line(exc)}")


def _os_reason(exc: OSError) -> str:
    if isinstance(exc, NotRegularFile | IsADirectoryError):
        return exc.strerror or _first_line(exc)
    if isinstance(exc, FileNotFoundError):
        return "no such file or directory"
    if isinstance(exc, PermissionError):
        return "permission denied"
    return (exc.strerror or _first_line(exc)).lower()


def _without_name(message: str, name: str) -> str:
    return message.removeprefix(f"cannot read {name}: ")


def _clean(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    value = _SPACE.sub(" ", value).strip()
    return value or None


def _first_line(value: object) -> str:
    lines = str(value).strip().splitlines()
    return lines[0].strip()[:300] if lines else type(value).__name__
