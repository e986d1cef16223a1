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

The model is a cross-encoder (:class:`claimledger.neural.texts.TextClassifier` ``"stance"``:
all-MiniLM-L6-v2 fine-tuned on Emergent and FNC-1 train over ``[CLS] claim [SEP] text [SEP]``,
``python -m claimledger.neural.train stance``) with four outputs: supports, refutes, reports,
unrelated. A headline (at most 60 words) is read whole; a body is first cut to the sentences that
bear on the claim (:func:`claimledger.neural.texts.bearing`: the first sentence and those sharing
the most content words with the claim, about 160 words), since the encoder sees 256 wordpieces.
``related`` = 1 - P(unrelated); the other scores are the stance probabilities times ``related``.

**Questions** has no training label; it is a rule over the model's scores (``_apply_doubt``),
from doubt cues in the headline, or in the sentences of a body that were read (``doubt_cues``):

* strong cues: a question (a sentence ending in "?", or "Did/Is/Can ... ?", "really ...?"), words
  that say a claim is unproven ("unverified", "unconfirmed", "could not be independently
  verified", "no evidence", "no proof") and words of doubt ("remains unclear", "doubts" but not
  "no doubt", "dubious", "questioned", "questions over", "sceptical", "is it true", "fact
  check", ...);
* weak cues, words that keep a claim at a distance: "alleged", "purported", "supposedly",
  "so-called", "claims that", "rumour".

A weak cue moves ``WEAK_SHARE`` (0.6) of the reports mass to ``questions``, a strong cue
``STRONG_SHARE`` (0.8) of the supports and reports mass. The refutes mass stays, so that a text
that refutes, even as a question ("Did X happen? No, it is a hoax"), stays ``refutes``; except
when the only refuting words are those of an "unproven" cue ("There is no evidence that X"), which
questions the claim rather than denies it.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, TextIO

import numpy as np

from claimledger.errors import InputError
from claimledger.neural.texts import TextClassifier, bearing, body_sentences

NAME = "stance"
LABELS = ("supports", "refutes", "reports", "questions", "unrelated")
STRONG_SHARE = 0.8
WEAK_SHARE = 0.6
HEADLINE_MAX_WORDS = 60

# refuting words: a text whose only refuting words are those of an "unproven" cue questions the
# claim rather than denies it (``doubt_cues``)
# fmt: off
REFUTE = frozenset((
    "fake", "fakes", "faked", "hoax", "hoaxes", "hoaxer", "false", "falsely", "deny", "denies",
    "denied", "denial", "debunk", "debunked", "debunks", "myth", "not", "no", "never", "nope",
    "untrue", "bogus", "fabricated", "fabrication", "prank", "pranks", "satire", "satirical",
    "parody", "isn't", "wasn't", "aren't", "doesn't", "didn't", "don't", "won't", "can't",
    "hasn't", "haven't", "n't", "contrary", "refute", "refutes", "refuted", "dismiss",
    "dismisses", "dismissed", "reject", "rejects", "rejected", "wrong", "misleading", "scam",
    "lie", "lies", "lied", "photoshopped", "doctored", "nonsense", "baseless", "fraud", "retract",
))
# fmt: on
_UNPROVEN = re.compile(
    r"\b(?:un(?:verified|confirmed|substantiated|proven)|(?:could not|couldn't|cannot|can't|"
    r"can not|was not|wasn't|were not|weren't|has not|hasn't|have not|haven't|had not|not) "
    r"(?:yet )?(?:been |be )?(?:independently )?(?:verified|confirmed)|no (?:hard |real |clear |"
    r"solid |confirmed )?(?:evidence|proof)|little evidence|lack of evidence|"
    r"without (?:any )?evidence)\b",
    re.IGNORECASE,
)
_DOUBT = re.compile(
    r"\b(?:remains? (?:unclear|unknown|to be seen)|(?:it is|it's) (?:not |un)clear|"
    r"(?<!no )(?<!without )(?<!beyond )doubts?|doubtful|dubious|questionable|sceptic\w*|"
    r"skeptic\w*|questions? (?:over|about|remain|raised|linger)\w*|raises? questions|"
    r"is it true|fact[- ]?check\w*|too good to be true|questioned|call(?:s|ed)? into question|"
    r"casts? doubt)\b",
    re.IGNORECASE,
)
_REALLY_QUESTION = re.compile(r"\breally\b[^.!?]*\?", re.IGNORECASE)
_WEAK_DOUBT = re.compile(
    r"\b(?:alleged(?:ly)?|purported(?:ly)?|supposed(?:ly)?|so-called|claims? that|"
    r"rumou?r(?:s|ed)?)\b",
    re.IGNORECASE,
)
_QUESTION_WORD = re.compile(
    r"^\W*(?:is|are|was|were|did|does|do|has|have|had|can|could|will|would|should)\b",
    re.IGNORECASE,
)
_TOKEN = re.compile(r"[^\W_]+(?:'[^\W_]+)?|\?")
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'"})


def tokens(text: str) -> list[str]:
    """Lower-cased words (``isn't`` is one word) and question marks."""
    return _TOKEN.findall(text.lower().translate(_APOSTROPHES))


def is_headline(text: str) -> bool:
    return len(text.split()) <= HEADLINE_MAX_WORDS


@dataclass(frozen=True)
class StanceResult:
    """The stance of one text towards one claim.

    ``scores`` has the five ``LABELS`` and sums to 1; ``score`` is ``scores[label]``; ``related``
    is 1 - ``scores["unrelated"]``. ``cues`` are the doubt cues that moved mass to
    ``questions``."""

    label: str
    score: float
    scores: dict[str, float]
    related: float = 1.0
    cues: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class Doubt:
    """The doubt cues of some sentences (see the module docstring)."""

    strong: tuple[str, ...]
    weak: tuple[str, ...]
    unproven_only: bool  # "no evidence" and the like, and no refuting word besides them


def doubt_cues(sentences: Sequence[str]) -> Doubt:
    """The strong and weak doubt cues in the sentences, in order of appearance."""
    strong: list[str] = []
    weak: list[str] = []
    unproven = False
    refuted = False
    for s in sentences:
        s = s.strip()
        found = [m.group(0).lower() for m in _UNPROVEN.finditer(s)]
        unproven = unproven or bool(found)
        strong += found
        strong += [m.group(0).lower() for m in _DOUBT.finditer(s)]
        if _REALLY_QUESTION.search(s):
            strong.append("really ...?")
        if s.endswith(("?", '?"', "?\u201d", "?'")) or (_QUESTION_WORD.match(s) and "?" in s):
            strong.append("?")
        weak += [m.group(0).lower() for m in _WEAK_DOUBT.finditer(s)]
        rest = _DOUBT.sub(" ", _UNPROVEN.sub(" ", s))
        refuted = refuted or bool(set(tokens(rest)) & REFUTE)
    return Doubt(tuple(dict.fromkeys(strong)), tuple(dict.fromkeys(weak)), unproven and not refuted)


def _apply_doubt(p: np.ndarray, sentences: Sequence[str]
                 ) -> tuple[dict[str, float], tuple[str, ...]]:
    """Move stance mass (supports, refutes, reports; summing to 1) to ``questions`` when the
    sentences carry doubt cues: a weak cue moves ``WEAK_SHARE`` of reports, a strong cue
    ``STRONG_SHARE`` of supports and reports, and of refutes too when the only refuting words are
    those of "no evidence"-like cues."""
    sup, ref, rep = (float(v) for v in p)
    que = 0.0
    doubt = doubt_cues(sentences)
    if doubt.weak:
        que += WEAK_SHARE * rep
        rep -= WEAK_SHARE * rep
    if doubt.strong:
        que += STRONG_SHARE * (sup + rep + (ref if doubt.unproven_only else 0.0))
        sup, rep = (1 - STRONG_SHARE) * sup, (1 - STRONG_SHARE) * rep
        if doubt.unproven_only:
            ref = (1 - STRONG_SHARE) * ref
    return {"supports": sup, "refutes": ref, "reports": rep, "questions": que}, (
        doubt.strong + doubt.weak)


def make_result(p: np.ndarray, sentences: Sequence[str]) -> StanceResult:
    """The result from the model's four probabilities (supports, refutes, reports, unrelated)
    and the sentences that were read."""
    related = float(1.0 - p[3])
    stance = p[:3] / max(float(p[:3].sum()), 1e-9)
    cond, cues = _apply_doubt(stance, sentences)
    scores = {lab: round(related * cond[lab], 6) for lab in LABELS[:4]}
    scores["unrelated"] = round(1.0 - related, 6)
    label = "unrelated" if related < 0.5 else max(LABELS[:4], key=lambda lab: scores[lab])
    return StanceResult(label, scores[label], scores, round(related, 6), cues)


def predict(pairs: Sequence[tuple[str, str]]) -> list[StanceResult]:
    """The stance of each ``text`` towards its ``claim``, for (claim, text) pairs; ``text`` is a
    headline or an article body. An empty claim or text is ``unrelated`` with score 1."""
    model = TextClassifier.load(NAME)
    out: list[StanceResult | None] = [None] * len(pairs)
    todo, claims, texts, read = [], [], [], []
    for i, (claim, text) in enumerate(pairs):
        if not claim.strip() or not text.strip():
            out[i] = StanceResult("unrelated", 1.0, {**dict.fromkeys(LABELS[:4], 0.0),
                                                     "unrelated": 1.0}, 0.0)
            continue
        if is_headline(text):
            shown = " ".join(text.split())
            sents = [shown]
        else:
            shown = bearing(claim, text)
            sents = body_sentences(shown)
        todo.append(i)
        claims.append(claim)
        texts.append(shown)
        read.append(sents)
    if todo:
        probs = model.proba(claims, texts)
        for i, p, sents in zip(todo, probs, read):
            out[i] = make_result(p, sents)
    return out  # type: ignore[return-value]


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
