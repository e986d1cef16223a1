"""A self-contained HTML report: the article with its attributions highlighted, sources alongside.

Every string that comes from the ledger (article text, names, roles, meta) is untrusted and only
ever reaches the page through ``html.escape`` in element text or a quoted ``title``/``data-*``
attribute. The one inline script and the one inline style are constants, pinned by their sha256
in the Content-Security-Policy, and the script only reads ids of the form ``S\\d+`` / ``A\\d+``.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from html import escape

from claimledger.model import SOURCE_TYPES, Attribution, Ledger, Source, TextSpan
from claimledger.render._common import (
    GROUP_TITLES,
    TYPE_LABELS,
    UNRESOLVED,
    clean,
    describe_source,
    in_order,
    plural,
    source_details,
    source_groups,
    type_counts,
    type_key,
    unresolved,
)

_SOURCE_ID = re.compile(r"S[0-9]{1,9}\Z")
_ATTR_ID = re.compile(r"A[0-9]{1,9}\Z")

_CSS = """
:root{--person:#0072b2;--org:#009e73;--anon:#d55e00;--vague:#cc79a7;--unres:#6b6b6b;--other:#8a6d00;
--ink:#1d1d1f;--muted:#5f6368;--line:#d9d9de;--bg:#fbfbfc}
*{box-sizing:border-box}
body{margin:0;font:15px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);
background:var(--bg)}
header{padding:16px 24px;border-bottom:1px solid var(--line);background:#fff}
h1{margin:0 0 4px;font-size:1.35em;overflow-wrap:anywhere}
.meta{color:var(--muted);font-size:.9em;margin:0;overflow-wrap:anywhere}
.meta span+span::before{content:" · "}
.legend{display:flex;flex-wrap:wrap;gap:6px 16px;margin:10px 0 0;padding:0;list-style:none;
font-size:.88em}
.legend li{display:flex;align-items:center;gap:6px}
.layout{display:grid;grid-template-columns:minmax(240px,320px) 1fr;gap:0;align-items:start}
aside{position:sticky;top:0;max-height:100vh;overflow:auto;padding:16px;border-right:1px solid
var(--line);background:#fff;font-size:.9em}
aside h2{font-size:1em;margin:0 0 8px}
aside h3{font-size:.92em;margin:16px 0 6px;display:flex;align-items:center;gap:6px}
aside ul{list-style:none;margin:0;padding:0}
.counts li{display:flex;align-items:center;gap:6px;padding:1px 0}
.counts .n{margin-left:auto;font-variant-numeric:tabular-nums}
.pick{display:block;width:100%;text-align:left;font:inherit;color:inherit;background:none;
border:1px solid transparent;border-radius:6px;padding:5px 6px;cursor:pointer}
.pick:hover{background:#f1f1f4}
.pick:focus-visible{outline:2px solid var(--ink)}
.pick[aria-pressed=true]{border-color:var(--ink);background:#eef}
.pick .nm{font-weight:600;overflow-wrap:anywhere}
.pick .sid,.pick .sub,.pick .k{color:var(--muted);font-size:.9em}
.pick .sub{display:block;overflow-wrap:anywhere}
.orphan{padding:4px 6px;color:var(--muted);overflow-wrap:anywhere}
.hint{color:var(--muted);font-size:.85em;margin-top:16px}
main{padding:16px 28px;min-width:0}
.article{white-space:pre-wrap;overflow-wrap:anywhere;max-width:48em;font-size:1.05em;
line-height:1.75;background:#fff;border:1px solid var(--line);border-radius:8px;padding:18px 22px}
.sw{display:inline-block;width:.9em;height:.9em;border-radius:3px;flex:none;
vertical-align:-.1em}
.sw.t-named_person{background:var(--person)}.sw.t-named_organization{background:var(--org)}
.sw.t-anonymous{background:var(--anon)}.sw.t-vague{background:var(--vague)}
.sw.t-unresolved{background:var(--unres)}.sw.t-other{background:var(--other)}
.content{box-decoration-break:clone;-webkit-box-decoration-break:clone;border-radius:2px}
.content.t-named_person{background:rgba(0,114,178,.16)}
.content.t-named_organization{background:rgba(0,158,115,.17)}
.content.t-anonymous{background:rgba(213,94,0,.15)}
.content.t-vague{background:rgba(204,121,167,.2)}
.content.t-unresolved{background:rgba(107,107,107,.16)}
.content.t-other{background:rgba(138,109,0,.15)}
.content.multi{box-shadow:inset 0 -3px 0 rgba(0,0,0,.18)}
.src{font-weight:650;text-decoration-line:underline;text-decoration-thickness:2px;
text-underline-offset:3px}
.src[data-mention]{cursor:pointer}
.src.m-named_person{text-decoration-color:var(--person)}
.src.m-named_organization{text-decoration-color:var(--org)}
.src.m-anonymous{text-decoration-color:var(--anon)}.src.m-vague{text-decoration-color:var(--vague)}
.src.m-unresolved{text-decoration-color:var(--unres);text-decoration-style:dashed}
.src.m-other{text-decoration-color:var(--other)}
.cue{outline:1px solid #555;outline-offset:1px;border-radius:2px}
.legend .cue,.legend .src{padding:0 3px}
body.focus .article .content:not(.hl){background:none;box-shadow:none;color:#8a8a8e}
body.focus .article .hl{box-shadow:inset 0 -3px 0 var(--ink)}
body.focus .attrs tbody tr:not(.hl){opacity:.35}
.hl-src{background:#ffe98a}
.flash{animation:flash 1.2s ease-out}
@keyframes flash{0%{background:#ffe066}100%{}}
h2.tbl{font-size:1.05em;margin:28px 0 8px}
.attrs{border-collapse:collapse;width:100%;font-size:.88em;background:#fff}
.attrs th,.attrs td{border:1px solid var(--line);padding:5px 7px;text-align:left;
vertical-align:top;overflow-wrap:anywhere}
.attrs th{background:#f3f3f6}
.attrs tbody tr[data-goto]{cursor:pointer}
.attrs tbody tr[data-goto]:hover{background:#f7f7fb}
.warn{color:#9a3412;font-size:.9em}
@media (max-width:800px){.layout{grid-template-columns:1fr}aside{position:static;max-height:none;
border-right:0;border-bottom:1px solid var(--line)}}
@media print{aside{position:static;max-height:none}.attrs tbody tr{opacity:1!important}}
"""

_JS = """
(function () {
  "use strict";
  var SID = /^S[0-9]{1,9}$/, AID = /^A[0-9]{1,9}$/;
  var active = null;
  function all(sel) { return Array.prototype.slice.call(document.querySelectorAll(sel)); }
  function ids(el, name, re) {
    return (el.getAttribute(name) || "").split(" ").filter(function (x) { return re.test(x); });
  }
  function has(el, name, re, id) { return ids(el, name, re).indexOf(id) >= 0; }
  function clear() {
    active = null;
    document.body.classList.remove("focus");
    all(".hl, .hl-src").forEach(function (el) { el.classList.remove("hl", "hl-src"); });
    all("[data-pick]").forEach(function (el) { el.setAttribute("aria-pressed", "false"); });
  }
  function pick(sid) {
    if (!SID.test(sid)) { return; }
    if (active === sid) { clear(); return; }
    clear();
    active = sid;
    document.body.classList.add("focus");
    var first = null, firstCue = null;
    all("[data-source]").forEach(function (el) {
      if (!has(el, "data-source", SID, sid)) { return; }
      el.classList.add("hl");
      if (!el.closest(".article")) { return; }
      if (!first && el.hasAttribute("data-attr")) { first = el; }
      if (!firstCue) { firstCue = el; }
    });
    first = first || firstCue;
    all(".article [data-mention]").forEach(function (el) {
      if (!has(el, "data-mention", SID, sid)) { return; }
      el.classList.add("hl-src");
      if (!first) { first = el; }
    });
    all("[data-pick]").forEach(function (el) {
      if (el.getAttribute("data-pick") === sid) { el.setAttribute("aria-pressed", "true"); }
    });
    if (first) { first.scrollIntoView({ behavior: "smooth", block: "center" }); }
  }
  function goTo(aid) {
    if (!AID.test(aid)) { return; }
    var segs = all(".article [data-attr]").filter(function (el) {
      return has(el, "data-attr", AID, aid);
    });
    if (!segs.length) { return; }
    segs[0].scrollIntoView({ behavior: "smooth", block: "center" });
    segs.forEach(function (el) {
      el.classList.remove("flash");
      void el.offsetWidth;
      el.classList.add("flash");
    });
    window.setTimeout(function () {
      segs.forEach(function (el) { el.classList.remove("flash"); });
    }, 1300);
  }
  document.addEventListener("click", function (ev) {
    var t = ev.target;
    if (!(t instanceof Element)) { return; }
    var p = t.closest("[data-pick]");
    if (p) { pick(p.getAttribute("data-pick") || ""); return; }
    var m = t.closest(".article [data-mention]");
    if (m) {
      var found = ids(m, "data-mention", SID);
      if (found.length) { pick(found[0]); }
      return;
    }
    var g = t.closest("[data-goto]");
    if (g) { goTo(g.getAttribute("data-goto") || ""); }
  });
  document.addEventListener("keydown", function (ev) {
    if (ev.key === "Escape") { clear(); }
  });
})();
"""


def _sha256(text: str) -> str:
    """The CSP hash source for an inline element's exact text."""
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


CSP = (
    "default-src 'none'; "
    f"style-src {_sha256(_CSS)}; "
    f"script-src {_sha256(_JS)}; "
    "img-src 'none'; connect-src 'none'; font-src 'none'; "
    "base-uri 'none'; form-action 'none'"
)


@dataclass(frozen=True, slots=True)
class _Mark:
    """One annotation over ``[start, end)``: a content, cue or source-mention span."""

    start: int
    end: int
    kind: str  # "content" | "cue" | "src"
    type: str  # display type of the source involved
    attr: str | None  # DOM id of the attribution (content, cue)
    source: str | None  # DOM id of the source (owner of the attribution, or the mentioned one)
    title: str


@dataclass(frozen=True, slots=True)
class _Ids:
    """DOM ids for sources and attributions: the ledger's own when well formed, else positional."""

    sources: dict[str, str]
    attributions: dict[str, str]

    def source(self, source_id: str | None) -> str | None:
        """The DOM id of a ledger source id, or ``None``."""
        return self.sources.get(source_id) if source_id is not None else None


def render_html(ledger: Ledger) -> str:
    """The ledger as one self-contained HTML page (inline CSS and JS, no network access)."""
    ids = _dom_ids(ledger)
    marks, skipped = _marks(ledger, ids)
    title = clean(ledger.meta.title) or "Untitled article"
    body = "".join(
        [
            _header(ledger, title),
            '<div class="layout">',
            _panel(ledger, ids),
            "<main>",
            _warning(skipped),
            '<div id="article" class="article">',
            _article(ledger.text, marks),
            "</div>",
            _attribution_table(ledger, ids),
            "</main></div>",
        ]
    )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{escape(CSP, quote=True)}">\n'
        '<meta name="referrer" content="no-referrer">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title, quote=True)} — claimledger</title>\n"
        f"<style>{_CSS}</style>\n"
        f"</head><body>\n{body}\n<script>{_JS}</script>\n</body></html>\n"
    )


def _dom_ids(ledger: Ledger) -> _Ids:
    """Map ledger ids to DOM ids matching ``S\\d+`` / ``A\\d+`` (positional when they do not)."""
    return _Ids(
        sources=_id_map([s.id for s in ledger.sources], "S", _SOURCE_ID),
        attributions=_id_map([a.id for a in ledger.attributions], "A", _ATTR_ID),
    )


def _id_map(raw: list[str], prefix: str, pattern: re.Pattern[str]) -> dict[str, str]:
    """Identity when every id is well formed and unique, else ``prefix + position``."""
    if len(set(raw)) == len(raw) and all(pattern.match(i) for i in raw):
        return {i: i for i in raw}
    mapping: dict[str, str] = {}
    for n, i in enumerate(raw, start=1):
        mapping.setdefault(i, f"{prefix}{n}")
    return mapping


# --------------------------------------------------------------------------- annotations


def _marks(ledger: Ledger, ids: _Ids) -> tuple[list[_Mark], int]:
    """Every non-empty in-range annotation of the text, and how many spans were out of range."""
    candidates: list[_Mark] = []
    for a in ledger.attributions:
        candidates.extend(_attribution_marks(ledger, a, ids))
    candidates.extend(_mention_marks(ledger, ids))
    n = len(ledger.text)
    valid = [m for m in candidates if 0 <= m.start <= m.end <= n]
    unique = list(dict.fromkeys(m for m in valid if m.start < m.end))
    return unique, len(candidates) - len(valid)


def _attribution_marks(ledger: Ledger, a: Attribution, ids: _Ids) -> Iterator[_Mark]:
    """The content, cue and (unresolved) source-text marks of one attribution."""
    source = ledger.source(a.source_id)
    kind = type_key(source)
    owner = ids.source(source.id) if source else None
    attr = ids.attributions[a.id]
    yield _Mark(a.content.start, a.content.end, "content", kind, attr, owner,
                _statement_title(ledger, a, attr))
    if a.cue is not None:
        yield _Mark(a.cue.start, a.cue.end, "cue", kind, attr, owner,
                    f"{attr} cue “{clean(a.cue.text)}” — {_who(ledger, a)}")
    if a.source is not None:
        label = describe_source(source) if source else f"unresolved source: {clean(a.source.text)}"
        yield _Mark(a.source.start, a.source.end, "src", kind, None, owner, label)


def _mention_marks(ledger: Ledger, ids: _Ids) -> Iterator[_Mark]:
    """A mark for every recorded mention of every source."""
    for s in ledger.sources:
        for start, end in s.mentions:
            yield _Mark(start, end, "src", type_key(s), None, ids.source(s.id), describe_source(s))


def _statement_title(ledger: Ledger, a: Attribution, attr: str) -> str:
    """The tooltip of a statement: ``A3: S2 one official (anonymous) — said — direct``."""
    cue = clean(a.cue.text) if a.cue else "no cue"
    return f"{attr}: {_who(ledger, a)} — {cue} — {clean(a.kind)}"


def _who(ledger: Ledger, a: Attribution) -> str:
    """Who an attribution is by: the source description, or what is known of an unresolved one."""
    source = ledger.source(a.source_id)
    if source is not None:
        return describe_source(source)
    who = "unresolved source"
    if a.source is not None and clean(a.source.text):
        who += f" “{clean(a.source.text)}”"
    if a.source_id:
        who += f" (unknown id {clean(a.source_id)})"
    return who


def _segments(text: str, marks: list[_Mark]) -> Iterator[tuple[int, int, list[_Mark]]]:
    """Cut the text at every mark boundary; yield each piece with the marks covering it."""
    bounds = sorted({0, len(text), *(m.start for m in marks), *(m.end for m in marks)})
    starting: dict[int, list[int]] = defaultdict(list)
    ending: dict[int, list[int]] = defaultdict(list)
    for i, m in enumerate(marks):
        starting[m.start].append(i)
        ending[m.end].append(i)
    active: set[int] = set()
    for lo, hi in zip(bounds, bounds[1:]):
        active.difference_update(ending[lo])
        active.update(starting[lo])
        yield lo, hi, [marks[i] for i in sorted(active)]


def _article(text: str, marks: list[_Mark]) -> str:
    """The article text as escaped segments, annotated ones wrapped in a ``<span>``.

    Neighbouring segments that would get the very same opening tag are merged into one.
    """
    runs: list[tuple[str, str]] = []
    for lo, hi, covering in _segments(text, marks):
        tag = _open_tag(covering)
        if runs and runs[-1][0] == tag:
            runs[-1] = (tag, runs[-1][1] + text[lo:hi])
        else:
            runs.append((tag, text[lo:hi]))
    return "".join(
        f"{tag}{escape(piece, quote=True)}</span>" if tag else escape(piece, quote=True)
        for tag, piece in runs
    )


def _open_tag(marks: list[_Mark]) -> str:
    """The ``<span ...>`` carrying every annotation of a segment, or ``""`` for plain text."""
    if not marks:
        return ""
    attrs = {"class": " ".join(_classes(marks))}
    attrs.update(_data(marks))
    attrs["title"] = "\n".join(dict.fromkeys(m.title for m in _tooltip_order(marks)))
    rendered = " ".join(f'{k}="{escape(v, quote=True)}"' for k, v in attrs.items() if v)
    return f"<span {rendered}>"


def _classes(marks: list[_Mark]) -> list[str]:
    """CSS classes of a segment: tint of its innermost content, cue box, mention underline."""
    classes = ["seg"]
    contents = [m for m in marks if m.kind == "content"]
    if contents:
        classes += ["content", "t-" + _innermost(contents).type]
        if len(contents) > 1:
            classes.append("multi")
    if any(m.kind == "cue" for m in marks):
        classes.append("cue")
    mentions = [m for m in marks if m.kind == "src"]
    if mentions:
        classes += ["src", "m-" + _innermost(mentions).type]
    return classes


def _data(marks: list[_Mark]) -> dict[str, str]:
    """The data-* attributes of a segment; every value is a list of generated ids."""

    def join(values: list[str | None]) -> str:
        return " ".join(dict.fromkeys(v for v in values if v))

    return {
        "data-attr": join([m.attr for m in marks if m.kind == "content"]),
        "data-cue": join([m.attr for m in marks if m.kind == "cue"]),
        "data-source": join([m.source for m in marks if m.kind in ("content", "cue")]),
        "data-mention": join([m.source for m in marks if m.kind == "src"]),
    }


def _innermost(marks: list[_Mark]) -> _Mark:
    """The shortest of several overlapping marks (the latest-starting one on ties)."""
    return min(marks, key=lambda m: (m.end - m.start, -m.start))


def _tooltip_order(marks: list[_Mark]) -> list[_Mark]:
    """Marks ordered for the tooltip: statements first, then cues, then mentions."""
    rank = {"content": 0, "cue": 1, "src": 2}
    return sorted(marks, key=lambda m: (rank[m.kind], m.start))


# --------------------------------------------------------------------------- page parts


def _header(ledger: Ledger, title: str) -> str:
    """Title, meta line (as plain text: no links) and the colour legend."""
    meta = ledger.meta
    facts = [("outlet", meta.outlet), ("published", meta.published), ("url", meta.url),
             ("path", meta.path)]
    spans = "".join(
        f"<span>{escape(k)}: {escape(clean(v), quote=True)}</span>" for k, v in facts if clean(v)
    )
    spans += f"<span>text id {escape(ledger.id[:12])}</span>"
    return (
        f"<header><h1>{escape(title, quote=True)}</h1>"
        f'<p class="meta">{spans}</p>{_legend()}</header>'
    )


def _legend() -> str:
    """Swatches for the source types plus samples of the cue and mention styles."""
    items = [
        f'<li><span class="sw t-{key}"></span>{escape(TYPE_LABELS[key])}</li>'
        for key in (*SOURCE_TYPES, UNRESOLVED)
    ]
    items.append('<li><span class="content t-unresolved">statement</span></li>')
    items.append('<li><span class="cue">cue</span></li>')
    items.append('<li><span class="src m-unresolved">source mention</span></li>')
    return f'<ul class="legend">{"".join(items)}</ul>'


def _panel(ledger: Ledger, ids: _Ids) -> str:
    """The side panel: counts by type, then sources grouped by type, then unresolved ones."""
    parts = ["<aside><h2>", escape(plural(len(ledger.attributions), "statement")), " · ",
             escape(plural(len(ledger.sources), "source")), "</h2>", _counts(ledger)]
    for key, sources in source_groups(ledger):
        parts.append(f'<h3><span class="sw t-{key}"></span>{escape(GROUP_TITLES[key])} '
                     f"({len(sources)})</h3><ul>")
        parts.extend(_source_item(ledger, s, ids) for s in sources)
        parts.append("</ul>")
    parts.append(_orphans(ledger))
    parts.append('<p class="hint">Click a source (here or in the text) to highlight its '
                 "statements; click it again or press Esc to clear. Click a row of the table "
                 "to find its statement.</p></aside>")
    return "".join(parts)


def _counts(ledger: Ledger) -> str:
    """Number of statements per source type."""
    rows = "".join(
        f'<li><span class="sw t-{key}"></span>{escape(TYPE_LABELS[key])}'
        f'<span class="n">{n}</span></li>'
        for key, n in type_counts(ledger).items()
    )
    return f'<ul class="counts">{rows}</ul>'


def _source_item(ledger: Ledger, source: Source, ids: _Ids) -> str:
    """One clickable source: swatch, name, id, statement count and details."""
    sid = ids.source(source.id) or ""
    n = len(ledger.attributions_of(source.id))
    details = " · ".join(f"{k}: {v}" for k, v in source_details(source))
    sub = f'<span class="sub">{escape(details, quote=True)}</span>' if details else ""
    return (
        f'<li><button type="button" class="pick" data-pick="{escape(sid, quote=True)}" '
        f'aria-pressed="false"><span class="sw t-{type_key(source)}"></span> '
        f'<span class="nm">{escape(clean(source.name) or "(no name)", quote=True)}</span> '
        f'<span class="sid">{escape(clean(source.id), quote=True)}</span> '
        f'<span class="k">— {escape(plural(n, "statement"))}</span>{sub}</button></li>'
    )


def _orphans(ledger: Ledger) -> str:
    """The unresolved group of the side panel: statements whose source is not known."""
    orphans = unresolved(ledger)
    if not orphans:
        return ""
    items = "".join(
        f'<li class="orphan">{escape(clean(a.id), quote=True)} · '
        f"{escape(_orphan_label(a), quote=True)}</li>"
        for a in orphans
    )
    return (f'<h3><span class="sw t-{UNRESOLVED}"></span>{escape(GROUP_TITLES[UNRESOLVED])} '
            f"({len(orphans)})</h3><ul>{items}</ul>")


def _orphan_label(a: Attribution) -> str:
    """How an unresolved attribution names its source: its text and/or its dangling id."""
    parts = [_source_text(a) or "no source text"]
    if a.source_id:
        parts.append(f"unknown id {clean(a.source_id)}")
    return " · ".join(parts)


def _source_text(a: Attribution) -> str:
    """The cleaned source text of an attribution, quoted, or empty."""
    text = clean(a.source.text) if a.source else ""
    return f"“{text}”" if text else ""


def _attribution_table(ledger: Ledger, ids: _Ids) -> str:
    """Every attribution as a row: id, source, type, cue, content, kind."""
    rows = "".join(_attribution_row(ledger, a, ids) for a in in_order(ledger.attributions))
    if not rows:
        return '<h2 class="tbl">Attributions</h2><p>No attributions found.</p>'
    head = "".join(f"<th>{h}</th>" for h in ("Id", "Source", "Type", "Cue", "Content", "Kind"))
    return (f'<h2 class="tbl">Attributions ({len(ledger.attributions)})</h2>'
            f'<table class="attrs"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>')


def _attribution_row(ledger: Ledger, a: Attribution, ids: _Ids) -> str:
    """One row of the attribution table."""
    source = ledger.source(a.source_id)
    key = type_key(source)
    name = clean(source.name) if source else _orphan_label(a)
    attr = ids.attributions[a.id]
    owner = ids.source(source.id) if source else None
    data = f'data-attr="{escape(attr, quote=True)}" data-goto="{escape(attr, quote=True)}"'
    if owner:
        data += f' data-source="{escape(owner, quote=True)}"'
    cells = [
        escape(clean(a.id), quote=True),
        escape(name, quote=True),
        f'<span class="sw t-{key}"></span> {escape(TYPE_LABELS[key])}',
        escape(_span_text(a.cue) or "—", quote=True),
        escape(clean(a.content.text), quote=True),
        escape(clean(a.kind), quote=True),
    ]
    return f"<tr {data}>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>"


def _span_text(span: TextSpan | None) -> str:
    """The cleaned text of an optional span."""
    return clean(span.text) if span else ""


def _warning(skipped: int) -> str:
    """A notice when some spans could not be placed in the text."""
    if not skipped:
        return ""
    return (f'<p class="warn">{escape(plural(skipped, "span"))} lay outside the article text '
            "and could not be highlighted.</p>")
