"""Tests of the output renderers, on ledgers built by hand (no spaCy needed)."""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
from html.parser import HTMLParser

import pytest

from claimledger.errors import UsageError
from claimledger.model import Attribution, Ledger, Meta, Source, TextSpan
from claimledger.render import FORMATS, render
from claimledger.render.html import render_html
from claimledger.render.table import render_table

ARTICLE = (
    "Health Minister Maria Lopez said on Tuesday that \"we will not close a single school "
    "this winter.\"\n\n"
    "\"The numbers simply do not support it,\" Lopez told reporters, adding that the Ministry "
    "of Education would review the policy in March.\n\n"
    "According to the Ministry of Education, 40 schools have reported outbreaks.\n\n"
    "One official, who spoke on condition of anonymity because they were not authorised to "
    "speak publicly, said the plan was \"a gamble that could backfire.\"\n\n"
    "Critics say the approach is reckless. "
    "Some experts warned that \"it is too early to tell.\"\n\n"
    "The report claims infections have doubled."
)


def span(text: str, needle: str, nth: int = 1, after: str | None = None) -> TextSpan:
    """The ``nth`` occurrence of ``needle`` in ``text`` (after ``after`` when given)."""
    start = text.index(after) if after else 0
    pos = -1
    for _ in range(nth):
        pos = text.index(needle, pos + 1 if pos >= 0 else start)
    return TextSpan(needle, pos, pos + len(needle))


def at(s: TextSpan) -> tuple[int, int]:
    """A span as a mention pair."""
    return (s.start, s.end)


def attribution(
    aid: str,
    sid: str | None,
    content: TextSpan,
    kind: str = "direct",
    cue: TextSpan | None = None,
    source: TextSpan | None = None,
) -> Attribution:
    """An attribution with keyword-friendly defaults."""
    return Attribution(aid, sid, source, cue, content, kind)  # type: ignore[arg-type]


def sample_ledger() -> Ledger:
    """A ledger covering every source type, overlapping spans and an unresolved source."""
    t = ARTICLE
    lopez1, lopez2 = span(t, "Maria Lopez"), span(t, "Lopez", 2)
    moe1, moe2 = span(t, "Ministry of Education"), span(t, "the Ministry of Education", 2)
    official, critics = span(t, "One official"), span(t, "Critics")
    experts, report = span(t, "Some experts"), span(t, "The report")
    sources = (
        Source("S1", "Maria Lopez", "named_person", role="Health Minister",
               mentions=(at(lopez1), at(lopez2))),
        Source("S2", "Ministry of Education", "named_organization",
               mentions=(at(moe1), at(span(t, "Ministry of Education", 2)))),
        Source("S3", "one official", "anonymous", role="official",
               anonymity_reason="not authorised to speak publicly", mentions=(at(official),)),
        Source("S4", "critics", "vague", mentions=(at(critics),)),
        Source("S5", "some experts", "vague", mentions=(at(experts),)),
    )
    attributions = (
        attribution("A1", "S1", span(t, "\"we will not close a single school this winter.\""),
                    cue=span(t, "said"), source=lopez1),
        attribution("A2", "S1", span(t, "\"The numbers simply do not support it,\""),
                    cue=span(t, "told"), source=lopez2),
        attribution("A3", "S1",
                    span(t, "the Ministry of Education would review the policy in March"),
                    kind="indirect", cue=span(t, "adding"), source=lopez2),
        attribution("A4", "S2", span(t, "40 schools have reported outbreaks"), kind="indirect",
                    cue=span(t, "According to"), source=moe2),
        attribution("A5", "S3", span(t, "the plan was \"a gamble that could backfire.\""),
                    kind="mixed", cue=span(t, "said", 2), source=official),
        attribution("A6", "S4", span(t, "the approach is reckless"), kind="indirect",
                    cue=span(t, "say"), source=critics),
        attribution("A7", "S5", span(t, "\"it is too early to tell.\""),
                    cue=span(t, "warned"), source=experts),
        attribution("A8", None, span(t, "infections have doubled"), kind="indirect",
                    cue=span(t, "claims"), source=report),
        attribution("A9", "S99", span(t, "a gamble")),
    )
    meta = Meta(path="articles/schools.txt", title="Schools stay open, minister says",
                outlet="Daily Example", published="2024-11-05")
    return Ledger(t, meta, sources, attributions)


