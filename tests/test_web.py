"""The web app and JSON API (``claimledger serve``) over a small store of four short articles.

The articles are written so that each source is plainly typed (checked by hand against the
analyser's output): A1 quotes a named minister and anonymous officials (12% of the budget), A2 vague
engineers and a named spokesman, A3 the same minister again and vague analysts, A4 a named office
and vague critics. A1 also has a syndicated copy under a second URL.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
from html import unescape

import jsonschema
import pytest
from fastapi.testclient import TestClient

import claimledger.crossref
import claimledger.schema
from claimledger.corpus import tables
from claimledger.corpus.identity import article_id
from claimledger.corpus.stats import corpus_stats
from claimledger.corpus.store import Store
from claimledger.model import Meta
from claimledger.render.html import CSP as REPORT_POLICY
from claimledger.web import create_app, queries

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

A1 = ("Port reopens after storm\n\nThe harbour minister, Ada Quist, said the port would reopen on "
      "Monday. Officials, speaking on condition of anonymity, said repairs had cost more than 12% "
      "of the annual budget.")
A2 = ("Dam inspection delayed\n\nEngineers said the inspection would be delayed by a week. A "
      "spokesman for the water board, Tomas Reyl, said the dam was safe.")
A3 = ("Port repair bill grows\n\nAda Quist said on Wednesday that the repairs were worth every "
      "cent. Analysts said the port could lose 40 ships a month to rival harbours.")
A4 = ("Council budget passes <b>narrowly</b>\n\nThe city council approved the budget by one vote, "
      "according to the clerk's office. Critics said the new tax would cost families 300 euros a "
      "year.")
ARTICLES = [  # text, outlet, published, url
    (A1, "Harbour Times", "2026-03-02", "https://harbour-times.example/port"),
    (A2, "Valley Post", "2026-03-03", "https://valley-post.example/dam"),
    (A3, "Valley Post", "2026-03-05", "https://valley-post.example/port-bill"),
    (A4, "Harbour Times", "2026-03-04", "https://harbour-times.example/budget"),
]
ID1, ID2, ID3, ID4 = (article_id(a[0]) for a in ARTICLES)
WIRE_URL = "https://wire.example/port-reopens"
SECURITY = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
}


@pytest.fixture(scope="module")
def pristine(tmp_path_factory, analyzer) -> str:
    """A closed store file with the four articles, a second URL for A1, and one failed input."""
    path = str(tmp_path_factory.mktemp("web") / "pristine.duckdb")
    rows = []
    for i, (text, outlet, published, url) in enumerate(ARTICLES, 1):
        title = text.split("\n", 1)[0]
        info = tables.ArticleInfo(input=f"a{i}.txt", url=url, title=title, published=published,
                                  outlet=outlet)
        ledger = analyzer.analyze(text, Meta(path=f"a{i}.txt", title=title, outlet=outlet,
                                             published=published, url=url))
        rows.append(tables.rows_of(article_id(text), info, ledger))
    with Store(path) as store:
        store.write(rows, extra_urls=[{
            "article_id": ID1, "url": WIRE_URL, "outlet": "Wire Service", "title": None,
            "published": "2026-03-02", "input": "wire.jsonl:1",
        }], errors=[("feed.xml", "no article text found in the HTML")], run_id=1)
    return path


@pytest.fixture(scope="module")
def client(pristine, tmp_path_factory):
    """A client of an app over a copy of the store, shared by the tests that only read."""
    path = str(tmp_path_factory.mktemp("web-ro") / "store.duckdb")
    shutil.copy(pristine, path)
    with TestClient(create_app(path)) as c:
        yield c


@pytest.fixture
def fresh(pristine, tmp_path):
    """An app over a store of its own, for tests that write (uploads) or patch."""
    def make(**kw) -> TestClient:
        path = str(tmp_path / f"store{len(made)}.duckdb")
        shutil.copy(pristine, path)
        c = TestClient(create_app(path, **kw), raise_server_exceptions=False)
        c.__enter__()
        made.append(c)
        return c

    made: list[TestClient] = []
    yield make
    for c in made:
        c.__exit__(None, None, None)


def text_of(html: str) -> str:
    """The visible text of a page, roughly: tags dropped, entities decoded, spaces collapsed."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def api_error(r, status: int) -> str:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert set(body) == {"error"} and body["error"]["status"] == status
    return body["error"]["message"]


# --------------------------------------------------------------------------- pages


def test_dashboard_shows_outlets_sources_weak_claims_and_errors(client):
    r = client.get("/")
    assert r.status_code == 200
    page = text_of(r.text)
    assert "4 articles (5 URLs)" in page
    # Both outlets have 4 statements: Harbour Times 2 named, 1 anonymous, 1 vague; Valley Post 2
    # named, 2 vague.
    assert "Harbour Times 2 4 50% / 25% / 25%" in page
    assert "Valley Post 2 4 50% / 0% / 50%" in page
    assert '<span class="seg s-named w-50"></span><span class="seg s-anonymous w-25">' in r.text
    # Ada Quist is quoted in two articles of two outlets, and links to her page.
    assert 'href="/sources?name=Ada+Quist&amp;type=named_person"' in r.text
    assert "Ada Quist named person 2 2 2" in page
    # Claims resting on anonymous (A1) or vague (A3, A4) sources only.
    assert "Claims resting only on anonymous or vague sources 3" in page
    for claim in ("repairs had cost more than 12% of the annual budget",
                  "the port could lose 40 ships a month to rival harbours",
                  "the new tax would cost families 300 euros a year"):
        assert claim in page
    assert "The city council approved the budget by one vote" not in page  # a named office's
    assert "1 input could not be ingested" in page and "feed.xml" in page


def test_articles_list_paginates_newest_first_and_filters_by_outlet(client):
    r = client.get("/articles?limit=2")
    assert r.status_code == 200
    order = re.findall(r'href="/articles/([0-9a-f]{32})"', r.text)
    assert order == [ID3, ID4]
    assert "1–2 of 4" in text_of(r.text)
    assert 'href="?limit=2&amp;offset=2"' in r.text
    r = client.get("/articles?limit=2&offset=2")
    assert re.findall(r'href="/articles/([0-9a-f]{32})"', r.text) == [ID2, ID1]
    r = client.get("/articles?outlet=Valley+Post")
    assert re.findall(r'href="/articles/([0-9a-f]{32})"', r.text) == [ID3, ID2]
    r = client.get("/articles?outlet=Valley+Post&from=&to=&source_type=")  # an empty form
    assert r.status_code == 200


