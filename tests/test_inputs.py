"""The ingest readers: every input kind to Documents and Failures, and Documents to Articles.

Fixtures are written into tmp_path; pages are served by a loopback HTTP server started here.
Article prose in this file was written for these tests.
"""

from __future__ import annotations

import codecs
import contextlib
import gzip
import io
import json
import os
import pickle
import re
import signal
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from claimledger.corpus import nesting
from claimledger.corpus.inputs import (
    Article,
    Document,
    Failure,
    extract,
    iter_documents,
    normalise_date,
)
from claimledger.corpus.nesting import flatten_deep_nesting
from claimledger.errors import InputError
from claimledger.reading import decode_article, expand_inputs, read_article

# -- fixtures: article prose --------------------------------------------------------------------

LEDE = (
    "The harbour board postponed its vote on dredging the northern channel on Tuesday, after "
    "fishermen asked for a study of how the work would affect the spring spawning grounds near "
    "the breakwater."
)
QUOTE = (
    '"We are not against the project, but we need to know what it does to the fish," said Tomas '
    "Varga, who chairs the local fishing cooperative. He said the cooperative had collected more "
    "than four hundred signatures."
)
CLOSING = (
    "The board's chair, Elin Haug, said the delay could add several weeks to a schedule that was "
    "already tight, and that the cost of hiring dredgers was likely to rise over the summer."
)

