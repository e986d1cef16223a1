"""Generators of hostile inputs and the checks every ledger must pass, shared by the property
tests (tests/test_properties.py, through hypothesis) and the fuzz benchmark (benchmarks/fuzz.py,
through a seeded ``random.Random``).

A generator draws through a *picker*: ``choice(seq)`` and ``integer(lo, hi)`` (both ends
included). ``RandomPicker`` draws from a seeded Random; ``HypothesisPicker`` draws from a
hypothesis ``draw``, so that hypothesis can shrink a failing input to a small one.
"""

from __future__ import annotations

import gzip
import json
import random
from collections.abc import Callable, Sequence
from typing import Any, Protocol, TypeVar

import jsonschema

import claimledger.schema
from claimledger.model import Ledger

T = TypeVar("T")


class Picker(Protocol):
    def choice(self, options: Sequence[T]) -> T: ...

    def integer(self, lo: int, hi: int) -> int: ...


class RandomPicker:
    """Draws from a seeded ``random.Random``."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def choice(self, options: Sequence[T]) -> T:
        return options[self.rng.randrange(len(options))]

    def integer(self, lo: int, hi: int) -> int:
        return self.rng.randint(lo, hi)


class HypothesisPicker:
    """Draws through hypothesis (``draw`` of an ``@st.composite`` or ``st.data()``)."""

    def __init__(self, draw: Callable[[Any], Any]) -> None:
        from hypothesis import strategies as st

        self.draw = draw
        self.st = st

    def choice(self, options: Sequence[T]) -> T:
        return self.draw(self.st.sampled_from(options))

    def integer(self, lo: int, hi: int) -> int:
        return self.draw(self.st.integers(lo, hi))


# -- article text -------------------------------------------------------------------------------

WORDS = (
    "the port would reopen on Monday minister officials police it a report claims that may "
    "allegedly video evidence shows 12% $5 million 2026 not deny warned storm bridge closed "
    "U.S. can't O'Neil's rock'n'roll e.g. 3.5 km/h #tag @user https://ex.example/a?b=1 "
    "said says told according to"
).split()
NAMES = (
    "Maria Lopez", "Ada Quist", "the minister", "Officials", "A spokesman", "Sources", "Reuters",
    "the UN", "He", "She", "They", "Dr. Ng", "Jean-Luc O'Neil", "one official", "Critics",
    "The Ministry of Defence", "Analysts", "it", "Who", "\"", "“", "'s",
)
CUES = (
    "said", "says", "told reporters", "according to", "claimed", "added", "said that", "warned",
    "denied", "wrote:", "said:", "tweeted", "believes", "is confident that", "'s claim that",
)
QUOTE_MARKS = ('"', "'", "“", "”", "‘", "’", "«", "»", "„", "''", "‹", "›", "「", "」", "``")
PUNCTUATION = tuple('"\'“”‘’()[]{}!?$%&*-—.,;:/\\#@<>…–_|~^+=`')
SEPARATORS = (
    " ", " ", " ", "", "\n", "\n\n", "\t", "\r\n", "\r", "\u00a0", "\u2028", "\u2029",
    "\u3000", "\x0b", "\x0c", "\x1c", "\x85", "  ",
)
ODD = (
    "\x00", "\ufeff", "\u200b", "\u200d", "\u0301", "\u202e", "\u200f", "\ufffd", "\x7f",
    "\x1b[31m", "👍🏽", "👨‍👩‍👧", "🇺🇳", "שלום", "مرحبا", "Ⅻ", "ﬁ", "ǅ", "İ", "ß", "e\u0301",
    "\u0300\u0301\u0302\u0303", "中文新闻", "ＡＢＣ", "\U000e0001", "\uffff", "\U0010ffff",
    "\x01\x02",
)


def _quoted(p: Picker) -> str:
    open_mark, close_mark = p.choice(QUOTE_MARKS), p.choice(QUOTE_MARKS)
    inner = " ".join(p.choice(WORDS) for _ in range(p.integer(0, 8)))
    return f"{open_mark}{inner}{close_mark if p.integer(0, 3) else ''}"


def _statement(p: Picker) -> str:
    name, cue = p.choice(NAMES), p.choice(CUES)
    words = " ".join(p.choice(WORDS) for _ in range(p.integer(1, 8)))
    body = _quoted(p) if p.integer(0, 1) else words
    if p.integer(0, 1):
        return f"{name} {cue} {body}{p.choice(('.', '', ',', '?', '!'))}"
    return f"{body}, {cue} {name}."


def _punctuation_run(p: Picker) -> str:
    if p.integer(0, 1):
        return p.choice(PUNCTUATION) * p.integer(1, 1500)
    return "".join(p.choice(PUNCTUATION) for _ in range(p.integer(1, 600)))


def _character(p: Picker) -> str:
    kind = p.integer(0, 3)
    if kind == 0:
        return chr(p.integer(0xD800, 0xDFFF))  # a lone surrogate
    if kind == 1:
        return chr(p.integer(0, 0x7F))
    if kind == 2:
        return chr(p.integer(0x80, 0xFFFF))
    return chr(p.integer(0x10000, 0x10FFFF))


def _nesting(p: Picker) -> str:
    open_mark, close_mark = p.choice((("(", ")"), ("[", "]"), ("{", "}"), ("“", "”"), ("‘", "’")))
    depth = p.integer(1, 400)
    inner = p.choice(WORDS)
    closing = close_mark * (depth if p.integer(0, 1) else p.integer(0, depth))
    gap = p.choice(("", " "))
    return gap.join([open_mark] * depth) + inner + gap.join(closing)


def _long_word(p: Picker) -> str:
    return p.choice(("a", "ab", "Z", "1", "é", "字", "a'")) * p.integer(100, 3000)


FRAGMENTS: tuple[Callable[[Picker], str], ...] = (
    lambda p: p.choice(WORDS),
    lambda p: p.choice(WORDS),
    lambda p: p.choice(NAMES),
    lambda p: p.choice(CUES),
    lambda p: p.choice(QUOTE_MARKS),
    lambda p: p.choice(PUNCTUATION),
    lambda p: p.choice(ODD),
    _quoted,
    _statement,
    _statement,
    _punctuation_run,
    _character,
    _nesting,
    _long_word,
    lambda p: p.choice(SEPARATORS) * p.integer(1, 300),
)


def article_text(p: Picker, max_fragments: int = 30) -> str:
    """A text of words, names with cues, quote marks, punctuation runs, odd characters and line
    breaks, glued by varied whitespace (or none)."""
    parts = []
    for _ in range(p.integer(0, max_fragments)):
        parts.append(p.choice(FRAGMENTS)(p))
        parts.append(p.choice(SEPARATORS))
    return "".join(parts)


# -- bytes for the readers ----------------------------------------------------------------------

BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")
SUFFIXES = (".txt", ".html", ".htm", ".jsonl", ".jsonl.gz", ".json", ".warc", ".warc.gz", ".xml",
            ".rss", ".gz", "")


def _random_bytes(p: Picker) -> bytes:
    return bytes(p.integer(0, 255) for _ in range(p.integer(0, 300)))


def _encoded_text(p: Picker) -> bytes:
    text = article_text(p, 8)
    encoding = p.choice(
        ("utf-8", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "latin-1", "cp1252")
    )
    data = text.encode(encoding, "surrogatepass" if encoding.startswith("utf") else "replace")
    return (p.choice(BOMS) if p.integer(0, 2) == 0 else b"") + data


def _json_value(p: Picker) -> Any:
    kind = p.integer(0, 9)
    if kind == 0:
        return None
    if kind == 1:
        return p.choice((0, -1, 2**63, -(2**63) - 1, 10**40, 1.5, float("1e308")))
    if kind == 2:
        return [article_text(p, 3)]
    if kind == 3:
        return {"text": article_text(p, 3)}
    if kind == 4:
        return p.choice((True, False))
    return article_text(p, 6)


def _jsonl(p: Picker) -> bytes:
    lines = []
    for _ in range(p.integer(0, 6)):
        kind = p.integer(0, 5)
        if kind == 0:
            lines.append(_random_bytes(p))
            continue
        if kind == 1:
            lines.append(b'{"text": "\\ud800 said \\u0000 \\udfff\\ud83d", "url": "\\ud800"}')
            continue
        record = {
            key: _json_value(p)
            for key in p.choice((("text",), ("text", "title"), ("html", "url"), ("body",),
                                 ("text", "url", "published", "outlet", "author"), ()))
        }
        dumped = json.dumps(record, ensure_ascii=bool(p.integer(0, 1)))
        line = dumped.encode("utf-8", "surrogatepass")
        if kind == 2:
            line = line[: p.integer(0, len(line))]
        lines.append(line)
    return p.choice((b"\n", b"\r\n")).join(lines) + p.choice((b"", b"\n"))


def _html(p: Picker) -> bytes:
    depth = p.integer(0, 3000)
    tag = p.choice(("div", "p", "span", "b", "table", "li", "article", "x-y"))
    body = article_text(p, 8)
    for entity in ("&#xD800;", "&#0;", "&#99999999;", "&amp", "&#x110000;", "&nbsp;"):
        if p.integer(0, 3) == 0:
            body += entity
    closing = f"</{tag}>" * p.integer(0, depth)
    doc = f"<html><head><title>{p.choice(WORDS)}</title></head><body>{f'<{tag}>' * depth}" \
        f"<p>{body}</p>{closing}</body></html>"
    data = doc.encode("utf-8", "surrogatepass")
    return data[: p.integer(0, len(data))] if p.integer(0, 3) == 0 else data


def _gzipped(p: Picker) -> bytes:
    inner = p.choice((_jsonl, _encoded_text, _html))(p)
    data = gzip.compress(inner)
    return data[: p.integer(0, len(data))] if p.integer(0, 1) else data


def _feed(p: Picker) -> bytes:
    items = "".join(
        f"<item><title>{p.choice(WORDS)}</title><description>{article_text(p, 5)}</description>"
        f"<link>{p.choice(('https://ex.example/a', 'not a url', ''))}</link></item>"
        for _ in range(p.integer(0, 4))
    )
    data = f'<?xml version="1.0"?><rss version="2.0"><channel>{items}</channel></rss>'
    return data.encode("utf-8", "surrogatepass")


def _warc(p: Picker) -> bytes:
    payload = _html(p)
    head = (b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n")
    record = (
        b"WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: https://ex.example/a\r\n"
        b"Content-Type: application/http; msgtype=response\r\n"
        + f"Content-Length: {len(head) + len(payload) + p.integer(-5, 5)}\r\n\r\n".encode()
        + head + payload + b"\r\n\r\n"
    )
    data = gzip.compress(record) if p.integer(0, 1) else record
    return data[: p.integer(0, len(data))] if p.integer(0, 2) == 0 else data


BYTE_KINDS: tuple[Callable[[Picker], bytes], ...] = (
    _random_bytes, _encoded_text, _jsonl, _html, _gzipped, _feed, _warc,
)


def input_file(p: Picker) -> tuple[str, bytes]:
    """(file name suffix, file bytes): a damaged or hostile input file."""
    return p.choice(SUFFIXES), p.choice(BYTE_KINDS)(p)


# -- the checks every ledger passes -------------------------------------------------------------

VALIDATOR = jsonschema.Draft202012Validator(claimledger.schema.load())


def ledger_problems(ledger: Ledger) -> list[tuple[str, str]]:
    """What is wrong with a ledger, as (kind, detail): kind ``schema`` (fails the JSON Schema,
    or is not valid UTF-8 JSON, or does not read back), ``span`` (a span's text is not the text at
    its offsets) or ``reference`` (an id that names nothing)."""
    problems: list[tuple[str, str]] = []
    d = ledger.to_dict()
    for error in VALIDATOR.iter_errors(d):
        problems.append(("schema", f"{list(error.absolute_path)}: {error.message[:200]}"))
    try:
        encoded = json.dumps(d, ensure_ascii=False).encode("utf-8")
        if Ledger.from_dict(json.loads(encoded)) != ledger:
            problems.append(("schema", "the ledger does not read back from its JSON"))
    except (UnicodeEncodeError, ValueError) as exc:
        problems.append(("schema", f"not valid UTF-8 JSON: {exc}"[:200]))
    text = ledger.text
    spans: list[tuple[str, str, int, int]] = []
    for a in ledger.attributions:
        for part in ("source", "cue", "content"):
            span = getattr(a, part)
            if span is not None:
                spans.append((f"{a.id}.{part}", span.text, span.start, span.end))
    spans += [(c.id, c.text, c.start, c.end) for c in ledger.claims]
    spans += [(h.id, h.text, h.start, h.end) for h in ledger.hedges]
    spans += [(e.id, e.text, e.start, e.end) for e in ledger.evidence]
    for where, span_text, start, end in spans:
        if not (0 <= start <= end <= len(text)) or text[start:end] != span_text:
            problems.append(("span", f"{where} {span_text[:40]!r} at [{start}, {end})"))
    for s in ledger.sources:
        if not s.name.strip():
            problems.append(("schema", f"{s.id} has no name"))
        for start, end in s.mentions:
            if not (0 <= start < end <= len(text)) or not text[start:end].strip():
                problems.append(("span", f"{s.id} mention at [{start}, {end})"))
    source_ids = {s.id for s in ledger.sources}
    attribution_ids = {a.id for a in ledger.attributions}
    hedge_ids = {h.id for h in ledger.hedges}
    evidence_ids = {e.id for e in ledger.evidence}
    claim_ids = {c.id for c in ledger.claims}
    for a in ledger.attributions:
        if a.source_id is not None and a.source_id not in source_ids:
            problems.append(("reference", f"{a.id} names source {a.source_id}"))
    for c in ledger.claims:
        if c.attribution_id is not None and c.attribution_id not in attribution_ids:
            problems.append(("reference", f"{c.id} names attribution {c.attribution_id}"))
        if not set(c.hedge_ids) <= hedge_ids or not set(c.evidence_ids) <= evidence_ids:
            problems.append(("reference", f"{c.id} names a missing hedge or evidence"))
    for e in ledger.evidence:
        if not set(e.claim_ids) <= claim_ids:
            problems.append(("reference", f"{e.id} names a missing claim"))
    return problems

