"""The command line: parse arguments, call the library, print. Nothing else lives here."""

from __future__ import annotations

import argparse
import errno
import json
import os
import sys
from collections.abc import Sequence
from typing import TextIO

from claimledger import __version__
from claimledger.errors import ClaimledgerError, InputError, UsageError
from claimledger.model import Ledger
from claimledger.workers import DEFAULT_TIME_LIMIT

UPLOAD_QUEUE = 4  # the default of serve --upload-queue (claimledger.web.upload.UPLOAD_QUEUE)

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2


def _engine_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--engine", choices=("accurate", "fast"), default="accurate",
                   help="accurate = the trained tagger and the fine-tuned check-worthiness "
                   "encoder (default); fast = the rules and a check-worthiness model without an "
                   "encoder (at least as fast as bare spaCy, less accurate)")


def _acts(value: str) -> frozenset[str]:
    acts = frozenset(a.strip() for a in value.split(",") if a.strip())
    bad = acts - {"speech", "thought", "stance"}
    if not acts or bad:
        raise argparse.ArgumentTypeError(
            f"{', '.join(sorted(bad)) or value!r}: choose from speech, thought, stance "
            "(comma-separated)")
    return acts


def _acts_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--acts", type=_acts, default=None, metavar="ACT[,ACT]",
                   help="table and html: show only these acts of attribution (speech, thought, "
                   "stance), e.g. --acts speech for quotes only; json keeps every attribution")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="claimledger",
        description="Who says what in a news article: a ledger of attributions and sources.",
    )
    parser.add_argument("--version", action="version", version=f"claimledger {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    a = sub.add_parser("analyze", help="analyse articles (plain-text files, saved web pages, "
                                              "directories of .txt files, or -)")
    a.add_argument("inputs", nargs="+", metavar="FILE",
                   help="a .txt file, an .html page (its article text is extracted as ingest "
                        "does), a directory of .txt files, or - for stdin")
    a.add_argument(
        "--format", "-f", default="table", choices=("table", "json", "jsonl", "html"),
        help="output format (default: table)",
    )
    a.add_argument("--out", "-o", metavar="PATH", help="write here instead of stdout "
                   "(a directory for html with several articles)")
    a.add_argument("--outlet", help="the outlet that published the article(s)")
    a.add_argument("--published", metavar="DATE", help="publication date, ISO 8601")
    a.add_argument("--url", help="where the article was published")
    a.add_argument(
        "--max-mb", type=float, default=2,
        help="refuse articles larger than this many MB (default 2; the longest news articles are "
        "a few hundred KB, and a 5 MB text takes minutes and over a GB of memory to parse)",
    )
    a.add_argument("--width", type=int, default=None, help="table width (default: terminal)")
    _engine_option(a)
    _acts_option(a)
    c = sub.add_parser(
        "checkworthy", help="score sentences (one a line) for check-worthiness: score<TAB>Yes|No"
    )
    c.add_argument("input", metavar="FILE", help="a text file with one sentence a line, or -")
    c.add_argument("--engine", choices=("accurate", "fast"), default="accurate",
                   help="accurate = the fine-tuned encoder (default, ~370 sentences/s); fast = "
                   "hashed words and the static embedding (~10,000 sentences/s, less accurate)")
    h = sub.add_parser(
        "certainty", help="label sentences (one a line): certain|uncertain<TAB>cue1;cue2"
    )
    h.add_argument("input", metavar="FILE", help="a text file with one sentence a line, or -")
    _corpus_parsers(sub)
    return parser


def _corpus_parsers(sub: argparse._SubParsersAction) -> None:
    i = sub.add_parser(
        "ingest", help="analyse articles from files, directories or URLs into a store",
        description="Read .txt, .html, .jsonl[.gz], .warc[.gz], RSS/Atom, directories and "
        "http(s) URLs; analyse what is new; store it. Safe to interrupt and run again.",
    )
    i.add_argument("inputs", nargs="+", metavar="PATH|URL")
    i.add_argument("--db", required=True, metavar="FILE", help="the DuckDB store (created if missing)")
    _engine_option(i)
    i.add_argument("--workers", "-j", type=int, default=None,
                   help="worker processes (default: all cores)")
    i.add_argument("--max-mb", type=float, default=5, help="largest input page or article (default 5)")
    i.add_argument("--timeout", type=float, default=20, help="seconds to wait for a URL (default 20)")
    i.add_argument("--time-limit", type=float, default=DEFAULT_TIME_LIMIT, metavar="SECONDS",
                   help="stop an article's analysis after this long and record it in the errors "
                   f"table (default {DEFAULT_TIME_LIMIT:g}; 0 = no limit)")
    i.add_argument("--commit-every", type=int, default=64, metavar="N",
                   help="commit after N new articles (default 64)")
    i.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                   help="show a progress bar (default: when stderr is a terminal)")
    i.add_argument("--verbose", "-v", action="store_true", help="log every commit and failure")
    i.add_argument("--cluster", action=argparse.BooleanOptionalAction, default=True,
                   help="update the claim clusters after ingesting (default: yes)")
    s = sub.add_parser("stats", help="summarise a store: outlets, dates, source types, top sources")
    s.add_argument("--db", required=True, metavar="FILE")
    s.add_argument("--format", "-f", default="table", choices=("table", "json"))
    s.add_argument("--top", type=int, default=10, help="how many top sources (default 10)")
    s.add_argument("--width", type=int, default=None)
    e = sub.add_parser("export", help="write every table of a store as Parquet, CSV or JSONL")
    e.add_argument("--db", required=True, metavar="FILE")
    e.add_argument("--format", "-f", default="parquet", choices=("parquet", "csv", "jsonl"))
    e.add_argument("--out", "-o", required=True, metavar="DIR")
    w = sub.add_parser("show", help="print one stored ledger")
    w.add_argument("id", metavar="ID", help="an article id (or a unique prefix of it)")
    w.add_argument("--db", required=True, metavar="FILE")
    w.add_argument("--format", "-f", default="table", choices=("table", "json", "jsonl", "html"))
    w.add_argument("--out", "-o", metavar="PATH")
    w.add_argument("--width", type=int, default=None)
    _acts_option(w)
    k = sub.add_parser("cluster", help="group the same claim across stored articles (incremental)")
    k.add_argument("--db", required=True, metavar="FILE")
    k.add_argument("--families", metavar="FILE", help="source families, `family<TAB>alias` a "
                   "line (remembered by the store)")
    c = sub.add_parser("claims", help="list claim clusters: who asserts, who disputes, how independently")
    c.add_argument("--db", required=True, metavar="FILE")
    c.add_argument("--query", "-q", help="only clusters with a claim containing this text")
    c.add_argument("--format", "-f", default="table", choices=("table", "json", "html"))
    c.add_argument("--families", metavar="FILE", help="source families file (remembered)")
    c.add_argument("--limit", type=int, default=50)
    c.add_argument("--min-articles", type=int, default=1,
                   help="only clusters found in at least this many articles (default 1)")
    c.add_argument("--out", "-o", metavar="PATH")
    c.add_argument("--width", type=int, default=None)
    one = sub.add_parser("claim", help="one claim cluster: every article, attribution and stance")
    one.add_argument("id", metavar="ID")
    one.add_argument("--db", required=True, metavar="FILE")
    one.add_argument("--format", "-f", default="table", choices=("table", "json", "html"))
    one.add_argument("--families", metavar="FILE")
    one.add_argument("--out", "-o", metavar="PATH")
    one.add_argument("--width", type=int, default=None)
    ck = sub.add_parser(
        "check", help="who confirms this claim? the stored articles and statements that bear on "
        "it, each with its stance, source, family, outlet and date",
        description="Give a claim (or --claims FILE, one a line). Articles that do not bear on it "
        "are left out; syndicated copies are folded into their original.")
    ck.add_argument("claim", nargs="?", metavar="CLAIM", help='a claim, e.g. "The boat was '
                    'carrying drugs"')
    ck.add_argument("--claims", metavar="FILE", help="claims to check, one a line")
    ck.add_argument("--db", required=True, metavar="FILE")
    ck.add_argument("--format", "-f", default="table", choices=("table", "json", "jsonl", "html"))
    ck.add_argument("--families", metavar="FILE", help="source families file (remembered)")
    ck.add_argument("--out", "-o", metavar="PATH")
    ck.add_argument("--width", type=int, default=None)
    st = sub.add_parser("stance", help='stance of texts toward claims: JSONL {"claim","text"} in, '
                        '+ "stance" (supports, refutes, reports, questions, unrelated), "score", '
                        '"related" out')
    st.add_argument("input", metavar="FILE", help="a JSONL file, or - for stdin")
    from claimledger.corpus.spark import add_arguments

    add_arguments(sub.add_parser(
        "spark", help="analyse a Parquet/JSONL corpus on Apache Spark into Parquet tables",
        description="Needs pyspark and Java 17. Writes the tables of the store as Parquet "
        "directories under --out.",
    ))
    _serve_parser(sub)


