"""`claimledger spark` in local[2] mode gives the rows the single-machine path gives."""

from __future__ import annotations

import json
import os
import sys

import pyarrow.parquet as pq
import pytest

from claimledger.cli import main
from claimledger.corpus import tables
from claimledger.corpus.identity import article_id
from claimledger.corpus.spark import java_problem
from claimledger.model import Meta

JAVA_MISSING = java_problem()  # one line: what is missing and what to install
pytestmark = pytest.mark.skipif(JAVA_MISSING is not None, reason=JAVA_MISSING or "")

ARTICLES = [
    {
        "url": "https://harbour.example/1", "outlet": "Harbour Times", "published": "2026-11-02",
        "title": "Port reopens",
        "text": "The harbour minister, Ada Quist, said the port would reopen on Monday. "
        "Officials, speaking on condition of anonymity, said repairs had cost 40% more than "
        "planned.",
    },
    {
        "url": "https://valley.example/7", "outlet": "Valley Post", "published": "2026-11-03",
        "text": "Engineers said the inspection would be delayed by a week. \"The dam is safe,\" "
        "said Tomas Reyl, a spokesman for the water board. Critics say the board may have "
        "hidden a report.",
    },
    {
        "url": "https://wire.example/a", "outlet": "Northwire",
        "text": "Prices rose 3 percent in October, according to the statistics office. "
        "Analysts suggest the rise may slow.",
    },
    {   # the same wire story, reprinted: one article, two URLs
        "url": "https://reprint.example/b", "outlet": "Daily Reprint",
        "text": "Prices rose 3 percent in October, according to the statistics office. "
        "Analysts suggest the rise may slow.",
    },
    {"url": "https://broken.example/x", "text": "   "},
]


@pytest.fixture(scope="module")
def spark_out(tmp_path_factory):
    os.environ["PYSPARK_PYTHON"] = sys.executable
    root = tmp_path_factory.mktemp("spark")
    src = root / "corpus.jsonl"
    src.write_text("".join(json.dumps(a) + "\n" for a in ARTICLES), encoding="utf-8")
    out = root / "out"
    code = main(["spark", str(src), "--out", str(out), "--master", "local[2]", "--partitions", "2"])
    assert code == 0
    return out


def _read(out, name):
    return pq.read_table(out / name).to_pylist()


def _key(row):
    return tuple(str(row[c]) for c in row if c.endswith("_id") or c == "input")


def test_spark_tables_equal_single_machine_rows(spark_out, accurate):
    expected: dict[str, list[dict]] = {name: [] for name in tables.TABLES}
    seen = set()
    for a in ARTICLES[:4]:
        info = tables.ArticleInfo(input=a["url"], url=a["url"], title=a.get("title"),
                                  published=a.get("published"), outlet=a.get("outlet"))
        meta = Meta(path=a["url"], title=a.get("title"), outlet=a.get("outlet"),
                    published=a.get("published"), url=a["url"])
        aid = article_id(a["text"])
        rows = tables.rows_of(aid, info, accurate.analyze(a["text"], meta))
        expected["article_urls"].extend(rows["article_urls"])
        if aid in seen:
            continue
        seen.add(aid)
        for name, rs in rows.items():
            if name != "article_urls":
                expected[name].extend(rs)
    for name in tables.TABLES:
        got = sorted(_read(spark_out, name), key=_key)
        want = sorted(expected[name], key=_key)
        assert len(got) == len(want), name
        for g, w in zip(got, want):
            if name == "articles":  # the ledger JSON: compare as data, not as a string
                assert json.loads(g.pop("ledger")) == json.loads(w.pop("ledger"))
            assert g == w, name


def test_spark_counts_and_errors(spark_out):
    arts = _read(spark_out, "articles")
    assert len(arts) == 3  # five rows: one reprint, one without text
    urls = {(r["article_id"], r["url"]) for r in _read(spark_out, "article_urls")}
    wire = article_id(ARTICLES[2]["text"])
    assert {u for a, u in urls if a == wire} == {ARTICLES[2]["url"], ARTICLES[3]["url"]}
    errors = _read(spark_out, "errors")
    assert [e["input"] for e in errors] == ["https://broken.example/x"]
    assert "no text" in errors[0]["reason"]


def test_spark_reports_a_missing_text_column(tmp_path, capsys):
    src = tmp_path / "c.jsonl"
    src.write_text(json.dumps({"body": "The minister said so."}) + "\n")
    assert main(["spark", str(src), "--out", str(tmp_path / "o"), "--master", "local[1]"]) == 2
    err = capsys.readouterr().err
    assert "no column 'text'" in err and "--text-column" in err
