"""BERT WordPiece over spaCy tokens: each token's wordpiece ids, cached per distinct token text.

It is the tokenizer of the encoder's ``vocab.txt`` (the uncased BERT normaliser and
pre-tokeniser of :mod:`claimledger.embeddings`, then greedy longest-match-first WordPiece), applied
token by token so that every spaCy token knows its wordpieces: a tagger labels spaCy tokens by their
first wordpiece. Whitespace tokens have none.
"""

from __future__ import annotations

from pathlib import Path

from claimledger.embeddings import _normalize, _pre_tokenize

_CACHE_LIMIT = 500_000


class WordPiece:
    """Greedy WordPiece with the BERT uncased normaliser; ``ids(word)`` is cached."""

    def __init__(self, vocab: list[str], *, lowercase: bool = True, max_chars: int = 100) -> None:
        self.vocab = {tok: i for i, tok in enumerate(vocab)}
        self.lowercase = lowercase
        self.max_chars = max_chars
        self.unk = self.vocab["[UNK]"]
        self.cls = self.vocab["[CLS]"]
        self.sep = self.vocab["[SEP]"]
        self.pad = self.vocab["[PAD]"]
        self._cache: dict[str, tuple[int, ...]] = {}

    @classmethod
    def from_file(cls, path: Path, **kwargs: bool | int) -> WordPiece:
        return cls(path.read_text(encoding="utf-8").splitlines(), **kwargs)  # type: ignore[arg-type]

    def ids(self, token: str) -> tuple[int, ...]:
        """The wordpiece ids of one spaCy token (empty for whitespace or ignorable characters)."""
        hit = self._cache.get(token)
        if hit is not None:
            return hit
        text = _normalize(token) if self.lowercase else token
        out: list[int] = []
        for word in _pre_tokenize(text):
            out.extend(self._word(word))
        ids = tuple(out)
        if len(self._cache) < _CACHE_LIMIT:
            self._cache[token] = ids
        return ids

    def _word(self, word: str) -> list[int]:
        if len(word) > self.max_chars:
            return [self.unk]
        pieces: list[int] = []
        start = 0
        while start < len(word):
            end = len(word)
            found = None
            while start < end:
                piece = word[start:end] if start == 0 else "##" + word[start:end]
                found = self.vocab.get(piece)
                if found is not None:
                    break
                end -= 1
            if found is None:
                return [self.unk]
            pieces.append(found)
            start = end
        return pieces