NEWS_PAGE = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Harbour board delays the dredging vote - The Coastal Courier</title>
<meta name="author" content="Mira Solberg">
<meta property="article:published_time" content="2024-03-05T09:15:00+01:00">
<meta property="og:site_name" content="The Coastal Courier">
<link rel="canonical" href="https://courier.example/news/dredging-vote">
</head><body>
<nav><ul><li><a href="/">Home</a></li><li><a href="/sport">Sport</a></li>
<li><a href="/weather">Weather desk</a></li></ul></nav>
<article><h1>Harbour board delays the dredging vote</h1>
<p class="byline">By Mira Solberg</p>
<p>{LEDE}</p>
<p>{QUOTE}</p>
<p>{CLOSING}</p>
</article>
<footer><p>Copyright 2024 The Coastal Courier. All rights reserved. Subscribe to our newsletter
for daily updates from the waterfront.</p></footer>
</body></html>
"""

MARKET_STORY = [
    (
        "Stallholders at the covered market voted on Monday to keep the Sunday opening hours that "
        "were introduced as a trial last spring, despite complaints from residents about traffic."
    ),
    (
        "The market manager, Paulo Reis, said takings on Sundays had made up almost a third of the "
        "week's trade since the trial began, and that several bakers had hired extra staff."
    ),
    (
        "Residents of the streets behind the market said delivery vans blocked their driveways "
        "every weekend, and asked the council to set up a loading bay before the summer season."
    ),
]
MARKET_PAGE = (
    "<!DOCTYPE html><html><head><title>Market keeps Sunday hours</title></head><body>"
    + "".join(f"<p>{p}</p>" for p in MARKET_STORY)
    + "</body></html>"
)

LIBRARY_STORY = [
    (
        "The county library will stay open until nine in the evening on weekdays from next month, "
        "the library service announced on Thursday, reversing cuts made three years ago."
    ),
    (
        "Head librarian Ruth Adeyemi said the longer hours were paid for by a grant from a local "
        "trust and would be reviewed after a year. She said students had asked for quiet space in "
        "the evenings more than for anything else."
    ),
    (
        "A spokesman for the county said the grant covered two extra members of staff and the "
        "heating, and that no other branch would lose hours as a result of the change."
    ),
]
LIBRARY_HTML = "".join(f"<p>{p}</p>" for p in LIBRARY_STORY)

FERRY_PAGE = (
    "<!DOCTYPE html><html><head><title>Ferry timetable changes</title>"
    '<meta property="article:published_time" content="2024-04-02">'
    "</head><body><article><h1>Ferry timetable changes</h1>"
    "<p>The island ferry will run two extra crossings on Saturdays from May, the operator said "
    "on Tuesday, after islanders complained that the last boat left the mainland too early for "
    "anyone working a late shift to catch it home.</p>"
    "<p>The operator said the extra crossings would be reviewed at the end of the summer, and "
    "that fares would stay the same for residents holding an island pass.</p>"
    "</article></body></html>"
)

PLAIN_STORY = (
    "Bridge repairs finish early\n\nWork on the old stone bridge finished a week ahead of "
    "schedule, the council said on Friday. The engineer in charge said the dry weather had "
    "helped.\n"
)


# -- fixtures: a loopback HTTP server -----------------------------------------------------------


class _Server:
    def __init__(self) -> None:
        self.stop = threading.Event()
        self.table = self.routes()  # path -> (status, headers, body), read at request time
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                status, headers, body = server.table.get(
                    self.path, (404, [("Content-Type", "text/plain")], b"not here")
                )
                if self.path == "/slow":
                    server.stop.wait(3)
                self.send_response(status)
                for key, value in headers:
                    self.send_header(key, value)
                self.end_headers()
                try:
                    self.wfile.write(body)
                except OSError:
                    pass  # the client gave up (timeout, size cap)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def routes(self) -> dict[str, tuple[int, list[tuple[str, str]], bytes]]:
        html = [("Content-Type", "text/html; charset=utf-8")]
        big = b"<html><body>" + b"<p>padding words here</p>" * 400 + b"</body></html>"
        return {
            "/ferry": (200, html, FERRY_PAGE.encode()),
            "/old-ferry": (301, [("Location", "/ferry")], b""),
            "/plain": (200, [("Content-Type", "text/plain; charset=utf-8")], PLAIN_STORY.encode()),
            "/slow": (200, html, FERRY_PAGE.encode()),
            "/big": (200, [*html, ("Content-Length", str(len(big)))], big),
            "/big-streamed": (200, html, big),  # HTTP/1.0, no length: ends when the server closes
            "/image": (200, [("Content-Type", "image/png")], b"\x89PNG\r\n\x1a\nrest"),
        }


@pytest.fixture()
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[_Server]:
    for name in (
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
    ):
        monkeypatch.delenv(name, raising=False)
    srv = _Server()
    srv.thread.start()
    yield srv
    srv.stop.set()
    srv.httpd.shutdown()
    srv.httpd.server_close()


def read(*inputs: str | Path, **options: object) -> list[Document | Failure]:
    return list(iter_documents([str(i) for i in inputs], **options))  # type: ignore[arg-type]


def failures(items: list[Document | Failure]) -> dict[str, str]:
    return {f.input: f.reason for f in items if isinstance(f, Failure)}


# -- plain text ---------------------------------------------------------------------------------


def test_text_file_is_one_article_titled_by_its_first_line(tmp_path: Path) -> None:
    path = tmp_path / "bridge.txt"
    path.write_text(PLAIN_STORY, encoding="utf-8")
    [doc] = read(path)
    assert doc == Document(str(path), text=PLAIN_STORY, title="Bridge repairs finish early")
    article = extract(doc)
    assert article == Article(str(path), PLAIN_STORY, title="Bridge repairs finish early")


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("binary.txt", b"\x00\x01\x02 not text", "binary data, not a UTF-8 text article"),
        ("latin.txt", "Caf\u00e9 owners said so.\n".encode("latin-1"), "not valid UTF-8"),
        ("empty.txt", b"  \n", "the file is empty"),
        ("scan.pdf", b"%PDF-1.7\n...", "unknown input type (.pdf); claimledger reads .txt"),
        ("notes.xml", b"<?xml version='1.0'?><notes><n>x</n></notes>", "XML that is not an RSS"),
    ],
    ids=["binary text", "not UTF-8", "empty", "unknown suffix", "XML but no feed"],
)
def test_unreadable_files_are_failures(tmp_path: Path, name: str, data: bytes, reason: str) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    [failure] = read(path)
    assert isinstance(failure, Failure)
    assert failure.input == str(path)
    assert failure.reason.startswith(reason)
    assert "\n" not in failure.reason


def test_missing_path_is_a_failure(tmp_path: Path) -> None:
    assert read(tmp_path / "gone.txt") == [
        Failure(str(tmp_path / "gone.txt"), "no such file or directory")
    ]


def test_content_overrules_a_lying_or_missing_suffix(tmp_path: Path) -> None:
    (tmp_path / "page.txt").write_text(NEWS_PAGE, encoding="utf-8")
    (tmp_path / "story").write_text(PLAIN_STORY, encoding="utf-8")
    page, story = read(tmp_path / "page.txt", tmp_path / "story")
    assert isinstance(page, Document) and page.html == NEWS_PAGE and page.text is None
    assert isinstance(story, Document) and story.text == PLAIN_STORY


# -- HTML ---------------------------------------------------------------------------------------


def test_html_page_extracts_the_story_without_navigation_or_footer(tmp_path: Path) -> None:
    path = tmp_path / "dredging.html"
    path.write_text(NEWS_PAGE, encoding="utf-8")
    [doc] = read(path)
    assert doc == Document(str(path), html=NEWS_PAGE)
    article = extract(doc)
    assert LEDE in article.text and QUOTE in article.text and CLOSING in article.text
    assert f"{LEDE}\n\n{QUOTE}\n\n{CLOSING}" in article.text  # paragraphs kept apart
    for boilerplate in ("Weather desk", "Sport", "Copyright", "newsletter", "By Mira"):
        assert boilerplate not in article.text
    assert article.title == "Harbour board delays the dredging vote"
    assert article.author == "Mira Solberg"
    assert article.published == "2024-03-05"
    assert article.url == "https://courier.example/news/dredging-vote"
    assert article.site_name == "The Coastal Courier"
    assert article.outlet == "The Coastal Courier"


def test_html_in_another_declared_charset_is_decoded(tmp_path: Path) -> None:
    page = MARKET_PAGE.replace("<head>", '<head><meta charset="windows-1252">').replace(
        "Paulo Reis", "Jos\u00e9 Pe\u00f1a"
    )
    path = tmp_path / "market.htm"
    path.write_bytes(page.encode("cp1252"))
    [doc] = read(path)
    assert isinstance(doc, Document) and "Jos\u00e9 Pe\u00f1a" in (doc.html or "")


def test_html_without_an_article_raises_a_one_line_input_error() -> None:
    index = (
        "<html><head><title>Index</title></head><body><nav><ul><li><a href='/'>Home</a></li>"
        "<li><a href='/s'>Sport news</a></li></ul></nav><div class='teaser'><a href='/a'>Port "
        "reopens</a></div><footer>Copyright 2024</footer></body></html>"
    )
    doc = Document("index.html", html=index)
    with pytest.raises(InputError, match=r"^no article text found in the HTML \(") as caught:
        extract(doc)
    assert "\n" not in str(caught.value)


def test_given_metadata_wins_over_the_page_but_the_page_date_wins_over_a_hint() -> None:
    doc = Document(
        "feed.xml#1",
        html=NEWS_PAGE,
        url="https://courier.example/news/dredging-vote?utm_source=rss",
        title="Dredging vote put off",
        published="2024-03-06T00:00:00+00:00",
        outlet="Courier feed",
        author="M. Solberg",
    )
    article = extract(doc)
    assert (article.title, article.author, article.outlet) == (
        "Dredging vote put off",
        "M. Solberg",
        "Courier feed",
    )
    assert article.published == "2024-03-05"
    assert article.url == "https://courier.example/news/dredging-vote"  # canonical
    assert article.site_name == "The Coastal Courier"


def test_outlet_is_guessed_from_the_host_when_nothing_names_it() -> None:
    article = extract(Document("x", text=PLAIN_STORY, url="https://www.riverside-post.example/a/1"))
    assert article.outlet == "riverside-post.example"


# -- JSONL --------------------------------------------------------------------------------------

JSONL_LINES = [
    json.dumps(
        {
            "id": 7,
            "text": PLAIN_STORY,
            "url": "https://www.bridges.example/repairs",
            "title": "Bridge repairs finish early",
            "date": "Fri, 08 Mar 2024 16:20:00 +0100",
            "source": "Bridges Weekly",
            "author": "Ana Ruiz",
        }
    ),
    "{this is not json",
    json.dumps(["a", "list"]),
    json.dumps({"headline": "no body"}),
    json.dumps({"text": "   "}),
    json.dumps({"html": MARKET_PAGE, "published": "2024-03-11", "site": "Market News"}),
    "",
    json.dumps({"text": 42}),
]


def _write_jsonl(path: Path, lines: list[str]) -> None:
    data = ("\n".join(lines) + "\n").encode("utf-8")
    path.write_bytes(gzip.compress(data) if path.suffix == ".gz" else data)


@pytest.mark.parametrize("name", ["records.jsonl", "records.jsonl.gz", "records.ndjson"])
def test_jsonl_reads_good_lines_and_reports_each_bad_one(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    _write_jsonl(path, JSONL_LINES)
    items = read(path)
    first, market = (i for i in items if isinstance(i, Document))
    assert first == Document(
        f"{path}:1",
        text=PLAIN_STORY,
        url="https://www.bridges.example/repairs",
        title="Bridge repairs finish early",
        published="2024-03-08T16:20:00+01:00",
        outlet="Bridges Weekly",
        author="Ana Ruiz",
    )
    assert market == Document(
        f"{path}:6", html=MARKET_PAGE, published="2024-03-11", outlet="Market News"
    )
    reasons = failures(items)
    assert list(reasons) == [f"{path}:{n}" for n in (2, 3, 4, 5, 8)]  # line 7 is blank
    assert reasons[f"{path}:2"].startswith("not valid JSON (")
    assert reasons[f"{path}:3"] == "a JSON array, not an object with a 'text' or 'html' field"
    assert reasons[f"{path}:4"] == "no 'text' or 'html' field (fields: headline)"
    assert reasons[f"{path}:5"] == "the 'text' field is empty"
    assert reasons[f"{path}:8"] == "the 'text' field is a number, not a string"
    article = extract(market)
    assert MARKET_STORY[1] in article.text and article.outlet == "Market News"
    assert article.published == "2024-03-11"


def test_jsonl_metadata_in_other_common_shapes(tmp_path: Path) -> None:
    path = tmp_path / "wire.jsonl"
    record = {
        "text": PLAIN_STORY,
        "published": 1709900000,  # seconds since the epoch
        "source": {"id": "wire", "name": "Wire Service"},  # as news APIs nest it
        "author": ["Ana Ruiz", "Li Wei"],
    }
    _write_jsonl(path, [json.dumps(record)])
    assert read(path) == [
        Document(
            f"{path}:1",
            text=PLAIN_STORY,
            published="2024-03-08T12:13:20+00:00",
            outlet="Wire Service",
            author="Ana Ruiz; Li Wei",
        )
    ]


def test_truncated_gzip_keeps_the_lines_read_and_reports_the_rest(tmp_path: Path) -> None:
    lines = [json.dumps({"text": f"Story number {n} says the pier reopened."}) for n in range(2000)]
    whole = gzip.compress(("\n".join(lines) + "\n").encode(), compresslevel=1)
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(whole[: len(whole) // 2])
    items = read(path)
    docs = [i for i in items if isinstance(i, Document)]
    assert 100 < len(docs) < 2000
    assert docs[:2] == [
        Document(f"{path}:1", text="Story number 0 says the pier reopened."),
        Document(f"{path}:2", text="Story number 1 says the pier reopened."),
    ]
    assert [d.input for d in docs] == [f"{path}:{n}" for n in range(1, len(docs) + 1)]
    assert items[-1] == Failure(
        str(path),
        f"the gzip file is truncated after line {len(docs)}; "
        "the records before it were read, the rest is lost",
    )
    assert len(items) == len(docs) + 1


def test_overlong_jsonl_line_is_reported_and_the_next_line_read(tmp_path: Path) -> None:
    path = tmp_path / "long.jsonl"
    _write_jsonl(path, [json.dumps({"text": "x " * 3000}), json.dumps({"text": PLAIN_STORY})])
    items = read(path, max_bytes=2048)
    assert items == [
        Failure(f"{path}:1", "line longer than the 2 KB limit"),
        Document(f"{path}:2", text=PLAIN_STORY),
    ]


# -- WARC ---------------------------------------------------------------------------------------


def _write_warc(path: Path, gzipped: bool = True) -> None:
    with path.open("wb") as fh:
        writer = WARCWriter(fh, gzip=gzipped)

        def response(uri: str, status: str, ctype: str, body: bytes, when: str) -> None:
            http = StatusAndHeaders(status, [("Content-Type", ctype)], protocol="HTTP/1.1")
            record = writer.create_warc_record(
                uri,
                "response",
                payload=io.BytesIO(body),
                http_headers=http,
                warc_headers_dict={"WARC-Date": when},
            )
            writer.write_record(record)

        request = writer.create_warc_record(
            "https://news.example/ferry",
            "request",
            payload=io.BytesIO(b""),
            http_headers=StatusAndHeaders(
                "GET /ferry HTTP/1.1", [("Host", "news.example")], is_http_request=True
            ),
        )
        writer.write_record(request)  # record 1
        response(
            "https://news.example/ferry",
            "200 OK",
            "text/html; charset=utf-8",
            FERRY_PAGE.encode(),
            "2024-04-03T06:00:00Z",
        )  # record 2
        response(
            "https://news.example/gone",
            "404 Not Found",
            "text/html",
            b"<p>gone</p>",
            "2024-04-03T06:01:00Z",
        )  # record 3
        response(
            "https://news.example/logo.png",
            "200 OK",
            "image/png",
            b"\x89PNG....",
            "2024-04-03T06:02:00Z",
        )  # record 4
        response(
            "https://news.example/market",
            "200 OK",
            "text/html",
            MARKET_PAGE.encode(),
            "2024-04-03T06:03:00Z",
        )  # record 5


@pytest.mark.parametrize("name", ["crawl.warc.gz", "crawl.warc"])
def test_warc_yields_only_html_200_responses(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    _write_warc(path, gzipped=name.endswith(".gz"))
    items = read(path)
    assert items == [
        Document(
            f"{path}#2",
            html=FERRY_PAGE,
            url="https://news.example/ferry",
            published="2024-04-03T06:00:00+00:00",
        ),
        Document(
            f"{path}#5",
            html=MARKET_PAGE,
            url="https://news.example/market",
            published="2024-04-03T06:03:00+00:00",
        ),
    ]
    ferry, market = (extract(d) for d in items if isinstance(d, Document))
    assert ferry.published == "2024-04-02"  # the page's own date beats the crawl date
    assert market.published == "2024-04-03T06:03:00+00:00"  # no date in the page: the hint
    assert "two extra crossings on Saturdays" in ferry.text
    assert ferry.outlet == "news.example"


def test_corrupt_warc_is_one_failure_and_the_batch_goes_on(tmp_path: Path) -> None:
    bad = tmp_path / "bad.warc"
    bad.write_bytes(b"WARC/1.0\r\nthis is not a header block\r\n\r\n" + b"\xff" * 50)
    story = tmp_path / "story.txt"
    story.write_text(PLAIN_STORY, encoding="utf-8")
    items = read(bad, story)
    assert isinstance(items[0], Failure) and items[0].input == str(bad)
    assert items[0].reason.startswith("not a readable WARC file (")
    assert items[1:] == [
        Document(str(story), text=PLAIN_STORY, title="Bridge repairs finish early")
    ]


@pytest.mark.parametrize("name", ["cut.warc.gz", "cut.warc"])
def test_truncated_warc_keeps_the_records_before_the_damage(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    _write_warc(path, gzipped=name.endswith(".gz"))
    data = path.read_bytes()
    path.write_bytes(data[:-100])  # into the market page, the last record
    assert read(path) == [
        Document(
            f"{path}#2",
            html=FERRY_PAGE,
            url="https://news.example/ferry",
            published="2024-04-03T06:00:00+00:00",
        ),
        Failure(f"{path}#5", "truncated record: the file ends inside it"),
    ]


def test_warc_record_with_a_wrong_length_is_skipped_and_reading_goes_on(tmp_path: Path) -> None:
    path = tmp_path / "lying.warc"
    _write_warc(path, gzipped=False)
    data = path.read_bytes()
    length = re.compile(rb"Content-Length: (\d+)").search(data, data.index(b"WARC-Type: response"))
    assert length is not None
    shorter = str(int(length[1]) - 10).encode()
    path.write_bytes(data[: length.start(1)] + shorter + data[length.end(1) :])
    items = read(path)
    assert [(type(i).__name__, i.input) for i in items] == [
        ("Failure", f"{path}#2"),
        ("Document", f"{path}#5"),
    ]
    assert isinstance(items[0], Failure)
    assert items[0].reason.startswith("damaged WARC record (Record not followed by newline")


# -- feeds --------------------------------------------------------------------------------------


def _rss(summary_link: str) -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
     xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel>
  <title>County Gazette</title>
  <link>https://gazette.example/</link>
  <description>News from the county</description>
  <item>
    <title>Library to open late on weekdays</title>
    <link>https://gazette.example/library-hours</link>
    <dc:creator>Sam Okafor</dc:creator>
    <pubDate>Thu, 07 Mar 2024 10:30:00 +0000</pubDate>
    <description>The library will stay open later.</description>
    <content:encoded><![CDATA[{LIBRARY_HTML}]]></content:encoded>
  </item>
  <item>
    <title>Ferry adds Saturday crossings</title>
    <link>{summary_link}</link>
    <pubDate>Tue, 02 Apr 2024 12:00:00 +0200</pubDate>
    <description>Two more boats on Saturdays.</description>
  </item>
</channel>
</rss>
"""


