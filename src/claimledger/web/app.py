"""The web app over a store: ``create_app(db)`` for any ASGI server, ``serve(db)`` to run it.

One process holds the store: DuckDB lets one process write a database file, so while ``serve``
has it open for writing (uploads), ``claimledger ingest`` cannot open it, and the other way
round. With ``read_only=True`` the app opens it read-only and uploads are turned off; other
read-only users (``stats``, ``show``, another read-only ``serve``) may then share the file, but
still no writer.
"""

from __future__ import annotations

import functools
import importlib.resources
import ipaddress
import json
import logging
import os
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import anyio.to_thread
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from claimledger import __version__
from claimledger.corpus.store import Store
from claimledger.web import api, pages
from claimledger.errors import UsageError
from claimledger.web.deps import CACHE_BYTES, ResponseCache, WebState
from claimledger.web.security import ENVELOPE_BYTES, WriteGuard, SecurityHeaders, header_list
from claimledger.web.templating import page, render
from claimledger.web.upload import UPLOAD_QUEUE, Busy, Uploader, format_limit
from claimledger.workers import DEFAULT_TIME_LIMIT, WorkersUnavailable

log = logging.getLogger("claimledger.web")

# FastAPI's docs pages load their scripts from a CDN: off. /api/docs is a page of our own.
_NO_TELEMETRY = {"tracing": False, "metrics": False, "logs": False, "operation_spans": False,
                 "auto_configure": False}


def create_app(db_path: str, *, max_upload_bytes: int = 2_000_000, read_only: bool = False,
               time_limit: float | None = DEFAULT_TIME_LIMIT, upload_queue: int = UPLOAD_QUEUE,
               analyzer_factory: Callable[[], Any] | None = None,
               engine: str = "accurate") -> FastAPI:
    """The app over the store at ``db_path`` (created when missing, unless ``read_only``).

    The store is opened here, so a locked or foreign file fails now, with a StoreError, rather
    than on the first request; it is closed when the app shuts down. Uploads are analysed in a
    worker process, each within ``time_limit`` seconds, ``upload_queue`` more waiting at most
    (see :class:`Uploader`, which ``analyzer_factory`` is passed to).
    """
    if analyzer_factory is None:
        from claimledger.analyzer import Analyzer, check_engine

        analyzer_factory = functools.partial(Analyzer, engine=check_engine(engine))
    store = Store(db_path, read_only=read_only, create=not read_only)
    uploader = Uploader(max_upload_bytes, time_limit=time_limit, queue=upload_queue,
                        analyzer_factory=analyzer_factory)
    web = WebState(store=store, read_only=read_only, max_upload_bytes=max_upload_bytes,
                   uploader=uploader)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await anyio.to_thread.run_sync(uploader.close)
            store.close()

    app = FastAPI(
        title="claimledger",
        version=__version__,
        description="Who said what across a corpus of news articles: the ledger of each article, "
        "sources across articles, search, claim clusters, upload.",
        openapi_url="/api/v1/openapi.json",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
        telemetry=_NO_TELEMETRY,  # type: ignore[arg-type]
    )
    app.state.web = web
    app.include_router(pages.router)
    app.include_router(api.router)
    app.mount("/static", StaticFiles(directory=str(_package_dir("static"))), name="static")
    app.add_api_route("/api/docs", _api_docs, include_in_schema=False,
                      response_class=HTMLResponse)
    app.add_api_route("/favicon.ico", _favicon, include_in_schema=False)
    app.add_exception_handler(StarletteHTTPException, _http_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(Busy, _busy)  # type: ignore[arg-type]
    app.add_exception_handler(WorkersUnavailable, _unavailable)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _server_error)
    app.add_middleware(WriteGuard, max_bytes=max_upload_bytes + ENVELOPE_BYTES,
                       article_limit=format_limit(max_upload_bytes))
    app.add_middleware(SecurityHeaders)
    return app


def _package_dir(name: str) -> Any:
    return importlib.resources.files("claimledger.web") / name


def _favicon() -> Response:
    return RedirectResponse("/static/favicon.svg", status_code=301)


def _api_docs(request: Request) -> HTMLResponse:
    """The API's endpoints and parameters, from its OpenAPI schema, as a plain page."""
    schema = request.app.openapi()
    endpoints = []
    for path, methods in schema.get("paths", {}).items():
        for method, op in methods.items():
            endpoints.append({
                "method": method.upper(), "path": path, "summary": op.get("summary", ""),
                "description": op.get("description", ""),
                "parameters": [
                    {"name": p["name"], "in": p["in"], "required": p.get("required", False),
                     "description": p.get("description", "")}
                    for p in op.get("parameters", [])
                ],
                "body": "requestBody" in op,
                "statuses": sorted(op.get("responses", {})),
            })
    return page(request, "api_docs.html", title="API", nav="api", endpoints=endpoints,
                version=schema.get("info", {}).get("version", ""))


# --------------------------------------------------------------------------- errors


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/")


MAX_MESSAGE = 300  # characters of an error message


def one_line(message: str) -> str:
    """An error message on one line of at most :data:`MAX_MESSAGE` characters."""
    flat = " ".join(message.split())
    return flat if len(flat) <= MAX_MESSAGE else flat[: MAX_MESSAGE - 1] + "…"


