"""Static sentence embeddings: a sentence is the normalised mean of its WordPiece tokens' vectors.

The model (``claimledger/models/minilm_static/``, 29,525 tokens x 256 dims, float16, about 15 MB)
is a model2vec distillation of sentence-transformers/all-MiniLM-L6-v2, built by
``scripts/build_static_embeddings.py`` (see ``models/NOTICE-minilm.txt``). It is stored in
model2vec's format, but read here with numpy and the standard library alone: no torch, no
model2vec, no ``tokenizers``. The tokenizer below re-implements the parts of the Hugging Face
``tokenizers`` BERT pipeline the model uses (``BertNormalizer`` with lowercasing and accent
stripping, ``BertPreTokenizer``, ``WordPiece``); the build script checks that it yields the same
token ids and vectors as ``model2vec.StaticModel.encode`` on ~23,000 debate sentences and a set of
odd Unicode strings. As in model2vec, unknown tokens are dropped, input is cut at 512 tokens and a
sentence without any known token embeds as the zero vector.

    >>> from claimledger.neural.embeddings import encode
    >>> encode(["Unemployment fell to 3.9% in March."]).shape
    (1, 256)
"""

from __future__ import annotations

import json
import re
import struct
import unicodedata
from collections.abc import Sequence
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

import numpy as np

MODEL_PACKAGE = "claimledger"
MODEL_DIR = ("models", "minilm_static")
MAX_TOKENS = 512  # model2vec's default truncation
_WORD_CACHE_LIMIT = 200_000

from claimledger.neural.wordpiece import (  # noqa: E402
    ASCII_CONTROL as _ASCII_CONTROL,
    ASCII_PUNCT as _ASCII_PUNCT,
    ASCII_TOKENS as _ASCII_TOKENS,
    normalize as _normalize,
    pre_tokenize as _pre_tokenize,
)


class StaticEmbeddings:
    """A model2vec static model: WordPiece vocabulary plus one vector per token."""

    def __init__(
        self,
        vocab: dict[str, int],
        vectors: np.ndarray,
        unk_token: str = "[UNK]",
        prefix: str = "##",
        max_input_chars_per_word: int = 100,
        normalize: bool = True,
    ) -> None:
        if len(vocab) != len(vectors):
            raise ValueError(f"{len(vocab)} tokens but {len(vectors)} vectors")
        self.vocab = vocab
        self.vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        self.unk_id = vocab.get(unk_token)
        self.prefix = prefix
        self.max_chars = max_input_chars_per_word
        self.normalize = normalize
        self._words: dict[str, tuple[int, ...]] = {}

    @property
    def dim(self) -> int:
        return int(self.vectors.shape[1])

    @classmethod
    def from_dir(cls, path: Path | Traversable) -> StaticEmbeddings:
        """Load ``config.json``, ``tokenizer.json`` and ``model.safetensors`` from a folder."""
        config = json.loads((path / "config.json").read_text(encoding="utf-8"))
        tok = json.loads((path / "tokenizer.json").read_text(encoding="utf-8"))
        model = tok["model"]
        if model.get("type") != "WordPiece" or (tok.get("normalizer") or {}).get("type") != (
            "BertNormalizer"
        ):
            raise ValueError("only BERT WordPiece static models are supported")
        norm = tok["normalizer"]
        if not (
            norm.get("lowercase") and norm.get("clean_text") and norm.get("handle_chinese_chars")
        ):
            raise ValueError("only the uncased BERT normalizer is supported")
        if norm.get("strip_accents") is False:
            raise ValueError("only the accent-stripping BERT normalizer is supported")
        vectors = _read_safetensors((path / "model.safetensors").read_bytes(), "embeddings")
        return cls(
            vocab=dict(model["vocab"]),
            vectors=vectors,
            unk_token=model.get("unk_token", "[UNK]"),
            prefix=model.get("continuing_subword_prefix", "##"),
            max_input_chars_per_word=model.get("max_input_chars_per_word", 100),
            normalize=bool(config.get("normalize", True)),
        )

    # -- tokenisation ---------------------------------------------------------------------------

    def _wordpiece(self, word: str) -> tuple[int, ...]:
        ids = self._words.get(word)
        if ids is not None:
            return ids
        vocab = self.vocab
        unk = (self.unk_id,) if self.unk_id is not None else ()
        if len(word) > self.max_chars:
            ids = unk
        else:
            pieces = []
            start = 0
            n = len(word)
            while start < n:
                end = n
                found = None
                while start < end:
                    sub = word[start:end] if start == 0 else self.prefix + word[start:end]
                    found = vocab.get(sub)
                    if found is not None:
                        break
                    end -= 1
                if found is None:
                    pieces = list(unk)
                    break
                pieces.append(found)
                start = end
            ids = tuple(pieces)
        if len(self._words) < _WORD_CACHE_LIMIT:
            self._words[word] = ids
        return ids

    def token_ids(self, text: str) -> list[int]:
        """Token ids as model2vec uses them: truncated to 512 tokens, unknown tokens removed."""
        if text.isascii():
            text = _ASCII_CONTROL.sub("", text).lower()
            words = _ASCII_TOKENS.findall(text)
        else:
            words = _pre_tokenize(_normalize(text))
        ids: list[int] = []
        for w in words:
            ids.extend(self._wordpiece(w))
            if len(ids) >= MAX_TOKENS:
                del ids[MAX_TOKENS:]
                break
        if self.unk_id is not None:
            ids = [i for i in ids if i != self.unk_id]
        return ids

    # -- encoding -------------------------------------------------------------------------------

    def encode(self, sentences: Sequence[str]) -> np.ndarray:
        """One float32 row per sentence: the mean of its token vectors, L2-normalised."""
        if isinstance(sentences, str):
            raise TypeError("encode() takes a list of sentences, not a string")
        out = np.zeros((len(sentences), self.dim), dtype=np.float32)
        vectors = self.vectors
        for row, text in enumerate(sentences):
            ids = self.token_ids(text)
            if ids:
                # a gather and a sum per sentence beats one big reduceat over the batch
                out[row] = vectors[ids].sum(axis=0) / len(ids)
        if self.normalize:
            norms = np.linalg.norm(out, axis=1, keepdims=True)
            np.divide(out, norms, out=out, where=norms > 0)
        return out


def _read_safetensors(data: bytes, name: str) -> np.ndarray:
    """One tensor of a .safetensors file (an 8-byte header length, a JSON header, raw data)."""
    dtypes = {"F16": np.float16, "F32": np.float32, "F64": np.float64}
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + n])
    info = header[name]
    if info["dtype"] not in dtypes:
        raise ValueError(f"unsupported tensor dtype {info['dtype']}")
    begin, end = info["data_offsets"]
    raw = data[8 + n + begin : 8 + n + end]
    return np.frombuffer(raw, dtype=np.dtype(dtypes[info["dtype"]]).newbyteorder("<")).reshape(
        info["shape"]
    )


def model_path() -> Traversable:
    """The packaged model folder."""
    path = resources.files(MODEL_PACKAGE)
    for part in MODEL_DIR:
        path = path / part
    return path


@cache
def load() -> StaticEmbeddings:
    """The packaged static model, loaded once per process."""
    return StaticEmbeddings.from_dir(model_path())


def encode(sentences: Sequence[str]) -> np.ndarray:
    """Embed sentences with the packaged model: shape (len(sentences), 256), float32, rows of norm 1
    (the zero vector for a sentence with no known token, e.g. an empty string)."""
    return load().encode(sentences)


def dim() -> int:
    return load().dim
