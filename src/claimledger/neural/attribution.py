"""The trained attribution tagger at run time: a Doc's windows through the int8 ONNX encoder,
then the numpy heads (:mod:`claimledger.neural.heads`) and Viterbi decoding: cues first, then
the source and content of each cue. The result is the rule engine's ``RawAttribution`` records,
so source typing and resolution (:mod:`claimledger.pipeline.sources`) serve both engines."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
from spacy.tokens import Doc

from claimledger.neural import store
from claimledger.neural.assemble import dedupe, relation
from claimledger.neural.decode import log_softmax, runs, transitions, viterbi
from claimledger.neural.features import cue_relations, syntax, token_features
from claimledger.neural.heads import Heads
from claimledger.neural.windows import Window, windows
from claimledger.neural.wordpiece import WordPiece
from claimledger.pipeline.attribution import RawAttribution

NAME = "attribution"
# windows per encoder call: one, since the int8 encoder quantises its activations with ranges
# taken over the whole call, so a window batched with others was encoded differently (up to 0.53
# apart; frozen ranges instead cost the example ledgers a half-statistic). One at a time is no
# slower here (no padding) and scores PolNeAR dev linked F1 0.661 against 0.656 batched by 8.
BATCH = 1
MAX_CUES = 48  # per window (PolNeAR's densest window has 14): bounds the work on a hostile text


class AttributionTagger:
    """Loaded once per process (:meth:`load`)."""

    _instance: AttributionTagger | None = None
    _lock = threading.Lock()

    def __init__(self, base: Path | None = None) -> None:
        """The shipped model, or the model folder ``base`` (training scores an export with it)."""
        card = store.card(NAME) if base is None else store.card_of(base, NAME)
        base = base or store.folder(NAME)
        self.session = store.session(base / "encoder.onnx")
        self.wp = WordPiece.from_file(base / "vocab.txt")
        with np.load(base / "heads.npz") as w:
            self.heads = Heads({k: w[k] for k in w.files})
        self.cue_t = transitions(card["cue_tags"])
        self.role_t = transitions(card["role_tags"])
        self.n_tags = len(card["role_tags"])

    @classmethod
    def load(cls) -> AttributionTagger:
        with cls._lock:
            if cls._instance is None:
                cls._instance = cls()
            return cls._instance

    def encode(self, wins: Sequence[Window]) -> list[np.ndarray]:
        """Token vectors [T, H] of each window (read at each token's first wordpiece)."""
        out: list[np.ndarray | None] = [None] * len(wins)
        order = sorted(range(len(wins)), key=lambda i: -len(wins[i].ids))
        for k in range(0, len(order), BATCH):
            idx = order[k : k + BATCH]
            length = max(len(wins[i].ids) for i in idx)
            ids = np.full((len(idx), length), self.wp.pad, dtype=np.int64)
            mask = np.zeros((len(idx), length), dtype=np.int64)
            for r, i in enumerate(idx):
                n = len(wins[i].ids)
                ids[r, :n] = wins[i].ids
                mask[r, :n] = 1
            (hidden,) = self.session.run(["hidden"], {"input_ids": ids, "attention_mask": mask})
            for r, i in enumerate(idx):
                out[i] = hidden[r, wins[i].first]
        return out  # type: ignore[return-value]

    def __call__(self, doc: Doc) -> list[RawAttribution]:
        """Every attribution the model finds in ``doc``, in text order."""
        return self.tag(doc)[0]

    def tag(self, doc: Doc) -> tuple[list[RawAttribution], np.ndarray]:
        """The attributions in ``doc`` and the token vectors [len(doc), H] they were read from
        (zero for space tokens), which the span classifiers reuse."""
        # a window without two words holds no attribution: it is not encoded (runs of punctuation,
        # numbers or symbols cost nothing)
        alpha = syntax(doc).alpha
        wins = [w for w in windows(doc, self.wp) if int(alpha[w.tokens].sum()) >= 2]
        rels: list[RawAttribution] = []
        vectors = np.zeros((len(doc), self.heads.cue_w.shape[0]), dtype=np.float32)
        for win, h in zip(wins, self.encode(wins)):
            h = self.heads.tokens(h, token_features(doc, win))
            vectors[win.tokens] = h
            cue_lp = log_softmax(self.heads.cues(h))
            tags = viterbi(cue_lp, *self.cue_t)
            cues = runs(tags, 1, 2)[:MAX_CUES]
            if not cues:
                continue
            proj = self.heads.project(h)
            for cue in cues:
                out = self.heads.roles(proj, win.sent, cue, cue_relations(doc, win, *cue))
                lp = log_softmax(out[:, : self.n_tags])
                roles = viterbi(lp, *self.role_t)
                pointers = out[:, self.n_tags :] if out.shape[1] > self.n_tags else None
                rel = relation(doc, win, cue, roles, pointers=pointers)
                if rel is not None:
                    rels.append(replace(rel, confidence=_confidence(cue_lp, tags, cue, lp, roles)))
        return dedupe(rels), vectors


def _confidence(cue_lp: np.ndarray, cue_tags: np.ndarray, cue: tuple[int, int],
                role_lp: np.ndarray, roles: np.ndarray) -> float:
    """The mean probability of the cue's tags times that of the content's tags (the tokens
    tagged B-CON/I-CON), each as the model gave them."""
    f, last = cue
    pc = float(np.exp(cue_lp[np.arange(f, last + 1), cue_tags[f : last + 1]]).mean())
    content = np.flatnonzero(roles >= 3)
    pr = float(np.exp(role_lp[content, roles[content]]).mean()) if len(content) else 0.0
    return pc * pr