def _error(request: Request, status: int, message: str,
           headers: dict[str, str] | None = None) -> Response:
    """An error as JSON (``{"error": {"status", "message"}}``) under /api/, else as a page; the
    message on one line."""
    message = one_line(message)
    if _wants_json(request):
        return JSONResponse({"error": {"status": status, "message": message}},
                            status_code=status, headers=headers)
    try:
        return page(request, "error.html", status=status, title=f"Error {status}",
                    nav="", code=status, message=message)
    except Exception:  # noqa: BLE001 - the page itself failed: say it plainly
        html = render("plain_error.html", code=status, message=message)
        return HTMLResponse(html, status_code=status, headers=headers)


async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
    message = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
    if exc.status_code == 404 and message == "Not Found":
        message = f"nothing at {request.url.path}"
    elif exc.status_code == 405:
        message = f"{request.method} is not allowed on {request.url.path}"
    return _error(request, exc.status_code, message, getattr(exc, "headers", None))


async def _validation_error(request: Request, exc: RequestValidationError) -> Response:
    parts = []
    for e in exc.errors():
        where = ".".join(str(x) for x in e.get("loc", ())[1:]) or "request"
        message = str(e.get("msg", "invalid")).removeprefix("Value error, ")
        if f"{where}: {message}" not in parts:
            parts.append(f"{where}: {message}")
    return _error(request, 422, "; ".join(parts) or "invalid request")


async def _busy(request: Request, exc: Busy) -> Response:
    """The upload queue is full: 503, and when to try again."""
    response = _error(request, 503, str(exc))
    response.headers["Retry-After"] = str(exc.retry_after)
    return response


async def _unavailable(request: Request, exc: WorkersUnavailable) -> Response:
    """No analysis worker can start (the model is missing, ...): 503 with the reason."""
    log.error("uploads cannot be analysed: %s", exc)
    return _error(request, 503, str(exc))


async def _server_error(request: Request, exc: Exception) -> Response:
    """A bug: logged in full on the server, a one-line apology to the client, no traceback."""
    log.error("error serving %s %s", request.method, request.url.path, exc_info=exc)
    response = _error(request, 500, "internal server error; the server log has the details")
    for k, v in header_list():  # this answer bypasses the header middleware
        response.headers.setdefault(k.decode(), v.decode())
    return response


# --------------------------------------------------------------------------- running it


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def serve(db_path: str, *, host: str = "127.0.0.1", port: int = 8765, read_only: bool = False,
          max_upload_bytes: int = 2_000_000, workers: int = 1,
          cache_bytes: int = CACHE_BYTES, time_limit: float | None = DEFAULT_TIME_LIMIT,
          upload_queue: int = UPLOAD_QUEUE, engine: str = "accurate") -> None:
    """Run the app with uvicorn until interrupted; ``workers`` processes (read-only only: DuckDB
    lets one process write a store, but several read it), each with ``cache_bytes`` of cached
    answers."""
    import uvicorn

    if workers < 1:
        raise UsageError("--workers must be at least 1")
    if workers > 1 and not read_only:
        raise UsageError("--workers above 1 needs --read-only: DuckDB lets one process write a "
                         "store (uploads), but several processes may read it")
    if cache_bytes < 0:
        raise UsageError("--cache-mb must not be negative")
    app = create_app(db_path, max_upload_bytes=max_upload_bytes, read_only=read_only,
                     time_limit=time_limit, upload_queue=upload_queue, engine=engine)
    app.state.web.responses = ResponseCache(cache_bytes)
    shown = f"[{host}]" if ":" in host else host
    mode = "read-only" if read_only else f"uploads up to {format_limit(max_upload_bytes)}"
    procs = f", {workers} worker processes" if workers > 1 else ""
    print(f"claimledger: serving {db_path} ({mode}{procs}) at http://{shown}:{port}/ — Ctrl-C to "
          "stop", file=sys.stderr, flush=True)
    if not is_loopback(host):
        print("claimledger: warning: the app has no login; expose it only behind a reverse "
              "proxy with TLS and authentication", file=sys.stderr, flush=True)
    options: dict[str, Any] = {"host": host, "port": port, "log_level": "info",
                               "server_header": False, "date_header": True}
    if workers == 1:
        uvicorn.run(app, **options)
        return
    app.state.web.store.close()  # it opened: each worker opens its own read-only view
    os.environ[_WORKER_SETTINGS] = json.dumps({
        "db_path": db_path, "max_upload_bytes": max_upload_bytes, "cache_bytes": cache_bytes})
    uvicorn.run(f"{__name__}:worker_app", factory=True, workers=workers, **options)


_WORKER_SETTINGS = "CLAIMLEDGER_SERVE_WORKER"


def worker_app() -> FastAPI:
    """The app of one of ``serve``'s worker processes (uvicorn calls this in each), read-only,
    with the settings ``serve`` left in the environment."""
    settings = json.loads(os.environ[_WORKER_SETTINGS])
    app = create_app(settings["db_path"], max_upload_bytes=settings["max_upload_bytes"],
                     read_only=True)
    app.state.web.responses = ResponseCache(settings["cache_bytes"])
    return app
