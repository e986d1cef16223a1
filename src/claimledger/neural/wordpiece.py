"""BERT WordPiece over spaCy tokens: each token's wordpiece ids, cached per distinct token text.

It is the tokenizer of the encoder's ``vocab.txt`` (the uncased BERT normaliser and
pre-tokeniser, as the ``tokenizers`` library has them, then greedy longest-match-first WordPiece), applied
token by token so that every spaCy token knows its wordpieces: a tagger labels spaCy tokens by their
first wordpiece. Whitespace tokens have none.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

_CACHE_LIMIT = 500_000

# ASCII fast path: after lowercasing, a BERT pre-token is a run of letters/digits or one ASCII
# punctuation character (string.punctuation); ASCII control characters are dropped beforehand.
ASCII_TOKENS = re.compile(r"[a-z0-9]+|[!-/:-@\[-`{-~]")
ASCII_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
ASCII_PUNCT = frozenset(chr(c) for c in range(33, 127) if not chr(c).isalnum())


def is_chinese(cp: int) -> bool:
    return (
        0x4E00 <= cp <= 0x9FFF
        or 0x3400 <= cp <= 0x4DBF
        or 0x20000 <= cp <= 0x2A6DF
        or 0x2A700 <= cp <= 0x2B73F
        or 0x2B740 <= cp <= 0x2B81F
        or 0x2B920 <= cp <= 0x2CEAF
        or 0xF900 <= cp <= 0xFAFF
        or 0x2F800 <= cp <= 0x2FA1F
    )


def normalize(text: str) -> str:
    """BertNormalizer(clean_text, handle_chinese_chars, strip_accents, lowercase) for any text."""
    out = []
    for c in text:
        cp = ord(c)
        if c in "\t\n\r":
            out.append(" ")
            continue
        if cp == 0 or cp == 0xFFFD or unicodedata.category(c)[0] == "C":
            continue
        if c.isspace():
            out.append(" ")
        elif is_chinese(cp):
            out.append(f" {c} ")
        else:
            out.append(c)
    text = "".join(out)
    text = "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")
    # tokenizers lowercases character by character (no final-sigma rule)
    return "".join(c.lower() for c in text) if "Σ" in text else text.lower()


def pre_tokenize(text: str) -> list[str]:
    """BertPreTokenizer: split on whitespace, and every punctuation character is its own token."""
    words: list[str] = []
    cur: list[str] = []
    for c in text:
        if c.isspace():
            if cur:
                words.append("".join(cur))
                cur = []
        elif c in ASCII_PUNCT or unicodedata.category(c)[0] == "P":
            if cur:
                words.append("".join(cur))
                cur = []
            words.append(c)
        else:
            cur.append(c)
    if cur:
        words.append("".join(cur))
    return words



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
        text = normalize(token) if self.lowercase else token
        out: list[int] = []
        for word in pre_tokenize(text):
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
