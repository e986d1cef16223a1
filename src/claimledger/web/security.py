"""Security headers on every response, and a guard on requests that write (none from another
origin, 403; a cap on their body, 413 beyond it), as small ASGI middlewares.

Pages get a strict Content-Security-Policy: everything from this server only, no inline script or
style, no framing. The one exception is the single-article report, a self-contained page whose
inline CSS and JS are pinned by their sha256 in its own policy (``claimledger.render.html.CSP``);
it may be framed by this server's article page, and by nothing else.

The app has no login, so what protects its forms from other sites is the origin rule of
:class:`WriteGuard`: a request that may change something (any method but GET, HEAD and OPTIONS)
is let through only when its ``Origin`` (or, without one, its ``Referer``) names this server,
the scheme, host and port the request was sent to; ``Origin: null`` (a sandboxed frame, a
``data:`` page) names no server. A request with neither header is not from a web page (curl, a
script) and passes, unless ``Sec-Fetch-Site`` says a browser sent it from another site. Pages
send ``Referrer-Policy: same-origin``: with ``no-referrer`` a browser would send its own forms'
posts with ``Origin: null``.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from html import escape
from typing import Any
from urllib.parse import urlsplit

from claimledger.render.html import CSP as REPORT_POLICY

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-src 'self'; "
    "frame-ancestors 'none'"
)
REPORT_CSP = REPORT_POLICY + "; frame-ancestors 'self'"

HEADERS: dict[str, str] = {
    "content-security-policy": PAGE_CSP,
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
}
# Enveloping fields and multipart boundaries around an article of the maximum size.
ENVELOPE_BYTES = 64 * 1024
DRAIN_FACTOR = 8  # an oversized body is read and dropped up to this many times the limit


def header_list(overrides: dict[str, str] | None = None) -> list[tuple[bytes, bytes]]:
    merged = {**HEADERS, **(overrides or {})}
    return [(k.encode("latin-1"), v.encode("latin-1")) for k, v in merged.items()]


class SecurityHeaders:
    """Adds :data:`HEADERS` to every HTTP response, unless the response set one itself."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                headers.extend((k, v) for k, v in header_list() if k not in present)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


Origin3 = tuple[str, str, int]  # scheme, host (lower case), port
DEFAULT_PORTS = {"http": 80, "https": 443}
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def origin_of(url: str) -> Origin3 | None:
    """The (scheme, host, port) of an absolute http(s) URL or origin, or ``None``."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
    if scheme not in DEFAULT_PORTS or not host:
        return None
    return scheme, host, port if port is not None else DEFAULT_PORTS[scheme]


def request_origin(scope: Scope, headers: dict[bytes, bytes]) -> Origin3 | None:
    """The origin a request was sent to: its scheme (uvicorn takes it from the
    ``X-Forwarded-Proto`` of a trusted proxy, by default one on 127.0.0.1) and its ``Host``
    (which a reverse proxy must pass on: nginx ``proxy_set_header Host $http_host``)."""
    host = headers.get(b"host", b"").decode("latin-1")
    if not host:
        server = scope.get("server")
        if not server:
            return None
        host = f"{server[0]}:{server[1]}" if server[1] is not None else server[0]
    return origin_of(f"{scope.get('scheme', 'http')}://{host}")


def cross_origin(scope: Scope, headers: dict[bytes, bytes]) -> str | None:
    """Why a request that may write is refused as coming from another origin, or ``None``."""
    site = headers.get(b"sec-fetch-site", b"").decode("latin-1").strip().lower()
    origin = headers.get(b"origin")
    referer = headers.get(b"referer")
    claimed, named = (origin, "Origin") if origin is not None else (referer, "Referer")
    if claimed is None:
        if site in ("cross-site", "same-site"):
            return f"the browser says it comes from a page of another site ({site})"
        return None
    text = claimed.decode("latin-1").strip()
    own = request_origin(scope, headers)
    if own is None or origin_of(text) != own:
        shown = text if len(text) <= 100 else text[:100] + "…"
        return f"{named} {shown or '(empty)'} is not this server"
    if site in ("cross-site", "same-site"):
        return f"the browser says it comes from a page of another site ({site})"
    return None


class WriteGuard:
    """Answers 403 to a request that may write and comes from another origin
    (:func:`cross_origin`), since the app has no login to protect its forms; and 413 to a
    request whose body is over ``max_bytes`` (by its Content-Length, or by counting when it has
    none) before the app reads it."""

    def __init__(self, app: ASGIApp, max_bytes: int, article_limit: str) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.article_limit = article_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        headers = {k.lower(): v for k, v in scope.get("headers", [])}
        refused = cross_origin(scope, headers)
        if refused:
            await _error(scope, send, 403, f"cross-origin requests are refused: {refused}")
            return
        length = headers.get(b"content-length")
        too_large = (f"the upload is larger than the {self.article_limit} limit for one article "
                     "(start the server with a larger --max-upload-mb to accept it)")
        if length is not None:
            try:
                declared = int(length)
            except ValueError:
                await _error(scope, send, 400, "bad Content-Length")
                return
            if declared > self.max_bytes:
                await _drain(receive, DRAIN_FACTOR * self.max_bytes)
                await _error(scope, send, 413, too_large)
                return
            await self.app(scope, receive, send)  # the server holds the body to its length
            return
        # No length (chunked): read it all, up to the limit, then hand it on.
        chunks: list[Message] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                chunks.append(message)
                break
            size += len(message.get("body", b""))
            if size > self.max_bytes:
                if message.get("more_body", False):
                    await _drain(receive, DRAIN_FACTOR * self.max_bytes)
                await _error(scope, send, 413, too_large)
                return
            chunks.append(message)
            if not message.get("more_body", False):
                break

        async def replay() -> Message:
            return chunks.pop(0) if chunks else await receive()

        await self.app(scope, replay, send)


async def _drain(receive: Receive, limit: int) -> None:
    """Read and drop a body (up to ``limit`` bytes), so that a browser still sending it gets the
    error page rather than a reset connection."""
    size = 0
    while size <= limit:
        message = await receive()
        if message["type"] != "http.request":
            return
        size += len(message.get("body", b""))
        if not message.get("more_body", False):
            return


async def _error(scope: Scope, send: Send, status: int, message: str) -> None:
    """An error answered by the middleware: JSON under /api/, a small HTML page elsewhere."""
    if scope.get("path", "").startswith("/api/"):
        body = json.dumps({"error": {"status": status, "message": message}}).encode()
        ctype = b"application/json"
    else:
        body = (
            "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>Error {status} — claimledger</title>"
            "<link rel=\"stylesheet\" href=\"/static/style.css\"></head><body><main class=\"page\">"
            f"<h1>Error {status}</h1><p class=\"error-message\">{escape(message)}</p>"
            "<p><a href=\"/upload\">Back to the upload form</a></p></main></body></html>"
        ).encode()
        ctype = b"text/html; charset=utf-8"
    await send({
        "type": "http.response.start",
        "status": status,
        "headers": [(b"content-type", ctype), (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"), *header_list()],
    })
    await send({"type": "http.response.body", "body": body})
