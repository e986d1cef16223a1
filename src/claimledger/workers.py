"""Analysis in worker processes, with a time limit per task: one pool for ingest and the web app.

A :class:`WorkerPool` runs ``task(item)`` in spawned worker processes, one task at a time each.
Every worker runs ``initializer(*initargs)`` once (for claimledger: load the spaCy model) and
then says it is ready; a task's clock starts when it is handed to a ready worker, so loading the
model never counts against the limit. A thread of the parent process watches the workers:

* a task over its time limit has its worker stopped (SIGTERM, SIGKILL after a short grace) and
  replaced; the task fails with :class:`AnalysisStopped` and a one-line reason;
* a worker that dies (a segfault, the OOM killer) is replaced; its task fails the same way;
* an exception raised by a task comes back as the task's exception (with the worker's
  traceback as a note when it is not a :class:`ClaimledgerError`);
* when the workers cannot even start (the model is not installed), every task fails with
  :class:`WorkersUnavailable` rather than the pool starting them again and again.

Nothing is lost or left hanging: every submitted task's future gets a result or an exception.
The workers start on the first task (a read-only web server never starts one), ignore Ctrl-C
(the parent decides), run BLAS and OpenMP on one thread each, and die with the parent.
"""

from __future__ import annotations

import atexit
import collections
import itertools
import multiprocessing
import os
import pickle
import signal
import threading
import time
import traceback
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any, Self

from claimledger.errors import ClaimledgerError, InputError

DEFAULT_TIME_LIMIT = 60.0  # seconds per article: a long news article takes a few seconds
TERM_GRACE = 1.0  # seconds between SIGTERM and SIGKILL for a worker over its limit
START_ATTEMPTS = 3  # workers dying while starting, in a row, before the pool gives up
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS")

_ENV_LOCK = threading.Lock()  # os.environ is changed around each spawn
_exiting = False  # the interpreter is exiting: multiprocessing ends the workers, none restart


@atexit.register  # registered after multiprocessing's own exit handler, so it runs before it
def _at_exit() -> None:
    global _exiting
    _exiting = True


class AnalysisStopped(InputError):
    """A task gave no result: it ran over the time limit, or its worker process died."""


class WorkersUnavailable(ClaimledgerError):
    """The worker processes cannot start (the model is missing, ...) or the pool was closed."""


def time_limit_message(seconds: float) -> str:
    return f"analysis stopped after {seconds:g} s (the per-article time limit, --time-limit)"


@dataclass
class _Task:
    id: int
    item: Any
    future: Future


@dataclass
class _Worker:
    process: multiprocessing.process.BaseProcess
    conn: Connection
    ready: bool = False
    task: _Task | None = None
    started: float = 0.0  # time.monotonic() when the task was handed over