HOSTILE = (
    "Intro <script>alert(1)</script> and <img src=x onerror=alert(1)> then "
    "<a href=\"javascript:alert(1)\">x</a>.\nThe mayor said \"<b>bold</b> & 'quoted'\" today. "
    "</div></span><!-- --> ]]> {{x}} ${x} \x00 end"
)


def hostile_ledger() -> Ledger:
    """A ledger whose article text, names, roles and meta are all hostile HTML."""
    t = HOSTILE
    name = '<script>alert("name")</script>'
    sources = (
        Source("S1", name, "named_person", role='"><img src=x onerror=alert(2)>',
               affiliation="<style>body{}</style>", mentions=(at(span(t, "The mayor")),)),
    )
    attributions = (
        attribution("A1", "S1", span(t, "<script>alert(1)</script>"), cue=span(t, "and")),
        attribution("A2", "S1", span(t, "\"<b>bold</b> & 'quoted'\""), cue=span(t, "said"),
                    source=span(t, "The mayor")),
        attribution("A3", None, span(t, "<a href=\"javascript:alert(1)\">x</a>"),
                    source=TextSpan("<img src=x onerror=alert(3)>", 0, 0)),
    )
    meta = Meta(title="<script>alert('title')</script> & \"q\"",
                url="javascript:alert(4)", path="</title><script>alert(5)</script>")
    return Ledger(t, meta, sources, attributions)


