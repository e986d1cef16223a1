"""The DuckDB store: schema versions, atomic writes, stats, export, show."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import duckdb
import pyarrow.parquet as pq
import pytest

from claimledger.cli import main
from claimledger.corpus import store as store_mod
from claimledger.corpus import tables
from claimledger.corpus.identity import article_id, normalise_text
from claimledger.corpus.stats import corpus_stats, export
from claimledger.corpus.store import Store, StoreError
from claimledger.errors import InputError
from claimledger.model import Ledger, Meta

PORT = (
    "Port reopens after storm\n\n"
    "The harbour minister, Ada Quist, said the port would reopen on Monday. "
    "Officials, speaking on condition of anonymity, said repairs had cost more than planned."
)
DAM = (
    "Dam inspection delayed\n\n"
    "Engineers said the inspection would be delayed by a week. "
    "A spokesman for the water board, Tomas Reyl, said the dam was safe."
)


def _rows(analyzer, text, *, inp, outlet, published):
    info = tables.ArticleInfo(input=inp, outlet=outlet, published=published, url=f"https://{inp}")
    ledger = analyzer.analyze(text, Meta(path=inp, outlet=outlet, published=published))
    return tables.rows_of(article_id(text), info, ledger), ledger


@pytest.fixture
def filled(tmp_path, analyzer):
    db = str(tmp_path / "s.duckdb")
    port, port_ledger = _rows(analyzer, PORT, inp="a.example/1", outlet="Harbour Times",
                              published="2026-11-02")
    dam, _ = _rows(analyzer, DAM, inp="b.example/1", outlet="Valley Post",
                   published="2026-11-03T08:00:00Z")
    with Store(db) as s:
        s.write([port, dam], errors=[("notes.pdf", "unknown input type (.pdf)")], run_id=1)
    return db, port_ledger


def test_identity_ignores_typography_only():
    assert normalise_text("He said \u201cno\u201d \u2014  twice.\n") == 'He said "no" - twice.'
    assert article_id("A  b\u00ad c.") == article_id("A b c.")
    assert article_id("A b c.") != article_id("A b d.")
    assert len(article_id("x")) == 32


def test_written_articles_read_back_whole(filled):
    db, port_ledger = filled
    with Store(db, read_only=True) as s:
        assert s.count("articles") == 2
        assert s.ledger(article_id(PORT)) == port_ledger
        # a unique prefix is enough, as with git
        assert s.ledger(article_id(PORT)[:8]) == port_ledger
        n_attr = s.con.execute(
            "SELECT count(*) FROM attributions WHERE article_id = ?", [article_id(PORT)]
        ).fetchone()[0]
        assert n_attr == len(port_ledger.attributions) == 2
        row = s.con.execute(
            "SELECT published_date, outlet FROM articles WHERE article_id = ?", [article_id(DAM)]
        ).fetchone()
        assert str(row[0]) == "2026-11-03" and row[1] == "Valley Post"
        assert s.con.execute("SELECT input, reason FROM errors").fetchall() == [
            ("notes.pdf", "unknown input type (.pdf)")
        ]
        with pytest.raises(InputError, match="no article"):
            s.ledger("abcdef12")
        with pytest.raises(InputError, match="not an article id"):
            s.ledger("../etc")


def test_a_failed_write_leaves_nothing(tmp_path, analyzer, monkeypatch):
    db = str(tmp_path / "s.duckdb")
    rows, _ = _rows(analyzer, PORT, inp="a", outlet=None, published=None)
    real = tables.to_arrow

    def broken(name, rs):
        if name == "claims":
            raise RuntimeError("disk full")
        return real(name, rs)

    monkeypatch.setattr(tables, "to_arrow", broken)
    with Store(db) as s:
        with pytest.raises(RuntimeError):
            s.write([rows])
        assert s.count("articles") == 0 and s.count("attributions") == 0
        assert s.count("sources") == 0


def test_store_version_checked_and_migrated(tmp_path, monkeypatch):
    db = str(tmp_path / "s.duckdb")
    Store(db).close()
    with Store(db) as s:
        assert s.schema_version == store_mod.STORE_VERSION == 3
        assert "cluster_members" in s.table_names()  # version 2 added the claim clusters
        cols = {r[0] for r in s.con.execute("DESCRIBE claim_clusters").fetchall()}
        assert {"centroid", "n_members", "framed"} <= cols  # version 3: propositions

    # a newer claimledger adds a table: an old store is migrated on open, in one transaction
    def add_notes(con):
        con.execute("CREATE TABLE notes (article_id VARCHAR, note VARCHAR)")

    monkeypatch.setattr(store_mod, "STORE_VERSION", 4)
    monkeypatch.setitem(store_mod.MIGRATIONS, 4, add_notes)
    with pytest.raises(StoreError, match="needs migrating"):
        Store(db, read_only=True)
    with Store(db) as s:
        assert s.schema_version == 4
        assert s.con.execute("SELECT count(*) FROM notes").fetchone()[0] == 0

    # and an older claimledger refuses the newer store
    monkeypatch.setattr(store_mod, "STORE_VERSION", 3)
    with pytest.raises(StoreError, match="schema version 4, newer"):
        Store(db)


def test_foreign_files_are_refused(tmp_path):
    other = str(tmp_path / "other.duckdb")
    con = duckdb.connect(other)
    con.execute("CREATE TABLE people (name VARCHAR)")
    con.close()
    with pytest.raises(StoreError, match="not a claimledger store"):
        Store(other)
    text = tmp_path / "notes.txt"
    text.write_text("not a database\n" * 100)
    with pytest.raises(StoreError, match="cannot open"):
        Store(str(text))
    with pytest.raises(InputError, match="no such store"):
        Store(str(tmp_path / "missing.duckdb"), create=False)


def test_a_store_in_use_gives_a_clear_error(tmp_path):
    db = str(tmp_path / "s.duckdb")
    Store(db).close()
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import sys, time, duckdb
            con = duckdb.connect({db!r})
            print("open", flush=True)
            time.sleep(30)
        """)],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "open"
        with pytest.raises(StoreError, match="in use by another"):
            Store(db)
    finally:
        holder.kill()
        holder.wait()


