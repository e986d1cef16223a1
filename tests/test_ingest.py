"""`claimledger ingest`: idempotent, syndication-aware, failure-tolerant, and crash-safe."""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys
import time

import pytest

from claimledger.cli import main
from claimledger.corpus.identity import article_id
from claimledger.corpus.ingest import ingest
from claimledger.corpus.store import Store
from claimledger.model import Ledger

PLACES = ["Arden", "Belmor", "Calix", "Dunmere", "Estova", "Farrow", "Galen", "Harlow"]
NAMES = ["Ada Quist", "Tomas Reyl", "Mira Santo", "Oskar Vell", "Lena Ruiz", "Pavel Orin"]


def article(i: int) -> str:
    place, name = PLACES[i % len(PLACES)], NAMES[i % len(NAMES)]
    return (
        f"Port of {place} to reopen\n\n"
        f"The harbour minister of {place}, {name}, said on Monday that the port would reopen "
        f"after {i + 2} weeks of repairs. Officials, speaking on condition of anonymity, said "
        f"the work had cost {10 + i} million crowns, about {i % 7 + 2}% more than planned. "
        f"\"We are not there yet,\" said a union leader. Analysts suggest delays may return."
    )


def write_jsonl(path, records):
    with open(path, "w", encoding="utf-8") as fh:
        for r in records:
            fh.write((r if isinstance(r, str) else json.dumps(r)) + "\n")


def check_complete(db: str) -> list[str]:
    """Every stored article has exactly the rows its ledger holds; return the ids."""
    with Store(db, read_only=True) as s:
        ids = [r[0] for r in s.con.execute("SELECT article_id FROM articles").fetchall()]
        assert len(ids) == len(set(ids))
        for aid, blob in s.con.execute("SELECT article_id, ledger FROM articles").fetchall():
            ledger = Ledger.from_dict(json.loads(blob))
            assert article_id(ledger.text) == aid
            for table, n in (("attributions", len(ledger.attributions)),
                             ("sources", len(ledger.sources)), ("claims", len(ledger.claims)),
                             ("hedges", len(ledger.hedges)), ("evidence", len(ledger.evidence))):
                got = s.con.execute(f"SELECT count(*) FROM {table} WHERE article_id = ?",
                                    [aid]).fetchone()[0]
                assert got == n, (table, aid)
        orphans = s.con.execute(
            "SELECT count(*) FROM attributions WHERE article_id NOT IN "
            "(SELECT article_id FROM articles)"
        ).fetchone()[0]
        assert orphans == 0
        return ids


def test_ingest_is_idempotent_and_keeps_syndicated_urls(tmp_path):
    src = tmp_path / "feed.jsonl"
    wire = article(1)
    write_jsonl(src, [
        {"text": article(0), "url": "https://a.example/0", "outlet": "Harbour Times",
         "published": "2026-11-02"},
        {"text": wire, "url": "https://wire.example/1", "outlet": "Northwire"},
        # the wire story reprinted: typographic quotes and spacing differ, the story does not
        {"text": wire.replace('"We', "\u201cWe").replace('yet,"', "yet,\u201d").replace(". ", ".  "),
         "url": "https://reprint.example/9", "outlet": "Daily Reprint"},
        "{not json",
        {"url": "https://a.example/empty", "text": ""},
    ])
    db = str(tmp_path / "s.duckdb")
    r = ingest([str(src)], db, workers=1, progress=False)
    assert (r.stored, r.duplicates, r.skipped, r.failed) == (2, 1, 0, 2)
    ids = check_complete(db)
    with Store(db, read_only=True) as s:
        urls = s.con.execute(
            "SELECT url FROM article_urls WHERE article_id = ? ORDER BY url", [article_id(wire)]
        ).fetchall()
        assert [u for (u,) in urls] == ["https://reprint.example/9", "https://wire.example/1"]
        errs = dict(s.con.execute("SELECT input, reason FROM errors").fetchall())
        assert set(errs) == {f"{src}:4", f"{src}:5"}
    # again: nothing new, nothing duplicated, and it says so
    r = ingest([str(src)], db, workers=1, progress=False)
    assert (r.stored, r.skipped) == (0, 3)
    assert "skipped 3 already in the store" in r.summary()
    assert sorted(check_complete(db)) == sorted(ids)
    with Store(db, read_only=True) as s:
        assert s.count("article_urls") == 3