def test_rss_full_entry_and_summary_entry_followed_to_its_page(
    tmp_path: Path, server: _Server
) -> None:
    path = tmp_path / "gazette.rss"
    path.write_text(_rss(f"{server.base}/old-ferry"), encoding="utf-8")
    library, ferry = read(path)
    assert isinstance(library, Document) and isinstance(ferry, Document)
    assert library.input == f"{path}#1"
    assert (library.url, library.title, library.published, library.outlet, library.author) == (
        "https://gazette.example/library-hours",
        "Library to open late on weekdays",
        "2024-03-07T10:30:00+00:00",
        "County Gazette",
        "Sam Okafor",
    )
    assert ferry == Document(
        f"{path}#2",
        html=FERRY_PAGE,
        url=f"{server.base}/ferry",  # after the redirect
        title="Ferry adds Saturday crossings",
        published="2024-04-02T12:00:00+02:00",
        outlet="County Gazette",
    )
    article = extract(library)
    assert article.text == "\n\n".join(LIBRARY_STORY)
    assert article.title == "Library to open late on weekdays"
    assert article.published == "2024-03-07T10:30:00+00:00"


def test_summary_only_entry_without_following_links_is_a_failure(tmp_path: Path) -> None:
    path = tmp_path / "gazette.xml"
    path.write_text(_rss("https://gazette.example/ferry"), encoding="utf-8")
    library, ferry = read(path, follow_feed_links=False)
    assert isinstance(library, Document)
    assert ferry == Failure(
        f"{path}#2",
        "feed entry has only a summary (5 words), not the article; link following is off: "
        "ingest https://gazette.example/ferry instead",
    )


