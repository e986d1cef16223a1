"""Stance of a text towards a claim: does it support, refute, merely report, question it, or is it
not about it at all?

    >>> from claimledger.neural.stance import predict
    >>> claim = "The mayor of Springfield resigned on Monday"
    >>> predict([(claim, "Springfield mayor denies he is resigning, calls reports false")])[0].label
    'refutes'

Labels (``LABELS``):

* ``supports``  the text asserts the claim (Emergent "for", FNC-1 "agree");
* ``refutes``   the text denies or debunks it (Emergent "against", FNC-1 "disagree");
* ``reports``   the text relays the claim without taking a side (Emergent "observing", FNC-1
  "discuss");
* ``questions`` the text raises doubt about the claim, or asks about it, without refuting it;
* ``unrelated`` the text is not about the claim (FNC-1 "unrelated").

The models are the lexical ones of :mod:`claimledger.neural.lexical_stance` (headlines: TF-IDF,
hand features and a static embedding, Emergent claim-disjoint CV accuracy 0.789; bodies: a
relatedness gate and a body model over the key sentences, FNC-1 held-out macro-F1 0.668). A body
the gate finds unrelated (P(related) < 0.5) is ``unrelated``; a headline handed over with a claim
is taken to be about it. A cross-encoder fine-tuned from all-MiniLM-L6-v2 on Emergent and FNC-1
(``python -m claimledger.neural.train stance``, the recipe of :mod:`claimledger.neural.train.texts`)
was measured against them and did not beat them (Emergent 0.756, FNC-1 held-out macro-F1 0.565
with disagree F1 0.05, although unrelated F1 0.931 and FNC score 0.787 were higher), so it is not
shipped.

**Questions** has no training label: it is the doubt-cue rule of
:mod:`claimledger.neural.lexical_stance` (``doubt_cues``, ``_apply_doubt``): questions, "unverified",
"no evidence", "remains unclear" move mass from supports and reports (and from refutes when the only
refuting words are those of an "unproven" cue); "alleged", "purported" move part of reports.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, TextIO

from claimledger.errors import InputError
from claimledger.neural.lexical_stance import _apply_doubt, doubt_cues  # noqa: F401 (API)

LABELS = ("supports", "refutes", "reports", "questions", "unrelated")
@dataclass(frozen=True)
class StanceResult:
    """The stance of one text towards one claim.

    ``scores`` has the five ``LABELS``; the first four sum to ``related`` and ``unrelated`` is
    1 - ``related``, so they sum to 1; ``score`` is ``scores[label]``. ``cues`` are the doubt cues that moved mass to
    ``questions``."""

    label: str
    score: float
    scores: dict[str, float]
    related: float = 1.0
    cues: tuple[str, ...] = field(default=())


def _result(r: Any) -> StanceResult:
    """The lexical model's result on the five labels: a body it reads as unrelated is
    ``unrelated`` with score 1 - P(related); the other scores are as the model gave them."""
    scores = {lab: float(r.scores.get(lab, 0.0)) for lab in LABELS[:4]}
    scores["unrelated"] = round(1.0 - float(r.related), 6)
    if r.related < 0.5:
        return StanceResult("unrelated", scores["unrelated"], scores, float(r.related), r.cues)
    return StanceResult(r.label, float(r.score), scores, float(r.related), r.cues)


def predict(pairs: Sequence[tuple[str, str]]) -> list[StanceResult]:
    """The stance of each ``text`` towards its ``claim``, for (claim, text) pairs; ``text`` is a
    headline or an article body. An empty claim or text is ``unrelated`` with score 1."""
    from claimledger.neural.lexical_stance import StanceModel

    return [_result(r) for r in StanceModel.load().predict(pairs)]


# -- JSONL ----------------------------------------------------------------------------------------


def _record(line: str, number: int) -> dict[str, Any]:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"line {number}: not valid JSON ({exc.msg} at column {exc.colno})"
        ) from None
    if not isinstance(record, dict):
        raise InputError(f'line {number}: expected a JSON object with "claim" and "text"')
    for key in ("claim", "text"):
        if not isinstance(record.get(key), str):
            what = (
                "missing" if key not in record else f"not a string ({type(record[key]).__name__})"
            )
            raise InputError(f"line {number}: \"{key}\" is {what}; each record needs string "
                             "\"claim\" and \"text\" fields")  # fmt: skip
    return record


def run_stance(records_in: TextIO, out: TextIO, *, keep_going: bool = False,
               errors: TextIO | None = None, batch_size: int = 64) -> int:
    """Read JSONL records ``{"claim": ..., "text": ...}``, write each back with ``"stance"``,
    ``"score"`` and ``"related"`` added; return the exit code (0 = every record was scored).

    Blank lines are skipped. A malformed line (bad JSON, not an object, "claim" or "text" missing
    or not a string) stops the run with an ``InputError`` naming the line number, after the
    records before it have been written (the CLI convention: one-line error, non-zero exit). With
    ``keep_going`` the error is written to ``errors`` (stderr by default) as one line, the line is
    skipped, and the return value is 1 if any line was skipped."""
    errors = errors if errors is not None else sys.stderr
    bad = 0
    batch: list[dict[str, Any]] = []

    def flush() -> None:
        results = predict([(r["claim"], r["text"]) for r in batch])
        for rec, res in zip(batch, results):
            rec = {**rec, "stance": res.label, "score": round(res.score, 4),
                   "related": round(res.related, 4)}  # fmt: skip
            out.write(json.dumps(rec, ensure_ascii=False) + "\n")
        out.flush()
        batch.clear()

    for number, line in enumerate(records_in, start=1):
        if number == 1:
            line = line.removeprefix("\ufeff")  # a byte-order mark left by some editors
        if not line.strip():
            continue
        try:
            batch.append(_record(line, number))
        except InputError as exc:
            if not keep_going:
                flush()
                raise
            print(f"claimledger: skipped {exc}", file=errors)
            bad += 1
            continue
        if len(batch) >= batch_size:
            flush()
    flush()
    return 1 if bad else 0