def _serve_parser(sub: argparse._SubParsersAction) -> None:
    v = sub.add_parser(
        "serve", help="a local web app and JSON API over a store",
        description="Pages for the corpus, articles, sources, claim clusters, search and upload, "
        "and a JSON API under /api/v1/. No login: keep it on loopback, or behind a reverse proxy "
        "with TLS and authentication. While it runs, `ingest` cannot write the store.",
    )
    _engine_option(v)
    v.add_argument("--db", required=True, metavar="FILE",
                   help="the DuckDB store (created if missing, unless --read-only)")
    v.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    v.add_argument("--port", type=int, default=8765, help="port (default 8765)")
    v.add_argument("--read-only", action="store_true",
                   help="open the store read-only; uploads are turned off")
    v.add_argument("--max-upload-mb", type=float, default=2,
                   help="largest article accepted by upload, in MB (default 2)")
    v.add_argument("--time-limit", type=float, default=DEFAULT_TIME_LIMIT, metavar="SECONDS",
                   help="stop an upload's analysis after this long and say so (default "
                   f"{DEFAULT_TIME_LIMIT:g}; 0 = no limit)")
    v.add_argument("--upload-queue", type=int, default=UPLOAD_QUEUE, metavar="N",
                   help="uploads that may wait while another is analysed; more are refused with "
                   f"503 and Retry-After (default {UPLOAD_QUEUE})")
    v.add_argument("--workers", type=int, default=1, metavar="N",
                   help="server processes (default 1; more than 1 needs --read-only)")
    v.add_argument("--cache-mb", type=float, default=64,
                   help="rendered pages and API answers kept per process, in MB (default 64; "
                   "0 turns the cache off)")


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "analyze":
            return analyze_command(args)
        if args.command in ("checkworthy", "certainty"):
            return sentences_command(args)
        if args.command in _CORPUS_COMMANDS:
            return _CORPUS_COMMANDS[args.command](args)
    except UsageError as exc:
        print(f"claimledger: usage error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except ClaimledgerError as exc:
        print(f"claimledger: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("claimledger: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:  # noqa: BLE001 - a bug: say so in one line, not a traceback
        print(
            f"claimledger: internal error: {type(exc).__name__}: {exc} "
            "(please report it with the input that caused it)",
            file=sys.stderr,
        )
        return EXIT_ERROR
    return EXIT_USAGE


def analyze_command(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from claimledger.analyzer import Analyzer
    from claimledger.reading import HTML_SUFFIXES, expand_inputs, read_article, read_html_article

    found = list(expand_inputs(args.inputs))  # paths, and an InputError per unlistable directory
    paths = [p for p in found if isinstance(p, str)]
    if not found:
        raise UsageError("no .txt files found in the inputs given")
    many = len(paths) > 1
    fmt = args.format
    if fmt == "json" and many:
        raise UsageError("--format json takes one article; use --format jsonl for several")
    if fmt == "html" and many and not (args.out and (os.path.isdir(args.out) or args.out.endswith("/"))):
        raise UsageError("html with several articles needs --out DIRECTORY")

    analyzer = None
    failures = 0
    out_stream = None
    try:
        if args.out and not (fmt == "html" and many):
            out_stream = _open_output(args.out)
        for item in found:
            try:
                if isinstance(item, InputError):
                    raise item  # a directory that could not be listed: reported in its place
                read = read_html_article if item.lower().endswith(HTML_SUFFIXES) else read_article
                text, meta = read(item, max_bytes=int(args.max_mb * 1024 * 1024))
            except ClaimledgerError as exc:
                print(f"claimledger: error: {exc}", file=sys.stderr)
                failures += 1
                continue
            meta = replace(
                meta, outlet=args.outlet or meta.outlet, published=args.published or meta.published,
                url=args.url or meta.url,
            )
            if analyzer is None:
                analyzer = Analyzer(engine=args.engine)
            ledger = analyzer.analyze(text, meta)
            _emit(ledger, fmt, args, out_stream, many)
    finally:
        if out_stream is not None:
            out_stream.close()
    return EXIT_ERROR if failures else EXIT_OK


def sentences_command(args: argparse.Namespace) -> int:
    from claimledger import sentences
    from claimledger.reading import read_lines

    lines = read_lines(args.input)
    out = sys.stdout
    if args.command == "checkworthy":
        for score, yes in sentences.checkworthiness(lines, engine=args.engine):
            out.write(f"{score:.4f}\t{'Yes' if yes else 'No'}\n")
    else:
        for label, cues in sentences.certainty(lines):
            out.write(f"{label}\t{';'.join(cues)}\n")
    out.flush()
    return EXIT_OK


def ingest_command(args: argparse.Namespace) -> int:
    from claimledger.corpus.ingest import ingest

    if args.workers is not None and args.workers < 1:
        raise UsageError("--workers must be at least 1")
    if args.time_limit < 0:
        raise UsageError("--time-limit must not be negative (0 means no limit)")
    log = (lambda m: print(f"claimledger: {m}", file=sys.stderr, flush=True)) if args.verbose else None
    report = ingest(
        args.inputs, args.db, workers=args.workers, commit_every=max(1, args.commit_every),
        max_bytes=int(args.max_mb * 1024 * 1024), timeout=args.timeout, progress=args.progress,
        time_limit=args.time_limit, log=log, command=" ".join(["ingest", *args.inputs]),
        engine=args.engine,
    )
    shown = report.failures if args.verbose else report.failures[:10]
    for inp, reason in shown:
        print(f"claimledger: skipped {inp}: {reason}", file=sys.stderr)
    if len(report.failures) > len(shown):
        print(f"claimledger: ... and {report.failed - len(shown)} more failures "
              f"(see `claimledger stats --db {args.db}` or the errors table)", file=sys.stderr)
    print(f"claimledger: {report.summary()} ({report.articles_per_second:.1f} articles/s)",
          file=sys.stderr)
    if args.cluster and report.stored:
        from claimledger.corpus.store import Store
        from claimledger.crossref import update

        with Store(args.db) as store:
            done = update(store)
        print(f"claimledger: clustered {done['new_claims']} new claims "
              f"({done['new_clusters']} new clusters, {done['duplicates']} near-duplicate articles)",
              file=sys.stderr)
    nothing = report.stored + report.skipped + report.duplicates == 0
    return EXIT_ERROR if report.failed and nothing else EXIT_OK


def stats_command(args: argparse.Namespace) -> int:
    import json

    from claimledger.corpus.stats import corpus_stats, render_stats
    from claimledger.corpus.store import Store

    with Store(args.db, read_only=True, create=False) as store:
        stats = corpus_stats(store, top=args.top)
    if args.format == "json":
        sys.stdout.write(json.dumps(stats, ensure_ascii=False, indent=2) + "\n")
    else:
        sys.stdout.write(render_stats(stats, width=args.width))
    return EXIT_OK


def export_command(args: argparse.Namespace) -> int:
    from claimledger.corpus.stats import export
    from claimledger.corpus.store import Store

    with Store(args.db, read_only=True, create=False) as store:
        written = export(store, args.format, args.out)
    print(f"claimledger: wrote {len(written)} tables to {args.out}", file=sys.stderr)
    return EXIT_OK


def show_command(args: argparse.Namespace) -> int:
    from claimledger.corpus.store import Store

    with Store(args.db, read_only=True, create=False) as store:
        ledger = store.ledger(args.id)
    stream = _open_output(args.out) if args.out else None
    try:
        _emit(ledger, args.format, args, stream, False)
    finally:
        if stream is not None:
            stream.close()
    return EXIT_OK


def spark_command(args: argparse.Namespace) -> int:
    import json

    try:
        from claimledger.corpus import spark
    except ImportError as exc:  # pragma: no cover - pyspark is in the lock file
        raise UsageError(f"claimledger spark needs pyspark: {exc}") from None
    counts = spark.run(args.input, args.out, master=args.master, text_column=args.text_column,
                       partitions=args.partitions, engine=args.engine)
    print(json.dumps(counts))
    return EXIT_OK


def cluster_command(args: argparse.Namespace) -> int:
    from claimledger.corpus.store import Store
    from claimledger.crossref import update

    with Store(args.db, create=False) as store:
        _remember_families(store, args.families)
        done = update(store)
    print(f"claimledger: clustered {done['new_claims']} new claims ({done['new_clusters']} new "
          f"clusters, {done['duplicates']} near-duplicate articles)", file=sys.stderr)
    return EXIT_OK


def _remember_families(store, path: str | None) -> None:
    if path:
        from claimledger.crossref.families import Families

        Families.load(path)  # fails here, with a one-line error, if the file is bad
        store.set_meta("families_file", os.path.abspath(path))


def _open_output(path: str) -> TextIO:
    """``path`` opened for writing UTF-8 text, as ``open(path, "w")`` does, except that a FIFO
    nothing reads is a one-line error instead of a wait for a reader that may never come."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags, 0o666)
    except OSError as exc:
        reason = "a FIFO that nothing reads" if exc.errno == errno.ENXIO else exc.strerror or exc
        raise InputError(f"cannot write {path}: {reason}") from None
    os.set_blocking(fd, True)
    return os.fdopen(fd, "w", encoding="utf-8")


def _write_out(text: str, out: str | None) -> None:
    if out:
        try:
            with _open_output(out) as fh:
                fh.write(text)
        except OSError as exc:
            raise InputError(f"cannot write {out}: {exc.strerror or exc}") from None
    else:
        sys.stdout.write(text)


def _format(data, args: argparse.Namespace, html, table) -> str:
    """Cluster data as --format asks: JSON, an HTML page, or a terminal table."""
    from claimledger.crossref import report

    if args.format == "json":
        return report.to_json(data) + "\n"
    if args.format == "html":
        return html(data)
    return table(data, width=args.width)


def claims_command(args: argparse.Namespace) -> int:
    from claimledger.corpus.store import Store
    from claimledger.crossref import list_clusters, render

    with Store(args.db, create=False) as store:
        _remember_families(store, args.families)
        clusters = list_clusters(store, args.query, limit=args.limit,
                                 min_articles=args.min_articles)
    _write_out(_format(clusters, args, render.clusters_html, render.clusters_table), args.out)
    return EXIT_OK


def claim_command(args: argparse.Namespace) -> int:
    from claimledger.corpus.store import Store
    from claimledger.crossref import get_cluster, render

    with Store(args.db, create=False) as store:
        _remember_families(store, args.families)
        cluster = get_cluster(store, args.id.strip())
    if cluster is None:
        raise InputError(f"no claim cluster {args.id} in {args.db} (list them with `claimledger claims`)")
    _write_out(_format(cluster, args, render.cluster_html, render.cluster_table), args.out)
    return EXIT_OK


def _claims_file(path: str) -> list[str]:
    from claimledger.reading import read_lines

    return [line.strip() for line in read_lines(path) if line.strip()]


def check_command(args: argparse.Namespace) -> int:
    from claimledger.corpus.store import Store
    from claimledger.crossref import check, render

    if (args.claim is None) == (args.claims is None):
        raise UsageError("give one claim, or --claims FILE (one claim a line), not both")
    claims = [args.claim.strip()] if args.claim is not None else _claims_file(args.claims)
    if not claims:
        raise UsageError(f"no claims in {args.claims}: write one claim a line"
                         if args.claims is not None else "the claim is empty")
    with Store(args.db, create=False) as store:
        _remember_families(store, args.families)
        results = check.check(store, claims)
    if args.format == "jsonl":
        text = "".join(json.dumps(r, ensure_ascii=False, default=str) + "\n"
                       for r in check.jsonl_rows(results))
    else:
        data = results if args.claims is not None else results[0]
        many = args.claims is not None
        text = _format(data, args, lambda d: render.check_html(d if many else [d]),
                       lambda d, width=None: render.check_table(d if many else [d], width=width))
    _write_out(text, args.out)
    return EXIT_OK


def stance_command(args: argparse.Namespace) -> int:
    from claimledger.neural.stance import run_stance

    if args.input == "-":
        return run_stance(sys.stdin, sys.stdout)
    import io

    from claimledger.reading import NotRegularFile, open_regular

    try:
        raw = open_regular(args.input)
    except FileNotFoundError:
        raise InputError(f"cannot read {args.input}: no such file") from None
    except (IsADirectoryError, NotRegularFile) as exc:
        raise InputError(f"cannot read {args.input}: {exc.strerror}") from None
    except OSError as exc:
        raise InputError(f"cannot read {args.input}: {exc.strerror or exc}") from None
    with io.TextIOWrapper(raw, encoding="utf-8") as fh:
        try:
            return run_stance(fh, sys.stdout)
        except UnicodeDecodeError:
            raise InputError(f"cannot read {args.input}: not valid UTF-8") from None


def serve_command(args: argparse.Namespace) -> int:
    from claimledger.web import serve

    if args.max_upload_mb <= 0:
        raise UsageError("--max-upload-mb must be positive")
    if args.time_limit < 0:
        raise UsageError("--time-limit must not be negative (0 means no limit)")
    if args.upload_queue < 0:
        raise UsageError("--upload-queue must not be negative")
    serve(args.db, host=args.host, port=args.port, read_only=args.read_only,
          max_upload_bytes=int(args.max_upload_mb * 1_000_000), workers=args.workers,
          cache_bytes=int(args.cache_mb * 1_000_000), time_limit=args.time_limit,
          upload_queue=args.upload_queue, engine=args.engine)
    return EXIT_OK


_CORPUS_COMMANDS = {
    "cluster": cluster_command,
    "claims": claims_command,
    "claim": claim_command,
    "check": check_command,
    "stance": stance_command,
    "spark": spark_command,
    "ingest": ingest_command,
    "stats": stats_command,
    "export": export_command,
    "show": show_command,
    "serve": serve_command,
}


def _emit(ledger: Ledger, fmt: str, args: argparse.Namespace, stream, many: bool) -> None:
    from claimledger.render import render

    if getattr(args, "acts", None) and fmt in ("table", "html"):
        from claimledger.render._common import only_acts

        ledger = only_acts(ledger, args.acts)
    if fmt == "html" and many:
        os.makedirs(args.out, exist_ok=True)
        stem = os.path.splitext(os.path.basename(ledger.meta.path or ledger.id[:12]))[0]
        with _open_output(os.path.join(args.out, f"{stem}.html")) as fh:
            fh.write(render(ledger, "html"))
        return
    if fmt == "jsonl":
        out = render([ledger], "jsonl")
    else:
        out = render(ledger, fmt, width=args.width) if fmt == "table" else render(ledger, fmt)
        if not out.endswith("\n"):
            out += "\n"
        if many and fmt == "table":
            out += "\n"
    target = stream if stream is not None else sys.stdout
    target.write(out)
    target.flush()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
