"""Tests of the output renderers, on ledgers built by hand (no spaCy needed)."""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
from dataclasses import replace
from html.parser import HTMLParser

import pytest

from claimledger.errors import UsageError
from claimledger.model import (
    Attribution,
    Claim,
    Evidence,
    Hedge,
    Ledger,
    Meta,
    Source,
    TextSpan,
)
from claimledger.pipeline.profile import build_profile
from claimledger.render import FORMATS, render
from claimledger.render.html import _widths, render_html
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
    "The report claims infections have doubled.\n\n"
    "Attendance reportedly reached over 80 percent on 2 September 2024, but no attendance data "
    "has been published and the leaked memo is disputed."
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
               affiliation="Government", mentions=(at(lopez1), at(lopez2))),
        Source("S2", "Ministry of Education", "named_organization",
               mentions=(at(moe1), at(span(t, "Ministry of Education", 2)))),
        Source("S3", "one official", "anonymous", role="official", affiliation="Government",
               anonymity_reason="not authorised to speak publicly", mentions=(at(official),)),
        Source("S4", "critics", "vague", mentions=(at(critics),)),
        Source("S5", "some experts", "vague", affiliation="Universities",
               mentions=(at(experts),)),
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
    hedges = (
        hedge("H1", span(t, "Critics say"), "weasel"),  # across a mention and a cue
        hedge("H2", span(t, "claims", after="The report"), "evidential"),  # = a cue
        hedge("H3", span(t, "reportedly"), "evidential"),
    )
    evidence = (
        evidence_at("E1", span(t, "The report"), "document", "cited", ("C4",)),  # = a source span
        evidence_at("E2", span(t, "no attendance data"), "data", "missing", ("C5", "C6")),
        evidence_at("E3", span(t, "the leaked memo"), "document", "disputed"),
    )
    claims = (
        claim("C1", span(t, "we will not close a single school this winter"), "prediction", 0.42,
              "A1", dates=(date(t, "this winter", None),)),
        claim("C2", span(t, "40 schools have reported outbreaks"), "statistic", 0.91, "A4",
              quantities=({"text": "40 schools", "span": list(at(span(t, "40 schools"))),
                           "value": 40, "unit": "schools", "qualifier": None},)),
        claim("C3", span(t, "the approach is reckless"), "opinion", 0.35, "A6", "hedged",
              hedge_ids=("H1",)),
        claim("C4", span(t, "infections have doubled"), "statistic", 0.77, "A8", "disputed",
              hedge_ids=("H2",), evidence_ids=("E1",)),
        claim("C5", span(t, "Attendance reportedly reached over 80 percent on 2 September 2024, "
                            "but no attendance data has been published"),
              "statistic", 0.88, None, "hedged", hedge_ids=("H3",), evidence_ids=("E2",),
              quantities=({"text": "over 80 percent",
                           "span": list(at(span(t, "over 80 percent"))), "value": 80,
                           "unit": "percent", "qualifier": "over"},),
              dates=(date(t, "2 September 2024", "2024-09-02"),)),
        # a claim inside another one
        claim("C6", span(t, "no attendance data has been published"), "event", 0.64, None,
              "questioned", evidence_ids=("E2",)),
    )
    profile = build_profile(sources, attributions, claims, evidence)
    return Ledger(t, meta, sources, attributions, claims, hedges, evidence, profile)


def v1_ledger() -> Ledger:
    """The sample as version-1 data: sources and attributions only, no claims or profile."""
    return replace(sample_ledger(), claims=(), hedges=(), evidence=(), profile={})


def hedge(hid: str, s: TextSpan, kind: str) -> Hedge:
    return Hedge(hid, s.text, s.start, s.end, kind)


def evidence_at(
    eid: str, s: TextSpan, kind: str, status: str, claim_ids: tuple[str, ...] = ()
) -> Evidence:
    return Evidence(eid, s.text, s.start, s.end, kind, status, claim_ids)


def date(text: str, needle: str, value: str | None) -> dict[str, object]:
    return {"text": needle, "span": list(at(span(text, needle))), "value": value}


