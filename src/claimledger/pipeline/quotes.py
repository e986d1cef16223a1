"""Find quoted passages in raw text: straight and curly, double and single, never across paragraphs.

A quote that is not closed before its paragraph ends stops at the end of that paragraph (news style
for quotes running over several paragraphs); an unbalanced mark never swallows the rest of the
article. Single quotes are only read as quote marks where they cannot be apostrophes.
"""

from __future__ import annotations

import heapq
import re
from bisect import bisect_left
from dataclasses import dataclass

_DOUBLE_OPEN = "“«„"
_DOUBLE_CLOSE = "”»"
_SINGLE_OPEN = "‘"
_SINGLE_CLOSE = "’"
_BEFORE_OPEN = set(" \t([{—–-/:;\"“«")
_AFTER_CLOSE = set(" \t)]},.;:!?—–-\"”»…")
_ELISION = re.compile(r"['‘’](?:\d\ds|em|til|tis|twas|n['’]?)\b", re.I)


@dataclass(frozen=True, slots=True)
class Quote:
    """A quoted passage: ``[start, end)`` includes the marks; ``closed`` is False for a quote cut
    at the end of its paragraph."""

    start: int
    end: int
    closed: bool

    @property
    def inner(self) -> tuple[int, int]:
        return (self.start + 1, self.end - 1 if self.closed else self.end)


def _paragraphs(text: str):
    start = 0
    for m in re.finditer(r"\n", text):
        if m.start() > start:
            yield start, m.start()
        start = m.end()
    if start < len(text):
        yield start, len(text)


def _is_single_open(text: str, i: int, line_start: int) -> bool:
    ch = text[i]
    if ch not in "'‘":
        return False
    before = text[i - 1] if i > line_start else " "
    after = text[i + 1] if i + 1 < len(text) else " "
    if before not in _BEFORE_OPEN or after.isspace():
        return False
    return not _ELISION.match(text, i)


def _is_single_close(text: str, i: int, line_end: int) -> bool:
    ch = text[i]
    if ch not in "'’":
        return False
    before = text[i - 1] if i > 0 else " "
    after = text[i + 1] if i + 1 < line_end else " "
    if before.isspace():
        return False
    if before.isalnum() and after.isalnum():  # don't, Trump’s
        return False
    return after in _AFTER_CLOSE or after.isspace()


def find_quotes(text: str, *, min_chars: int = 2) -> list[Quote]:
    """Top-level quotations of ``text`` in order; nested quotes are inside their parent."""
    quotes: list[Quote] = []
    open_before = False
    for p_start, p_end in _paragraphs(text):
        found = _scan_paragraph(text, p_start, p_end)
        if open_before and not _opens_with_quote(text, p_start, p_end):
            carried = _carried_close(text, p_start, p_end, found)
            if carried is not None:
                found = [carried] + [q for q in found if q.start >= carried.end]
        quotes.extend(found)
        open_before = bool(found) and not found[-1].closed
    return [q for q in quotes if q.end - q.start >= min_chars + 1]


def _scan_paragraph(text: str, start: int, end: int) -> list[Quote]:
    out: list[Quote] = []
    uses_double = any(c in text[start:end] for c in _DOUBLE_OPEN + _DOUBLE_CLOSE + '"')
    single_closes: _SingleCloses | None = None
    i = start
    while i < end:
        ch = text[i]
        if text.startswith("''", i) and (i == start or not text[i - 1].isalnum() or
                                         text[i - 1] in ".,!?"):
            # two apostrophes standing for a double quote mark (some archives print quotes so)
            close = text.find("''", i + 2, end)
            if close < 0:
                out.append(Quote(i, rstrip_space(text, i, end), False))
                return out
            out.append(Quote(i, close + 2, True))
            i = close + 2
            continue
        if ch in _DOUBLE_OPEN or ch == '"':
            close = _find_double_close(text, i + 1, end, straight=(ch == '"'))
            if close is None:
                out.append(Quote(i, rstrip_space(text, i, end), False))
                return out
            if close < 0:  # another quote opens first: this one ends, unclosed, before it
                out.append(Quote(i, rstrip_space(text, i, -close), False))
                i = -close
                continue
            out.append(Quote(i, close + 1, True))
            i = close + 1
            continue
        if _is_single_open(text, i, start):
            if single_closes is None:
                single_closes = _SingleCloses(text, start, end)
            close = single_closes.first_from(i + 1)
            if close is not None:
                out.append(Quote(i, close + 1, True))
                i = close + 1
                continue
            # an unclosed single quote only counts where single quotes are the quote marks
            if not uses_double:
                out.append(Quote(i, rstrip_space(text, i, end), False))
                return out
        i += 1
    return out


