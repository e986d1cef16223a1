"""Sentence-level tools behind `claimledger checkworthy` and `claimledger certainty`."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from claimledger.analyzer import load_nlp


def checkworthiness(sentences: Iterable[str], batch_size: int = 256) -> Iterator[tuple[float, bool]]:
    """(score, check-worthy?) for each sentence, in order; an empty line scores 0."""
    from claimledger.pipeline.checkworthy import CheckworthyModel

    model = CheckworthyModel.load()
    nlp = load_nlp()
    batch: list[str] = []

    def flush() -> Iterator[tuple[float, bool]]:
        docs = list(nlp.pipe(batch))
        scores = model.score(batch, [d[:] for d in docs])
        for s in scores:
            yield float(s), bool(s >= model.threshold)

    for line in sentences:
        batch.append(line)
        if len(batch) >= batch_size:
            yield from flush()
            batch = []
    if batch:
        yield from flush()


def certainty(sentences: Iterable[str], batch_size: int = 256) -> Iterator[tuple[str, list[str]]]:
    """("certain" | "uncertain", hedge cue texts) for each sentence, in order."""
    from claimledger.pipeline.hedging import sentence_certainty

    nlp = load_nlp()
    for doc in nlp.pipe(sentences, batch_size=batch_size):
        if not doc.text.strip():
            yield "certain", []
            continue
        label, cues = sentence_certainty(doc[:])
        yield label, [c.text for c in cues]