def claim(
    cid: str,
    s: TextSpan,
    type_: str,
    checkworthiness: float,
    attribution_id: str | None,
    certainty: str = "asserted",
    **kw: object,
) -> Claim:
    """A claim over span ``s`` with keyword-friendly defaults."""
    return Claim(cid, s.text, s.start, s.end, type_, checkworthiness,  # type: ignore[arg-type]
                 attribution_id, certainty, **kw)  # type: ignore[arg-type]


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
    sources += (Source("S2", "<i>anon</i>", "anonymous",
                       anonymity_reason="<script>alert(16)</script>"),)
    bold = span(t, "<b>bold</b>")
    hedges = (hedge("H1", bold, '<script>alert("kind")</script>'),)
    evidence = (
        evidence_at("E1", span(t, "<img src=x onerror=alert(1)>"), '"><svg onload=alert(7)>',
                    "</table><script>alert(8)</script>", ("<C1 onclick=x>",)),
    )
    claims = (
        Claim("C1", "<script>alert(1)</script>", *at(span(t, "<script>alert(1)</script>")),
              "<img src=x onerror=alert(9)>", 0.5, "A1",  # type: ignore[arg-type]
              '"><script>alert(10)</script>', ("H1",), ("E1",),  # type: ignore[arg-type]
              ({"text": "<b>", "value": "<script>alert(11)</script>", "unit": "<i>",
                "qualifier": "\"'><svg onload=alert(12)>"},),
              ({"text": "<svg onload=alert(13)>", "value": None},)),
        # a malformed id: every claim gets a positional DOM id
        claim('C2" onclick="alert(14)', span(t, "<a href=\"javascript:alert(1)\">x</a>"),
              "event", 0.9, None),
        claim("C3", span(t, "\"<b>bold</b> & 'quoted'\""), "opinion", 0.2, "A2", "hedged",
              hedge_ids=("H1",)),
    )
    profile = build_profile(sources, attributions, claims, evidence)
    profile["voices_by_affiliation"]['<script>alert("voice")</script>'] = 2
    profile["signals"].append({"id": "<x>", "name": "<script>alert('sig')</script>",
                               "value": "<b>v</b>", "detail": "<img src=x onerror=alert(15)>"})
    return Ledger(t, meta, sources, attributions, claims, hedges, evidence, profile)


# Every data attribute of the page and the id prefixes its value may hold.
DATA_ID_PREFIXES = {
    "data-attr": "A", "data-cue": "A", "data-source": "S", "data-mention": "S", "data-pick": "S",
    "data-goto": "ACE", "data-claim": "C", "data-cstart": "C", "data-hedge": "H",
    "data-evidence": "E",
}


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
    # version-1 data (no profile): the counts by type stay in the header, as before
    out = render_table(v1_ledger())
    assert ("by source type: named person 3 · named organization 1 · anonymous 1 · vague 2 · "
            "unresolved source 2") in out
    # with a profile they move into the PROFILE block, with shares
    assert "by source type" not in render_table(sample_ledger())


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


def lines_between(out: str, start: str, stop: str | None = None) -> list[str]:
    """The lines of ``out`` after the first line containing ``start`` and before ``stop``."""
    lines = out.splitlines()
    i = next(n for n, line in enumerate(lines) if start in line)
    j = next((n for n, line in enumerate(lines) if stop and n > i and stop in line), len(lines))
    return lines[i + 1:j]


def test_table_opens_with_the_profile() -> None:
    out = render_table(sample_ledger())
    assert out.index("Schools stay open") < out.index("PROFILE") < out.index("NAMED PEOPLE")
    profile = "\n".join(lines_between(out, "PROFILE", "NAMED PEOPLE"))
    flat = re.sub(r"\s+", " ", profile)
    assert ("statements 9 · named person 3 (33%) · named organization 1 (11%) · "
            "anonymous 1 (11%) · vague 2 (22%) · unresolved 2 (22%)") in flat
    assert "sources 5 · named person 1 · named organization 1 · anonymous 1 · vague 2" in flat
    assert "voices Government 2 · Universities 1" in flat
    assert ("claims 6 · unattributed 2 (33%) · hedged 2 (33%) · disputed 1 (17%) · "
            "questioned 1 (17%) · only anonymous/vague sources 1 (17%)") in flat
    assert "evidence cited 1 · missing 1 · disputed 1" in flat
    # signals: booleans as yes/no, shares as percentages, counts as numbers, details after a dash
    assert re.search(r"signals\s+Anonymous Sources Cited: yes — 1 anonymous source", profile)
    for line in ("Multiple Anonymous Sources Materially Cited: no",
                 "Dependency on anonymous sources: 11% — share of attributions",
                 "Number of quoted sources: 5", "Number of Claims: 6",
                 "Motivation of Anonymous Source Wanted Anonymity is Given: yes — not "
                 "authorised"):
        assert line in flat, line
    assert "True" not in profile and "0.1111" not in profile


