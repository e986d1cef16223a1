"""Uploads analysed in a worker process (``claimledger serve``): the server answers while an
analysis runs, the time limit stops a stuck one with a clear message and the next upload works,
a full queue is refused with 503 and Retry-After, and nothing is half-written.

The app runs under a real uvicorn on loopback. Slow analyses come from a test-only analyser
passed through ``create_app``'s ``analyzer_factory`` hook: on an article with the WAIT sentence
it waits for a gate file (named by an environment variable of this module), on one with the
HANG sentence it hangs, deaf to SIGTERM; it analyses every article for real.
"""

from __future__ import annotations

import os
import re
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from html import unescape

import httpx
import pytest
import uvicorn

from claimledger import cli
from claimledger.analyzer import Analyzer
from claimledger.web import create_app, upload
from claimledger.workers import time_limit_message

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

GATE = "CLAIMLEDGER_TEST_UPLOAD_GATE"  # read by GatedAnalyzer only
WAIT = "The vote was postponed again."
HANG = "The committee never finished its report."
BOUND = 5.0  # seconds: a generous "not blocked by the analysis" bound on a page


class GatedAnalyzer(Analyzer):
    """The real analyser, except that it waits for the gate (WAIT) or hangs (HANG)."""

    def analyze(self, text, meta=None):
        if WAIT in text:
            gate = os.environ[GATE]
            open(gate + ".started", "a").close()
            deadline = time.monotonic() + 120
            while not os.path.exists(gate) and time.monotonic() < deadline:
                time.sleep(0.05)
        if HANG in text:
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            time.sleep(3600)
        return super().analyze(text, meta)


def article(i: int, extra: str = "") -> str:
    return (f"Harbour {i} dredged\n\nThe harbour master, Lena Ruiz, said on Tuesday that "
            f"harbour {i} would be dredged in {i + 3} weeks. {extra}").strip()


@contextmanager
def serving(tmp_path, **options) -> Iterator[tuple[str, object]]:
    """A uvicorn server on a free loopback port over a new store; yields (base URL, app)."""
    app = create_app(str(tmp_path / "store.duckdb"), analyzer_factory=GatedAnalyzer, **options)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}", app
    finally:
        server.should_exit = True
        thread.join(60)
        assert not thread.is_alive()


@pytest.fixture
def gate(tmp_path, monkeypatch) -> str:
    path = str(tmp_path / "gate")
    monkeypatch.setenv(GATE, path)  # before the worker starts: it inherits the environment
    return path


def wait_for(condition, what: str, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def post_in_background(url: str, **kw) -> tuple[threading.Thread, dict]:
    out: dict = {}

    def run() -> None:
        out["response"] = httpx.post(url, timeout=180, **kw)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, out


def counts(app) -> tuple[int, int, int]:
    con = app.state.web.store.con.cursor()
    try:
        return tuple(con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                     for t in ("articles", "attributions", "article_urls"))
    finally:
        con.close()


def timed_get(url: str) -> tuple[httpx.Response, float]:
    t0 = time.monotonic()
    r = httpx.get(url, timeout=60)
    return r, time.monotonic() - t0


def text_of(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def test_the_server_answers_while_an_upload_is_analysed(tmp_path, gate):
    with serving(tmp_path, time_limit=120) as (base, app):
        slow, out = post_in_background(base + "/api/v1/upload", json={"text": article(1, WAIT)})
        wait_for(lambda: os.path.exists(gate + ".started"), "the analysis to start")
        for path in ("/", "/articles", "/api/v1/stats", "/upload"):
            r, took = timed_get(base + path)
            assert r.status_code == 200 and took < BOUND, (path, r.status_code, took)
        assert slow.is_alive()  # still analysing: the answers above did not wait for it
        pids = app.state.web.uploader.pids()
        assert len(pids) == 1 and pids[0] != os.getpid()  # analysed in another process
        open(gate, "w").close()
        slow.join(180)
        r = out["response"]
        assert r.status_code == 201, r.text
        ledger = httpx.get(base + f"/api/v1/articles/{r.json()['id']}", timeout=60).json()
        assert "Lena Ruiz" in [s["name"] for s in ledger["sources"]]
    assert not os.path.exists(f"/proc/{pids[0]}")  # the worker stopped with the server


def test_the_time_limit_stops_a_stuck_upload_and_the_next_one_works(tmp_path, gate):
    with serving(tmp_path, time_limit=3) as (base, app):
        before = counts(app)
        t0 = time.monotonic()
        r = httpx.post(base + "/api/v1/upload", json={"text": article(2, HANG)}, timeout=180)
        assert time.monotonic() - t0 < 90  # does not hang
        assert r.status_code == 422, r.text
        assert r.json() == {"error": {"status": 422, "message": time_limit_message(3)}}
        assert time_limit_message(3) == ("analysis stopped after 3 s (the per-article time "
                                         "limit, --time-limit)")
        assert counts(app) == before  # nothing half-written
        r = httpx.post(base + "/api/v1/upload", json={"text": article(3)}, timeout=180)
        assert r.status_code == 201, r.text
        assert counts(app)[0] == before[0] + 1


def test_a_full_queue_is_refused_with_503_and_retry_after(tmp_path, gate):
    with serving(tmp_path, time_limit=120, upload_queue=1) as (base, app):
        uploader = app.state.web.uploader
        before = counts(app)
        first, out1 = post_in_background(base + "/api/v1/upload",
                                         json={"text": article(4, WAIT)})
        wait_for(lambda: os.path.exists(gate + ".started"), "the first analysis to start")
        second, out2 = post_in_background(base + "/upload", data={"text": article(5, WAIT)})
        wait_for(lambda: uploader.in_progress == 2, "the second upload to queue")

        r = httpx.post(base + "/api/v1/upload", json={"text": article(6)}, timeout=60)
        assert r.status_code == 503 and r.headers["retry-after"] == str(upload.RETRY_AFTER)
        message = r.json()["error"]["message"]
        assert message.startswith("the server is busy: 2 uploads are being analysed or waiting")
        assert "--upload-queue" in message and "\n" not in message
        r = httpx.post(base + "/upload", data={"text": article(6)}, timeout=60)
        assert r.status_code == 503 and r.headers["retry-after"] == str(upload.RETRY_AFTER)
        assert r.headers["content-type"].startswith("text/html")
        assert "the server is busy" in text_of(r.text)
        # a refused upload did not wait, and pages are still answered
        r, took = timed_get(base + "/")
        assert r.status_code == 200 and took < BOUND

        open(gate, "w").close()
        first.join(180)
        second.join(180)
        assert out1["response"].status_code == 201, out1["response"].text
        assert out2["response"].status_code == 303  # the form goes to the article's page
        after = counts(app)
        assert after[0] == before[0] + 2  # the two queued ones, not the refused one
        assert uploader.in_progress == 0


def test_serve_options_are_checked(tmp_path, capsys):
    db = str(tmp_path / "s.duckdb")
    assert cli.main(["serve", "--db", db, "--time-limit", "-5"]) == 2
    assert "--time-limit must not be negative" in capsys.readouterr().err
    assert cli.main(["serve", "--db", db, "--upload-queue", "-1"]) == 2
    assert "--upload-queue must not be negative" in capsys.readouterr().err
    assert not os.path.exists(db)
    assert cli.UPLOAD_QUEUE == upload.UPLOAD_QUEUE  # the CLI's default is the library's
