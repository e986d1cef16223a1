"""Small classifiers over a span of an analysed Doc: the type of a source mention and the act
(speech, thought, stance) of an attribution's cue. Each reads the attribution tagger's token
vectors of the span (the encoder pass is already paid for) plus a few spelled-out features, and
is a multinomial logistic regression (``<name>/weights.npz``: mean, scale, coef, intercept)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from spacy.tokens import Doc

from claimledger.neural import store
from claimledger.pipeline.lexicons import words

SOURCE_TYPES = ("named_person", "named_organization", "anonymous", "vague", "not_a_source")
ACTS = ("speech", "thought", "stance")
_ENTS = ("PERSON", "ORG", "GPE", "NORP", "FAC", "LOC", "PRODUCT", "WORK_OF_ART", "LAW", "EVENT")
_HEAD_POS = ("NOUN", "PROPN", "PRON", "VERB", "ADJ", "DET", "NUM")
_QUANTIFIERS = frozenset(
    "a an some many most several few two three four five six dozens hundreds thousands "
    "numerous other others various multiple all both".split()
)


def span_vector(vectors: np.ndarray, first: int, last: int, head: int) -> np.ndarray:
    """Mean, first-token and head-token vectors of Doc tokens ``[first, last]``."""
    return np.concatenate([vectors[first : last + 1].mean(0), vectors[first], vectors[head]])


def mention_features(doc: Doc, first: int, last: int) -> tuple[np.ndarray, int]:
    """Spelled-out features of the mention ``doc[first:last+1]`` and the index of its head."""
    span = doc[first : last + 1]
    head = span.root
    f: list[float] = []
    f += [float(head.ent_type_ == e) for e in _ENTS]
    f.append(float(any(t.ent_type_ == "PERSON" for t in span)))
    f.append(float(any(t.ent_type_ in ("ORG", "GPE", "NORP") for t in span)))
    f += [float(head.pos_ == p) for p in _HEAD_POS]
    lemma = head.lemma_.lower()
    f.append(float(lemma in words("anonymous_nouns")))
    f.append(float(lemma in words("vague_nouns")))
    f.append(float(lemma in words("organization_nouns")))
    f.append(float(any(t.lower_ in words("titles") for t in span)))
    f.append(float(span[0].lower_ in _QUANTIFIERS))
    f.append(float(span[0].lower_ == "the"))
    f.append(float(head.tag_ in ("NNS", "NNPS")))
    f.append(min(sum(t.pos_ == "PROPN" for t in span), 4) / 4)
    f.append(min(len(span), 12) / 12)
    f.append(float(any(t.text[:1].isupper() for t in span if t.i != span.start)))
    f.append(float(any(t.dep_ == "appos" for t in span)))
    f.append(float(any(t.lower_ in ("anonymity", "condition", "familiar") for t in
                       doc[max(0, first - 2) : min(len(doc), last + 12)])))
    return np.asarray(f, dtype=np.float32), head.i


def cue_features(doc: Doc, first: int, last: int) -> tuple[np.ndarray, int]:
    """Spelled-out features of a cue ``doc[first:last+1]`` and the index of its head."""
    span = doc[first : last + 1]
    head = span.root
    f = [float(head.pos_ == p) for p in _HEAD_POS]
    f.append(float(head.lemma_.lower() in words("cue_verbs")))
    f.append(float(head.lemma_.lower() in words("cue_nouns")))
    f.append(float(any(c.dep_ in ("ccomp", "xcomp") for c in head.children)))
    f.append(float(any(c.dep_ == "dobj" for c in head.children)))
    f.append(float(any(t.lower_ == "according" for t in span)))
    f.append(float(any(t.text in "\"“”" for t in doc[max(0, first - 3) : last + 4])))
    return np.asarray(f, dtype=np.float32), head.i


class SpanClassifier:
    """A logistic regression over [span vectors, features] loaded from a model folder."""

    def __init__(self, name: str, labels: Sequence[str]) -> None:
        card = store.card(name)
        if tuple(card["labels"]) != tuple(labels):
            raise store.ModelError(f"the {name} model has labels {card['labels']}, expected "
                                   f"{list(labels)}; rebuild it")
        with np.load(store.folder(name) / "weights.npz") as w:
            self.mean, self.scale = w["mean"], w["scale"]
            self.coef, self.intercept = w["coef"], w["intercept"]
        self.labels = tuple(labels)

    def proba(self, x: np.ndarray) -> np.ndarray:
        z = ((x - self.mean) / self.scale) @ self.coef.T + self.intercept
        z = z - z.max(-1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(-1, keepdims=True)


def _token_range(doc: Doc, span: tuple[int, int]) -> tuple[int, int] | None:
    s = doc.char_span(span[0], span[1], alignment_mode="expand")
    if s is None or not len(s):
        return None
    return s.start, s.end - 1


class _ShippedClassifier:
    """A SpanClassifier loaded once per process; :meth:`load` gives None when its model folder
    is not shipped (the rules then decide)."""

    NAME = ""
    LABELS: tuple[str, ...] = ()
    _loaded: dict[str, _ShippedClassifier | None] = {}

    def __init__(self) -> None:
        self.clf = SpanClassifier(self.NAME, self.LABELS)

    @classmethod
    def load(cls):  # -> Self | None
        if cls.NAME not in cls._loaded:
            shipped = (store.folder(cls.NAME) / "card.json").exists()
            cls._loaded[cls.NAME] = cls() if shipped else None
        return cls._loaded[cls.NAME]


class ActModel(_ShippedClassifier):
    """speech / thought / stance of a cue (``models/acts``)."""

    NAME, LABELS = "acts", ACTS

    def act(self, doc: Doc, vectors: np.ndarray, cue: tuple[int, int]) -> str | None:
        span = _token_range(doc, cue)
        if span is None:
            return None
        feats, head = cue_features(doc, *span)
        x = np.concatenate([span_vector(vectors, *span, head), feats])
        return ACTS[int(self.clf.proba(x[None])[0].argmax())]


class SourceTyper(_ShippedClassifier):
    """The type of a source mention (``models/source-types``)."""

    NAME, LABELS = "source-types", SOURCE_TYPES

    def proba(self, doc: Doc, vectors: np.ndarray, mention: tuple[int, int]) -> dict[str, float]:
        span = _token_range(doc, mention)
        if span is None:
            return {}
        feats, head = mention_features(doc, *span)
        x = np.concatenate([span_vector(vectors, *span, head), feats])
        return dict(zip(SOURCE_TYPES, self.clf.proba(x[None])[0].tolist()))