def test_table_voices_are_capped_at_six() -> None:
    ledger = replace(sample_ledger(), profile={
        "voices_by_affiliation": {f"Org{n}": 10 - n for n in range(9)}})
    out = render_table(ledger)
    assert "Org0 10 · Org1 9 · Org2 8 · Org3 7 · Org4 6 · Org5 5 · +3 more" in out
    assert "Org6" not in out


def test_table_claims_section() -> None:
    out = render_table(sample_ledger())
    assert out.index("UNRESOLVED SOURCE") < out.index("CLAIMS · 6 claims") < out.index("EVIDENCE")
    section = lines_between(out, "CLAIMS · 6 claims", "EVIDENCE")
    text = "\n".join(section)
    ids = [m.group(1) for line in section if (m := re.match(r"(C[0-9]+) ", line))]
    assert ids == ["C1", "C2", "C3", "C4", "C5", "C6"]  # article order
    row = next(line for line in section if line.startswith("C3 "))
    assert re.search(r"C3\s+opinion\s+hedged \(Critics say\)\s+0\.35\s+critics \(vague\) · A6",
                     row)
    assert re.search(r"C4\s+statistic\s+disputed \(claims\)\s+0\.77\s+unresolved source "
                     r"“The report” · A8", text)
    assert re.search(r"C5\s+statistic\s+hedged \(reportedly\)\s+0\.88\s+author\n", text)
    assert re.search(r"C6\s+event\s+questioned\s+0\.64\s+author", text)
    assert re.search(r"C2\s+statistic\s+asserted\s+0\.91\s+Ministry of Education "
                     r"\(named organization\)", text)
    assert "» 80 percent (over) · 2024-09-02" in text
    assert "» 40 schools" in text and "» “this winter”" in text
    assert "the approach is reckless" in text


def test_table_claim_text_is_truncated() -> None:
    text = "Ann said " + " ".join(["claim"] * 80) + "."
    ledger = Ledger(text, claims=(claim("C1", TextSpan(text[9:], 9, len(text)), "other", 0.5,
                                        None),))
    out = render_table(ledger, width=400)
    row = next(line for line in out.splitlines() if "claim claim" in line)
    body = row[row.index("claim"):]
    assert body.endswith("…") and len(body) <= 140


def test_table_evidence_grouped_by_status() -> None:
    out = render_table(sample_ledger())
    section = "\n".join(lines_between(out, "EVIDENCE · 3 mentions"))
    assert section.index("missing (1)") < section.index("disputed (1)") < section.index("cited (1)")
    assert re.search(r"E2\s+data\s+no attendance data\s+→ C5, C6", section)
    assert re.search(r"E3\s+document\s+the leaked memo", section)
    assert re.search(r"E1\s+document\s+The report\s+→ C4", section)


def test_table_version_1_ledger_has_no_new_sections() -> None:
    out = render_table(v1_ledger())
    for word in ("PROFILE", "CLAIMS", "EVIDENCE", "signals"):
        assert word not in out
    assert "NAMED PEOPLE" in out and "5 sources · 9 attributions\n" in out


@pytest.mark.parametrize("width", [60, 80, 100, 120])
def test_table_fits_the_width(width: int) -> None:
    out = render_table(sample_ledger(), width=width)
    assert max(len(line) for line in out.splitlines()) <= width
    assert "C5" in out and "PROFILE" in out


def test_table_and_html_survive_a_malformed_profile() -> None:
    text = "Ann said hello."
    ledger = Ledger(
        text,
        claims=(Claim("C1", "hello", 9, 14, "event", float("nan"), "A404", "weird",
                      ("H404",), ("E404",), ("not a dict",),  # type: ignore[arg-type]
                      ({"text": "then", "value": None},)),),
        profile={"attributions": "many", "attributions_by_source_type": [1, 2],
                 "sources_by_type": {"named_person": {"count": -3}, "x": "y"},
                 "voices_by_affiliation": {"": 3, "Ok": 1.0, "Bad": "z"},
                 "claims": 1, "claims_hedged": {"count": 1, "share": float("inf")},
                 "evidence": None, "signals": [1, None, {"name": None}, {"name": "Weird", "value":
                 [1, 2], "detail": {"a": 1}}, {"name": "Share", "value": 0.004}]},
    )
    out = render_table(ledger)
    assert "PROFILE" in out and "Weird: [1, 2]" in out and "Share: <1%" in out
    assert "voices      Ok 1" in out
    assert re.search(r"C1\s+event\s+weird\s+0\.00\s+unknown attribution A404", out)
    assert "» “then”" in out
    page = render_html(ledger)
    assert article_text(page) == text and '<section class="profile"' in page
    assert "c-other" in page  # unknown certainty: a fixed class, never the raw value


