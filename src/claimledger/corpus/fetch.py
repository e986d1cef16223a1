"""Fetch one http(s) URL for ingest: bounded in time and size, with a one-line reason on failure.

Only the URLs the user names (and the article links of feeds they name) are fetched; nothing else
is downloaded, and only http and https are spoken, redirects included.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from types import TracebackType
from typing import Self
from urllib.parse import urlsplit

import httpx

from claimledger import __version__

USER_AGENT = f"claimledger/{__version__} (offline news claim ledger; fetches only URLs it is given)"
ACCEPT = (
    "text/html,application/xhtml+xml,application/rss+xml,application/atom+xml,"
    "text/plain;q=0.9,application/xml;q=0.8,*/*;q=0.1"
)
MAX_REDIRECTS = 10


@dataclass(frozen=True, slots=True)
class Page:
    """A fetched response body and what the server said it is."""

    url: str  # the final URL, after redirects
    media_type: str  # lowercased, without parameters ("text/html"); "" when the server sent none
    charset: str | None
    body: bytes


class FetchError(Exception):
    """A URL could not be fetched; ``str()`` is a one-line reason such as ``HTTP 404 Not Found``."""


def is_http_url(value: str) -> bool:
    """True for an absolute http or https URL with a host."""
    parts = urlsplit(value.strip())
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)


def format_size(n: int) -> str:
    """A byte count as people write limits: ``5 MB``, ``64 KB``, ``300 bytes``."""
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.3g} MB"
    if n >= 1024:
        return f"{n / 1024:.3g} KB"
    return f"{n} bytes"


def parse_content_type(value: str | None) -> tuple[str, str | None]:
    """``("text/html", "utf-8")`` from ``text/html; charset="UTF-8"``; ``("", None)`` from None."""
    if not value:
        return "", None
    media, _, params = value.partition(";")
    charset = None
    for param in params.split(";"):
        key, _, val = param.partition("=")
        if key.strip().lower() == "charset" and val.strip().strip("\"'"):
            charset = val.strip().strip("\"'").lower()
    return media.strip().lower(), charset


class Fetcher:
    """One HTTP client for a batch of fetches; close it (or use ``with``) when done.

    ``timeout`` bounds connecting, each read, and (checked as data arrives) the whole download;
    ``max_bytes`` caps the decoded body, enforced while streaming so an oversized page is never
    held in memory.
    """

    def __init__(
        self, *, timeout: float, max_bytes: int, transport: httpx.BaseTransport | None = None
    ) -> None:
        self.timeout = timeout
        self.max_bytes = max_bytes
        self._transport = transport
        self._client: httpx.Client | None = None

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def get(self, url: str) -> Page:
        """The page at ``url``; raises FetchError with a one-line reason when it cannot be had."""
        if not is_http_url(url):
            raise FetchError("only http and https URLs are fetched")
        try:
            return self._get(url.strip())
        except FetchError:
            raise
        except httpx.TimeoutException:
            raise FetchError(f"timed out after {self.timeout:g} s") from None
        except httpx.TooManyRedirects:
            raise FetchError(f"more than {MAX_REDIRECTS} redirects") from None
        except httpx.UnsupportedProtocol:
            raise FetchError("redirected to a URL that is not http(s); not followed") from None
        except httpx.ConnectError as exc:
            raise FetchError(_connect_reason(exc, urlsplit(url).hostname or url)) from None
        except httpx.InvalidURL as exc:
            raise FetchError(f"invalid URL ({_first_line(exc)})") from None
        except httpx.HTTPError as exc:
            raise FetchError(f"{type(exc).__name__}: {_first_line(exc)}") from None

    def _get(self, url: str) -> Page:
        started = time.monotonic()
        with self._http().stream("GET", url) as response:
            if response.status_code >= 300:
                phrase = f" {response.reason_phrase}" if response.reason_phrase else ""
                raise FetchError(f"HTTP {response.status_code}{phrase}")
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > self.max_bytes:
                raise FetchError(f"larger than the {format_size(self.max_bytes)} limit")
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > self.max_bytes:
                    raise FetchError(f"larger than the {format_size(self.max_bytes)} limit")
                if time.monotonic() - started > self.timeout:
                    raise FetchError(f"timed out after {self.timeout:g} s")
                chunks.append(chunk)
            media, charset = parse_content_type(response.headers.get("Content-Type"))
            return Page(str(response.url), media, charset, b"".join(chunks))

    def _http(self) -> httpx.Client:
        if self._client is None:
            self._client = httpx.Client(
                follow_redirects=True,
                max_redirects=MAX_REDIRECTS,
                timeout=httpx.Timeout(self.timeout),
                headers={"User-Agent": USER_AGENT, "Accept": ACCEPT},
                transport=self._transport,
            )
        return self._client


def _connect_reason(exc: httpx.ConnectError, host: str) -> str:
    message = _first_line(exc)
    lowered = message.lower()
    if any(
        cue in lowered
        for cue in (
            "name or service not known",
            "name resolution",
            "nodename nor servname",
            "getaddrinfo failed",
            "no address associated",
        )
    ):
        return f"cannot resolve host {host} (DNS lookup failed)"
    if "refused" in lowered:
        return f"connection refused by {host}"
    if "certificate" in lowered:
        return f"TLS certificate check failed for {host}"
    return f"cannot connect to {host}: {message}"


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:300] if text else type(exc).__name__