def test_summary_entry_whose_link_fails_is_a_failure(tmp_path: Path, server: _Server) -> None:
    path = tmp_path / "gazette.rss"
    path.write_text(_rss(f"{server.base}/no-such-page"), encoding="utf-8")
    _, ferry = read(path)
    assert ferry == Failure(
        f"{path}#2",
        "feed entry has only a summary (5 words), not the article, and its link "
        f"{server.base}/no-such-page could not be fetched: HTTP 404 Not Found",
    )


ATOM = f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Valley Times</title>
  <id>urn:uuid:8d1c1b8e-0000-4000-8000-000000000001</id>
  <updated>2024-03-12T09:00:00+01:00</updated>
  <entry>
    <title>Market keeps Sunday hours</title>
    <link rel="alternate" href="https://valley.example/market"/>
    <id>urn:uuid:8d1c1b8e-0000-4000-8000-000000000002</id>
    <published>2024-03-11T18:45:00+01:00</published>
    <updated>2024-03-12T09:00:00+01:00</updated>
    <author><name>Lena Berg</name></author>
    <content type="html">{"".join(f"&lt;p&gt;{p}&lt;/p&gt;" for p in MARKET_STORY)}</content>
  </entry>
</feed>
"""


@pytest.mark.parametrize("name", ["valley.atom", "valley.xml", "valley"])
def test_atom_entry_with_full_content(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_text(ATOM, encoding="utf-8")
    [doc] = read(path)
    assert isinstance(doc, Document)
    assert (doc.input, doc.url, doc.title, doc.published, doc.outlet, doc.author) == (
        f"{path}#1",
        "https://valley.example/market",
        "Market keeps Sunday hours",
        "2024-03-11T18:45:00+01:00",
        "Valley Times",
        "Lena Berg",
    )
    assert extract(doc).text == "\n\n".join(MARKET_STORY)


# -- directories --------------------------------------------------------------------------------


def test_directory_is_walked_sorted_skipping_dotfiles_and_reporting_unknown_files(
    tmp_path: Path,
) -> None:
    root = tmp_path / "articles"
    (root / "sub").mkdir(parents=True)
    (root / ".cache").mkdir()
    (root / "b-bridge.txt").write_text(PLAIN_STORY, encoding="utf-8")
    (root / "a-dredging.html").write_text(NEWS_PAGE, encoding="utf-8")
    _write_jsonl(root / "sub" / "feed-dump.jsonl.gz", [json.dumps({"text": PLAIN_STORY})])
    (root / "sub" / "valley.atom").write_text(ATOM, encoding="utf-8")
    (root / "scan.pdf").write_bytes(b"%PDF-1.4 binary")
    (root / "README.md").write_text("# Articles\nA folder of stories.\n", encoding="utf-8")
    (root / "LICENSE").write_text("Anyone may read these.\n", encoding="utf-8")
    (root / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
    (root / ".cache" / "old.txt").write_text(PLAIN_STORY, encoding="utf-8")
    items = read(root)
    assert [(type(i).__name__, Path(i.input).relative_to(root).as_posix()) for i in items] == [
        ("Failure", "LICENSE"),
        ("Failure", "README.md"),
        ("Document", "a-dredging.html"),
        ("Document", "b-bridge.txt"),
        ("Failure", "scan.pdf"),
        ("Document", "sub/feed-dump.jsonl.gz:1"),
        ("Document", "sub/valley.atom#1"),
    ]
    reasons = failures(items)
    known = "claimledger reads .txt, .html, .jsonl[.gz], .warc[.gz], RSS/Atom"
    assert reasons[str(root / "scan.pdf")] == f"unknown input type (.pdf); {known}"
    assert reasons[str(root / "README.md")] == f"unknown input type (.md); {known}"
    assert reasons[str(root / "LICENSE")] == f"unknown input type (no suffix); {known}"


def test_empty_directory_is_one_failure(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    assert read(tmp_path) == [
        Failure(str(tmp_path), "no files in this directory (hidden files are skipped)")
    ]


# -- URLs ---------------------------------------------------------------------------------------


def test_url_html_page_follows_redirects(server: _Server) -> None:
    [doc] = read(f"{server.base}/old-ferry")
    assert doc == Document(f"{server.base}/old-ferry", html=FERRY_PAGE, url=f"{server.base}/ferry")
    article = extract(doc)
    assert article.title == "Ferry timetable changes" and article.published == "2024-04-02"
    assert article.outlet == article.site_name == server.base.removeprefix("http://")


def test_url_plain_text_page(server: _Server) -> None:
    [doc] = read(f"{server.base}/plain")
    assert doc == Document(
        f"{server.base}/plain",
        text=PLAIN_STORY,
        url=f"{server.base}/plain",
        title="Bridge repairs finish early",
    )


def test_url_feed_becomes_its_entries(server: _Server) -> None:
    feed = ATOM.replace("https://valley.example/market", "/market")  # relative to the feed URL
    server.table["/feed"] = (200, [("Content-Type", "application/atom+xml")], feed.encode())
    [doc] = read(f"{server.base}/feed")
    assert isinstance(doc, Document)
    assert doc.input == f"{server.base}/feed#1"
    assert doc.url == f"{server.base}/market"
    assert doc.outlet == "Valley Times"


@pytest.mark.parametrize(
    ("path", "options", "reason"),
    [
        ("/missing", {}, "HTTP 404 Not Found"),
        ("/slow", {"timeout": 0.3}, "timed out after 0.3 s"),
        ("/big", {"max_bytes": 2048}, "larger than the 2 KB limit"),
        ("/big-streamed", {"max_bytes": 2048}, "larger than the 2 KB limit"),
        ("/image", {}, "unsupported content type (image/png); claimledger reads HTML, "),
    ],
    ids=["404", "timeout", "declared too large", "streamed too large", "not an article type"],
)
def test_url_failures(server: _Server, path: str, options: dict[str, object], reason: str) -> None:
    [failure] = read(f"{server.base}{path}", **options)
    assert isinstance(failure, Failure) and failure.input == f"{server.base}{path}"
    assert failure.reason.startswith(reason)


def test_refused_connection_and_other_schemes_are_failures() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    items = read(f"http://127.0.0.1:{port}/x", "ftp://files.example/a.txt", timeout=2)
    assert items == [
        Failure(f"http://127.0.0.1:{port}/x", "connection refused by 127.0.0.1"),
        Failure("ftp://files.example/a.txt", "cannot fetch ftp:// URLs; only http and https"),
    ]


# -- contract -----------------------------------------------------------------------------------


def test_records_survive_pickling() -> None:
    for record in (
        Document("a.html", html="<p>x</p>", url="https://a.example/", published="2024-01-02"),
        Failure("b.txt", "the file is empty"),
        Article("c.txt", "text", title="t", site_name="s"),
    ):
        assert pickle.loads(pickle.dumps(record)) == record


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("2024-03-05", "2024-03-05"),
        ("2024-03-05T14:30:00Z", "2024-03-05T14:30:00+00:00"),
        ("2024-03-05 14:30", "2024-03-05T14:30:00"),
        ("Tue, 05 Mar 2024 14:30:00 -0500", "2024-03-05T14:30:00-05:00"),
        ("  20240305 ", "2024-03-05"),
        ("last Tuesday", "last Tuesday"),
    ],
    ids=["date", "UTC datetime", "naive datetime", "RFC 2822", "basic format", "unparseable"],
)
def test_normalise_date(raw: str, normalised: str) -> None:
    assert normalise_date(raw) == normalised


def test_an_unexpected_error_is_a_failure_and_the_batch_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from claimledger.corpus import inputs

    def broken(where: str, line: bytes) -> None:
        raise RuntimeError("reader bug\nwith a second line")

    monkeypatch.setattr(inputs, "_jsonl_record", broken)
    records, story = tmp_path / "records.jsonl", tmp_path / "story.txt"
    _write_jsonl(records, [json.dumps({"text": PLAIN_STORY})])
    story.write_text(PLAIN_STORY, encoding="utf-8")
    assert read(records, story) == [
        Failure(str(records), "unexpected error: RuntimeError: reader bug"),
        Document(str(story), text=PLAIN_STORY, title="Bridge repairs finish early"),
    ]


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("news.rss", b"<html><body><p>Service unavailable</p></body></html>", "Document"),
        (
            "news.rss",
            (b"<?xml version='1.0'?><rss version='2.0'><channel><title>T</title></channel></rss>"),
            "the feed has no entries",
        ),
        ("news.atom", b"just some words, not XML at all\n", "not an RSS or Atom feed"),
        ("page.html", ATOM.encode(), "Document"),
    ],
    ids=["rss file holding HTML", "empty feed", "atom file holding text", "html file holding atom"],
)
def test_feed_suffixes_and_contents_disagreeing(
    tmp_path: Path, name: str, data: bytes, expected: str
) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    [item] = read(path)
    if expected == "Document":
        assert isinstance(item, Document)
        assert item.input in (str(path), f"{path}#1")
    else:
        assert isinstance(item, Failure) and item.reason.startswith(expected)


# -- special files: never opened, never a hang ---------------------------------------------------


@contextlib.contextmanager
def within(seconds: float) -> Iterator[None]:
    """Fail (instead of hanging the suite) when the block takes longer than ``seconds``."""

    def expired(signum: int, frame: object) -> None:
        raise TimeoutError(f"still running after {seconds} s: it hangs")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture()
def special_files(tmp_path: Path) -> dict[str, Path]:
    """A FIFO (named like JSONL, which the reader and the progress estimate would open), a
    symlink to it, a symlink to /dev/zero, a Unix socket and /dev/null."""
    paths = {
        "fifo": tmp_path / "pipe.jsonl",
        "link to a fifo": tmp_path / "link.txt",
        "link to /dev/zero": tmp_path / "zero.txt",
        "socket": tmp_path / "sock.html",
        "character device": Path("/dev/null"),
    }
    os.mkfifo(paths["fifo"])
    paths["link to a fifo"].symlink_to(paths["fifo"])
    paths["link to /dev/zero"].symlink_to("/dev/zero")
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(paths["socket"]))
    yield paths
    server.close()


SPECIAL_REASONS = {
    "fifo": "not a regular file (a FIFO)",
    "link to a fifo": "not a regular file (a FIFO)",
    "link to /dev/zero": "not a regular file (a character device)",
    "socket": "not a regular file (a socket)",
    "character device": "not a regular file (a character device)",
}


def test_special_files_are_failures_and_never_opened(
    tmp_path: Path, special_files: dict[str, Path]
) -> None:
    good = tmp_path / "bridge.txt"
    good.write_text(PLAIN_STORY, encoding="utf-8")
    with within(20):
        items = read(*special_files.values(), good)
    assert failures(items) == {
        str(path): SPECIAL_REASONS[kind] for kind, path in special_files.items()
    }
    assert items[-1] == Document(str(good), text=PLAIN_STORY, title="Bridge repairs finish early")


def test_special_files_in_a_directory_are_failures_and_the_rest_is_read(
    tmp_path: Path, special_files: dict[str, Path]
) -> None:
    (tmp_path / "bridge.txt").write_text(PLAIN_STORY, encoding="utf-8")
    with within(20):
        items = read(tmp_path)
    expected = {
        str(path): SPECIAL_REASONS[kind]
        for kind, path in special_files.items() if path.parent == tmp_path
    }
    assert failures(items) == expected
    assert [d.input for d in items if isinstance(d, Document)] == [str(tmp_path / "bridge.txt")]


def test_read_article_refuses_special_files(special_files: dict[str, Path]) -> None:
    for kind, path in special_files.items():
        with within(20), pytest.raises(InputError) as caught:
            read_article(path)
        assert str(caught.value) == f"cannot read {path}: {SPECIAL_REASONS[kind]}"


def test_unreadable_file_and_directory(tmp_path: Path) -> None:
    probe = tmp_path / "probe"
    probe.write_text("x")
    probe.chmod(0)
    if os.access(probe, os.R_OK):
        pytest.skip("file permissions are not enforced here (root with CAP_DAC_OVERRIDE)")
    secret = tmp_path / "secret.txt"
    secret.write_text(PLAIN_STORY, encoding="utf-8")
    secret.chmod(0)
    closed = tmp_path / "closed"
    closed.mkdir()
    (closed / "inside.txt").write_text(PLAIN_STORY, encoding="utf-8")
    closed.chmod(0)
    try:
        assert failures(read(secret, closed)) == {
            str(secret): "permission denied",
            str(closed): "cannot list directory: permission denied",
        }
        with pytest.raises(InputError, match="permission denied"):
            read_article(secret)
        [unlisted] = expand_inputs([str(closed)])
        assert str(unlisted) == (
            f"cannot read {closed}: cannot list the directory (permission denied)"
        )
    finally:
        closed.chmod(0o755)


# -- byte-order marks and UTF-16 ----------------------------------------------------------------

UNMARKED = "looks like {} without a byte-order mark; convert it, e.g. iconv -f {} -t utf-8"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (codecs.BOM_UTF8 + PLAIN_STORY.encode(), PLAIN_STORY),
        (PLAIN_STORY.encode("utf-16"), PLAIN_STORY),  # the machine's order, with its mark
        (codecs.BOM_UTF16_LE + PLAIN_STORY.encode("utf-16-le"), PLAIN_STORY),
        (codecs.BOM_UTF16_BE + PLAIN_STORY.encode("utf-16-be"), PLAIN_STORY),
        (codecs.BOM_UTF32_LE + PLAIN_STORY.encode("utf-32-le"), PLAIN_STORY),
        (codecs.BOM_UTF32_BE + PLAIN_STORY.encode("utf-32-be"), PLAIN_STORY),
        (PLAIN_STORY.encode("utf-16-le"), UNMARKED.format("UTF-16", "utf-16le")),
        (PLAIN_STORY.encode("utf-16-be"), UNMARKED.format("UTF-16", "utf-16be")),
        (PLAIN_STORY.encode("utf-32-le"), UNMARKED.format("UTF-32", "utf-32le")),
        (
            codecs.BOM_UTF16_LE + b"B\x00r\x00i",
            "not valid UTF-16LE (byte 0x69 at offset 6); convert it, e.g. iconv -f utf-16le",
        ),
        (b"GIF89a\x01\x00\x00\x00\xff\x00binary\x00\x00data", "binary data, not a UTF-8 text"),
        (codecs.BOM_UTF16_LE + b"a\x00\x00\x00b\x00", "binary data, not a UTF-16LE text"),
    ],
    ids=[
        "UTF-8 with a mark", "UTF-16 with a mark", "UTF-16LE with a mark", "UTF-16BE with a mark",
        "UTF-32LE with a mark", "UTF-32BE with a mark", "UTF-16LE without a mark",
        "UTF-16BE without a mark", "UTF-32LE without a mark", "UTF-16 cut mid-character",
        "binary", "UTF-16 holding NULs",
    ],
)
def test_decode_article_reads_byte_order_marks_and_names_unmarked_utf16(
    data: bytes, expected: str
) -> None:
    if expected == PLAIN_STORY:
        assert decode_article(data, "a.txt") == PLAIN_STORY  # the mark is not part of the text
    else:
        with pytest.raises(InputError) as caught:
            decode_article(data, "a.txt")
        assert str(caught.value).startswith(f"cannot read a.txt: {expected}")


def test_readers_decode_utf16_text_and_html_with_a_mark(tmp_path: Path) -> None:
    (tmp_path / "bridge.txt").write_bytes(PLAIN_STORY.encode("utf-16"))
    (tmp_path / "bridge.txt.gz").write_bytes(gzip.compress(PLAIN_STORY.encode("utf-32")))
    (tmp_path / "market.html").write_bytes(codecs.BOM_UTF16_BE + MARKET_PAGE.encode("utf-16-be"))
    # an undeclared UTF-16 page: the mark wins over a <meta charset> that lies
    lying = MARKET_PAGE.replace("<head>", '<head><meta charset="iso-8859-1">')
    (tmp_path / "lying.html").write_bytes(lying.encode("utf-16"))
    text, text_gz, lie, market = read(*sorted(tmp_path.iterdir()))
    assert isinstance(text, Document) and text.text == PLAIN_STORY
    assert isinstance(text_gz, Document) and text_gz.text == PLAIN_STORY
    assert isinstance(market, Document) and market.html == MARKET_PAGE
    assert extract(market).text == "\n\n".join(MARKET_STORY)
    assert isinstance(lie, Document) and lie.html == lying


def test_readers_name_utf16_without_a_mark_and_utf16_jsonl(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_bytes(PLAIN_STORY.encode("utf-16-le"))
    (tmp_path / "b.html").write_bytes(MARKET_PAGE.encode("utf-16-be"))
    (tmp_path / "c.jsonl").write_bytes((json.dumps({"text": PLAIN_STORY}) + "\n").encode("utf-16"))
    assert failures(read(tmp_path)) == {
        str(tmp_path / "a.txt"): "looks like UTF-16 without a byte-order mark; convert it, "
        "e.g. iconv -f utf-16le -t utf-8",
        str(tmp_path / "b.html"): "looks like UTF-16 without a byte-order mark; convert it, "
        "e.g. iconv -f utf-16be -t utf-8",
        str(tmp_path / "c.jsonl"): "UTF-16 text; JSON lines must be UTF-8: convert it, "
        "e.g. iconv -f utf-16 -t utf-8",
    }


# -- deeply nested HTML -------------------------------------------------------------------------


def _nested(depth: int, open_tag: str = "<div>", close_tag: str = "</div>") -> str:
    return (
        "<!DOCTYPE html><html><head><title>Market keeps Sunday hours</title></head><body>"
        + open_tag * depth + "<article>" + "".join(f"<p>{p}</p>" for p in MARKET_STORY)
        + "</article>" + close_tag * depth + "</body></html>"
    )


@pytest.mark.parametrize(
    "page",
    [
        _nested(254),  # the first depth libxml2 used to cut: the story sits below 256
        _nested(300),
        _nested(2100),  # deeper than lxml's huge_tree limit too
        _nested(10_000),
        "<html><body>" + "<div>" * 10_000 + "".join(f"<p>{p}" for p in MARKET_STORY),  # unclosed
        _nested(3000, "<span><div>", "</div></span>"),
        _nested(5000, "<blockquote>", "</blockquote>"),  # not a wrapper: cut at MAX_DEPTH
        _nested(400, "<table><tr><td>", "</td></tr></table>"),
    ],
    ids=["254 divs", "300 divs", "2100 divs", "10000 divs", "10000 unclosed divs",
         "3000 span+div", "5000 blockquotes", "400 tables"],
)
def test_deeply_nested_html_still_yields_its_text(page: str) -> None:
    with within(30):
        article = extract(Document("deep.html", html=page))
    assert article.text == "\n\n".join(MARKET_STORY)


def test_flattening_keeps_a_deep_page_shallow_and_leaves_others_alone() -> None:
    from lxml import etree

    deep = flatten_deep_nesting(_nested(10_000))
    root = etree.fromstring(deep, etree.HTMLParser())
    deepest = max(len(list(el.iterancestors())) + 1 for el in root.iter())
    assert deepest <= nesting.TOP_DEPTH + nesting.BOTTOM_HEIGHT + 3  # with html and body
    assert all(p in deep for p in MARKET_STORY)
    for page in (NEWS_PAGE, _nested(200), "<p>" + "<p>".join(["x"] * 5000), _nested(100) * 40):
        assert flatten_deep_nesting(page) is page


def test_paragraphs_only_fallback_is_shallow() -> None:
    from lxml import etree

    flat = nesting.paragraphs_only(_nested(5000, "<blockquote>", "</blockquote>"))
    root = etree.fromstring(flat, etree.HTMLParser())
    assert max(len(list(el.iterancestors())) + 1 for el in root.iter()) <= 4
    assert "".join(root.itertext()) .count(MARKET_STORY[0]) == 1


@pytest.mark.parametrize("pair", sorted(nesting.AUTO_CLOSE), ids=lambda pair: "-".join(pair))
def test_each_implied_end_the_flattener_follows_is_one_libxml2_makes(pair: tuple[str, str]) -> None:
    """Were libxml2 not to close ``open`` at ``start``, the flattener would think a page
    shallower than libxml2 builds it."""
    from lxml import etree

    open_tag, start_tag = pair
    context = {"li": "<ul>", "dt": "<dl>", "dd": "<dl>", "option": "<select>", "tr": "<table>",
               "td": "<table><tr>", "th": "<table><tr>", "thead": "<table>", "tbody": "<table>"}
    page = (f"<html><body><div>{context.get(open_tag, '')}<{open_tag} id='old'>x"
            f"<{start_tag} id='new'>y</{start_tag}></div></body></html>")
    root = etree.fromstring(page, etree.HTMLParser())
    [new] = root.xpath("//*[@id='new']")
    assert "old" not in [el.get("id") for el in new.iterancestors()]
