"""Sentence judgments of the ledger on fine-tuned encoders (:mod:`claimledger.neural.texts`):
check-worthiness (the claim filter and ``claimledger checkworthy``) and certainty
(``claimledger certainty``). Each model is loaded once per process."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache
from typing import Any

import numpy as np

from claimledger.neural.texts import TextClassifier


_THAT = re.compile(r"^\s*that\s+(?=\S+\s+\S)", re.IGNORECASE)


def proposition(text: str) -> str:
    """A that-clause as the sentence it states: the content of indirect speech ("that the crew
    had fired a flare") is scored like the sentences the models were trained on."""
    return _THAT.sub("", text, count=1)


class SentenceJudge:
    """P(positive label) of sentences, and the decision threshold chosen in cross-validation."""

    def __init__(self, name: str) -> None:
        self.model = TextClassifier.load(name)
        self.threshold = self.model.threshold

    def score(self, texts: Sequence[str], spans: Sequence[Any] | None = None) -> np.ndarray:
        """P(check-worthy) (or P(uncertain)) of each text; ``spans`` is accepted for the claim
        builder's signature and not needed (the encoder reads the text)."""
        if len(texts) == 0:
            return np.zeros(0, dtype=np.float64)
        return self.model.proba([proposition(str(t)) for t in texts])[:, 1].astype(np.float64)


@cache
def checkworthiness() -> SentenceJudge:
    return SentenceJudge("checkworthy")


@cache
def certainty() -> SentenceJudge:
    return SentenceJudge("certainty")
