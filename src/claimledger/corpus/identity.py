"""What makes two articles the same article: the hash of their normalised text."""

from __future__ import annotations

import hashlib
import re
import unicodedata

_SPACE = re.compile(r"\s+")
_FOLD = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-",
    "\u00ad": None, "\u200b": None, "\u200c": None, "\u200d": None, "\ufeff": None,
})


def normalise_text(text: str) -> str:
    """The text with typography and layout folded away: NFKC, straight quotes, plain hyphens,
    no soft hyphens or zero-width characters, runs of whitespace as one space, trimmed.

    Two copies of a story that differ only in how a CMS typeset them normalise to the same string.
    """
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", text).translate(_FOLD)).strip()


def article_id(text: str) -> str:
    """The store's id of an article: 16 bytes of sha256 over its normalised text, as hex."""
    return hashlib.sha256(normalise_text(text).encode("utf-8", "surrogatepass")).hexdigest()[:32]
