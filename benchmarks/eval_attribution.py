"""Score claimledger's attributions against PolNeAR (dev by default): P/R/F1 per component, both
engines side by side.

    python benchmarks/eval_attribution.py [--data ../shared/data/polnear/data] [--split dev]
                                          [--annotators first|all] [--engine accurate|fast|both]
                                          [--json]

Components are scored with exact and >= 50 %-overlap span matching; "linked" pairs a predicted
attribution with a gold one when the contents overlap >= 50 % and the predicted source (or a mention
of the entity it resolves to) overlaps the gold source. See claimledger.evaluation.polnear.
Articles with several annotators are scored against the first annotator's file by default.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from claimledger.evaluation.polnear import DEFAULT_ROOT, evaluate


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_ROOT)
    ap.add_argument("--split", default="dev")
    ap.add_argument("--annotators", choices=("first", "all"), default="first")
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--engine", choices=("accurate", "fast", "both"), default="both")
    ap.add_argument("--json", action="store_true", help="print the scores as JSON")
    args = ap.parse_args()
    if not (args.data / args.split).is_dir():
        print(f"PolNeAR not found at {args.data / args.split}: skipping", file=sys.stderr)
        return 0
    engines = ("accurate", "fast") if args.engine == "both" else (args.engine,)
    results = {}
    took = {}
    for engine in engines:
        t0 = time.perf_counter()
        scores = evaluate(args.data, args.split, args.annotators, limit=args.limit, engine=engine)
        took[engine] = time.perf_counter() - t0
        results[engine] = scores.as_dict()
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    n = next(iter(results.values()))["articles"]
    print(f"PolNeAR {args.split} ({args.annotators} annotator), {n} articles; "
          + ", ".join(f"{e} {t:.0f} s" for e, t in took.items()))
    head = "".join(f" {e + ' P':>12} {'R':>6} {'F1':>6}" for e in engines)
    print(f"{'component':<10} {'match':<8}{head}")
    rows = [(c, m) for c in ("source", "cue", "content") for m in ("exact", "overlap")]
    for comp, m in [*rows, ("linked", "")]:
        cells = ""
        for e in engines:
            s = results[e][comp] if comp == "linked" else results[e][comp][m]
            cells += f" {s['p']:12.3f} {s['r']:6.3f} {s['f1']:6.3f}"
        print(f"{comp:<10} {m:<8}{cells}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
