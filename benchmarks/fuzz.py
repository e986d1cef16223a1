"""Fuzz the analyser (and, with --readers, the input readers) with N generated inputs.

    .venv/bin/python benchmarks/fuzz.py N [--seed S] [--readers] [--only I]

The inputs are those of the property tests (tests/fuzz_inputs.py: words, names with cues, quote
marks, punctuation runs, odd characters, nesting, long words, odd whitespace; for the readers,
random bytes, byte-order marks, truncated gzip, JSONL with odd escapes, deeply nested HTML,
feeds and WARC records), drawn from a ``random.Random`` seeded with S + i for input i, so input i
can be regenerated alone with --only I.

Prints the count of each outcome -- ok, InputError, an exception by type, a schema violation, a
span mismatch, a dangling reference -- with the first input of each bad outcome, the slowest
input (its length, the repr of its first 80 characters, its time) and the peak RSS. Nothing is
asserted: the targets are no exception but InputError, no violation, the slowest input <= 5 s.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from fuzz_inputs import RandomPicker, article_text, input_file, ledger_problems

import claimledger
from claimledger.errors import InputError

_PROBLEM_OUTCOMES = {"schema": "schema violation", "span": "span mismatch",
                     "reference": "dangling reference"}


def analyse_one(analyzer: claimledger.Analyzer, text: str) -> tuple[str, str]:
    """(outcome, detail) of analysing ``text``."""
    try:
        ledger = analyzer.analyze(text)
    except InputError as exc:
        return "InputError", str(exc)
    except Exception as exc:  # noqa: BLE001 - counting what escapes is the point
        return f"exception {type(exc).__name__}", str(exc)[:200]
    problems = ledger_problems(ledger)
    if problems:
        kind, detail = problems[0]
        return _PROBLEM_OUTCOMES[kind], detail
    return "ok", ""


def read_one(analyzer: claimledger.Analyzer, suffix: str, data: bytes) -> tuple[str, str]:
    """(outcome, detail) of reading a file of ``data`` every way, and analysing its articles."""
    from claimledger.corpus.inputs import Document, Failure, extract, iter_documents
    from claimledger.reading import decode_article, read_article

    outcome = "ok"
    try:
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, f"input{suffix}")
            Path(path).write_bytes(data)
            try:
                decode_article(data)
                read_article(path)
            except InputError:
                outcome = "InputError"
            for item in iter_documents([path, tmp], timeout=1.0, follow_feed_links=False):
                if isinstance(item, Failure):
                    continue
                if not isinstance(item, Document):
                    return "exception NotADocument", repr(item)[:200]
                try:
                    article = extract(item)
                except InputError:
                    continue
                analysed, detail = analyse_one(analyzer, article.text)
                if analysed not in ("ok", "InputError"):
                    return analysed, detail
    except Exception as exc:  # noqa: BLE001
        return f"exception {type(exc).__name__}", str(exc)[:200]
    return outcome, ""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", type=int, help="how many inputs")
    parser.add_argument("--seed", type=int, default=0, help="seed of input 0 (default 0)")
    parser.add_argument("--readers", action="store_true", help="fuzz the readers, not the text")
    parser.add_argument("--only", type=int, help="run input I alone and print it")
    args = parser.parse_args(argv)

    analyzer = claimledger.Analyzer()
    analyzer.analyze("The minister said the port would reopen.")  # load the models first
    counts: Counter[str] = Counter()
    first_bad: dict[str, tuple[int, str, str]] = {}
    slowest = (0.0, -1, 0, "")
    indices = [args.only] if args.only is not None else range(args.n)
    started = time.perf_counter()
    for i in indices:
        picker = RandomPicker(args.seed + i)
        if args.readers:
            suffix, data = input_file(picker)
            shown, length = f"{suffix} {data[:80]!r}", len(data)
            t0 = time.perf_counter()
            outcome, detail = read_one(analyzer, suffix, data)
        else:
            text = article_text(picker)
            shown, length = repr(text[:80]), len(text)
            t0 = time.perf_counter()
            outcome, detail = analyse_one(analyzer, text)
        took = time.perf_counter() - t0
        counts[outcome] += 1
        if outcome not in ("ok", "InputError") and outcome not in first_bad:
            first_bad[outcome] = (args.seed + i, shown, detail)
        if took > slowest[0]:
            slowest = (took, args.seed + i, length, shown)
        if args.only is not None:
            print(f"input {i}: {length} {'bytes' if args.readers else 'chars'}: {shown}")
        done = sum(counts.values())
        if done % 500 == 0:
            so_far = ", ".join(f"{k} {v}" for k, v in counts.most_common())
            print(f"... {done} inputs, {time.perf_counter() - started:.0f} s: {so_far}; "
                  f"slowest {slowest[0]:.2f} s (seed {slowest[1]})", file=sys.stderr, flush=True)

    total = sum(counts.values())
    print(f"{total} {'files' if args.readers else 'texts'} in "
          f"{time.perf_counter() - started:.1f} s (seed {args.seed})")
    for outcome, count in counts.most_common():
        print(f"  {outcome:28s} {count}")
    for outcome, (seed, shown, detail) in first_bad.items():
        print(f"first {outcome}: input seed {seed}: {shown}\n    {detail}")
    took, seed, length, shown = slowest
    print(f"slowest: {took:.2f} s, input seed {seed}, {length} "
          f"{'bytes' if args.readers else 'chars'}: {shown}")
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