class Tags(HTMLParser):
    """Collects every start tag with its attributes, and the text of script elements."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts.append(data)


def parse(page: str) -> Tags:
    """The tags of a page."""
    parser = Tags()
    parser.feed(page)
    parser.close()
    return parser


def article_text(page: str) -> str:
    """The text of the article container: tags stripped, entities decoded."""
    match = re.search(r'<div id="article" class="article">(.*?)</div>', page, re.S)
    assert match, "article container not found"
    return html.unescape(re.sub(r"<[^>]*>", "", match.group(1)))


# --------------------------------------------------------------------------- fixtures check


def test_sample_spans_are_consistent() -> None:
    ledger = sample_ledger()
    for a in ledger.attributions:
        for s in (a.content, a.cue, a.source):
            if s is not None and s.end > s.start:
                assert ledger.text[s.start:s.end] == s.text


# --------------------------------------------------------------------------- dispatch / json


def test_formats_and_unknown_format() -> None:
    assert FORMATS == ("table", "json", "jsonl", "html")
    with pytest.raises(UsageError, match="unknown output format"):
        render(sample_ledger(), "xml")


def test_json_round_trip() -> None:
    ledger = sample_ledger()
    out = render(ledger, "json")
    assert out == json.dumps(ledger.to_dict(), ensure_ascii=False, indent=2)
    assert Ledger.from_dict(json.loads(out)) == ledger


def test_json_round_trip_hostile_and_empty() -> None:
    for ledger in (hostile_ledger(), Ledger("")):
        assert Ledger.from_dict(json.loads(render(ledger, "json"))) == ledger


def test_json_list_is_array() -> None:
    ledgers = [sample_ledger(), hostile_ledger()]
    data = json.loads(render(ledgers, "json"))
    assert [Ledger.from_dict(d) for d in data] == ledgers


def test_jsonl_one_compact_object_per_line() -> None:
    ledgers = [sample_ledger(), hostile_ledger(), Ledger("é\nü")]
    out = render(ledgers, "jsonl")
    lines = out.splitlines()
    assert out.endswith("\n") and len(lines) == 3
    assert [Ledger.from_dict(json.loads(line)) for line in lines] == ledgers
    assert "é" in out  # ensure_ascii=False
    assert render(sample_ledger(), "jsonl").count("\n") == 1


def test_html_refuses_several_ledgers() -> None:
    with pytest.raises(UsageError, match="one article per file"):
        render([sample_ledger(), sample_ledger()], "html")
    assert render([sample_ledger()], "html") == render_html(sample_ledger())


# --------------------------------------------------------------------------- table


def test_table_groups_sources_and_statements() -> None:
    out = render_table(sample_ledger())
    order = [
        "Schools stay open, minister says",
        "outlet: Daily Example",
        "5 sources · 9 attributions",
        "NAMED PEOPLE",
        "S1  Maria Lopez",
        "role: Health Minister",
        "we will not close a single school",
        "The numbers simply do not support it",
        "the Ministry of Education would review",
        "NAMED ORGANIZATIONS",
        "S2  Ministry of Education",
        "40 schools have reported outbreaks",
        "ANONYMOUS SOURCES",
        "S3  one official",
        "anonymity: not authorised to speak publicly",
        "a gamble that could backfire",
        "VAGUE SOURCES",
        "S4  critics",
        "the approach is reckless",
        "S5  some experts",
        "it is too early to tell",
        "UNRESOLVED SOURCE · 2 statements",
        "no source text · unknown source id S99",
        "(no cue)",
        "source text: “The report”",
        "infections have doubled",
    ]
    positions = [out.find(s) for s in order]
    assert -1 not in positions, [s for s, p in zip(order, positions) if p < 0]
    assert positions == sorted(positions), out


def test_table_header_counts_by_type() -> None:
    out = render_table(sample_ledger())
    assert ("by source type: named person 3 · named organization 1 · anonymous 1 · vague 2 · "
            "unresolved source 2") in out


def test_table_rows_carry_id_kind_and_cue() -> None:
    lines = render_table(sample_ledger()).splitlines()
    row = next(line for line in lines if "40 schools" in line)
    assert re.search(r"A4\s+indirect\s+According to\s+40 schools", row)
    row = next(line for line in lines if "infections have doubled" in line)
    assert re.search(r"A8\s+indirect\s+claims", row)


def test_table_plain_text_even_when_colour_is_forced(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.delenv("NO_COLOR", raising=False)
    text = "Bob said [bold red]hi[/] :smile: \x1b[31mred\x1b[0m \u202eevil\u202c ok."
    ledger = Ledger(
        text,
        sources=(Source("S1", "[b]Bob[/b] \x1b]0;pwned\x07", "named_person"),),
        attributions=(attribution("A1", "S1", TextSpan(text[9:], 9, len(text)),
                                  cue=span(text, "said")),),
    )
    out = render_table(ledger)
    assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out
    assert "[bold red]hi[/]" in out and ":smile:" in out and "[b]Bob[/b]" in out


def test_table_truncates_long_content_and_collapses_whitespace() -> None:
    body = " ".join(["word"] * 100)
    text = f"Ann said {body}\n\n   end."
    ledger = Ledger(
        text,
        sources=(Source("S1", "Ann", "named_person"),),
        attributions=(attribution("A1", "S1", TextSpan(text[9:], 9, len(text)),
                                  cue=span(text, "said")),),
    )
    out = render_table(ledger, width=400)
    row = next(line for line in out.splitlines() if "A1" in line)
    content = row[row.index("word"):]
    assert content.endswith("…") and len(content) <= 160
    assert "  word" not in content


def test_table_width_and_empty_ledger() -> None:
    out = render_table(sample_ledger(), width=60)
    assert max(len(line) for line in out.splitlines()) <= 60
    empty = render_table(Ledger("Nothing here."))
    assert "Untitled article" in empty and "No sources or attributions found." in empty
    assert "NAMED" not in empty and "Unresolved" not in empty


def test_table_several_ledgers() -> None:
    out = render([sample_ledger(), Ledger("x", Meta(title="Second"))], "table")
    assert out.index("Schools stay open") < out.index("Second")


# --------------------------------------------------------------------------- html: security


def test_html_escapes_hostile_article_and_ledger_strings() -> None:
    page = render_html(hostile_ledger())
    for raw in ("<script>alert", "<img src=x", '<a href="javascript', "<b>bold", "</title><script",
                "<style>body", "<!-- -->"):
        assert raw not in page, raw
    no_values = re.sub(r'"[^"]*"', '""', page)  # escaped values never contain a raw quote
    assert not re.search(r"<[^<>]*onerror\s*=", no_values)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;script&gt;alert(&quot;name&quot;)&lt;/script&gt;" in page
    assert "&lt;script&gt;alert(&#x27;title&#x27;)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "&lt;a href=&quot;javascript:alert(1)&quot;&gt;x&lt;/a&gt;" in page


def test_html_only_our_script_and_no_dangerous_attributes() -> None:
    page = render_html(hostile_ledger())
    assert len(re.findall(r"<script", page, re.I)) == 1
    assert len(re.findall(r"<style", page, re.I)) == 1
    tags = parse(page)
    names = {tag for tag, _ in tags.tags}
    assert names <= {"html", "head", "meta", "title", "style", "body", "header", "h1", "h2", "h3",
                     "p", "ul", "li", "span", "div", "aside", "main", "button", "table", "thead",
                     "tbody", "tr", "th", "td", "script"}, names
    assert [tag for tag, _ in tags.tags].count("script") == 1
    for tag, attrs in tags.tags:
        for name in attrs:
            assert not name.startswith("on"), (tag, name)
            assert name not in {"href", "src", "style", "action", "formaction", "srcdoc"}
        for name in ("data-attr", "data-cue", "data-source", "data-mention", "data-pick",
                     "data-goto"):
            if name in attrs:
                assert re.fullmatch(r"[SA][0-9]+( [SA][0-9]+)*", attrs[name] or ""), attrs
        if "class" in attrs:
            assert re.fullmatch(r"[a-z0-9_ -]+", attrs["class"] or ""), attrs


def test_html_csp_pins_the_inline_script_and_style() -> None:
    page = render_html(hostile_ledger())
    tags = parse(page)
    metas = [a for t, a in tags.tags if t == "meta" and a.get("http-equiv")]
    assert len(metas) == 1 and metas[0]["http-equiv"] == "Content-Security-Policy"
    csp = metas[0]["content"] or ""
    assert "default-src 'none'" in csp and "unsafe-inline" not in csp
    assert "base-uri 'none'" in csp and "form-action 'none'" in csp
    script = re.search(r"<script>(.*?)</script>", page, re.S).group(1)  # type: ignore[union-attr]
    style = re.search(r"<style>(.*?)</style>", page, re.S).group(1)  # type: ignore[union-attr]
    for directive, body in (("script-src", script), ("style-src", style)):
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        assert f"{directive} 'sha256-{digest}'" in csp
    # the CSP meta comes before any style or script
    assert page.index("Content-Security-Policy") < page.index("<style>")


def test_html_script_is_constant() -> None:
    first = re.search(r"<script>(.*?)</script>", render_html(sample_ledger()), re.S)
    second = re.search(r"<script>(.*?)</script>", render_html(hostile_ledger()), re.S)
    assert first and second and first.group(1) == second.group(1)


@pytest.mark.parametrize("factory", [sample_ledger, hostile_ledger])
def test_html_references_no_url(factory: object) -> None:
    ledger = factory()  # type: ignore[operator]
    page = render_html(ledger)
    url = r"(?:https?|ftp|file|data|javascript):|//[a-z0-9.-]+\.[a-z]{2,}/"
    assert not re.search(url, page.replace("javascript:alert", ""), re.I)
    tags = " ".join(re.sub(r'"[^"]*"', '""', t) for t in re.findall(r"<[^<>]*>", page))
    assert not re.search(r"\b(?:href|src|xmlns|srcset|poster|action)\s*=", tags, re.I)
    style = re.search(r"<style>(.*?)</style>", page, re.S).group(1)  # type: ignore[union-attr]
    script = re.search(r"<script>(.*?)</script>", page, re.S).group(1)  # type: ignore[union-attr]
    assert "url(" not in style and "@import" not in style
    for word in ("fetch", "XMLHttpRequest", "import", "eval", "innerHTML", "outerHTML",
                 "location", "document.write", "window.open", "Function("):
        assert word not in script


def test_html_malformed_ids_are_replaced() -> None:
    text = "Ann said hello."
    bad = 'S1" onclick="alert(1)'
    ledger = Ledger(
        text,
        sources=(Source(bad, "Ann", "named_person", mentions=((0, 3),)),),
        attributions=(attribution("x<y>", bad, span(text, "hello"), cue=span(text, "said")),),
    )
    page = render_html(ledger)
    assert 'data-pick="S1"' in page and 'data-attr="A1"' in page and 'data-mention="S1"' in page
    assert not re.search(r"<[^<>]*onclick", re.sub(r'"[^"]*"', '""', page))
    assert all(not n.startswith("on") for _, attrs in parse(page).tags for n in attrs)


# --------------------------------------------------------------------------- html: content


def test_html_every_attribution_id_is_a_data_attribute() -> None:
    ledger = sample_ledger()
    tags = parse(render_html(ledger))
    in_text: set[str] = set()
    for _, attrs in tags.tags:
        in_text.update((attrs.get("data-attr") or "").split())
    assert {a.id for a in ledger.attributions} <= in_text


def test_html_article_text_is_preserved_exactly() -> None:
    for ledger in (sample_ledger(), hostile_ledger(), Ledger("")):
        assert article_text(render_html(ledger)) == ledger.text


def test_html_overlaps_are_segmented() -> None:
    ledger = sample_ledger()
    page = render_html(ledger)
    segments = [(a, html.unescape(t)) for a, t in
                re.findall(r'<span class="seg ([^"]*)"[^>]*>([^<]*)</span>', page)]
    by_text = {t: cls.split() for cls, t in segments}
    # a source mention inside a content span
    moe = by_text["Ministry of Education"]
    assert {"content", "t-named_person", "src", "m-named_organization"} <= set(moe)
    # a mention overlapping a longer source span of the same source: one merged segment
    assert by_text["the Ministry of Education"] == ["src", "m-named_organization"]
    # a content inside another content: innermost (dangling S99 -> unresolved) tint, both ids
    assert {"content", "multi", "t-unresolved"} <= set(by_text["a gamble"])
    match = re.search(r'<span [^>]*data-attr="([^"]*)"[^>]*>a gamble</span>', page)
    assert match and set(match.group(1).split()) == {"A5", "A9"}
    # the rest of the outer content keeps the outer attribution only
    assert re.search(r'data-attr="A5" data-source="S3"[^>]*> that could backfire', page)
    assert "cue" in by_text["According to"]
    assert article_text(page) == ledger.text


def test_html_tooltips_and_side_panel() -> None:
    page = render_html(sample_ledger())
    assert 'title="A5: S3 one official (anonymous) — said — mixed' in page
    assert "A8: unresolved source “The report” — claims — indirect" in page
    assert re.search(r'data-pick="S1"[^>]*>.*?Maria Lopez.*?3 statements', page)
    assert re.search(r'data-pick="S4"[^>]*>.*?critics.*?1 statement<', page)
    panel = page[page.index("<aside>"):page.index("</aside>")]
    assert panel.index("Named people") < panel.index("Named organizations") < panel.index(
        "Anonymous sources") < panel.index("Vague sources") < panel.index("Unresolved source")
    assert "<title>Schools stay open, minister says — claimledger</title>" in page
    assert "white-space:pre-wrap" in page


def test_html_attribution_table_lists_everything() -> None:
    ledger = sample_ledger()
    page = render_html(ledger)
    table = page[page.index('<table class="attrs">'):]
    rows = re.findall(r'<tr data-attr="(A[0-9]+)"', table)
    assert sorted(rows) == sorted(a.id for a in ledger.attributions)
    assert "<td>A4</td><td>Ministry of Education</td>" in table


def test_html_untitled_and_out_of_range_spans() -> None:
    text = "Short text."
    ledger = Ledger(
        text,
        sources=(Source("S1", "Ann", "named_person", mentions=((0, 99),)),),
        attributions=(attribution("A1", "S1", TextSpan("x", 5, 500)),
                      attribution("A2", "S1", TextSpan("text", 6, 10))),
    )
    page = render_html(ledger)
    assert "<h1>Untitled article</h1>" in page
    assert "2 spans lay outside the article text" in page
    assert article_text(page) == text
    assert 'data-attr="A2"' in page