class WorkerPool:
    """``workers`` spawned processes running ``task(item)``, each task within ``time_limit``
    seconds (None or 0: no limit). ``task``, ``initializer`` and ``initargs`` must pickle (a
    module-level function does)."""

    def __init__(
        self,
        task: Callable[[Any], Any],
        *,
        workers: int = 1,
        time_limit: float | None = DEFAULT_TIME_LIMIT,
        initializer: Callable[..., None] | None = None,
        initargs: tuple = (),
    ) -> None:
        if workers < 1:
            raise ValueError("a pool needs at least one worker")
        self.workers = workers
        self.time_limit = time_limit or None
        self._task, self._initializer, self._initargs = task, initializer, initargs
        self._ctx = multiprocessing.get_context("spawn")
        self._lock = threading.Lock()
        self._queue: collections.deque[_Task] = collections.deque()
        self._ids = itertools.count()
        self._wake_r, self._wake_w = self._ctx.Pipe(duplex=False)
        self._wake_sent = False  # a wake-up is in the pipe, unread: no need for another
        self._thread: threading.Thread | None = None
        self._closing = False
        self._broken: str | None = None  # why the workers cannot start
        self._slots: list[_Worker] = []  # touched by the pool's thread only
        self._failed_starts = 0

    # -- the caller's side ---------------------------------------------------------------------

    def submit(self, item: Any) -> Future:
        """A future of ``task(item)``; starts the workers on the first call."""
        future: Future = Future()
        with self._lock:
            if self._closing or self._broken:
                future.set_exception(WorkersUnavailable(self._broken or "the pool is closed"))
                return future
            self._queue.append(_Task(next(self._ids), item, future))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="claimledger-workers",
                                                daemon=True)
                self._thread.start()
        self._wake()
        return future

    def pids(self) -> list[int]:
        """The process ids of the live workers (for tests and monitoring)."""
        pids = []
        for w in list(self._slots):
            try:
                pids.append(w.process.pid)
            except ValueError:  # closed by the pool's thread meanwhile
                pass
        return [p for p in pids if p is not None]

    def close(self) -> None:
        """Stop the workers; tasks not finished yet fail with WorkersUnavailable."""
        with self._lock:
            self._closing = True
            thread = self._thread
        self._wake()
        if thread is not None:
            thread.join()
        self._wake_r.close()
        self._wake_w.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _wake(self) -> None:
        with self._lock:
            if self._wake_sent:
                return
            self._wake_sent = True
        try:
            self._wake_w.send_bytes(b"")
        except OSError:  # closed: the pool's thread is gone already
            pass

    # -- the pool's thread ---------------------------------------------------------------------

    def _run(self) -> None:
        try:
            while not self._closing:
                self._start_workers()
                self._hand_out()
                self._watch(self._timeout())
        except BaseException as exc:  # a bug here must not leave futures hanging
            self._broken = self._broken or f"the worker pool failed: {_one_line(exc)}"
            raise
        finally:
            for w in list(self._slots):
                self._stop(w, WorkersUnavailable("the analysis was stopped: the pool was closed"))
            with self._lock:
                self._closing = True
                queued, self._queue = list(self._queue), collections.deque()
            for t in queued:
                _fail(t.future, WorkersUnavailable(self._broken or "the pool was closed"))

    def _start_workers(self) -> None:
        while len(self._slots) < self.workers and not self._broken and not _exiting:
            parent, child = self._ctx.Pipe(duplex=True)
            process = self._ctx.Process(
                target=_worker_main, name="claimledger-worker", daemon=True,
                args=(child, self._task, self._initializer, self._initargs),
            )
            with _ENV_LOCK:  # spawned children read the thread counts at import time
                saved = {k: os.environ.get(k) for k in THREAD_VARS}
                os.environ.update({k: "1" for k in THREAD_VARS})
                try:
                    process.start()
                except Exception as exc:  # noqa: BLE001 - cannot spawn: no point retrying
                    child.close()
                    parent.close()
                    self._broken = f"the analysis workers could not start: {_one_line(exc)}"
                    self._fail_all()
                    return
                finally:
                    for k, v in saved.items():
                        if v is None:
                            os.environ.pop(k, None)
                        else:
                            os.environ[k] = v
            child.close()
            self._slots.append(_Worker(process, parent))

    def _hand_out(self) -> None:
        for w in self._slots:
            if not w.ready or w.task is not None:
                continue
            with self._lock:
                task = None
                while self._queue:
                    task = self._queue.popleft()
                    # running: put back after a dead worker's pipe refused it
                    if task.future.running() or task.future.set_running_or_notify_cancel():
                        break
                    task = None  # cancelled while queued
            if task is None:
                return
            try:
                w.conn.send((task.id, task.item))
            except OSError:  # w is dead (its sentinel says so next): the task goes back
                with self._lock:
                    self._queue.appendleft(task)
                continue
            except Exception as exc:  # noqa: BLE001 - the item does not pickle
                _fail(task.future, exc)
                continue
            w.task, w.started = task, time.monotonic()

    def _timeout(self) -> float | None:
        if self.time_limit is None:
            return None
        ends = [w.started + self.time_limit for w in self._slots if w.task is not None]
        return max(0.0, min(ends) - time.monotonic()) if ends else None

    def _watch(self, timeout: float | None) -> None:
        """Wait for a message, a wake-up, a worker's death or the next deadline; act on it."""
        objects: list[Any] = [self._wake_r]
        for w in self._slots:
            objects += [w.conn, w.process.sentinel]
        wait(objects, timeout)
        while self._wake_r.poll():
            self._wake_r.recv_bytes()
        with self._lock:  # after the drain: a task submitted meanwhile is handed out next
            self._wake_sent = False
        for w in list(self._slots):
            self._read(w)
        for w in list(self._slots):
            if w in self._slots and w.process.exitcode is not None:
                self._died(w)
        now = time.monotonic()
        for w in list(self._slots):
            if (w.task is not None and self.time_limit is not None
                    and now - w.started >= self.time_limit):
                self._stop(w, AnalysisStopped(time_limit_message(self.time_limit)))

    def _read(self, w: _Worker) -> None:
        while w in self._slots:
            try:
                if not w.conn.poll():
                    return
                message = w.conn.recv()
            except (EOFError, OSError):  # the worker is gone; its sentinel says how
                w.process.join(TERM_GRACE)
                self._died(w)
                return
            kind = message[0]
            if kind == "ready":
                w.ready, self._failed_starts = True, 0
            elif kind == "failed_start":
                self._broken = f"the analysis workers could not start: {message[1]}"
                self._stop(w, None)
                self._fail_all()
            elif w.task is not None and message[1] == w.task.id:
                task, w.task = w.task, None
                if kind == "ok":
                    task.future.set_result(message[2])
                else:
                    _fail(task.future, message[2])

    def _died(self, w: _Worker) -> None:
        reason = _death_reason(w.process.exitcode)
        if not w.ready:
            self._failed_starts += 1
            if self._failed_starts >= START_ATTEMPTS:
                self._broken = f"the analysis workers could not start: the worker process {reason}"
        self._stop(w, AnalysisStopped(f"analysis failed: the worker process {reason}"))
        if self._broken:
            self._fail_all()

    def _stop(self, w: _Worker, error: BaseException | None) -> None:
        """End ``w`` (a polite stop when idle, SIGTERM then SIGKILL when busy) and fail its task."""
        if w in self._slots:
            self._slots.remove(w)
        if w.process.exitcode is None:
            if w.task is None and w.ready:
                try:
                    w.conn.send(None)
                    w.process.join(TERM_GRACE)
                except OSError:
                    pass
            if w.process.exitcode is None:
                w.process.terminate()
                w.process.join(TERM_GRACE)
            if w.process.exitcode is None:
                w.process.kill()
                w.process.join()
        w.conn.close()
        w.process.close()
        if w.task is not None:
            _fail(w.task.future, error or WorkersUnavailable("the pool was closed"))
            w.task = None

    def _fail_all(self) -> None:
        with self._lock:
            queued, self._queue = list(self._queue), collections.deque()
        for t in queued:
            _fail(t.future, WorkersUnavailable(self._broken or "the pool was closed"))


