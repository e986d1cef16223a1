"""Source typing and attribution acts against claimledger's hand labels (dev part).

    python benchmarks/eval_mentions.py

1. The span classifiers on the labelled spans (the accurate engine's models): F1 per class,
   macro-F1 (source types: over named_person, named_organization, anonymous, vague).
2. End to end, both engines: each labelled dev source mention is looked up in the ledger of its
   article (a source whose mentions overlap it); its type there is compared with the label
   (``not_a_source`` labels count as right when no source covers the mention). Coverage is the
   share of labelled mentions some source covers.
"""

from __future__ import annotations

import sys
from collections import Counter

from claimledger.evaluation.labels import evaluate_classifier, f1_per_class, rows_of
from claimledger.evaluation.polnear import DEFAULT_ROOT

TYPES = ("named_person", "named_organization", "anonymous", "vague")


def end_to_end(engine: str) -> dict:
    from claimledger.analyzer import Analyzer

    rows = [r for r in rows_of("source-types") if r["split"] == "dev"]
    names = sorted({r["article"] for r in rows})
    texts = [(DEFAULT_ROOT / "train" / "text" / f"{n}.txt").read_text(encoding="utf-8")
             for n in names]
    ledgers = dict(zip(names, Analyzer(engine=engine).pipe(texts)))
    gold, pred = [], []
    covered = 0
    for r in rows:
        ledger = ledgers[r["article"]]
        hit = None
        for s in ledger.sources:
            if any(a < r["end"] and r["start"] < b for a, b in s.mentions):
                hit = s.type
                break
        covered += hit is not None
        gold.append(r["type"])
        pred.append(hit or "not_a_source")
    f1 = f1_per_class(gold, pred, (*TYPES, "not_a_source"))
    return {"n": len(rows), "coverage": covered / len(rows), "f1": f1,
            "macro_f1": sum(f1[t] for t in TYPES) / len(TYPES),
            "confusions": Counter((g, p) for g, p in zip(gold, pred) if g != p).most_common(8)}


def main() -> int:
    if not (DEFAULT_ROOT / "train").is_dir():
        print(f"PolNeAR not found at {DEFAULT_ROOT}: skipping", file=sys.stderr)
        return 0
    for task in ("source-types", "acts"):
        r = evaluate_classifier(task)
        print(f"{task} classifier, labelled dev spans (n={r['n']}): macro-F1 {r['macro_f1']:.3f}, "
              f"accuracy {r['accuracy']:.3f}")
        print("   " + "  ".join(f"{k} {v:.3f}" for k, v in r["f1"].items()))
    for engine in ("accurate", "fast"):
        r = end_to_end(engine)
        print(f"source types end to end, {engine} engine (n={r['n']}): macro-F1 "
              f"{r['macro_f1']:.3f}, coverage {r['coverage']:.3f}")
        print("   " + "  ".join(f"{k} {v:.3f}" for k, v in r["f1"].items()))
        print("   most frequent confusions (gold, ledger): " + "; ".join(
            f"{g}->{p} {n}" for (g, p), n in r["confusions"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