# --------------------------------------------------------------------------- html: security


def test_html_escapes_hostile_article_and_ledger_strings() -> None:
    page = render_html(hostile_ledger())
    for raw in ("<script>alert", "<img src=x", '<a href="javascript', "<b>bold", "</title><script",
                "<style>body", "<!-- -->", "<svg", "<i>", "<b>", "<x>", "</table><script"):
        assert raw not in page, raw
    no_values = re.sub(r'"[^"]*"', '""', page)  # escaped values never contain a raw quote
    assert not re.search(r"<[^<>]*\bon[a-z]+\s*=", no_values)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;script&gt;alert(&quot;name&quot;)&lt;/script&gt;" in page
    assert "&lt;script&gt;alert(&#x27;title&#x27;)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "&lt;a href=&quot;javascript:alert(1)&quot;&gt;x&lt;/a&gt;" in page
    # the new parts: claims and evidence (tables), the profile (voices, signals)
    assert '<td class="nw">&lt;img src=x onerror=alert(9)&gt;</td>' in page  # claim type
    assert "&lt;script&gt;alert(&quot;voice&quot;)&lt;/script&gt;" in page
    assert "&lt;script&gt;alert(&#x27;sig&#x27;)&lt;/script&gt;" in page
    assert "&lt;/table&gt;&lt;script&gt;alert(8)&lt;/script&gt;" in page  # evidence status
    assert "&lt;script&gt;alert(11)&lt;/script&gt; &lt;i&gt;" in page  # a quantity


def test_html_only_our_script_and_no_dangerous_attributes() -> None:
    page = render_html(hostile_ledger())
    assert len(re.findall(r"<script", page, re.I)) == 1
    assert len(re.findall(r"<style", page, re.I)) == 1
    tags = parse(page)
    names = {tag for tag, _ in tags.tags}
    assert names <= {"html", "head", "meta", "title", "style", "body", "header", "h1", "h2", "h3",
                     "p", "ul", "li", "span", "div", "aside", "main", "button", "table", "thead",
                     "tbody", "tr", "th", "td", "script", "section", "dl", "dt", "dd"}, names
    assert [tag for tag, _ in tags.tags].count("script") == 1
    for tag, attrs in tags.tags:
        for name in attrs:
            assert not name.startswith("on"), (tag, name)
            assert name not in {"href", "src", "style", "action", "formaction", "srcdoc"}
        for name, prefix in DATA_ID_PREFIXES.items():
            if name in attrs:
                ids = rf"[{prefix}][0-9]{{1,9}}"
                assert re.fullmatch(rf"{ids}( {ids})*", attrs[name] or ""), attrs
        assert all(n in DATA_ID_PREFIXES for n in attrs if n.startswith("data-")), attrs
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
        claims=(claim("c<1>", span(text, "hello"), "event", 0.5, "x<y>"),
                claim("C1 C2", span(text, "said hello"), "event", 0.5, None)),
        hedges=(hedge("H-1", span(text, "said"), "evidential"),),
        evidence=(evidence_at("<E>", span(text, "hello"), "other", "cited"),),
    )
    page = render_html(ledger)
    assert 'data-pick="S1"' in page and 'data-attr="A1"' in page and 'data-mention="S1"' in page
    assert 'data-claim="C1" data-goto="C1"' in page and 'data-claim="C2" data-goto="C2"' in page
    assert 'data-claim="C2" data-cstart="C2" data-hedge="H1"' in page  # "said"
    assert 'data-claim="C1 C2" data-cstart="C1" data-evidence="E1"' in page  # "hello"
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


def segment_attrs(page: str) -> list[tuple[dict[str, str], str]]:
    """Every annotated segment of the article: its attributes and its (decoded) text."""
    article = page[page.index('<div id="article"'):page.index('<h2 class="tbl">')]
    out = []
    for tag, text in re.findall(r'(<span class="seg [^>]*>)([^<]*)</span>', article):
        attrs = dict(parse(tag + "</span>").tags[0][1])
        out.append(({k: v or "" for k, v in attrs.items()}, html.unescape(text)))
    return out


