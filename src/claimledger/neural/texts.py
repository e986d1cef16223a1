"""Fine-tuned text classifiers at run time: a sentence (check-worthiness, certainty) or a pair of
texts (stance: a claim and a headline or the sentences of a body that bear on it) through an int8
ONNX encoder, mean-pooled, then a numpy linear head.

    >>> TextClassifier.load("checkworthy").proba(["Unemployment fell to 4% last year."])

A model folder ``claimledger/models/<name>/`` holds ``encoder.onnx``, ``head.npz`` (``w`` [H, C],
``b`` [C]), ``vocab.txt`` and ``card.json`` (labels, the decision threshold, how it was trained and
what it scored). The wordpieces of a text are those of its whitespace-separated words (BERT's
uncased normaliser and WordPiece, cached per word), cut to the card's ``max_len``; a pair is
``[CLS] a [SEP] b [SEP]`` with ``a`` cut to ``max_first`` wordpieces and ``b`` filling the rest.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from claimledger.neural import store
from claimledger.neural.wordpiece import WordPiece

# Texts per encoder run. An int8 encoder of ``quantize_dynamic`` measures its activation ranges on
# each run, over the whole batch: a text scored beside others came out up to 0.12 apart from the
# same text alone (5 of 400 CT24 dev decisions flipped; tests/test_judgments.py checks it), so such
# an encoder runs one text at a time. An encoder whose ranges are frozen
# (:mod:`claimledger.neural.train.freeze`, ``card["activations"]``) gives every text its own
# vectors in any batch, and runs BATCH at a time.
BATCH = 32
MAX_WASTE = 0.15  # padding, as a share of a batch's wordpieces


def text_ids(wp: WordPiece, text: str, limit: int) -> list[int]:
    """The wordpiece ids of ``text`` (at most ``limit``), word by word."""
    out: list[int] = []
    for word in text.split():
        out.extend(wp.ids(word))
        if len(out) >= limit:
            return out[:limit]
    return out


def encode(wp: WordPiece, text: str, pair: str | None, max_len: int, max_first: int) -> list[int]:
    """``[CLS] text [SEP]`` or ``[CLS] text [SEP] pair [SEP]`` within ``max_len`` wordpieces."""
    if pair is None:
        return [wp.cls, *text_ids(wp, text, max_len - 2), wp.sep]
    a = text_ids(wp, text, max_first)
    b = text_ids(wp, pair, max_len - 3 - len(a))
    return [wp.cls, *a, wp.sep, *b, wp.sep]


def batches(seqs: Sequence[Sequence[int]], pad: int, size: int, waste: float = MAX_WASTE):
    """(positions, ids, mask) batches of at most ``size`` texts of similar lengths: sorted by
    length, a batch closes before its padding would exceed ``waste`` of its wordpieces (padded
    positions cost as much as real ones: an article's claims, 5 to 96 wordpieces, ran 1.4x slower
    in plain batches of 32 than one at a time, and 1.5x faster with this bound)."""
    order = sorted(range(len(seqs)), key=lambda i: len(seqs[i]))
    k = 0
    while k < len(order):
        j, total = k + 1, len(seqs[order[k]])
        while j < len(order) and j - k < size:
            n = len(seqs[order[j]])
            if (j - k + 1) * n > (1 + waste) * (total + n):
                break
            total += n
            j += 1
        idx = order[k:j]
        k = j
        length = max(len(seqs[i]) for i in idx)
        ids = np.full((len(idx), length), pad, dtype=np.int64)
        mask = np.zeros((len(idx), length), dtype=np.int64)
        for r, i in enumerate(idx):
            ids[r, : len(seqs[i])] = seqs[i]
            mask[r, : len(seqs[i])] = 1
        yield idx, ids, mask


def mean_pool(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    m = mask[..., None].astype(hidden.dtype)
    return (hidden * m).sum(1) / np.maximum(m.sum(1), 1.0)


def softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(-1, keepdims=True)


# -- the sentences of a body that bear on a claim -------------------------------------------------

_SENT_END = re.compile(r"(?<=[.!?])[\"'”’)\]]*\s+(?=[\"'“‘(\[]?[A-Z0-9])")
_WORD = re.compile(r"[^\W_]+")
_STOP = frozenset("""a an the of to in on at for by with from and or but is are was were be been
being it its this that these those as has have had do does did not no will would can could may
might than then so such he she they we you i his her their our your him them us me who whom which
what when where why how all any some more most other into over after before about up down out off
said says say also just only very there here""".split())
MAX_BODY_SENTENCES = 200
MAX_BODY_CHARS = 100_000


def body_sentences(body: str) -> list[str]:
    """The sentences of a body (paragraph breaks and sentence ends), at most 200 of the first
    100,000 characters."""
    out: list[str] = []
    for para in body[:MAX_BODY_CHARS].split("\n"):
        para = " ".join(para.split())
        if para:
            out.extend(s for s in _SENT_END.split(para) if s.strip())
        if len(out) >= MAX_BODY_SENTENCES:
            break
    return out[:MAX_BODY_SENTENCES]


def _content(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if w not in _STOP and len(w) > 1}


def bearing(claim: str, body: str, budget_words: int = 160) -> str:
    """The body cut to the sentences that bear on the claim: the first sentence, then those that
    share the most content words with the claim (by share of the claim's words), kept in body
    order, within about ``budget_words`` words."""
    sents = body_sentences(body)
    if not sents:
        return ""
    want = _content(claim)
    scores = [len(want & _content(s)) / max(1, len(want)) for s in sents]
    chosen = {0}
    words = len(sents[0].split())
    for i in sorted(range(1, len(sents)), key=lambda i: (-scores[i], i)):
        if scores[i] <= 0 or words >= budget_words:
            break
        chosen.add(i)
        words += len(sents[i].split())
    return " ".join(sents[i] for i in sorted(chosen))


def hint_text(marks: Sequence[tuple[str, str]]) -> str:
    """The hedge lexicon's cues and markers of a sentence as the second text of the certainty
    model's input: "epistemic may ; evidential alleged", or "none"."""
    return " ; ".join(f"{kind} {text}" for text, kind in marks) or "none"


class TextClassifier(store.LoadedOnce):
    """A shipped text classifier, loaded once per process and name (:meth:`load`)."""

    _instances: dict[str, TextClassifier] = {}

    def __init__(self, name: str, base: Path | None = None) -> None:
        self.name = name
        self.card = store.card(name) if base is None else store.card_of(base, name)
        base = base or store.folder(name)
        self.session = store.session(base / "encoder.onnx")
        self.wp = WordPiece.from_file(base / "vocab.txt")
        with np.load(base / "head.npz") as w:
            self.w, self.b = w["w"].astype(np.float32), w["b"].astype(np.float32)
        self.labels: list[str] = list(self.card["labels"])
        self.max_len = int(self.card["max_len"])
        self.max_first = int(self.card.get("max_first", self.max_len))
        self.threshold = float(self.card.get("threshold", 0.5))
        self.batch = BATCH if self.card.get("activations") else 1

    def proba(self, texts: Sequence[str], pairs: Sequence[str] | None = None) -> np.ndarray:
        """P(label) [N, C] for each text (or (text, pair) pair)."""
        seqs = [encode(self.wp, t, None if pairs is None else pairs[i], self.max_len,
                       self.max_first) for i, t in enumerate(texts)]
        out = np.zeros((len(seqs), len(self.labels)), dtype=np.float32)
        for idx, ids, mask in batches(seqs, self.wp.pad, self.batch):
            (hidden,) = self.session.run(["hidden"], {"input_ids": ids, "attention_mask": mask})
            out[idx] = softmax(mean_pool(hidden, mask) @ self.w + self.b)
        return out