def test_article_page_has_header_urls_sources_claims_and_report(client):
    r = client.get(f"/articles/{ID1}")
    assert r.status_code == 200
    page = text_of(r.text)
    assert "Port reopens after storm" in page and "Harbour Times" in page
    assert "2026-03-02" in page
    # Both URLs, the syndicated copy included.
    assert 'href="https://harbour-times.example/port"' in r.text
    assert f'href="{WIRE_URL}"' in r.text and "2 URLs (syndicated copies)" in page
    # Profile numbers: 2 sources, 2 statements, 1 claim; half the statements anonymous.
    assert "Sources 2 Statements 2 Claims 1 Evidence 0 Anonymous statements 50%" in page
    assert 'href="/sources?name=Officials&amp;type=anonymous"' in r.text
    assert 'href="/sources?name=Ada+Quist&amp;type=named_person"' in r.text
    assert "repairs had cost more than 12% of the annual budget asserted statistic" in page
    assert (f'<iframe id="report" class="report-frame" src="/articles/{ID1}/report" '
            'sandbox="allow-scripts"') in r.text
    # A unique prefix redirects to the full id; an unknown id is a 404 page.
    r = client.get(f"/articles/{ID1[:8]}", follow_redirects=False)
    assert r.status_code == 307 and r.headers["location"] == f"/articles/{ID1}"
    r = client.get("/articles/" + "0" * 32)
    assert r.status_code == 404 and "no article" in r.text
    assert r.headers["content-type"].startswith("text/html")


def test_report_is_the_single_article_report_under_its_own_pinned_policy(client):
    r = client.get(f"/articles/{ID1}/report")
    assert r.status_code == 200
    csp = r.headers["content-security-policy"]
    assert csp == REPORT_POLICY + "; frame-ancestors 'self'"
    assert "script-src 'sha256-" in csp and "unsafe-inline" not in csp
    assert r.headers["x-frame-options"] == "SAMEORIGIN"
    assert 'data-pick="S1"' in r.text and 'data-pick="S2"' in r.text
    assert client.get("/articles/" + "f" * 32 + "/report").status_code == 404


def test_source_page_across_articles(client):
    r = client.get("/sources?name=ada%20QUIST")  # any case
    assert r.status_code == 200
    page = text_of(r.text)
    assert "2 statements in 2 articles" in page and "anonymous in 0% of them" in page
    assert "the port would reopen on Monday" in page
    assert "that the repairs were worth every cent" in page
    assert "Harbour Times 1 1" in page and "Valley Post 1 1" in page
    r = client.get("/sources?name=Officials&type=anonymous")
    assert "anonymous in 100% of them" in text_of(r.text)
    assert client.get("/sources?name=Nobody+Atall").status_code == 404
    assert client.get("/sources?name=Officials&type=secret").status_code == 422
    r = client.get("/sources?type=vague")
    names = re.findall(r'class="srcname" href="[^"]+">([^<]+)<', r.text)
    assert sorted(names) == ["Analysts", "Critics", "Engineers"]


def test_search_pages_filter_and_escape_wildcards(client):
    def hits(url: str) -> list[str]:
        r = client.get(url)
        assert r.status_code == 200, r.text
        return re.findall(r'<p class="hit-title"><a href="/articles/([0-9a-f]{32})"', r.text)

    assert sorted(hits("/search?q=port")) == sorted([ID1, ID3])
    assert hits("/search?q=port&outlet=Valley+Post") == [ID3]
    assert hits("/search?q=port&from=2026-03-03") == [ID3]
    assert hits("/search?q=port&source_type=anonymous") == [ID1]
    assert hits("/search?q=%25") == [ID1]  # "12%" only; % is not a wildcard
    assert hits("/search?q=_") == []
    r = client.get("/search?q=budget&scope=claims")
    page = text_of(r.text)
    assert "Articles 2 Claims 2" in page  # A1 and A4 mention a budget, one claim each
    assert "more than 12% of the annual budget" in page
    r = client.get("/search?q=budget&scope=claims&source_type=anonymous")
    assert "Claims 1" in text_of(r.text)
    assert client.get("/search?q=port&from=March").status_code == 422