def test_stats_by_outlet_and_sources(filled):
    db, _ = filled
    with Store(db, read_only=True) as s:
        st = corpus_stats(s)
    assert st["articles"] == 2 and st["errors"] == 1
    assert st["first_published"] == "2026-11-02" and st["last_published"] == "2026-11-03"
    outlets = {o["outlet"]: o for o in st["by_outlet"]}
    # Harbour Times: Ada Quist (named) and the officials on condition of anonymity
    assert outlets["Harbour Times"]["attributions"] == 2
    assert outlets["Harbour Times"]["share_anonymous"] == 0.5
    assert outlets["Harbour Times"]["share_named"] == 0.5
    # Valley Post: "Engineers" (vague) and Tomas Reyl (named)
    assert outlets["Valley Post"]["share_vague"] == 0.5
    names = {src["name"] for src in st["top_sources"]}
    assert {"Ada Quist", "Tomas Reyl"} <= names


def test_stats_and_show_cli(filled, capsys):
    db, port_ledger = filled
    assert main(["stats", "--db", db]) == 0
    out = capsys.readouterr().out
    assert "Harbour Times" in out and "Valley Post" in out and "Ada Quist" in out
    assert main(["show", article_id(PORT)[:10], "--db", db, "--format", "json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert Ledger.from_dict(shown) == port_ledger
    assert main(["show", "deadbeef", "--db", db]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no article deadbeef" in err
    assert main(["stats", "--db", db + ".missing"]) == 1
    assert "no such store" in capsys.readouterr().err


@pytest.mark.parametrize("fmt", ["parquet", "csv", "jsonl"])
def test_export_writes_every_table(filled, tmp_path, fmt):
    db, port_ledger = filled
    out = tmp_path / "out"
    with Store(db, read_only=True) as s:
        written = export(s, fmt, str(out))
        expected = {name: s.count(name) for name in s.table_names()}
    assert {p.rsplit("/", 1)[1] for p in written} == {f"{n}.{fmt}" for n in expected}
    con = duckdb.connect()
    for name, n in expected.items():
        path = str(out / f"{name}.{fmt}")
        reader = {"parquet": "read_parquet", "csv": "read_csv_auto", "jsonl": "read_json_auto"}[fmt]
        got = con.execute(f"SELECT count(*) FROM {reader}('{path}')").fetchone()[0]
        assert got == n, name
    if fmt == "parquet":
        arts = pq.read_table(out / "articles.parquet").to_pylist()
        port = next(a for a in arts if a["article_id"] == article_id(PORT))
        assert Ledger.from_dict(json.loads(port["ledger"])) == port_ledger
