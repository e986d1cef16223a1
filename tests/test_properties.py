"""Properties that hold for any input: the analyser always gives a valid ledger whose spans are
the text at their offsets (or raises InputError), the readers give articles or Failures (or
raise InputError), and no query of the web app answers 500.

Inputs come from tests/fuzz_inputs.py (shared with benchmarks/fuzz.py). The ``claimledger-ci``
hypothesis profile (derandomized, no example database) keeps this file within about a minute;
``CLAIMLEDGER_HYPOTHESIS=claimledger-fuzz`` runs twenty times as many examples, at random.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from fuzz_inputs import HypothesisPicker, article_text, input_file, ledger_problems
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import claimledger
from claimledger.analyzer import check_text, load_nlp
from claimledger.corpus.inputs import Document, Failure, extract, iter_documents
from claimledger.errors import InputError
from claimledger.pipeline.quotes import Quote, find_quotes
from claimledger.pipeline.tokenizer import MAX_RUN_CHARS
from claimledger.reading import decode_article, read_article

settings.register_profile(
    "claimledger-ci",
    derandomize=True,
    database=None,
    deadline=timedelta(seconds=30),  # a hang guard, not a speed test: analyses take ~0.01-3 s
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "claimledger-fuzz", settings.get_profile("claimledger-ci"), derandomize=False
)
PROFILE = os.environ.get("CLAIMLEDGER_HYPOTHESIS", "claimledger-ci")
SCALE = 20 if PROFILE == "claimledger-fuzz" else 1


def examples(n: int) -> settings:
    return settings(settings.get_profile(PROFILE), max_examples=n * SCALE)


@st.composite
def article_texts(draw, max_fragments: int = 30) -> str:
    return article_text(HypothesisPicker(draw), max_fragments)


@st.composite
def input_files(draw) -> tuple[str, bytes]:
    return input_file(HypothesisPicker(draw))


# -- (a) the Python API -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def default_analyzer() -> claimledger.Analyzer:
    """The analyser ``claimledger.analyze`` uses (its default engine, which may be slower than
    the session's ``analyzer``, hence fewer examples)."""
    return claimledger.Analyzer()


@examples(30)
@given(text=article_texts())
def test_any_text_gives_a_valid_ledger(analyzer, text):
    ledger = analyzer.analyze(text)
    assert ledger.text == check_text(text)
    assert ledger_problems(ledger) == []


@examples(8)
@given(text=article_texts())
def test_any_text_gives_a_valid_ledger_by_default(default_analyzer, text):
    ledger = default_analyzer.analyze(text)
    assert ledger.text == check_text(text)
    assert ledger_problems(ledger) == []


@examples(8)
@given(texts=st.lists(article_texts(8), min_size=1, max_size=6))
def test_pipe_gives_one_ledger_per_text_in_order(analyzer, texts):
    ledgers = list(analyzer.pipe(texts))
    assert [ledger.text for ledger in ledgers] == [check_text(t) for t in texts]
    for ledger in ledgers:
        assert ledger_problems(ledger) == []


@examples(10)
@given(value=st.one_of(st.none(), st.integers(), st.binary(max_size=20), st.lists(st.text())))
def test_anything_but_text_is_an_input_error(value):
    with pytest.raises(InputError):
        claimledger.analyze(value)  # type: ignore[arg-type]


@examples(25)
@given(text=article_texts(12))
def test_tokens_cover_the_text_exactly(text):
    text = check_text(text)
    doc = load_nlp().make_doc(text)
    assert doc.text == text
    for tok in doc:
        assert text[tok.idx : tok.idx + len(tok.text)] == tok.text
        assert len(tok.text) <= max(MAX_RUN_CHARS, max(map(len, text.split()), default=0))


def _find_quotes_by_scanning(text: str) -> list[Quote]:
    """find_quotes as it was before its single-quote closes were indexed: a forward scan from
    each opening mark, quadratic in quote soup; the reference the indexed version must match."""
    from claimledger.pipeline import quotes

    def scan(text: str, i: int, end: int) -> int | None:
        depth = 0
        for j in range(i, end):
            c = text[j]
            if c in quotes._DOUBLE_OPEN:
                depth += 1
            elif c in quotes._DOUBLE_CLOSE and depth:
                depth -= 1
            elif depth == 0 and quotes._is_single_close(text, j, end):
                return j
        return None

    class Scanner:
        def __init__(self, text: str, start: int, end: int) -> None:
            self.text, self.end = text, end

        def first_from(self, s: int) -> int | None:
            return scan(self.text, s, self.end)

    indexed = quotes._SingleCloses
    quotes._SingleCloses = Scanner  # type: ignore[assignment,misc]
    try:
        return quotes.find_quotes(text)
    finally:
        quotes._SingleCloses = indexed  # type: ignore[misc]


QUOTE_SOUP = st.lists(
    st.sampled_from(list("'‘’\"“”«»„ ab\n(.,") + ["''", "'s", "’t"]), max_size=50
).map("".join)


@examples(400)
@given(text=QUOTE_SOUP)
def test_quote_finder_matches_the_forward_scan(text):
    assert find_quotes(text) == _find_quotes_by_scanning(text)


# -- (b) the readers ----------------------------------------------------------------------------


@examples(150)
@given(data=st.one_of(st.binary(max_size=300), input_files().map(lambda f: f[1])))
def test_decode_article_gives_text_or_input_error(data):
    try:
        text = decode_article(data)
    except InputError as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    assert isinstance(text, str) and text.strip()


def _read_everything(path: str) -> list[object]:
    """Every Document of ``path``, extracted: Articles, Failures and InputErrors."""
    out: list[object] = []
    for item in iter_documents([path], timeout=1.0, follow_feed_links=False):
        assert isinstance(item, (Document, Failure)), item
        if isinstance(item, Failure):
            assert item.reason and "\n" not in item.reason
            out.append(item)
            continue
        try:
            out.append(extract(item))
        except InputError as exc:
            assert str(exc) and "\n" not in str(exc)
            out.append(exc)
    return out


@examples(60)
@given(file=input_files())
def test_readers_give_articles_or_failures(file):
    suffix, data = file
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, f"input{suffix}")
        Path(path).write_bytes(data)
        _read_everything(path)
        _read_everything(tmp)  # the same file found in a directory
        try:
            text, _ = read_article(path)
        except InputError as exc:
            assert str(exc) and "\n" not in str(exc)
        else:
            assert isinstance(text, str)


