"""Sentence-level tools behind `claimledger checkworthy` and `claimledger certainty`."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from claimledger.analyzer import load_nlp


def _batches(lines: Iterable[str], size: int) -> Iterator[list[str]]:
    batch: list[str] = []
    for line in lines:
        batch.append(line)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def checkworthiness(sentences: Iterable[str], batch_size: int = 256, engine: str = "accurate"
                    ) -> Iterator[tuple[float, bool]]:
    """(score, check-worthy?) for each sentence, in order; an empty line scores 0. ``engine``
    "accurate" reads the fine-tuned encoder, "fast" the hashed-word model without one."""
    from claimledger.analyzer import check_engine
    from claimledger.neural.judgments import checkworthiness as judge
    from claimledger.neural.judgments import fast_checkworthiness

    model = judge() if check_engine(engine) == "accurate" else fast_checkworthiness()
    for batch in _batches(sentences, batch_size):
        scores = model.score(batch)
        for line, s in zip(batch, scores):
            s = float(s) if line.strip() else 0.0
            yield s, bool(line.strip()) and s >= model.threshold


def certainty(sentences: Iterable[str], batch_size: int = 256) -> Iterator[tuple[str, list[str]]]:
    """("certain" | "uncertain", hedge cue texts) for each sentence, in order (see
    :class:`claimledger.neural.judgments.Certainty`)."""
    from claimledger.neural.judgments import certainty as judge

    model = judge()
    for batch in _batches(sentences, batch_size):
        for label, cues in model.assess(batch):
            yield label, [c.text for c in cues]
