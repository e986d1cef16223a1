"""A tokenizer wrapper that keeps tokenization linear: long runs without a space become chunks.

spaCy's tokenizer strips prefixes and suffixes from a whitespace-free substring one at a time,
copying and re-hashing the rest each time, so 10,000 quote marks in a row take seconds and 100,000
take minutes; and the statistical pipeline then costs about as much per token again. No word,
URL or number of an article runs over ``MAX_RUN_CHARS`` characters without a space, so such a run
is cut into chunks of at most that many characters, each one token, and everything else is
tokenized by spaCy's own tokenizer exactly as before. ``doc.text`` is always the input text.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from spacy.tokens import Doc

MAX_RUN_CHARS = 500
# a maximal run of non-whitespace (as str.isspace, which is what spaCy splits on) over the bound;
# the lookbehind makes the regex try each run once, at its start
_LONG_RUN = re.compile(rf"(?<!\S)\S{{{MAX_RUN_CHARS + 1},}}")
_SAFE_CUT_LOOKBACK = 32  # how far a cut may move back to avoid splitting a character sequence
_JOINERS = frozenset("\u200d\u2060\u034f")  # zero-width joiner, word joiner, grapheme joiner


def _safe_cut(text: str, start: int, cut: int) -> int:
    """``cut``, moved back a little where it would separate a mark or joiner from its base."""
    for j in range(cut, max(start + 1, cut - _SAFE_CUT_LOOKBACK), -1):
        after, before = text[j], text[j - 1]
        if after not in _JOINERS and before not in _JOINERS and not unicodedata.category(
            after
        ).startswith("M"):
            return j
    return cut


def cut_run(text: str, start: int, end: int, limit: int = MAX_RUN_CHARS) -> list[str]:
    """``text[start:end]`` in consecutive pieces of at most ``limit`` characters."""
    pieces = []
    while end - start > limit:
        cut = _safe_cut(text, start, start + limit)
        pieces.append(text[start:cut])
        start = cut
    pieces.append(text[start:end])
    return pieces


class RunBoundedTokenizer:
    """Calls the wrapped spaCy tokenizer on everything but whitespace-free runs longer than
    ``MAX_RUN_CHARS``, which become tokens of at most that many characters.

    The text is cut only at run boundaries (the single space after a run stays with it, as
    spaCy's ``whitespace_``), so every other token, its whitespace and its attributes are the
    ones spaCy gives the whole text. Other attributes (``add_special_case``, ``explain``,
    ``infix_finditer`` ...) are the wrapped tokenizer's, read and set.
    """

    _OWN = ("tokenizer", "vocab")

    def __init__(self, tokenizer: Any) -> None:
        object.__setattr__(self, "tokenizer", tokenizer)
        object.__setattr__(self, "vocab", tokenizer.vocab)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name in self._OWN:  # unpickling: nothing set yet
            raise AttributeError(name)
        return getattr(self.tokenizer, name)

    def __setattr__(self, name: str, value: Any) -> None:
        if name in self._OWN:
            object.__setattr__(self, name, value)
        else:
            setattr(self.tokenizer, name, value)

    def __call__(self, text: str) -> Doc:
        runs = [(m.start(), m.end()) for m in _LONG_RUN.finditer(text)]
        if not runs:
            return self.tokenizer(text)
        docs = []
        pos = 0
        for start, end in runs:
            if start > pos:
                docs.append(self.tokenizer(text[pos:start]))
            pieces = cut_run(text, start, end)
            trailing_space = text.startswith(" ", end)
            spaces = [False] * (len(pieces) - 1) + [trailing_space]
            docs.append(Doc(self.vocab, words=pieces, spaces=spaces))
            pos = end + 1 if trailing_space else end
        if pos < len(text):
            docs.append(self.tokenizer(text[pos:]))
        if len(docs) == 1:
            return docs[0]
        return Doc.from_docs(docs, ensure_whitespace=False, exclude=("tensor",))

    def pipe(self, texts: Any, batch_size: int = 1000) -> Any:
        for text in texts:
            yield self(text)

    # serialisation is the wrapped tokenizer's, so a saved pipeline loads with plain spaCy
    def to_bytes(self, **kwargs: Any) -> bytes:
        return self.tokenizer.to_bytes(**kwargs)

    def from_bytes(self, data: bytes, **kwargs: Any) -> RunBoundedTokenizer:
        self.tokenizer.from_bytes(data, **kwargs)
        return self

    def to_disk(self, path: Any, **kwargs: Any) -> None:
        self.tokenizer.to_disk(path, **kwargs)

    def from_disk(self, path: Any, **kwargs: Any) -> RunBoundedTokenizer:
        self.tokenizer.from_disk(path, **kwargs)
        return self


def bound_runs(nlp: Any) -> None:
    """Wrap ``nlp.tokenizer`` in a RunBoundedTokenizer, once."""
    if not isinstance(nlp.tokenizer, RunBoundedTokenizer):
        nlp.tokenizer = RunBoundedTokenizer(nlp.tokenizer)
