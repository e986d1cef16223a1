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


# a vague quantity ("many", "several", "a number of") before a word that is not a verb of saying
# or believing ("some say" is a vague source, and stays)
_VAGUE = re.compile(
    r"\b(?:a (?:number|variety|majority|lot|host|range) of|a few|some|many|most|several|few|"
    r"various|numerous|countless|multiple|myriad)\b(?=\s+([^\W\d_]+))", re.IGNORECASE)


class Certainty(SentenceJudge):
    """Sentence certainty as a reader needs it.

    The model (fine-tuned on the CoNLL-2010 Wikipedia sample, reading beside each sentence the
    hedge lexicon's cues and markers, :func:`claimledger.pipeline.hedging.cue_marks`) gives
    P(uncertain). Two reader rules sit on it (:meth:`assess`):

    * the Wikipedia notion the model learned counts vague quantities as uncertainty ("Many people
      were killed"), a reader does not: a sentence is read with its vague quantifiers as "the"
      (a verb of saying or believing after "some", "many" ... keeps them: "some say" is a vague
      source);
    * a hedge cue of the lexicon ("analysts suggest", "reportedly", "if this is true", "may") or a
      statement that a report is unverified makes the sentence uncertain whatever the model says
      (the Wikipedia annotation leaves conditionals and some evidentials out; a reader does not).
    """

    def __init__(self) -> None:
        super().__init__("certainty")
        from claimledger.pipeline.lexicons import words

        self._saying = words("cue_verbs") | frozenset(("believe", "think", "suspect", "fear"))
        self._hints = self.model.card.get("hints") == "hedge-lexicon"

    def _neutral(self, text: str) -> str:
        def sub(m: re.Match[str]) -> str:
            nxt = m.group(1).lower()
            stem = nxt[:-1] if nxt.endswith("s") else nxt
            return m.group(0) if nxt in self._saying or stem in self._saying else "the"

        return _VAGUE.sub(sub, text)

    def _read(self, texts: Sequence[str], reader: bool = True
              ) -> tuple[list[str], list[Any], np.ndarray]:
        from claimledger.analyzer import load_nlp
        from claimledger.neural.texts import hint_text
        from claimledger.pipeline.hedging import cue_marks

        texts = [proposition(self._neutral(str(t))) if reader else str(t) for t in texts]
        docs = list(load_nlp().pipe(texts, batch_size=64))
        hints = [hint_text(cue_marks(d)) for d in docs] if self._hints else None
        p = self.model.proba(texts, hints)[:, 1] if texts else np.zeros(0)
        return texts, docs, p.astype(np.float64)

    def score(self, texts: Sequence[str], spans: Sequence[Any] | None = None, *,
              reader: bool = True) -> np.ndarray:
        """The model's P(uncertain) of each sentence, before the cue rule of :meth:`assess`;
        ``reader=False`` scores the sentence as written (the Wikipedia notion it was trained on,
        vague quantities included)."""
        return self._read(texts, reader)[2]

    def assess(self, texts: Sequence[str]) -> list[tuple[str, list[Any]]]:
        """("certain" | "uncertain", the hedge cues) of each sentence."""
        from claimledger.pipeline.hedging import KINDS, UNVERIFIED, cue_marks, find_hedges

        out = []
        for text, doc, p in zip(*self._read(texts)):
            if not text.strip():
                out.append(("certain", []))
                continue
            ruled = any(k in KINDS or k == UNVERIFIED for _, k in cue_marks(doc))
            out.append(("uncertain" if ruled or p >= self.threshold else "certain",
                        find_hedges(doc)))
        return out


class LexicalJudge:
    """The fast engine's P(check-worthy): hashed words and the static embedding, no encoder
    (:mod:`claimledger.neural.hashed`); the same interface as :class:`SentenceJudge`."""

    def __init__(self, name: str) -> None:
        from claimledger.neural.hashed import HashedClassifier

        self.model = HashedClassifier.load(name)
        self.threshold = self.model.threshold

    def score(self, texts: Sequence[str], spans: Sequence[Any] | None = None) -> np.ndarray:
        return self.model.proba([proposition(str(t)) for t in texts])


@cache
def checkworthiness() -> SentenceJudge:
    return SentenceJudge("checkworthy")


@cache
def fast_checkworthiness() -> LexicalJudge:
    return LexicalJudge("checkworthy-fast")


@cache
def certainty() -> Certainty:
    return Certainty()