def _opens_with_quote(text: str, start: int, end: int) -> bool:
    stripped = text[start:end].lstrip()
    return bool(stripped) and stripped[0] in _DOUBLE_OPEN + _SINGLE_OPEN + "\"'"


def _carried_close(text: str, start: int, end: int, found: list[Quote]) -> Quote | None:
    """A paragraph that goes on with the previous paragraph's open quote and closes it."""
    first_open = found[0].start if found else end
    for j in range(start, end):
        if j >= first_open:
            break
        c = text[j]
        if c in _DOUBLE_CLOSE or (c in "'’" and _is_single_close(text, j, end) and j + 1 >= end - 1):
            return Quote(start, j + 1, True)
        if c in _DOUBLE_CLOSE:
            return Quote(start, j + 1, True)
    return None


def rstrip_space(text: str, start: int, end: int) -> int:
    """``end`` moved back over whitespace, keeping at least ``text[start]``."""
    while end > start + 1 and text[end - 1].isspace():
        end -= 1
    return end


def _find_double_close(text: str, i: int, end: int, *, straight: bool) -> int | None:
    """Index of the closing mark; ``-j`` when a new opening mark at ``j`` comes first."""
    for j in range(i, end):
        c = text[j]
        if c in _DOUBLE_CLOSE or c == '"':
            return j
        if not straight and c in _DOUBLE_OPEN:
            return -j
    return None


class _SingleCloses:
    """The closing single quote for each opening one of a paragraph, in linear time overall.

    From an opening mark at ``s - 1``, the close is the first ``j >= s`` where ``_is_single_close``
    holds and no double quote opened after ``s`` is still open (a close without an open one does
    not count). Scanning forward from every opening mark is quadratic in quote soup (``"a" ‘x ‘x
    ...``); instead, with ``level(t)`` the double opens minus closes before ``t``, the open count at
    ``j`` seen from ``s`` is ``level(j) - min(level[s..j])``, so ``j`` is the close for every ``s``
    after ``left(j)``, the last ``t < j`` with ``level(t) < level(j)``. Queries must come in
    increasing order of ``s``, as ``_scan_paragraph`` makes them.
    """

    def __init__(self, text: str, start: int, end: int) -> None:
        last_at: dict[int, int] = {}  # level -> the last position seen at that level
        level = 0
        by_left: list[tuple[int, int]] = []  # (left(j), j) for every possible close j
        for j in range(start, end):
            last_at[level] = j
            c = text[j]
            if c in _DOUBLE_OPEN:
                level += 1
            elif c in _DOUBLE_CLOSE:
                level -= 1
            elif c in "'’" and _is_single_close(text, j, end):
                by_left.append((last_at.get(level - 1, -1), j))
        by_left.sort()
        self._by_left = by_left
        self._next = 0
        self._open: list[int] = []  # a heap of the closes valid for the latest query

    def first_from(self, s: int) -> int | None:
        """The first valid close at or after ``s``, or ``None``."""
        while self._next < len(self._by_left) and self._by_left[self._next][0] < s:
            heapq.heappush(self._open, self._by_left[self._next][1])
            self._next += 1
        while self._open and self._open[0] < s:
            heapq.heappop(self._open)
        return self._open[0] if self._open else None


class QuoteIndex:
    """The quotes of a text (in order, not overlapping) with fast lookups by position."""

    def __init__(self, quotes: list[Quote]) -> None:
        self.quotes = quotes
        self._starts = [q.start for q in quotes]

    def __iter__(self):
        return iter(self.quotes)

    def __len__(self) -> int:
        return len(self.quotes)

    def overlapping(self, start: int, end: int) -> list[Quote]:
        """Quotes sharing at least one character with ``[start, end)``."""
        i = bisect_left(self._starts, end)
        out = []
        while i > 0 and self.quotes[i - 1].end > start:
            i -= 1
            out.append(self.quotes[i])
        out.reverse()
        return out

    def starting_in(self, start: int, end: int) -> list[Quote]:
        """Quotes whose opening mark lies in ``[start, end)``."""
        return self.quotes[bisect_left(self._starts, start) : bisect_left(self._starts, end)]

    def containing(self, char: int) -> Quote | None:
        """The quote strictly around position ``char``, if any."""
        for q in self.overlapping(char, char + 1):
            if q.start < char < q.end:
                return q
        return None
