#!/usr/bin/env python
"""Evaluate hedge cues and sentence certainty (``claimledger.pipeline.hedging``).

    python benchmarks/eval_certainty.py [--data DIR] [--uw]

DIR defaults to ``../shared/data/hedging`` beside the repo (read in place; each part is skipped
with a message when its files are absent).

1. CoNLL-2010 Wikipedia sample (``conll2010_wiki_sample_train.csv``): P/R/F1 of the uncertain class
   for the bare hedge lexicon, and the fine-tuned model's cross-validated figure as its training
   recorded it in the model card (``python -m claimledger.neural.train certainty --folds 10``: a
   fine-tune per fold, which needs torch).
2. MEANTIME dev (``event_factuality/meantime/dev.conll``, and UW dev with ``--uw``): the unified
   factuality conversion (Stanovsky et al. 2017) gives each event token a value in [-3, 3]
   (3 = certainly happened, -3 = certainly did not, 0 = unknown). Mapping: an event is
   **uncertain when |value| < 2.5** (MEANTIME's values are discrete, {3, 1.5, 0.75, 0, -3}, so this
   is "not CT+ or CT-"; UW's are annotator means, 2.5 rounds to 3) and certain otherwise; a
   negated certain event (-3) is certain, since the writer commits to it not happening.
   * sentence level: a sentence is uncertain when any of its events is; sentences without events
     are left out; prediction = the certainty model (``claimledger.neural.judgments``);
   * event level: an event is predicted uncertain when a hedge cue scopes over it: the cue depends
     on the event (a modal or adverb on it), the event is inside the cue's subtree ("suspect that
     [event]"), or the cue marks a clause that contains the event ("if [event]").
3. Speed: ``find_hedges`` and the certainty model per 1,000 sentences, on parsed docs.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from claimledger.pipeline import hedging  # noqa: E402

DEFAULT_DATA = REPO.parent / "shared" / "data" / "hedging"
UNCERTAIN_BELOW = 2.5


def fmt(r: dict) -> str:
    return f"P={r['precision']:.3f} R={r['recall']:.3f} F1={r['f1']:.3f}"


def prf(y, pred) -> dict:
    y = np.asarray(y, dtype=int)
    pred = np.asarray(pred, dtype=int)
    tp = int(((pred == 1) & (y == 1)).sum())
    p = tp / max(1, int(pred.sum()))
    r = tp / max(1, int(y.sum()))
    return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0}


# ------------------------------------------------------------------------------------------
def eval_wiki(data: Path) -> list:
    from claimledger.analyzer import load_nlp
    from claimledger.neural import data as harness
    from claimledger.neural import store

    path = data / "conll2010_wiki_sample_train.csv"
    if not path.exists():
        print(f"[wiki] {path} not found: skipped")
        return []
    sample = harness.certainty(data)
    texts, y = sample.texts, sample.labels
    docs = list(load_nlp().pipe(texts, batch_size=64))
    matches = [hedging._matches(d[:]) for d in docs]
    print(f"[wiki] {path.name}: {len(y)} sentences, {int(y.sum())} uncertain")
    bare = [any(m.kind in hedging.KINDS for m in ms) for ms in matches]
    bare_m = [any(m.kind != "editorial" for m in ms) for ms in matches]
    print(f"  bare lexicon, a hedge cue                     {fmt(prf(y, bare))}")
    print(f"  bare lexicon, a hedge cue or a marker         {fmt(prf(y, bare_m))}")
    cv = store.card("certainty").get("figures", {}).get("cv", {})
    if cv:
        print(f"  fine-tuned model, {cv['folds']}-fold CV (a fine-tune per fold, recorded by training): "
              f"P={cv['p']:.3f} R={cv['r']:.3f} F1={cv['f1']:.3f} at threshold {cv['threshold']}")
    return docs


# ------------------------------------------------------------------------------------------
def read_conll(path: Path) -> list[list[tuple[str, float | None]]]:
    sents, cur = [], []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            if cur:
                sents.append(cur)
                cur = []
            continue
        cols = line.split("\t")
        cur.append((cols[1], None if cols[2] == "_" else float(cols[2])))
    if cur:
        sents.append(cur)
    return sents


def _event_hedged(doc, i: int, cue_tokens: list) -> bool:
    ev = doc[i]
    for t in cue_tokens:
        if t.i == i:
            continue
        if t.head.i == i:
            return True
        if t.left_edge.i <= i <= t.right_edge.i and any(a.i == t.i for a in ev.ancestors):
            return True
        if t.dep_ == "mark":
            h = t.head
            inside = h.i == i or any(a.i == h.i for a in ev.ancestors)
            if inside and h.left_edge.i <= i <= h.right_edge.i:
                return True
    return False


def eval_factuality(name: str, path: Path) -> None:
    if not path.exists():
        print(f"[{name}] {path} not found: skipped")
        return
    from spacy.tokens import Doc

    from claimledger.analyzer import load_nlp

    from claimledger.neural.judgments import certainty

    judge = certainty()
    nlp = load_nlp()
    sents = read_conll(path)
    docs = nlp.pipe((Doc(nlp.vocab, words=[w for w, _ in s]) for s in sents), batch_size=64)
    sy, sp, ey, ep = [], [], [], []
    n_events = 0
    for s, doc in zip(sents, docs):
        events = [(i, v) for i, (_, v) in enumerate(s) if v is not None]
        if not events:
            continue
        n_events += len(events)
        gold = [abs(v) < UNCERTAIN_BELOW for _, v in events]
        sy.append(any(gold))
        sp.append(float(judge.score([doc.text])[0]) >= judge.threshold)
        cue_tokens = [
            doc[j] for m in hedging._matches(doc[:]) if m.kind in hedging.KINDS
            for j in range(m.start, m.end)
        ]
        for (i, _), g in zip(events, gold):
            ey.append(g)
            ep.append(_event_hedged(doc, i, cue_tokens))
    print(
        f"[{name}] {path.name}: {len(sy)} sentences with events ({sum(sy)} uncertain), "
        f"{n_events} events ({sum(ey)} uncertain); uncertain = |factuality| < {UNCERTAIN_BELOW}"
    )
    acc = np.mean(np.array(sy) == np.array(sp))
    print(f"  sentence level, the certainty model           {fmt(prf(sy, sp))}  acc={acc:.3f}")
    print(f"  sentence level, all 'uncertain' (baseline)    {fmt(prf(sy, [1] * len(sy)))}")
    print(f"  event level, a hedge cue scopes over it       {fmt(prf(ey, ep))}")


# ------------------------------------------------------------------------------------------
def speed(docs) -> None:
    if not docs:
        from claimledger.analyzer import load_nlp

        nlp = load_nlp()
        base = [
            "The alleged smugglers may have been couriers, officials said on Tuesday.",
            "The bridge reopened on Monday after repairs that lasted three weeks.",
            "Analysts suggest the strike was symbolic rather than a sign of escalation.",
        ]
        docs = list(nlp.pipe(base * 334))
    n = sum(1 for d in docs for _ in d.sents)
    from claimledger.neural.judgments import certainty

    hedging.find_hedges(docs[0])  # builds the matcher
    judge = certainty()
    best_f = best_c = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        for d in docs:
            hedging.find_hedges(d)
        best_f = min(best_f, time.perf_counter() - t0)
        t0 = time.perf_counter()
        judge.score([s.text for d in docs for s in d.sents])
        best_c = min(best_c, time.perf_counter() - t0)
    ntok = sum(len(d) for d in docs)
    print(f"[speed] {n} parsed sentences ({ntok / n:.1f} tokens each), best of 3:")
    print(f"  find_hedges            {1000 * best_f / n * 1000:.1f} ms per 1,000 sentences")
    print(f"  certainty model        {1000 * best_c / n * 1000:.1f} ms per 1,000 sentences "
          "(one thread)")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--uw", action="store_true", help="also UW dev (1,074 sentences)")
    args = ap.parse_args(argv)
    if not args.data.exists():
        print(f"eval_certainty: {args.data} not found; nothing to evaluate (skipped)")
        return 0
    docs = eval_wiki(args.data)
    ef = args.data / "event_factuality"
    eval_factuality("meantime dev", ef / "meantime" / "dev.conll")
    if args.uw:
        eval_factuality("uw dev", ef / "uw" / "dev.conll")
    speed(docs)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
