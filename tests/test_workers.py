"""The worker pool (``claimledger.workers``): results in order, a time limit that kills and
replaces a stuck worker, a crashed worker reported and replaced, no task ever left hanging.

The tasks are plain functions of this module, slow or crashing on purpose; spawned workers
import it by name (pytest puts tests/ on ``sys.path``, and the workers inherit it).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from claimledger.errors import InputError
from claimledger.workers import (
    THREAD_VARS,
    AnalysisStopped,
    WorkerPool,
    WorkersUnavailable,
    time_limit_message,
)

WAIT = 60  # seconds: a generous bound on any result; none should come near it


def job(spec: tuple) -> object:
    """What a test asks of a worker: ``(kind, argument)``."""
    kind, arg = spec
    if kind == "echo":
        return arg
    if kind == "pid":
        return os.getpid()
    if kind == "env":
        return {k: os.environ.get(k) for k in THREAD_VARS}
    if kind == "sleep":  # arg = (seconds, value)
        time.sleep(arg[0])
        return arg[1], os.getpid()
    if kind == "hang":  # stuck, and deaf to SIGTERM: only SIGKILL ends it
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        time.sleep(3600)
    if kind == "signal":
        os.kill(os.getpid(), arg)
        time.sleep(10)
    if kind == "exit":
        os._exit(arg)
    if kind == "input-error":
        raise InputError(arg)
    if kind == "bug":
        raise ValueError(arg)
    raise AssertionError(kind)


def cannot_start() -> None:
    raise RuntimeError("the model is not installed")


def gone(pid: int) -> bool:
    """True when the process ``pid`` has ended (a zombie counts as ended)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


def test_results_come_back_in_order_from_two_workers():
    before = {k: os.environ.get(k) for k in THREAD_VARS}
    with WorkerPool(job, workers=2, time_limit=None) as pool:
        # the odd ones are slow, so the even ones finish first on the other worker
        futures = [pool.submit(("sleep", (0.4 if i % 2 else 0.0, i))) for i in range(8)]
        results = [f.result(timeout=WAIT) for f in futures]
        env = pool.submit(("env", None)).result(timeout=WAIT)
    assert [value for value, _ in results] == list(range(8))
    assert len({pid for _, pid in results}) == 2
    assert env == {k: "1" for k in THREAD_VARS}  # one BLAS/OpenMP thread per worker
    assert {k: os.environ.get(k) for k in THREAD_VARS} == before  # the parent's are untouched


def test_tasks_submitted_from_many_threads_all_come_back():
    import threading

    with WorkerPool(job, workers=2, time_limit=30) as pool:
        futures: dict[int, object] = {}

        def submit(start: int) -> None:
            for i in range(start, start + 100):
                futures[i] = pool.submit(("echo", i))

        threads = [threading.Thread(target=submit, args=(n * 100,)) for n in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert {i: f.result(timeout=WAIT) for i, f in futures.items()} == {i: i for i in range(400)}


def test_the_time_limit_kills_a_stuck_worker_and_the_next_task_runs():
    with WorkerPool(job, workers=1, time_limit=1) as pool:
        first = pool.submit(("pid", None)).result(timeout=WAIT)
        stuck = pool.submit(("hang", None))
        queued = pool.submit(("echo", "after"))  # waits behind the stuck one: not lost
        t0 = time.monotonic()
        with pytest.raises(AnalysisStopped) as caught:
            stuck.result(timeout=WAIT)
        assert str(caught.value) == time_limit_message(1)
        assert str(caught.value) == ("analysis stopped after 1 s (the per-article time limit, "
                                     "--time-limit)")
        assert time.monotonic() - t0 < 30  # 1 s, and the SIGKILL after a 1 s grace
        assert gone(first)
        assert queued.result(timeout=WAIT) == "after"
        second = pool.submit(("pid", None)).result(timeout=WAIT)
        assert second != first and pool.pids() == [second]


@pytest.mark.parametrize(("spec", "reason"), [
    (("signal", signal.SIGSEGV), "analysis failed: the worker process was killed by SIGSEGV"),
    (("signal", signal.SIGKILL), ("analysis failed: the worker process was killed by SIGKILL "
                                  "(out of memory?)")),
    (("exit", 3), "analysis failed: the worker process exited with code 3"),
])
def test_a_worker_that_dies_is_reported_and_replaced(spec, reason):
    with WorkerPool(job, workers=1, time_limit=None) as pool:
        first = pool.submit(("pid", None)).result(timeout=WAIT)
        crash = pool.submit(spec)
        queued = pool.submit(("pid", None))
        with pytest.raises(AnalysisStopped) as caught:
            crash.result(timeout=WAIT)
        assert str(caught.value) == reason
        assert queued.result(timeout=WAIT) not in (first, None)


def test_a_task_exception_comes_back_as_itself():
    with WorkerPool(job, workers=1, time_limit=None) as pool:
        with pytest.raises(InputError, match="^the article is empty$"):
            pool.submit(("input-error", "the article is empty")).result(timeout=WAIT)
        with pytest.raises(ValueError) as caught:
            pool.submit(("bug", "bad offset")).result(timeout=WAIT)
        assert str(caught.value) == "bad offset"
        assert "in the worker process" in "".join(caught.value.__notes__)
        assert pool.submit(("echo", 7)).result(timeout=WAIT) == 7


def test_workers_that_cannot_start_fail_every_task_at_once():
    pool = WorkerPool(job, workers=2, initializer=cannot_start)
    try:
        futures = [pool.submit(("echo", i)) for i in range(3)]
        for f in futures:
            with pytest.raises(WorkersUnavailable, match="could not start: RuntimeError: the "
                               "model is not installed"):
                f.result(timeout=WAIT)
        with pytest.raises(WorkersUnavailable):  # and later tasks fail without a new try
            pool.submit(("echo", 9)).result(timeout=1)
    finally:
        pool.close()


def test_close_stops_a_busy_worker():
    pool = WorkerPool(job, workers=1, time_limit=None)
    pid = pool.submit(("pid", None)).result(timeout=WAIT)
    stuck = pool.submit(("hang", None))
    time.sleep(0.2)
    t0 = time.monotonic()
    pool.close()
    assert time.monotonic() - t0 < 30
    with pytest.raises(WorkersUnavailable):
        stuck.result(timeout=1)
    assert gone(pid)
    with pytest.raises(WorkersUnavailable):
        pool.submit(("echo", 1)).result(timeout=1)


def test_workers_die_with_their_parent(tmp_path):
    """kill -9 of the parent leaves no stuck worker behind."""
    here = os.path.dirname(os.path.abspath(__file__))
    script = (
        "import sys, time\n"
        f"sys.path.insert(0, {here!r})\n"
        "from test_workers import job\n"
        "from claimledger.workers import WorkerPool\n"
        "pool = WorkerPool(job, time_limit=None)\n"
        "print(pool.submit(('pid', None)).result(), flush=True)\n"
        "pool.submit(('hang', None))\n"
        "time.sleep(3600)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        worker = int(proc.stdout.readline())
        assert not gone(worker)
    finally:
        proc.kill()
        proc.wait()
    deadline = time.monotonic() + 20
    while not gone(worker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert gone(worker)