def test_ingest_cli_reports_failures_in_one_line_each(tmp_path, capsys):
    good = tmp_path / "one.txt"
    good.write_text(article(3), encoding="utf-8")
    db = str(tmp_path / "s.duckdb")
    code = main(["ingest", str(good), str(tmp_path / "missing.txt"), "--db", db, "-j", "1"])
    assert code == 0
    err = capsys.readouterr().err.strip().splitlines()
    assert any("missing.txt" in line and "no such file" in line for line in err)
    summary = [line for line in err if line.startswith("claimledger: stored ")]
    assert len(summary) == 1 and summary[0].startswith("claimledger: stored 1 new article,")
    assert "1 failed" in summary[0]
    assert err[-1].startswith("claimledger: clustered ") and "new claims" in err[-1]
    assert "Traceback" not in "\n".join(err)
    # the store kept in the directory being ingested is not reported as a bad input
    assert main(["ingest", str(tmp_path), "--db", db, "-j", "1"]) == 0
    err = capsys.readouterr().err
    assert "s.duckdb" not in err and "skipped 1 already in the store" in err
    # nothing readable at all: non-zero exit
    assert main(["ingest", str(tmp_path / "nope.jsonl"), "--db", db]) == 1


def _start(src, db, workers):
    return subprocess.Popen(
        [sys.executable, "-m", "claimledger", "ingest", str(src), "--db", db, "-j", str(workers),
         "--commit-every", "3", "--verbose", "--no-progress"],
        stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, start_new_session=True,
    )


def _kill_after_commits(proc, commits: int, delay: float) -> int:
    """SIGKILL the whole ingest (main process and workers) ``delay`` s after its ``commits``-th
    commit; return how many commits it had logged."""
    seen = 0
    for line in proc.stderr:
        if "committed" in line:
            seen += 1
            if seen >= commits:
                break
    time.sleep(delay)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    return seen


