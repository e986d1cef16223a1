"""`claimledger ingest` with a time limit per article: a stuck article, or one whose worker
dies, goes to the errors table with the reason, and the rest of the batch is stored.

The slow and crashing articles come from a test-only analyser passed through ``ingest``'s
``analyzer_factory`` hook: it hangs (deaf to SIGTERM) or kills its own process on articles
carrying a marker of this module, and analyses every other article for real.
"""

from __future__ import annotations

import json
import os
import signal
import time

import pytest

from claimledger.analyzer import Analyzer
from claimledger.cli import main
from claimledger.corpus.identity import article_id
from claimledger.corpus.ingest import ingest
from claimledger.corpus.store import Store
from claimledger.workers import time_limit_message

HANG = "The committee never finished its report."
CRASH = "The printing press exploded."
LIMIT = 5  # seconds; a short article takes well under one


class MisbehavingAnalyzer(Analyzer):
    """The real analyser, except on articles with the HANG or CRASH sentence."""

    def analyze(self, text, meta=None):
        if HANG in text:
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            time.sleep(3600)
        if CRASH in text:
            os.kill(os.getpid(), signal.SIGKILL)
        return super().analyze(text, meta)


def article(i: int, extra: str = "") -> str:
    return (f"Bridge {i} reopens\n\nThe transport minister, Ada Quist, said on Monday that "
            f"bridge {i} would reopen after {i + 2} weeks of repairs. {extra}").strip()


@pytest.mark.parametrize("workers", [1, 2])
def test_a_stuck_or_crashing_article_goes_to_errors_and_the_rest_is_stored(tmp_path, workers):
    texts = [article(0), article(1, HANG), article(2), article(3, CRASH), article(4)]
    src = tmp_path / "feed.jsonl"
    src.write_text("".join(json.dumps({"text": t}) + "\n" for t in texts), encoding="utf-8")
    db = str(tmp_path / "s.duckdb")
    t0 = time.monotonic()
    report = ingest([str(src)], db, workers=workers, time_limit=LIMIT, progress=False,
                    analyzer_factory=MisbehavingAnalyzer)
    assert time.monotonic() - t0 < 180  # does not hang
    assert (report.stored, report.failed) == (3, 2)
    with Store(db, read_only=True) as s:
        stored = {r[0] for r in s.con.execute("SELECT article_id FROM articles").fetchall()}
        errors = dict(s.con.execute("SELECT input, reason FROM errors").fetchall())
        orphans = s.con.execute("SELECT count(*) FROM attributions WHERE article_id NOT IN "
                                "(SELECT article_id FROM articles)").fetchone()[0]
    assert stored == {article_id(texts[i]) for i in (0, 2, 4)}
    assert errors == {
        f"{src}:2": time_limit_message(LIMIT),
        f"{src}:4": "analysis failed: the worker process was killed by SIGKILL (out of memory?)",
    }
    assert errors[f"{src}:2"] == (f"analysis stopped after {LIMIT} s (the per-article time "
                                  "limit, --time-limit)")
    assert orphans == 0


def test_ingest_time_limit_option_is_checked(tmp_path, capsys):
    src = tmp_path / "one.txt"
    src.write_text(article(0), encoding="utf-8")
    code = main(["ingest", str(src), "--db", str(tmp_path / "s.duckdb"), "--time-limit", "-1"])
    assert code == 2
    assert "--time-limit must not be negative" in capsys.readouterr().err
    assert not (tmp_path / "s.duckdb").exists()