def seg(page: str, text: str) -> dict[str, str]:
    """The attributes of the one segment whose text is ``text``."""
    found = [a for a, t in segment_attrs(page) if t == text]
    assert len(found) == 1, (text, found)
    return found[0]


def test_html_profile_panel() -> None:
    page = render_html(sample_ledger())
    assert page.index("</header>") < page.index('<section class="profile"') < page.index(
        '<div class="layout">')
    panel = page[page.index('<section class="profile"'):page.index("</section>")]
    for title in ("Statements by source type", "Sources", "Claims", "Evidence", "Signals"):
        assert f"<h2>{title}" in panel, title
    # the stacked bar: one div per non-empty type, widths as classes that add up to 100
    bar = re.findall(r'<div class="t-([a-z_]+) w-([0-9]+)" title="([^"]*)">', panel)
    assert [t for t, _, _ in bar] == [
        "named_person", "named_organization", "anonymous", "vague", "unresolved"]
    assert sum(int(w) for _, w, _ in bar) == 100
    assert bar[0][2] == "named person: 3 (33%)"
    assert '<span class="n">3 <span class="pc">33%</span></span>' in panel
    assert "<li>Government<span class=\"n\">2</span></li>" in panel
    assert re.search(r"only anonymous/vague sources</span><span class=\"n\">1 <span class=\"pc\">"
                     r"17%</span></span><span class=\"bar\"><span class=\"w-17\">", panel)
    # signals: a definition list, the CredWeb id and the detail as a tooltip
    assert ('<dt title="W3C CredWeb 7.4.1.7 — 1 anonymous source(s), 1 statement(s)">'
            'Anonymous Sources Cited</dt><dd class="yes">yes</dd>') in panel
    assert "Dependency on anonymous sources</dt><dd>11%</dd>" in panel
    assert ">Multiple Anonymous Sources Materially Cited</dt><dd class=\"no\">no</dd>" in panel
    assert "Number of Claims</dt><dd>6</dd>" in panel


def test_html_bar_widths_are_stylesheet_classes() -> None:
    page = render_html(sample_ledger())
    style = re.search(r"<style>(.*?)</style>", page, re.S).group(1)  # type: ignore[union-attr]
    assert ".w-0{width:0%}" in style and ".w-100{width:100%}" in style
    used = set(re.findall(r"\bw-([0-9]+)\b", page.split("</style>", 1)[1]))
    assert used and all(f".w-{n}{{width:{n}%}}" in style for n in used)
    assert _widths([1, 1, 1]) == [34, 33, 33]
    assert _widths([1, 999]) == [1, 99]  # a non-zero count is never invisible
    assert _widths([0, 5, 0]) == [0, 100, 0] and _widths([0, 0]) == [0, 0]
    for counts in ([3, 1, 1, 2, 2], [1] * 7, [0, 1, 2, 3, 500]):
        assert sum(_widths(counts)) == 100


def test_html_hedges_evidence_and_claims_in_the_article() -> None:
    ledger = sample_ledger()
    page = render_html(ledger)
    # a hedge inside a claim
    r = seg(page, "reportedly")
    assert {"hedge", "k-evidential", "claim", "c-hedged"} <= set(r["class"].split())
    assert r["data-hedge"] == "H3" and r["data-claim"] == "C5"
    assert "H3 hedge (evidential): “reportedly”" in r["title"]
    assert ("C5 claim · statistic · hedged (reportedly) · check-worthiness 0.88 · author"
            in r["title"])
    # evidence inside two nested claims, where the inner claim starts
    e = seg(page, "no attendance data")
    assert {"evidence", "ev-missing", "ev-first", "ev-last", "claim", "claim-start"} <= set(
        e["class"].split())
    assert e["data-evidence"] == "E2" and e["data-claim"] == "C5 C6" and e["data-cstart"] == "C6"
    assert "E2 evidence missing (data): “no attendance data”" in e["title"]
    # evidence that is also the source span of an attribution
    rep = seg(page, "The report")
    assert {"src", "m-unresolved", "evidence", "ev-cited"} <= set(rep["class"].split())
    assert "ev-disputed" in seg(page, "the leaked memo")["class"]
    # a hedge across a source mention and a cue: both pieces carry it
    assert {"src", "hedge", "k-weasel"} <= set(seg(page, "Critics")["class"].split())
    assert {"cue", "hedge"} <= set(seg(page, "say")["class"].split())
    # the claim over a whole content: its first segment is marked
    first = seg(page, "the approach is reckless")
    assert {"content", "t-vague", "claim", "c-hedged", "claim-start"} <= set(first["class"].split())
    assert first["data-cstart"] == "C3" and first["data-attr"] == "A6"
    # every claim, hedge and evidence is placed, each claim starts exactly once
    segs = segment_attrs(page)
    starts = [i for a, _ in segs for i in a.get("data-cstart", "").split()]
    assert sorted(starts) == sorted(c.id for c in ledger.claims)
    for name, items in (("data-claim", ledger.claims), ("data-hedge", ledger.hedges),
                        ("data-evidence", ledger.evidence)):
        placed = {i for a, _ in segs for i in a.get(name, "").split()}
        assert placed == {x.id for x in items}, name
    # a claim's segments reassemble into exactly its text
    for c in ledger.claims:
        pieces = "".join(t for a, t in segs if c.id in a.get("data-claim", "").split())
        assert pieces == c.text, c.id
    assert article_text(page) == ledger.text


