"""Measure each attribution rule family's precision on PolNeAR train (first annotator): the share
of its relations that match a gold one (contents overlapping >= 50 %, sources overlapping).
Written to src/claimledger/pipeline/lexicons/rule_precision.tsv, which the fast engine reports as
each relation's confidence.

    .venv/bin/python scripts/measure_rule_precision.py [--limit N]
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

from claimledger.analyzer import load_nlp
from claimledger.evaluation.polnear import _chars, iter_articles, overlap_ratio
from claimledger.pipeline.attribution import CueDecision, extract_attributions, rule_family
from claimledger.pipeline.cue_model import CueModel
from claimledger.pipeline.quotes import QuoteIndex, find_quotes

OUT = Path(__file__).resolve().parents[1] / "src/claimledger/pipeline/lexicons/rule_precision.tsv"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--limit", type=int, default=300)
    args = ap.parse_args()
    from claimledger.analyzer import CUE_FLOOR, CUE_THRESHOLD

    nlp = load_nlp()
    arts = list(iter_articles(split="train"))[: args.limit]
    hits: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for art, doc in zip(arts, nlp.pipe(a.text for a in arts)):
        quotes = QuoteIndex(find_quotes(art.text))
        decision = CueDecision(CueModel.load().score_doc(doc, quotes.quotes), CUE_THRESHOLD,
                               CUE_FLOOR)
        gold = [(_chars(g.content, art.text), _chars(g.source, art.text) if g.source else None)
                for g in art.attributions]
        for r in extract_attributions(doc, quotes, decision):
            fam = rule_family(r.rule)
            c = _chars((r.content,), art.text)
            s = _chars((r.source,), art.text) if r.source else set()
            ok = any(overlap_ratio(c, gc) >= 0.5 and (gs is None or s & gs) for gc, gs in gold)
            total[fam] += 1
            hits[fam] += ok
    lines = ["# Precision of each rule family of the fast engine on PolNeAR train (first "
             f"annotator, {len(arts)} articles):",
             "# matched relations / relations found. Written by scripts/measure_rule_precision.py."]
    all_hits = sum(hits.values())
    all_total = sum(total.values())
    for fam in sorted(total):
        lines.append(f"{fam}\t{hits[fam] / total[fam]:.3f}\t# {hits[fam]}/{total[fam]}")
        print(fam, hits[fam], total[fam], round(hits[fam] / total[fam], 3))
    lines.append(f"*\t{all_hits / all_total:.3f}\t# every rule: {all_hits}/{all_total}")
    OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
