#!/usr/bin/env python
"""Evaluate the lexical stance models (``claimledger.neural.lexical_stance``) on Emergent and FNC-1.

    .venv/bin/python benchmarks/eval_stance.py [--data DIR] [--attempts] [--speed-only]

Prints, with the protocol of ``scripts/train_stance.py`` (whose functions it calls; the shipped
configuration is refit in each fold, nothing is written):

* Emergent: accuracy of the headline model under claim-disjoint 10-fold cross-validation
  (GroupKFold by claimId; in brackets the mean over three claim-disjoint splits), per-class F1
  (for / against / observing), the confusion matrix, and where the ``questions`` rule moves the
  out-of-fold predictions;
* FNC-1: macro-F1 over agree / disagree / discuss / unrelated, per-class F1, related-vs-unrelated
  F1, the FNC-1 score and the confusion matrix on the 20% of the claim components held out,
  headline model retrained without the Emergent claims seen in that part;
* the speed of the shipped model through the run-time API (headlines and bodies per second).

``--attempts`` also evaluates the earlier configurations. Data is read from ``--data`` (default
``../shared/data/stance`` beside the repository) and the accuracy part is skipped with a message
when it is absent. The refits need scikit-learn (``requirements-train.txt``); the run time does
not. About 3 minutes on 2 cores (6 with ``--attempts``).
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
DEFAULT_DATA = REPO.parent / "shared" / "data" / "stance"


def _trainer():
    spec = importlib.util.spec_from_file_location(
        "train_stance", REPO / "scripts" / "train_stance.py"
    )
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules["train_stance"] = mod
    spec.loader.exec_module(mod)
    return mod


def speed(heads: list[tuple[str, str]], bodies: list[tuple[str, str]]) -> None:
    from claimledger.neural import lexical_stance

    t0 = time.perf_counter()
    model = lexical_stance.StanceModel.load()
    t1 = time.perf_counter()
    model.predict(heads)
    t2 = time.perf_counter()
    model.predict(bodies)
    t3 = time.perf_counter()
    print(f"speed: model load {t1 - t0:.2f}s; {len(heads)} headlines {len(heads) / (t2 - t1):.0f}/s; "
          f"{len(bodies)} bodies {len(bodies) / (t3 - t2):.0f}/s")  # fmt: skip


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--attempts", action="store_true", help="also evaluate the earlier attempts")
    ap.add_argument("--speed-only", action="store_true")
    args = ap.parse_args()
    data = args.data if args.data.is_absolute() else REPO / args.data
    if not (data / "emergent_train.csv").exists():
        print(f"Emergent not found under {data}: skipped (pass --data DIR)")
        return 0
    T = _trainer()
    if args.speed_only:
        em, fnc = T.load_emergent(data), T.load_fnc(data)
        ids = sorted(fnc.bodies)[:200]
        speed(list(zip(em.claims, em.heads))[:1000],
              [(fnc.heads[0], fnc.bodies[b]) for b in ids])  # fmt: skip
        return 0
    try:
        import sklearn  # noqa: F401
    except ImportError:
        print("scikit-learn is needed for the refits (pip install -r requirements-train.txt)")
        return 1
    t0 = time.time()
    em, hi, fnc, bodies, claims = T.load_all(data)
    em_reports = T.emergent_cv(em, hi, args.attempts)
    fnc_reports = T.fnc_held_out(em, hi, fnc, bodies, claims, args.attempts)
    e, f = em_reports[T.SHIPPED], fnc_reports[T.BODY_FINAL]
    print(
        f"SUMMARY Emergent claim-disjoint CV accuracy {e['accuracy']:.4f} "
        f"(mean of 3 splits {e['accuracy_mean_3_splits']:.4f}), macro-F1 {e['macro_f1']:.4f}; "
        f"FNC-1 held-out macro-F1 {f['macro_f1']:.4f} (FNC score {f['fnc_score']:.4f}) "
        f"[{time.time() - t0:.0f}s]"
    )
    ids = sorted(fnc.bodies)[:200]
    speed(list(zip(em.claims, em.heads))[:1000], [(fnc.heads[0], fnc.bodies[b]) for b in ids])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