# -- (c) the web app ----------------------------------------------------------------------------

ARTICLES = (
    (
        "Port reopens\n\nThe harbour minister, Ada Quist, said the port would reopen on Monday. "
        "“It will be safe,” she said."
    ),
    "Dam delayed\n\nEngineers said the inspection would be delayed, according to the board.",
)


@pytest.fixture(scope="module")
def web_client(analyzer, tmp_path_factory):
    """A client of the app over a store of two articles, raising nothing (a 500 is a status)."""
    from claimledger.corpus import tables
    from claimledger.corpus.identity import article_id
    from claimledger.corpus.store import Store
    from claimledger.model import Meta
    from claimledger.web import create_app

    path = str(tmp_path_factory.mktemp("props-web") / "store.duckdb")
    rows = []
    for i, text in enumerate(ARTICLES, 1):
        info = tables.ArticleInfo(input=f"a{i}.txt", url=f"https://news.example/{i}",
                                  title=text.split("\n")[0], published="2026-03-0" + str(i),
                                  outlet="News")
        rows.append(tables.rows_of(article_id(text), info, analyzer.analyze(text, Meta())))
    with Store(path) as store:
        store.write(rows, run_id=1)
    copy = str(tmp_path_factory.mktemp("props-web-ro") / "store.duckdb")
    shutil.copy(path, copy)
    with TestClient(create_app(copy), raise_server_exceptions=False) as client:
        yield client


def _get_routes() -> list[tuple[str, list[str], list[str]]]:
    """(path, path parameters, query parameters) of every GET route of the OpenAPI schema."""
    import claimledger.web

    with tempfile.TemporaryDirectory() as tmp:
        app = claimledger.web.create_app(os.path.join(tmp, "s.duckdb"))
        spec = app.openapi()
        routes = []
        for path, ops in sorted(spec["paths"].items()):
            if "get" not in ops:
                continue
            params = ops["get"].get("parameters", [])
            routes.append((
                path,
                [p["name"] for p in params if p["in"] == "path"],
                [p["name"] for p in params if p["in"] == "query"],
            ))
        pages = sorted(
            (r.path, [p.name for p in r.dependant.path_params],
             [p.alias for p in r.dependant.query_params])
            for r in app.routes
            if isinstance(r, APIRoute) and "GET" in r.methods and not r.include_in_schema
        )
    return routes + pages


GET_ROUTES = _get_routes()
HOSTILE_VALUES = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.sampled_from([
        "", "0", "-1", "9223372036854775807", "9223372036854775808", "-9223372036854775809",
        "18446744073709551616", "1" * 400, "1e309", "-0", "nan", "inf", "0x10", " 7", "1.5",
        "%", "'", '"', "<script>alert(1)</script>", "a" * 5000, "\u202e", "😀", "ǅ", "\ufeff",
        "..", "../..", "*", "%%", "\\", "a,b", "2026-02-30", "9999-99-99", "S1", "A1", "C1",
    ]),
    st.text(max_size=40),
)


@pytest.mark.parametrize("route", GET_ROUTES, ids=[r[0] for r in GET_ROUTES])
@examples(6)
@given(data=st.data())
def test_no_query_answers_500(web_client, route, data):
    path, path_params, query_params = route
    url = path
    for name in path_params:
        url = url.replace("{" + name + "}", quote(data.draw(HOSTILE_VALUES, label=name), safe=""))
    params = {}
    for name in query_params:
        if data.draw(st.booleans(), label=f"give {name}"):
            params[name] = data.draw(HOSTILE_VALUES, label=name)
    r = web_client.get(url, params=params)
    assert r.status_code < 500, (url, params, r.status_code, r.text[:300])