def test_upload_form_round_trip(fresh):
    c = fresh()
    assert "Analyse and store" in c.get("/upload").text
    text = ("Ferry fares to rise\n\nThe transport minister, Ines Molnar, said ferry fares would "
            "rise by 8% in April.")
    r = c.post("/upload", data={"text": text, "outlet": "Island News",
                                "published": "2026-03-06", "url": "https://island.example/f"},
               follow_redirects=False)
    assert r.status_code == 303
    aid = article_id(text)
    assert r.headers["location"] == f"/articles/{aid}"
    page = text_of(c.get(r.headers["location"]).text)
    assert "Ferry fares to rise" in page and "Island News" in page and "2026-03-06" in page
    assert "Ines Molnar" in page
    assert c.get("/api/v1/articles?outlet=Island+News").json()["total"] == 1
    # A .txt file works the same; the same text again goes to the stored article.
    r = c.post("/upload", files={"file": ("ferry.txt", text.encode(), "text/plain")},
               follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/articles/{aid}"
    assert c.get("/api/v1/stats").json()["articles"] == 5


def test_upload_form_errors_are_clear(fresh):
    c = fresh(max_upload_bytes=2_000)
    r = c.post("/upload", data={"text": "   "})
    assert r.status_code == 422 and "nothing to analyse" in r.text
    r = c.post("/upload", data={"text": "x " * 1_500})
    assert r.status_code == 413 and "limit" in text_of(r.text)
    r = c.post("/upload", data={"text": "y " * 40_000})  # over the whole request's cap
    assert r.status_code == 413 and "--max-upload-mb" in text_of(r.text)
    r = c.post("/upload", files={"file": ("notes.pdf", b"%PDF-1.4", "application/pdf")})
    assert r.status_code == 422 and "upload a .txt or .html file" in r.text
    r = c.post("/upload", data={"text": "A said B.", "url": "javascript:alert(1)"})
    assert r.status_code == 422 and "http" in r.text
    r = c.post("/upload", data={"text": "A said B."}, headers={"Sec-Fetch-Site": "cross-site"})
    assert r.status_code == 403


def test_page_escapes_markup_from_the_store(client):
    r = client.get(f"/articles/{ID4}")
    assert "Council budget passes &lt;b&gt;narrowly&lt;/b&gt;" in r.text
    assert "<b>narrowly</b>" not in r.text


# --------------------------------------------------------------------------- API


def test_api_articles_pagination_and_filters(client):
    body = client.get("/api/v1/articles?limit=3&offset=1").json()
    assert set(body) == {"items", "total", "limit", "offset"}
    assert (body["total"], body["limit"], body["offset"]) == (4, 3, 1)
    assert [a["article_id"] for a in body["items"]] == [ID4, ID2, ID1]
    assert "ledger" not in body["items"][0]
    assert body["items"][2]["share_anonymous"] == 0.5
    body = client.get("/api/v1/articles?outlet=Harbour+Times&from=2026-03-03").json()
    assert [a["article_id"] for a in body["items"]] == [ID4] and body["total"] == 1
    body = client.get("/api/v1/articles?source_type=vague").json()
    assert {a["article_id"] for a in body["items"]} == {ID2, ID3, ID4}
    assert client.get("/api/v1/articles?offset=10").json() == {
        "items": [], "total": 4, "limit": 50, "offset": 10}


@pytest.mark.parametrize("query, message", [
    ("limit=201", "limit: Input should be less than or equal to 200"),
    ("limit=0", "limit: Input should be greater than or equal to 1"),
    ("offset=-1", "offset: Input should be greater than or equal to 0"),
    ("limit=ten", "limit: Input should be a valid integer"),
    ("from=2026-13-01", "from: not a date"),
    ("from=2026-03-05&to=2026-03-01", "from: must not be after to"),
    ("source_type=secret", "source_type: must be one of"),
])
def test_api_bad_parameters_are_422_json(client, query, message):
    assert message in api_error(client.get(f"/api/v1/articles?{query}"), 422)


def test_api_article_is_the_ledger_contract(client, pristine):
    r = client.get(f"/api/v1/articles/{ID1}")
    assert r.status_code == 200
    with Store(pristine, read_only=True) as store:
        expected = store.ledger(ID1).to_dict()
    assert expected["meta"]["path"] == "a1.txt"  # where it was read: not shown over the web
    expected["meta"]["path"] = None
    assert r.json() == expected
    jsonschema.Draft202012Validator(claimledger.schema.load()).validate(r.json())
    assert r.headers["x-claimledger-article-id"] == ID1
    assert r.headers["link"] == f'</api/v1/articles/{ID1}/meta>; rel="describedby"'
    assert client.get(f"/api/v1/articles/{ID1[:6]}").json()["id"] == expected["id"]
    meta = client.get(f"/api/v1/articles/{ID1}/meta").json()
    assert meta["article"]["outlet"] == "Harbour Times" and meta["article"]["n_attributions"] == 2
    assert sorted(u["url"] for u in meta["urls"]) == [
        "https://harbour-times.example/port", WIRE_URL]
    assert "no article" in api_error(client.get("/api/v1/articles/" + "0" * 32), 404)
    assert "no article" in api_error(client.get("/api/v1/articles/not-an-id"), 404)
    assert "no article" in api_error(client.get("/api/v1/articles/" + "0" * 32 + "/meta"), 404)


def test_api_sources_search_and_stats(client, pristine):
    body = client.get("/api/v1/sources?limit=1").json()
    assert body["total"] == 7  # Ada Quist (twice), Officials, Engineers, Tomas Reyl, Analysts,
    # the clerk's office, Critics: 7 (name, type) pairs that say something
    assert body["items"] == [{"name": "Ada Quist", "type": "named_person", "statements": 2,
                              "articles": 2, "outlets": 2}]
    body = client.get("/api/v1/sources/statements?name=ADA+QUIST").json()
    assert body["total"] == 2
    assert [s["article_id"] for s in body["items"]] == [ID3, ID1]
    assert body["summary"]["types"] == [
        {"type": "named_person", "statements": 2, "articles": 2}]
    assert "no source" in api_error(client.get("/api/v1/sources/statements?name=Nobody"), 404)
    assert "name" in api_error(client.get("/api/v1/sources/statements"), 422)
    body = client.get("/api/v1/search?q=PORT&outlet=Harbour+Times").json()
    assert [a["article_id"] for a in body["items"]] == [ID1] and body["scope"] == "articles"
    assert body["items"][0]["snippet"]["hit"] == "Port"
    body = client.get("/api/v1/search?q=port&scope=claims").json()
    assert [c["text"] for c in body["items"]] == [
        "the port could lose 40 ships a month to rival harbours"]
    assert body["items"][0]["source_type"] == "vague" and body["items"][0]["source_name"] == "Analysts"
    assert "scope" in api_error(client.get("/api/v1/search?q=x&scope=everything"), 422)
    with Store(pristine, read_only=True) as store:
        expected = corpus_stats(store)
    got = client.get("/api/v1/stats").json()
    assert {k: v for k, v in got.items() if k != "store"} == {
        k: v for k, v in expected.items() if k != "store"}


def test_api_upload_round_trip_and_errors(fresh):
    c = fresh(max_upload_bytes=5_000)
    text = ("Bridge closes for repairs\n\nThe city engineer, Marta Lind, said the bridge would "
            "close for six weeks.")
    r = c.post("/api/v1/upload", json={"text": text, "title": "Bridge closes",
                                       "outlet": "City Desk", "published": "2026-03-07"})
    assert r.status_code == 201, r.text
    aid = article_id(text)
    assert r.json() == {"id": aid, "created": True, "url": f"/articles/{aid}",
                        "ledger": f"/api/v1/articles/{aid}"}
    ledger = c.get(f"/api/v1/articles/{aid}").json()
    assert ledger["text"] == text and ledger["meta"]["title"] == "Bridge closes"
    assert [s["name"] for s in ledger["sources"]] == ["Marta Lind"]
    r = c.post("/api/v1/upload", json={"text": text, "url": "https://other.example/bridge"})
    assert r.status_code == 200 and r.json()["created"] is False and r.json()["id"] == aid
    urls = c.get(f"/api/v1/articles/{aid}/meta").json()["urls"]
    assert [u["url"] for u in urls] == ["https://other.example/bridge"]
    assert "limit" in api_error(c.post("/api/v1/upload", json={"text": "z" * 5_001}), 413)
    assert "limit" in api_error(c.post("/api/v1/upload", json={"text": "z" * 90_000}), 413)
    api_error(c.post("/api/v1/upload", json={"title": "no text"}), 422)
    api_error(c.post("/api/v1/upload", json={"text": ""}), 422)
    api_error(c.post("/api/v1/upload", json={"text": "   \n "}), 422)
    api_error(c.post("/api/v1/upload", json={"text": "A said B.", "bogus": 1}), 422)
    api_error(c.post("/api/v1/upload", json={"text": "A said B.", "published": "soon"}), 422)
    api_error(c.post("/api/v1/upload", json={"text": "A said B.", "url": "ftp://x.example"}), 422)
    api_error(c.post("/api/v1/upload", content=b"{not json",
                     headers={"content-type": "application/json"}), 422)


def test_api_body_without_length_is_capped_too(fresh):
    c = fresh(max_upload_bytes=1_000)

    def chunks():
        for _ in range(200):
            yield b"x" * 1_000

    r = c.post("/api/v1/upload", content=chunks(), headers={"content-type": "application/json"})
    assert "limit" in api_error(r, 413)


def test_read_only_app_refuses_uploads(pristine, tmp_path):
    path = str(tmp_path / "ro.duckdb")
    shutil.copy(pristine, path)
    with TestClient(create_app(path, read_only=True)) as c:
        assert c.get("/").status_code == 200
        assert "read-only" in api_error(c.post("/api/v1/upload", json={"text": "A said B."}), 403)
        assert c.post("/upload", data={"text": "A said B."}).status_code == 403


def test_server_errors_do_not_leak(fresh, monkeypatch):
    c = fresh()

    def broken(*args, **kw):
        raise RuntimeError("secret detail of the failure")

    monkeypatch.setattr(queries, "list_articles", broken)
    r = c.get("/api/v1/articles")
    message = api_error(r, 500)
    assert "secret" not in r.text and "Traceback" not in r.text and "internal" in message
    assert r.headers["x-content-type-options"] == "nosniff"
    r = c.get("/articles")
    assert r.status_code == 500 and "secret" not in r.text and "Traceback" not in r.text


def test_unknown_routes_and_methods_are_json_errors_under_api(client):
    assert "nothing at" in api_error(client.get("/api/v1/nowhere"), 404)
    assert "not allowed" in api_error(client.delete("/api/v1/articles"), 405)
    r = client.get("/nowhere")
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")


def test_openapi_schema_is_local_and_docs_need_no_cdn(client):
    schema = client.get("/api/v1/openapi.json").json()
    paths = set(schema["paths"])
    assert {"/api/v1/articles", "/api/v1/articles/{article_id}", "/api/v1/sources",
            "/api/v1/search", "/api/v1/claims", "/api/v1/claims/{cluster_id}", "/api/v1/stats",
            "/api/v1/upload"} <= paths
    assert all(p.startswith("/api/v1/") for p in paths)
    assert client.get("/docs").status_code == 404 and client.get("/redoc").status_code == 404
    docs = client.get("/api/docs")
    assert docs.status_code == 200 and "/api/v1/search" in docs.text
    assert "<script" not in docs.text and "cdn" not in docs.text.lower()


def test_security_headers_everywhere(client):
    for path in ("/", f"/articles/{ID1}", "/api/v1/articles", "/static/style.css", "/nowhere",
                 "/api/v1/nowhere"):
        r = client.get(path)
        for k, v in SECURITY.items():
            assert r.headers[k] == v, (path, k)
        csp = r.headers["content-security-policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp, path
        assert "unsafe-inline" not in csp
    assert client.get("/static/style.css").headers["content-type"].startswith("text/css")
    page = client.get("/").text
    assert "<script" not in page and " style=" not in page and "<style" not in page


# --------------------------------------------------------------------------- claim clusters


def test_claims_page_says_when_clusters_are_not_computed(client, monkeypatch):
    r = client.get("/claims")  # the cluster tables are there, but empty
    assert r.status_code == 200
    assert "Claim clusters have not been computed for this store." in text_of(r.text)
    assert "not been computed" in api_error(client.get("/api/v1/claims"), 404)
    assert "not been computed" in api_error(client.get("/api/v1/claims/K1"), 404)
    monkeypatch.setitem(sys.modules, "claimledger.crossref", None)  # the module missing
    client.app.state.web.store_changed()  # not the answers cached with the module there
    assert "have not been computed" in client.get("/claims").text
    assert client.get(f"/articles/{ID1}").status_code == 200


FAKE_CLUSTER = {
    "cluster_id": "Kabc123", "claim": "repairs had cost more than 12% of the annual budget",
    "first_seen": {"article_id": ID1, "outlet": "Harbour Times", "published": "2026-03-02"},
    "latest": {"article_id": ID3, "outlet": "Valley Post", "published": "2026-03-05"},
    "n_articles": 2, "n_outlets": 2, "families_for": ["government:Harbour"],
    "families_against": [], "independent_for": 0, "only_anonymous_or_vague": True,
    "evidence_cited": [], "evidence_missing": ["no invoices"], "status": "contested <i>x</i>",
}


@pytest.fixture
def with_clusters(fresh, monkeypatch):
    """An app whose store has cluster rows, with the crossref functions replaced by fakes."""
    c = fresh()
    seen: dict[str, object] = {}

    def list_clusters(store, query=None, limit=50, offset=0):
        seen["list"] = (query, limit, offset)
        return [FAKE_CLUSTER][offset:offset + limit]

    def get_cluster(store, cluster_id):
        if cluster_id != "Kabc123":
            return None
        member = {"article_id": ID1, "outlet": "Harbour Times", "published": "2026-03-02",
                  "title": "Port reopens after storm", "claim_id": "C1",
                  "text": "repairs had cost more than 12% of the annual budget",
                  "source_name": "Officials", "source_type": "anonymous", "family": None,
                  "stance": "reports", "source_stance": "supports", "score": 1.0,
                  "duplicate_of": None}
        return {**FAKE_CLUSTER, "members": [member]}

    monkeypatch.setattr(claimledger.crossref, "list_clusters", list_clusters)
    monkeypatch.setattr(claimledger.crossref, "get_cluster", get_cluster)
    monkeypatch.setattr(claimledger.crossref, "clusters_for_article",
                        lambda store, aid: {"C1": "Kabc123"} if aid == ID1 else {})
    path = c.app.state.web.store.path
    con = c.app.state.web.store.con
    con.execute("INSERT INTO cluster_members (cluster_id, article_id, claim_id, part, text) "
                "VALUES ('Kabc123', ?, 'C1', 0, 'x')", [ID1])
    assert path
    return c, seen


def test_claim_cluster_pages_and_api(with_clusters):
    c, seen = with_clusters
    r = c.get("/claims?q=repairs")
    assert r.status_code == 200 and seen["list"] == ("repairs", 50, 0)
    assert 'href="/claims/Kabc123"' in r.text and "only anonymous or vague sources" in r.text
    r = c.get("/claims/Kabc123")
    page = text_of(r.text)
    assert r.status_code == 200
    assert "contested <i>x</i>" in page and "<i>x</i>" not in r.text  # escaped
    assert "no invoices" in page and "Officials" in page and "supports" in page
    assert c.get("/claims/Knope").status_code == 404
    r = c.get(f"/articles/{ID1}")
    assert 'href="/claims/Kabc123"' in r.text
    assert 'href="/claims/' not in c.get(f"/articles/{ID2}").text
    body = c.get("/api/v1/claims?limit=5").json()
    assert body["total"] == 1 and body["items"][0]["cluster_id"] == "Kabc123"
    assert c.get("/api/v1/claims/Kabc123").json()["members"][0]["claim_id"] == "C1"
    assert "no claim cluster" in api_error(c.get("/api/v1/claims/Knope"), 404)
    assert c.get(f"/api/v1/articles/{ID1}/meta").json()["clusters"] == {"C1": "Kabc123"}


def test_json_error_bodies_are_plain_json(client):
    r = client.get("/api/v1/articles/" + "0" * 32)
    assert json.loads(r.content) == {"error": {"status": 404, "message":
                                               f"no article {'0' * 32} in this store"}}


def test_store_without_cluster_tables_still_serves(fresh):
    c = fresh()
    con = c.app.state.web.store.con
    con.execute("DROP TABLE cluster_members")
    assert "have not been computed" in c.get("/claims").text
    assert "not been computed" in api_error(c.get("/api/v1/claims"), 404)
    r = c.get(f"/articles/{ID1}")
    assert r.status_code == 200 and 'href="/claims/' not in r.text


def test_upload_updates_the_clusters_and_survives_a_failing_update(fresh, monkeypatch):
    c = fresh()
    calls = []

    def update(store):
        calls.append(store.path)
        raise RuntimeError("clustering broke")

    monkeypatch.setattr(claimledger.crossref, "update", update)
    r = c.post("/api/v1/upload", json={"text": "Tunnel opens\n\nThe mayor, Rui Vale, said the "
                                       "tunnel would open in May."})
    assert r.status_code == 201 and calls == [c.app.state.web.store.path]
    assert c.get(f"/api/v1/articles/{r.json()['id']}").status_code == 200


def test_upload_an_html_file(fresh):
    c = fresh()
    page = (
        "<!DOCTYPE html><html><head><title>Tram line delayed again | City Desk</title>"
        '<meta property="og:site_name" content="City Desk"></head><body><nav>Home News</nav>'
        "<article><h1>Tram line delayed again</h1><p>The transport commissioner, Elena Varga, "
        "said the new tram line would open a year late because of flooding in the tunnels.</p>"
        "<p>Contractors said the repairs would cost at least 30 million euros.</p></article>"
        "<footer>(c) City Desk</footer></body></html>"
    )
    r = c.post("/upload", files={"file": ("tram.html", page.encode(), "text/html")},
               follow_redirects=False)
    assert r.status_code == 303
    ledger = c.get("/api/v1" + r.headers["location"]).json()
    assert ledger["text"].startswith("Tram line delayed again\n\nThe transport commissioner")
    assert "Home News" not in ledger["text"] and "(c) City Desk" not in ledger["text"]
    assert ledger["meta"]["title"] == "Tram line delayed again"
    assert ledger["meta"]["outlet"] == "City Desk"
    assert "Elena Varga" in [s["name"] for s in ledger["sources"]]


def test_serve_command(pristine, tmp_path):
    """``claimledger serve`` answers on loopback, and refuses a store it cannot open."""
    import socket
    import subprocess
    import time

    import httpx

    path = str(tmp_path / "served.duckdb")
    shutil.copy(pristine, path)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "claimledger", "serve", "--db", path, "--port", str(port),
         "--read-only"], stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, proc.stderr.read()
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/api/v1/articles?limit=1", timeout=2)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline
                time.sleep(0.2)
        assert r.status_code == 200 and r.json()["total"] == 4
        # While it holds the store, a writer cannot open it.
        locked = subprocess.run(
            [sys.executable, "-m", "claimledger", "serve", "--db", path, "--port", "1"],
            capture_output=True, text=True, timeout=60)
        assert locked.returncode == 1 and "in use" in locked.stderr
    finally:
        proc.terminate()
        proc.wait(20)
    assert "serving" in proc.stderr.read()
    missing = subprocess.run(
        [sys.executable, "-m", "claimledger", "serve", "--db", str(tmp_path / "none.duckdb"),
         "--read-only"], capture_output=True, text=True, timeout=60)
    assert missing.returncode == 1 and "no such store" in missing.stderr


# --------------------------------------------------------------------------- parameters


def _api_routes(app) -> list[tuple[str, list[tuple[str, str, bool]]]]:
    """Every GET route of the OpenAPI schema with its parameters (name, where, required)."""
    return [
        (path, [(p["name"], p["in"], p.get("required", False))
                for p in ops["get"].get("parameters", [])])
        for path, ops in app.openapi()["paths"].items() if "get" in ops
    ]


def _page_routes(app) -> list[tuple[str, list[tuple[str, str, bool]]]]:
    """Every GET route left out of the schema (the pages) with its parameters."""
    from fastapi.routing import APIRoute

    def walk(dependant, found: dict[str, tuple[str, str, bool]]) -> None:
        for where, fields in (("path", dependant.path_params), ("query", dependant.query_params)):
            for f in fields:
                required = where == "path" or f.field_info.is_required()
                found.setdefault(f.alias, (f.alias, where, required))
        for sub in dependant.dependencies:
            walk(sub, found)

    def routes(within: list, prefix: str = ""):
        for route in within:
            included = getattr(route, "original_router", None)  # an included router
            if included is not None:
                context = getattr(route, "include_context", None)
                yield from routes(included.routes, prefix + getattr(context, "prefix", ""))
            elif isinstance(route, APIRoute):
                yield prefix + route.path, route

    out = []
    for path, route in routes(app.routes):
        if "GET" in route.methods and not route.include_in_schema:
            found: dict[str, tuple[str, str, bool]] = {}
            walk(route.dependant, found)
            out.append((path, list(found.values())))
    return out


HOSTILE = [
    "99999999999999999999", "9223372036854775808", "-9223372036854775809", "-1", "0", "NaN",
    "inf", "1e3", "0x10", "", " ", "\x00", "a\x00b", "x" * 10_000, "Ωμέγα 😀 \u202e", "%",
    "_", "\\", "'; DROP TABLE articles; --", "../../etc/passwd", "2026-02-30",
    "<script>x</script>",
]
RAW_HOSTILE = ["%ED%A0%80", "%FF", "%C0%AF"]  # not UTF-8: a lone surrogate, a stray byte, overlong
VALID = {"name": "Ada Quist", "article_id": ID1, "cluster_id": "K1"}


def _hostile_urls(path: str, params: list[tuple[str, str, bool]]) -> list[str]:
    """One URL per parameter and hostile value (the other required parameters valid), and one
    per parameter given twice."""
    from urllib.parse import quote

    urls = []
    for name, where, _ in params:
        for raw in [quote(v, safe="") for v in HOSTILE] + RAW_HOSTILE + [None]:
            url = path
            query = []
            for other, other_where, required in params:
                value = raw if other == name and raw is not None else quote(VALID.get(other, "1"))
                if other_where == "path":
                    url = url.replace("{" + other + "}", value)
                elif other == name:
                    query.append(f"{other}={value}")
                    if raw is None:  # the parameter twice
                        query.append(f"{other}={value}")
                elif required:
                    query.append(f"{other}={value}")
            urls.append(url + ("?" + "&".join(query) if query else ""))
    return urls


@pytest.mark.parametrize("routes", [_api_routes, _page_routes], ids=["api", "pages"])
def test_no_parameter_value_is_a_server_error(client, routes):
    """Huge, negative and non-numeric integers, NUL characters, invalid UTF-8, 10 KB strings,
    SQL, markup and a parameter given twice, on every GET route: a 4xx at worst, said in one
    line, as JSON under /api/ and as a page elsewhere."""
    walked = routes(client.app)
    assert len(walked) >= 9 and sum(len(p) for _, p in walked) >= 20  # the walk found them
    failures = []
    for path, params in walked:
        for url in _hostile_urls(path, params):
            r = client.get(url, follow_redirects=False)
            if r.status_code >= 500 or "Traceback" in r.text:
                failures.append(f"{r.status_code} {url[:120]}")
            elif r.status_code >= 400 and url.startswith("/api/"):
                message = r.json()["error"]["message"]
                if "\n" in message or len(message) > 300:
                    failures.append(f"message of {url[:120]}: {message[:200]!r}")
            elif r.status_code >= 400 and not r.headers["content-type"].startswith("text/html"):
                failures.append(f"not a page: {url[:120]}")
    assert failures == []


OVER_INT64 = "99999999999999999999"
PAGINATED = ["/articles", "/sources", "/sources?name=Ada+Quist", "/claims", "/search?q=port",
             "/api/v1/articles", "/api/v1/sources", "/api/v1/sources/statements?name=Ada+Quist",
             "/api/v1/search?q=port", "/api/v1/claims"]


@pytest.mark.parametrize("path", PAGINATED)
def test_integers_beyond_their_bounds_are_422_on_every_paginated_route(client, path):
    sep = "&" if "?" in path else "?"
    for query, message in [
        (f"offset={OVER_INT64}", "offset: Input should be less than or equal to 1000000000"),
        ("offset=9223372036854775808", "offset: Input should be less than or equal to"),
        ("offset=-1", "offset: Input should be greater than or equal to 0"),
        (f"limit={OVER_INT64}", "limit: Input should be less than or equal to 200"),
        ("limit=NaN", "limit: Input should be a valid integer"),
    ]:
        r = client.get(f"{path}{sep}{query}")
        if path.startswith("/api/"):
            assert message in api_error(r, 422), query
        else:
            assert r.status_code == 422 and r.headers["content-type"].startswith("text/html")
            assert message in text_of(r.text), query
    assert client.get(f"{path}{sep}offset=1000000000").status_code in (200, 404)  # the bound


@pytest.mark.parametrize("url, message", [
    ("/api/v1/stats?top=" + OVER_INT64, "top: Input should be less than or equal to 200"),
    ("/api/v1/search?q=a%00b", "q: must not contain NUL characters"),
    ("/api/v1/articles?outlet=%00", "outlet: must not contain NUL characters"),
    ("/api/v1/articles/%00", "article_id: must not contain NUL characters"),
    ("/api/v1/search?q=" + "x" * 501, "q: String should have at most 500 characters"),
    ("/api/v1/sources?q=" + "x" * 501, "q: String should have at most 500 characters"),
    ("/api/v1/articles?outlet=" + "x" * 2_001, "outlet: must be at most 2,000 characters"),
    ("/api/v1/articles?from=" + "2" * 65, "from: String should have at most 64 characters"),
    ("/api/v1/articles/" + "a" * 65, "article_id: String should have at most 64 characters"),
    ("/api/v1/articles?limit=5&limit=6", "limit: given more than once"),
    ("/api/v1/search?q=port&q=dam", "q: given more than once"),
    ("/api/v1/articles?from=2026-02-30", "from: not a date"),
    ("/api/v1/search?scope=everything", "scope: String should match pattern"),
    ("/api/v1/sources?type=secret", "type: must be one of"),
])
def test_bad_text_dates_enums_and_repeats_are_422_json(client, url, message):
    assert message in api_error(client.get(url), 422)


def test_bad_parameters_on_pages_are_the_error_page(client):
    for url, message in [
        ("/search?q=port&offset=" + OVER_INT64, "offset: Input should be less than or equal to"),
        ("/sources?name=%00", "name: must not contain NUL characters"),
        ("/articles?outlet=a&outlet=b", "outlet: given more than once"),
        ("/search?scope=everything", "scope: must be one of articles, claims"),
    ]:
        r = client.get(url)
        assert r.status_code == 422 and r.headers["content-type"].startswith("text/html")
        assert message in text_of(r.text), url
    # Invalid UTF-8 in a URL arrives as U+FFFD (Starlette decodes with replacement), which is
    # plain text to search for; a lone surrogate that did arrive would be refused.
    assert client.get("/api/v1/search?q=%ED%A0%80").status_code == 200
    from claimledger.web import deps

    assert "surrogate" in deps._text_problem("a\ud800")


# --------------------------------------------------------------------------- cross-origin writes


@pytest.fixture(scope="module")
def writable(pristine, tmp_path_factory):
    """An app over a store of its own that these tests may write."""
    path = str(tmp_path_factory.mktemp("web-w") / "store.duckdb")
    shutil.copy(pristine, path)
    with TestClient(create_app(path), raise_server_exceptions=False) as c:
        yield c


REFUSED = [  # headers of a write that must be refused, whatever else the request says
    {"Origin": "http://evil.example"},
    {"Origin": "null"},
    {"Origin": "http://evil.example", "Sec-Fetch-Site": "same-origin"},
    {"Origin": "http://testserver.evil.example"},
    {"Origin": "http://testserver:8080"},  # another port
    {"Origin": "https://testserver"},  # another scheme
    {"Origin": ""},
    {"Origin": "not a url"},
    {"Referer": "http://evil.example/form.html"},
    {"Referer": "http://evil.example/", "Sec-Fetch-Site": "same-origin"},
    {"Origin": "http://evil.example", "Referer": "http://testserver/upload"},
    {"Sec-Fetch-Site": "cross-site"},
    {"Sec-Fetch-Site": "same-site"},
    {"Origin": "http://testserver", "Sec-Fetch-Site": "cross-site"},
]
ALLOWED = [
    {},  # curl, a script: no Origin, no Referer, no Sec-Fetch-Site
    {"Origin": "http://testserver"},
    {"Origin": "http://TestServer:80"},  # the default port, any case
    {"Referer": "http://testserver/upload?x=1"},
    {"Origin": "http://testserver", "Sec-Fetch-Site": "same-origin"},
    {"Sec-Fetch-Site": "same-origin"},
    {"Sec-Fetch-Site": "none"},  # typed into the address bar
]


def _case(headers: dict[str, str]) -> str:
    return " ".join(f"{k}={v}" for k, v in headers.items()) or "no headers"


@pytest.mark.parametrize("headers", REFUSED, ids=_case)
def test_cross_origin_writes_are_refused(writable, headers):
    before = writable.get("/api/v1/stats").json()["articles"]
    text = "Ferry fares rise\n\nThe minister, Ines Molnar, said ferry fares would rise."
    r = writable.post("/upload", data={"text": text}, headers=headers, follow_redirects=False)
    assert r.status_code == 403 and "cross-origin requests are refused" in text_of(r.text)
    message = api_error(writable.post("/api/v1/upload", json={"text": text}, headers=headers), 403)
    assert message.startswith("cross-origin requests are refused")
    assert writable.get("/api/v1/stats").json()["articles"] == before  # nothing stored


@pytest.mark.parametrize("headers", ALLOWED, ids=_case)
def test_same_origin_and_headerless_writes_pass_the_guard(writable, headers):
    # Empty text: past the guard, the route itself answers 422 (no analysis needed).
    r = writable.post("/upload", data={"text": " "}, headers=headers)
    assert r.status_code == 422 and "nothing to analyse" in r.text
    api_error(writable.post("/api/v1/upload", json={"text": " "}, headers=headers), 422)


def test_a_same_origin_upload_is_stored(writable):
    text = "Tram fares fall\n\nThe mayor, Rui Vale, said tram fares would fall in May."
    r = writable.post("/upload", data={"text": text}, follow_redirects=False,
                      headers={"Origin": "http://testserver", "Sec-Fetch-Site": "same-origin"})
    assert r.status_code == 303 and r.headers["location"] == f"/articles/{article_id(text)}"


def test_origin_behind_a_reverse_proxy(pristine, tmp_path):
    """Behind a TLS proxy the origin is the one the browser saw: the Host the proxy passes on
    and the scheme uvicorn takes from its X-Forwarded-Proto (here, the client's https)."""
    path = str(tmp_path / "proxied.duckdb")
    shutil.copy(pristine, path)
    with TestClient(create_app(path), base_url="https://ledger.example:8443",
                    raise_server_exceptions=False) as c:
        assert c.post("/api/v1/upload", json={"text": " "},
                      headers={"Origin": "https://ledger.example:8443"}).status_code == 422
        for origin in ("https://ledger.example", "http://ledger.example:8443",
                       "https://evil.example:8443"):
            r = c.post("/api/v1/upload", json={"text": " "}, headers={"Origin": origin})
            assert r.status_code == 403, origin
        # A proxy that does not pass the Host on: the app sees its own address, and refuses.
        r = c.post("/api/v1/upload", json={"text": " "},
                   headers={"Host": "127.0.0.1:8765", "Origin": "https://ledger.example:8443"})
        assert r.status_code == 403


# --------------------------------------------------------------------------- server-side paths


def test_web_never_shows_where_the_server_read_an_article(tmp_path):
    """An article ingested from a file, one that failed, and one uploaded: no page, report or
    API answer names the server's directories or the upload marker; the CLI store keeps them."""
    from claimledger.corpus.ingest import ingest

    secret = tmp_path / "srv-private-inbox-7f3a"
    secret.mkdir()
    article = secret / "harbour.txt"
    article.write_text("Harbour dues rise\n\nThe port director, Lena Ostrova, said harbour dues "
                       "would rise by 5% in June.\n", encoding="utf-8")
    (secret / "broken.pdf").write_bytes(b"%PDF-1.4 not an article")
    db = str(tmp_path / "ingested.duckdb")
    ingest([str(article), str(secret / "broken.pdf")], db, workers=1, progress=False)
    with Store(db, read_only=True) as store:
        (aid,) = store.article_ids()
        assert store.ledger(aid).meta.path == str(article)  # the store keeps it
        assert str(secret) in json.dumps(corpus_stats(store)["recent_errors"])
    with TestClient(create_app(db)) as c:
        text = "Dock strike ends\n\nThe union leader, Omar Haddad, said the strike was over."
        r = c.post("/upload", data={"text": text}, follow_redirects=False)
        assert r.status_code == 303
        uploaded = article_id(text)
        urls = ["/", "/articles", "/search?q=harbour", "/search?q=dues&scope=claims",
                "/sources", "/sources?name=Lena+Ostrova", "/api/v1/articles", "/api/v1/stats",
                "/api/v1/search?q=harbour", "/api/v1/sources?q=lena",
                "/api/v1/sources/statements?name=Lena+Ostrova"]
        for i in (aid, uploaded):
            urls += [f"/articles/{i}", f"/articles/{i}/report", f"/api/v1/articles/{i}",
                     f"/api/v1/articles/{i}/meta"]
        seen = {}
        for url in urls:
            r = c.get(url)
            assert r.status_code == 200, url
            seen[url] = r.text
        for url, body in seen.items():
            for leak in (str(tmp_path), "srv-private-inbox", "upload:", "pasted text"):
                assert leak not in body, (url, leak)
        assert c.get(f"/api/v1/articles/{aid}").json()["meta"]["path"] is None
        assert "Harbour dues rise" in seen[f"/articles/{aid}/report"]
        # The failed input is named by its file name, the store by its own.
        assert "broken.pdf" in text_of(seen["/"])
        stats = c.get("/api/v1/stats").json()
        assert stats["store"] == "ingested.duckdb"
        assert [e["input"] for e in stats["recent_errors"]] == ["broken.pdf"]


# --------------------------------------------------------------------------- cached answers


def test_cached_answers_are_the_same_and_follow_uploads(fresh):
    c = fresh()
    first = c.get(f"/articles/{ID1}/report")
    again = c.get(f"/articles/{ID1}/report")
    assert again.content == first.content
    assert again.headers["content-security-policy"] == REPORT_POLICY + "; frame-ancestors 'self'"
    assert again.headers["x-content-type-options"] == "nosniff"
    assert c.get("/api/v1/stats").json()["articles"] == 4
    assert "4 articles" in text_of(c.get("/").text)
    text = "Canal reopens\n\nThe canal authority, Ivo Brandt, said the canal had reopened."
    assert c.post("/api/v1/upload", json={"text": text}).status_code == 201
    assert c.get("/api/v1/stats").json()["articles"] == 5
    text = "Canal closes\n\nThe canal authority, Ivo Brandt, said the canal would close."
    assert c.post("/upload", data={"text": text}, follow_redirects=False).status_code == 303
    assert "6 articles" in text_of(c.get("/").text)
    assert c.get("/api/v1/stats").json()["articles"] == 6


def test_response_cache_keeps_at_most_its_bytes():
    from starlette.responses import Response

    from claimledger.web.deps import ResponseCache

    cache = ResponseCache(max_bytes=1_000)
    for i in range(20):
        cache.put((0, f"/p{i}", b""), Response(b"x" * 100))
    assert cache.get((0, "/p0", b"")) is None and cache.get((0, "/p19", b"")).body == b"x" * 100
    assert sum(cache.get((0, f"/p{i}", b"")) is not None for i in range(20)) == 10
    cache.put((0, "/big", b""), Response(b"x" * 200))  # over an eighth of the cache: not kept
    cache.put((0, "/missing", b""), Response(b"gone", status_code=404))
    assert cache.get((0, "/big", b"")) is None and cache.get((0, "/missing", b"")) is None
    cache.clear()
    assert cache.get((0, "/p19", b"")) is None
    cache.put((0, "/late", b""), Response(b"old"))  # made before the store changed: dropped
    assert cache.get((1, "/late", b"")) is None and cache.get((0, "/late", b"")) is None
    off = ResponseCache(max_bytes=0)
    off.put((0, "/", b""), Response(b"x"))
    assert off.get((0, "/", b"")) is None


def test_serve_with_workers(pristine, tmp_path):
    """``serve --read-only --workers 2`` answers from two processes; without --read-only
    several workers are refused (one writer per store)."""
    import socket
    import subprocess
    import time

    import httpx

    path = str(tmp_path / "served.duckdb")
    shutil.copy(pristine, path)
    refused = subprocess.run(
        [sys.executable, "-m", "claimledger", "serve", "--db", path, "--workers", "2"],
        capture_output=True, text=True, timeout=60)
    assert refused.returncode == 2 and "--workers above 1 needs --read-only" in refused.stderr
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "claimledger", "serve", "--db", path, "--port", str(port),
         "--read-only", "--workers", "2"], stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 90
        while True:
            assert proc.poll() is None, proc.stderr.read()
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/api/v1/articles?limit=1", timeout=2)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline
                time.sleep(0.2)
        assert r.status_code == 200 and r.json()["total"] == 4
        for _ in range(10):
            r = httpx.get(f"http://127.0.0.1:{port}/articles/{ID1}", timeout=10)
            assert r.status_code == 200
    finally:
        proc.terminate()
        proc.wait(30)
    assert "2 worker processes" in proc.stderr.read()