def test_html_claims_table() -> None:
    ledger = sample_ledger()
    page = render_html(ledger)
    table = page[page.index('<h2 class="tbl">Claims (6)</h2>'):page.index('<h2 class="tbl">Evid')]
    rows = re.findall(r'<tr data-claim="(C[0-9]+)" data-goto="(C[0-9]+)"', table)
    assert [a for a, _ in rows] == ["C1", "C2", "C3", "C4", "C5", "C6"]
    assert all(a == b for a, b in rows)
    row = re.search(r'<tr data-claim="C3".*?</tr>', table).group(0)  # type: ignore[union-attr]
    assert 'data-source="S4"' in row  # picking the source highlights its claims
    assert ('<td class="nw">C3</td><td class="nw">opinion</td><td><span class="chip c-hedged">'
            'hedged</span> <span class="hedges">(Critics say)</span></td>') in row
    assert '0.35 <span class="bar"><span class="w-35"></span></span>' in row
    assert 'critics <span class="aid">A6</span>' in row and "the approach is reckless" in row
    row = re.search(r'<tr data-claim="C5".*?</tr>', table).group(0)  # type: ignore[union-attr]
    assert "data-source" not in row and 'class="sw t-author"' in row and "author" in row
    assert '<span class="facts">80 percent (over) · 2024-09-02</span>' in row
    row = re.search(r'<tr data-claim="C4".*?</tr>', table).group(0)  # type: ignore[union-attr]
    assert "unresolved source “The report”" in row and "c-disputed" in row
    assert "Numbers &amp; dates" in table


def test_html_evidence_table_grouped_by_status() -> None:
    page = render_html(sample_ledger())
    table = page[page.index('<h2 class="tbl">Evidence (3)</h2>'):]
    rows = re.findall(r'<tr data-evidence="(E[0-9]+)" data-goto="E[0-9]+">.*?'
                      r'<span class="chip ev-([a-z]+)">', table)
    assert rows == [("E2", "missing"), ("E3", "disputed"), ("E1", "cited")]
    assert "<td>no attendance data</td><td>C5, C6</td>" in table


def test_html_script_finds_claims_and_evidence() -> None:
    page = render_html(sample_ledger())
    script = re.search(r"<script>(.*?)</script>", page, re.S).group(1)  # type: ignore[union-attr]
    for needle in ("/^C[0-9]{1,9}$/", "/^E[0-9]{1,9}$/", '"data-claim"', '"data-evidence"'):
        assert needle in script


def test_html_legend_lists_the_new_marks() -> None:
    page = render_html(sample_ledger())
    legend = re.search(r'<ul class="legend">.*?</ul>', page).group(0)  # type: ignore[union-attr]
    for cls in ("claim claim-start", "hedge k-epistemic", "evidence ev-missing",
                "evidence ev-disputed", "evidence ev-cited"):
        assert f'class="{cls}"' in legend


def test_html_version_1_ledger() -> None:
    ledger = v1_ledger()
    page = render_html(ledger)
    body = page[page.index("<body>"):page.index("<script>")]
    assert '<section class="profile"' not in body and "Claims (" not in body
    assert "Evidence (" not in body and 'class="claim' not in body and "data-claim" not in body
    assert article_text(page) == ledger.text
    assert re.findall(r'<tr data-attr="(A[0-9]+)"', page)


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
