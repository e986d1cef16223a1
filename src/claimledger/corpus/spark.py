"""The same analysis on Apache Spark, for corpora one machine cannot get through.

``claimledger spark INPUT --out DIR`` (or ``spark-submit -m claimledger.corpus.spark``; see the
README) reads Parquet or JSONL with a text column, analyses each partition with the model loaded
once per Python worker (``mapInArrow``), and writes the tables of :mod:`claimledger.corpus.tables`
as Parquet directories under ``DIR``, plus ``errors``. The rows are the ones ``claimledger
ingest`` stores for the same articles: both go through :func:`tables.rows_of`.

Analysis runs once: the analysed partitions are written to ``DIR/_analysed`` first, and every
table is then cut from that.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator

import pyarrow as pa

from claimledger.corpus import tables
from claimledger.errors import InputError, UsageError

OPTIONAL_COLUMNS = ("url", "title", "published", "outlet", "author", "input", "id")

_ANALYSED = pa.schema([
    ("article_id", pa.string()),
    ("input", pa.string()),
    ("error", pa.string()),
    ("rows", pa.string()),
])


def _analyse_with(engine: str):
    """The executors' function: ledger rows for every text of every batch, with ``engine``."""

    def analyse(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        return _analyse_batches(batches, engine)

    return analyse


def _analyse_batches(batches: Iterator[pa.RecordBatch], engine: str = "accurate"
                     ) -> Iterator[pa.RecordBatch]:
    """Runs on the executors: ledger rows for every text of every batch."""
    from claimledger.corpus import identity

    analyzer = _worker_analyzer(engine)
    for batch in batches:
        cols = batch.to_pydict()
        n = batch.num_rows
        get = {c: cols.get(c) or [None] * n for c in ("text", *OPTIONAL_COLUMNS)}
        out: dict[str, list] = {name: [] for name in _ANALYSED.names}
        for i in range(n):
            text = get["text"][i]
            inp = get["input"][i] or get["url"][i] or (
                f"id:{get['id'][i]}" if get["id"][i] is not None else None
            )
            info = tables.ArticleInfo(
                input=inp, url=get["url"][i], title=get["title"][i],
                published=_iso(get["published"][i]), outlet=get["outlet"][i],
                author=get["author"][i],
            )
            aid, rows, error = None, None, None
            if not isinstance(text, str) or not text.strip():
                error = "no text (empty or missing text column value)"
            else:
                aid = identity.article_id(text)
                try:
                    ledger = analyzer.analyze(text, info.meta())
                    rows = json.dumps(tables.rows_of(aid, info, ledger), default=str,
                                      ensure_ascii=False)
                except Exception as exc:  # noqa: BLE001 - recorded, the partition goes on
                    error = f"analysis failed: {type(exc).__name__}: {str(exc)[:200]}"
            out["article_id"].append(aid)
            out["input"].append(inp if inp is not None else f"row with article id {aid}")
            out["error"].append(error)
            out["rows"].append(rows)
        yield pa.RecordBatch.from_pydict(out, schema=_ANALYSED)


_analyzers: dict[str, object] = {}


def _worker_analyzer(engine: str):
    """The Python worker's analyser, loaded once per process and engine."""
    if engine not in _analyzers:
        from claimledger.analyzer import Analyzer

        _analyzers[engine] = Analyzer(engine=engine)
    return _analyzers[engine]


def _iso(value) -> str | None:
    if value is None:
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _table_batches(name: str):
    schema = tables.arrow_schema(name)

    def expand(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            rows = []
            for blob in batch.column("rows").to_pylist():
                rows.extend(json.loads(blob)[name])
            for r in rows:
                if r.get("published_date") is not None:
                    r["published_date"] = dt.date.fromisoformat(r["published_date"])
            yield pa.RecordBatch.from_pylist(rows, schema=schema)

    return expand


def run(
    input_path: str,
    out_dir: str,
    *,
    master: str | None = None,
    text_column: str = "text",
    partitions: int | None = None,
    spark=None,
    engine: str = "accurate",
) -> dict[str, int]:
    """Analyse ``input_path`` (Parquet or JSONL, file or directory) on Spark into ``out_dir``.
    Returns the row count of every table written."""
    from pyspark.sql import SparkSession, functions as F
    from pyspark.sql.pandas.types import from_arrow_schema

    if not os.path.exists(input_path) and "://" not in input_path:
        raise InputError(f"cannot read {input_path}: no such file or directory")
    own = spark is None
    if own:
        if problem := java_problem():
            raise UsageError(problem)
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        builder = SparkSession.builder.appName("claimledger")
        master = master or os.environ.get("SPARK_MASTER")
        if master:
            builder = builder.master(master)
        elif "PYSPARK_GATEWAY_SECRET" not in os.environ:  # not under spark-submit
            builder = builder.master("local[*]")
        spark = (builder.config("spark.sql.execution.arrow.pyspark.enabled", "true")
                 .config("spark.ui.showConsoleProgress", "false").getOrCreate())
        spark.sparkContext.setLogLevel("ERROR")
    try:
        df = _read(spark, input_path)
        if text_column not in df.columns:
            raise UsageError(
                f"{input_path} has no column {text_column!r} (columns: {', '.join(df.columns)}); "
                "name the text column with --text-column"
            )
        keep = [F.col(text_column).cast("string").alias("text")]
        for c in OPTIONAL_COLUMNS:
            if c in df.columns and c != text_column:
                keep.append(F.col(c).cast("string").alias(c))
        df = df.select(*keep)
        if partitions:
            df = df.repartition(partitions)
        analysed_dir = os.path.join(out_dir, "_analysed")
        (df.mapInArrow(_analyse_with(engine), from_arrow_schema(_ANALYSED))
           .write.mode("overwrite").parquet(analysed_dir))
        analysed = spark.read.parquet(analysed_dir)
        ok = analysed.where(F.col("error").isNull())
        # One copy per article (as in the store); every copy's URL goes to article_urls.
        first = ok.dropDuplicates(["article_id"])
        counts: dict[str, int] = {}
        for name in tables.TABLES:
            source = ok if name == "article_urls" else first
            out = source.mapInArrow(_table_batches(name), from_arrow_schema(tables.arrow_schema(name)))
            if name == "article_urls":
                out = out.dropDuplicates(["article_id", "input"])
            out.write.mode("overwrite").parquet(os.path.join(out_dir, name))
            counts[name] = spark.read.parquet(os.path.join(out_dir, name)).count()
        errors = analysed.where(F.col("error").isNotNull()).select(
            "input", F.col("error").alias("reason"))
        errors.write.mode("overwrite").parquet(os.path.join(out_dir, "errors"))
        counts["errors"] = errors.count()
        shutil.rmtree(analysed_dir, ignore_errors=True)
        return counts
    finally:
        if own:
            spark.stop()


JAVA_MAJOR = 17
JAVA_INSTALL = (
    "install Java 17 or later (Debian: apt-get install openjdk-17-jre-headless) or set JAVA_HOME"
)


def java_problem() -> str | None:
    """None when the Java that Spark will start (``$JAVA_HOME/bin/java``, else ``java`` on the
    PATH) is there and 17 or later; else a one-line reason saying what to install."""
    home = os.environ.get("JAVA_HOME")
    java = os.path.join(home, "bin", "java") if home else shutil.which("java")
    where = f"JAVA_HOME={home}" if home else "the PATH"
    if not java or not os.access(java, os.X_OK):
        return (f"claimledger spark needs Java (Spark runs on the JVM) and there is none in "
                f"{where}: {JAVA_INSTALL}")
    try:
        shown = subprocess.run(
            [java, "-version"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.SubprocessError) as exc:
        return f"claimledger spark cannot run {java} ({exc}): {JAVA_INSTALL}"
    found = re.search(r'version "(?:1\.)?(\d+)', shown.stderr + shown.stdout)
    if found and int(found[1]) < JAVA_MAJOR:
        return (f"claimledger spark needs Java {JAVA_MAJOR}+, and {java} is Java {found[1]}: "
                f"{JAVA_INSTALL}")
    return None


def _read(spark, path: str):
    low = path.rstrip("/").lower()
    is_json = low.endswith((".jsonl", ".json", ".ndjson", ".jsonl.gz", ".json.gz", ".ndjson.gz"))
    if os.path.isdir(path):
        names = [f.lower() for f in os.listdir(path) if not f.startswith((".", "_"))]
        is_json = bool(names) and all(".json" in n for n in names)
    try:
        return spark.read.json(path) if is_json else spark.read.parquet(path)
    except Exception as exc:  # noqa: BLE001 - Spark's errors are pages long
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(f"cannot read {path} with Spark: {first[:300]}") from None


def main(argv: list[str] | None = None) -> int:
    """Entry point for ``spark-submit``: ``spark-submit .../spark.py INPUT --out DIR``."""
    p = argparse.ArgumentParser(prog="claimledger spark")
    add_arguments(p)
    args = p.parse_args(argv)
    counts = run(args.input, args.out, master=args.master, text_column=args.text_column,
                 partitions=args.partitions, engine=args.engine)
    print(json.dumps(counts))
    return 0


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("input", metavar="INPUT", help="Parquet or JSONL (file or directory) with a text column")
    p.add_argument("--out", "-o", required=True, metavar="DIR", help="where the Parquet tables go")
    p.add_argument("--master", default=None,
                   help="Spark master (default: $SPARK_MASTER, or local[*]; spark-submit sets it)")
    p.add_argument("--text-column", default="text")
    p.add_argument("--partitions", type=int, default=None, help="repartition the input first")
    p.add_argument("--engine", choices=("accurate", "fast"), default="accurate",
                   help="attribution engine: the trained tagger (default) or the rules")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