@pytest.mark.parametrize("workers", [1, 2])
def test_kill_9_mid_ingest_then_resume(tmp_path, workers):
    n = 80
    src = tmp_path / "many.jsonl"
    write_jsonl(src, [{"text": article(i), "url": f"https://a.example/{i}"} for i in range(n)])
    db = str(tmp_path / "s.duckdb")

    proc = _start(src, db, workers)
    assert _kill_after_commits(proc, 1, 0.02) >= 1
    assert proc.returncode == -signal.SIGKILL
    partial = check_complete(db)  # opens cleanly, nothing half-written
    assert 3 <= len(partial) < n

    proc = _start(src, db, workers)  # resume, and kill again mid-run
    _kill_after_commits(proc, 2, 0.0)
    again = check_complete(db)
    assert set(partial) <= set(again)

    done = subprocess.run(
        [sys.executable, "-m", "claimledger", "ingest", str(src), "--db", db, "-j", str(workers)],
        capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert f"skipped {len(again)} already in the store" in done.stderr
    final = check_complete(db)
    assert sorted(final) == sorted(article_id(article(i)) for i in range(n))


# -- bad inputs: the same store with and without the progress bar ------------------------------


STORY_LINES = [article(i) for i in range(5)]


def _truncated_gzip(tmp_path):
    """Five good records, then a sixth the file ends inside (a download cut short)."""
    records = "".join(json.dumps({"text": t, "url": f"https://a.example/{i}"}) + "\n"
                      for i, t in enumerate(STORY_LINES))
    tail = json.dumps({"text": os.urandom(150_000).hex()})  # incompressible: the cut lands in it
    data = gzip.compress((records + tail + "\n").encode())
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(data[: len(data) - 40_000])
    return [path], 5, {path: "the gzip file is truncated after line 5"}


def _fifo_among_inputs(tmp_path):
    good = tmp_path / "good.txt"
    good.write_text(article(0), encoding="utf-8")
    fifo = tmp_path / "pipe.jsonl"  # named like JSONL: the progress estimate opened it
    os.mkfifo(fifo)
    return [fifo, good], 1, {fifo: "not a regular file (a FIFO)"}


def _fifo_in_a_directory(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text(article(0), encoding="utf-8")
    os.mkfifo(corpus / "b.jsonl")
    (corpus / "c.txt").write_text(article(1), encoding="utf-8")
    (corpus / "d.txt").symlink_to(corpus / "b.jsonl")
    return [corpus], 2, {corpus / "b.jsonl": "not a regular file (a FIFO)",
                         corpus / "d.txt": "not a regular file (a FIFO)"}


def _utf16(tmp_path):
    marked, unmarked = tmp_path / "marked.txt", tmp_path / "unmarked.txt"
    marked.write_bytes(article(0).encode("utf-16"))
    unmarked.write_bytes(article(1).encode("utf-16-le"))
    page = tmp_path / "page.html"
    body = article(2).split("\n\n")[1]
    page.write_text("<html><head><title>Port</title></head><body><article><p>"
                    f"{body}</p></article></body></html>", encoding="utf-16")
    return [marked, unmarked, page], 2, {
        unmarked: "looks like UTF-16 without a byte-order mark; convert it, "
        "e.g. iconv -f utf-16le -t utf-8"}


def _deep_html(tmp_path):
    paths = []
    for depth in (300, 10_000):
        path = tmp_path / f"deep{depth}.html"
        path.write_text("<html><head><title>Port</title></head><body>" + "<div>" * depth
                        + f"<article><p>{article(depth).split(chr(10) * 2)[1]}</p></article>"
                        + "</div>" * depth + "</body></html>", encoding="utf-8")
        paths.append(path)
    return paths, 2, {}


@pytest.mark.parametrize(
    "case", [_truncated_gzip, _fifo_among_inputs, _fifo_in_a_directory, _utf16, _deep_html],
    ids=["truncated jsonl.gz", "FIFO among inputs", "FIFO in a directory", "UTF-16",
         "deep-nested HTML"],
)
def test_bad_inputs_store_every_good_record_with_or_without_the_bar(tmp_path, case):
    inputs, good, reasons = case(tmp_path)
    outcomes = []
    for flag in ("--progress", "--no-progress"):
        db = str(tmp_path / f"store{flag}.duckdb")
        done = subprocess.run(
            [sys.executable, "-m", "claimledger", "ingest", *map(str, inputs), "--db", db,
             "-j", "1", "--no-cluster", flag],
            capture_output=True, text=True, timeout=180, check=False,  # a FIFO hung it for good
        )
        assert done.returncode == 0, done.stderr
        assert "Traceback" not in done.stderr and "internal error" not in done.stderr
        with Store(db, read_only=True) as s:
            ids = sorted(check_complete(db))
            errors = dict(s.con.execute("SELECT input, reason FROM errors").fetchall())
        assert len(ids) == good, (flag, done.stderr)
        assert set(errors) == {str(p) for p in reasons}, flag
        for path, reason in reasons.items():
            assert errors[str(path)].startswith(reason), flag
            assert f"claimledger: skipped {path}: {reason}" in done.stderr, flag
        outcomes.append((ids, errors))
    assert outcomes[0] == outcomes[1]  # the bar changes nothing that is stored


def test_estimate_never_opens_special_files_nor_raises(tmp_path, monkeypatch):
    import builtins

    from claimledger.corpus.ingest import _estimate

    [cut], _, _ = _truncated_gzip(tmp_path)
    os.mkfifo(tmp_path / "pipe.jsonl")  # opened, it blocks; /dev/zero, counted, never ends
    (tmp_path / "zero.jsonl").symlink_to("/dev/zero")
    write_jsonl(tmp_path / "two.jsonl", [{"text": article(0)}, "", {"text": article(1)}])
    (tmp_path / "one.txt").write_text(article(2), encoding="utf-8")
    special = {str(tmp_path / "pipe.jsonl"), str(tmp_path / "zero.jsonl")}

    def guard(real_open):
        def opener(path, *args, **kwargs):
            assert os.fspath(path) not in special, f"{path} was opened"
            return real_open(path, *args, **kwargs)
        return opener

    monkeypatch.setattr(os, "open", guard(os.open))
    monkeypatch.setattr(builtins, "open", guard(builtins.open))
    assert _estimate([str(cut)]) == 5  # the lines before the damage, and no EOFError
    assert _estimate(sorted(special)) == 0
    assert _estimate([str(tmp_path / "missing.jsonl")]) == 0
    assert _estimate([str(tmp_path)]) == 5 + 2 + 1
    assert _estimate(["https://news.example/feed"]) is None


def test_estimate_reads_a_bounded_share_and_extrapolates(tmp_path, monkeypatch):
    from claimledger.corpus import ingest as ingest_module

    for name in ("a.jsonl", "b.jsonl"):
        write_jsonl(tmp_path / name, [{"text": article(i)} for i in range(200)])
    line_bytes = len(json.dumps({"text": article(0)})) + 1
    monkeypatch.setattr(ingest_module, "_COUNT_BYTES", 20 * line_bytes)  # a tenth of a file
    estimate = ingest_module._estimate([str(tmp_path / "a.jsonl"), str(tmp_path / "b.jsonl")])
    assert 360 <= estimate <= 440  # 400 lines, told from the first twenty
