"""The web app over a store: ``create_app(db)`` for any ASGI server, ``serve(db)`` to run it.

One process holds the store: DuckDB lets one process write a database file, so while ``serve``
has it open for writing (uploads), ``claimledger ingest`` cannot open it, and the other way
round. With ``read_only=True`` the app opens it read-only and uploads are turned off; other
read-only users (``stats``, ``show``, another read-only ``serve``) may then share the file, but
still no writer.
"""

from __future__ import annotations

import importlib.resources
import ipaddress
import logging
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from claimledger import __version__
from claimledger.corpus.store import Store
from claimledger.web import api, pages
from claimledger.web.deps import WebState
from claimledger.web.security import ENVELOPE_BYTES, WriteGuard, SecurityHeaders, header_list
from claimledger.web.templating import page, render
from claimledger.web.upload import Uploader, format_limit

log = logging.getLogger("claimledger.web")

# FastAPI's docs pages load their scripts from a CDN: off. /api/docs is a page of our own.
_NO_TELEMETRY = {"tracing": False, "metrics": False, "logs": False, "operation_spans": False,
                 "auto_configure": False}


def create_app(db_path: str, *, max_upload_bytes: int = 2_000_000,
               read_only: bool = False) -> FastAPI:
    """The app over the store at ``db_path`` (created when missing, unless ``read_only``).

    The store is opened here, so a locked or foreign file fails now, with a StoreError, rather
    than on the first request; it is closed when the app shuts down.
    """
    store = Store(db_path, read_only=read_only, create=not read_only)
    web = WebState(store=store, read_only=read_only, max_upload_bytes=max_upload_bytes,
                   uploader=Uploader(max_upload_bytes))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
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


def _error(request: Request, status: int, message: str,
           headers: dict[str, str] | None = None) -> Response:
    """An error as JSON (``{"error": {"status", "message"}}``) under /api/, else as a page."""
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
        parts.append(f"{where}: {e.get('msg', 'invalid')}")
    return _error(request, 422, "; ".join(parts) or "invalid request")


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
          max_upload_bytes: int = 2_000_000) -> None:
    """Run the app with uvicorn until interrupted."""
    import uvicorn

    app = create_app(db_path, max_upload_bytes=max_upload_bytes, read_only=read_only)
    shown = f"[{host}]" if ":" in host else host
    mode = "read-only" if read_only else f"uploads up to {format_limit(max_upload_bytes)}"
    print(f"claimledger: serving {db_path} ({mode}) at http://{shown}:{port}/ — Ctrl-C to stop",
          file=sys.stderr, flush=True)
    if not is_loopback(host):
        print("claimledger: warning: the app has no login; expose it only behind a reverse "
              "proxy with TLS and authentication", file=sys.stderr, flush=True)
    uvicorn.run(app, host=host, port=port, log_level="info", server_header=False,
                date_header=True)