def _fail(future: Future, error: BaseException) -> None:
    if not future.done() and (future.running() or future.set_running_or_notify_cancel()):
        future.set_exception(error)


def _death_reason(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        hint = " (out of memory?)" if -exitcode == signal.SIGKILL else ""
        return f"was killed by {name}{hint}"
    return f"exited with code {exitcode}"


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}".rstrip(": ")


# -- the worker's side ---------------------------------------------------------------------------


def _worker_main(conn: Connection, task: Callable[[Any], Any],
                 initializer: Callable[..., None] | None, initargs: tuple) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with_parent()
    try:
        if initializer is not None:
            initializer(*initargs)
    except BaseException as exc:  # noqa: BLE001 - reported to the parent, which gives up
        conn.send(("failed_start", _one_line(exc)))
        return
    conn.send(("ready",))
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):  # the parent is gone
            return
        if message is None:
            return
        task_id, item = message
        try:
            reply = ("ok", task_id, task(item))
        except Exception as exc:  # noqa: BLE001 - the task's exception is its result
            reply = ("error", task_id, _portable(exc))
        try:
            conn.send(reply)
        except OSError:
            return
        except Exception as exc:  # noqa: BLE001 - the result does not pickle
            conn.send(("error", task_id, RuntimeError(
                f"the result could not be sent back: {_one_line(exc)}")))


def _portable(exc: Exception) -> Exception:
    """``exc`` if it survives pickling (with the traceback as a note unless it is one of ours),
    else a RuntimeError saying what it was."""
    if not isinstance(exc, ClaimledgerError):
        exc.add_note("in the worker process:\n" + "".join(traceback.format_exception(exc)))
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:  # noqa: BLE001
        return RuntimeError(_one_line(exc))
    return exc


def _die_with_parent() -> None:
    """Have the kernel kill this process when its parent dies (Linux); elsewhere, a worker
    left behind ends at its next read from the parent."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # pragma: no cover - not Linux
        return
    parent = multiprocessing.parent_process()
    if parent is not None and os.getppid() != parent.pid:  # it died before prctl
        os._exit(1)
