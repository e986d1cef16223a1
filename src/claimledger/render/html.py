"""A self-contained HTML report: the article's profile on top, then the article with its
attributions, claims, hedges and evidence highlighted, sources alongside, and tables of the
attributions, claims and evidence below.

Every string that comes from the ledger (article text, names, roles, meta, claims, evidence, the
profile) is untrusted and only ever reaches the page through ``html.escape`` in element text or a
quoted ``title``/``data-*`` attribute; class names are built only from fixed vocabularies. There
are no ``style`` attributes: bar widths are classes (``w-0`` … ``w-100``) of the stylesheet. The
one inline script and the one inline style are constants, pinned by their sha256 in the
Content-Security-Policy, and the script only reads ids of the form ``S\\d+``, ``A\\d+``,
``C\\d+``, ``H\\d+`` and ``E\\d+``.
"""

from __future__ import annotations

import base64
import hashlib
import math
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from html import escape

from claimledger.model import SOURCE_TYPES, Attribution, Claim, Evidence, Ledger, Source, TextSpan
from claimledger.render._common import (
    AUTHOR,
    CERTAINTY_KEYS,
    EVIDENCE_KINDS,
    EVIDENCE_STATUS_ORDER,
    GROUP_TITLES,
    HEDGE_KEYS,
    OTHER,
    TYPE_LABELS,
    UNRESOLVED,
    ProfileView,
    Share,
    certainty_label,
    checkworthiness,
    claim_facts,
    claim_source,
    claim_type_key,
    claim_who,
    claims_in_order,
    clean,
    describe_source,
    evidence_by_status,
    in_order,
    indexed,
    known,
    percent,
    plural,
    profile_view,
    source_details,
    source_groups,
    source_of,
    statements_of,
    type_counts,
    type_key,
    unresolved,
)

_SOURCE_ID = re.compile(r"S[0-9]{1,9}\Z")
_ATTR_ID = re.compile(r"A[0-9]{1,9}\Z")
_CLAIM_ID = re.compile(r"C[0-9]{1,9}\Z")
_HEDGE_ID = re.compile(r"H[0-9]{1,9}\Z")
_EVIDENCE_ID = re.compile(r"E[0-9]{1,9}\Z")

# ``w-0`` … ``w-100``: the widths of bars, as classes because the CSP forbids style attributes.
_WIDTHS = "".join(f".w-{n}{{width:{n}%}}" for n in range(101))

_CSS = """
:root{--person:#0072b2;--org:#009e73;--anon:#d55e00;--vague:#cc79a7;--unres:#6b6b6b;--other:#8a6d00;
--author:#3b3b98;--ink:#1d1d1f;--muted:#5f6368;--line:#d9d9de;--bg:#fbfbfc;--cited:#1a7f37;
--missing:#c62828;--disputed:#b7791f;--hedge:#8e44ad}
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
.profile{display:flex;flex-wrap:wrap;align-items:flex-start;gap:12px;padding:14px 24px;
border-bottom:1px solid var(--line);font-size:.86em}
.card{flex:1 1 210px;max-width:340px;background:#fff;border:1px solid var(--line);
border-radius:8px;padding:10px 12px;min-width:0}
.card.wide{flex:2 1 400px;max-width:560px}
.card h2{font-size:1em;margin:0 0 8px;display:flex;gap:6px;align-items:baseline}
.card h2 .n{margin-left:auto;font-variant-numeric:tabular-nums;color:var(--muted);
font-weight:normal}
.card ul{list-style:none;margin:0;padding:0}
.card li{display:flex;align-items:center;gap:6px;padding:1px 0;overflow-wrap:anywhere}
.card li .n{margin-left:auto;font-variant-numeric:tabular-nums;white-space:nowrap}
.card li.row{display:grid;grid-template-columns:minmax(0,1fr) auto 44px;gap:6px;
align-items:center}
.card li.row .n{margin-left:0}.card li.row .bar{width:44px}
.card .pc{color:var(--muted);display:inline-block;min-width:3.2em;text-align:right}
.card .sub{color:var(--muted);margin:8px 0 2px}
.stack{display:flex;height:12px;border-radius:4px;overflow:hidden;background:#eee;margin:0 0 8px}
.stack>div{height:100%;flex:none}
.stack>div+div{border-left:1px solid #fff}
.stack .t-named_person{background:var(--person)}.stack .t-named_organization{background:var(--org)}
.stack .t-anonymous{background:var(--anon)}.stack .t-vague{background:var(--vague)}
.stack .t-unresolved{background:var(--unres)}.stack .t-other{background:var(--other)}
.bar{display:inline-block;width:56px;height:7px;background:#eee;border-radius:3px;
overflow:hidden;flex:none;vertical-align:middle}
.bar>span{display:block;height:100%;background:#7c7fb3}
.signals{display:grid;grid-template-columns:1fr auto;gap:2px 12px;margin:0}
.signals dt{overflow-wrap:anywhere}.signals dt[title]{cursor:help}
.signals dd{margin:0;font-weight:650;text-align:right;font-variant-numeric:tabular-nums}
.signals dd.yes{color:#9a3412}.signals dd.no{color:var(--muted);font-weight:normal}
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
line-height:1.9;background:#fff;border:1px solid var(--line);border-radius:8px;padding:18px 22px}
.sw{display:inline-block;width:.9em;height:.9em;border-radius:3px;flex:none;
vertical-align:-.1em}
.sw.t-named_person{background:var(--person)}.sw.t-named_organization{background:var(--org)}
.sw.t-anonymous{background:var(--anon)}.sw.t-vague{background:var(--vague)}
.sw.t-unresolved{background:var(--unres)}.sw.t-other{background:var(--other)}
.sw.t-author{background:var(--author)}
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
.claim{border-bottom:2px solid rgba(59,59,152,.28);box-decoration-break:clone;
-webkit-box-decoration-break:clone}
.claim.c-hedged{border-bottom-color:rgba(142,68,173,.45)}
.claim.c-disputed,.claim.c-questioned{border-bottom-color:rgba(198,40,40,.5)}
.claim.c-questioned{border-bottom-style:dashed}
.claim-start{border-left:3px solid var(--author);padding-left:2px;margin-left:1px;
box-decoration-break:slice;-webkit-box-decoration-break:slice}
.claim-start::before{content:attr(data-cstart);font-size:.62em;font-weight:650;color:var(--author);
vertical-align:.55em;margin-right:2px;white-space:nowrap}
.hedge{text-decoration-line:underline;text-decoration-style:dotted;text-decoration-thickness:2px;
text-decoration-color:var(--hedge);text-underline-offset:3px;font-style:italic;cursor:help}
.hedge.k-conditional,.hedge.k-speculative{text-decoration-style:wavy;text-decoration-thickness:1px}
.evidence{border:0 solid var(--cited);cursor:help}
.seg.evidence{border-width:2px 0;border-radius:0}
.seg.evidence.ev-first,.legend .evidence{border-left-width:2px;border-top-left-radius:4px;
border-bottom-left-radius:4px;padding-left:1px}
.seg.evidence.ev-last,.legend .evidence{border-right-width:2px;border-top-right-radius:4px;
border-bottom-right-radius:4px;padding-right:1px}
.legend .evidence{border-width:2px}
.evidence.ev-missing{border-color:var(--missing);border-style:dashed}
.evidence.ev-disputed{border-color:var(--disputed)}
.seg.evidence.ev-disputed,.legend .evidence.ev-disputed{background-image:repeating-linear-gradient(
135deg,rgba(183,121,31,.28) 0 3px,transparent 3px 7px)}
.legend .cue,.legend .src,.legend .evidence,.legend .claim,.legend .hedge{padding:0 3px}
body.focus .article .content:not(.hl){background:none;box-shadow:none;color:#8a8a8e}
body.focus .article .hl{box-shadow:inset 0 -3px 0 var(--ink)}
body.focus .attrs:not(.evid) tbody tr:not(.hl){opacity:.35}
.hl-src{background:#ffe98a}
.flash{animation:flash 1.2s ease-out}
@keyframes flash{0%{background:#ffe066}100%{}}
h2.tbl{font-size:1.05em;margin:28px 0 8px}
h3.tbl{font-size:.95em;margin:14px 0 6px}
.attrs{border-collapse:collapse;width:100%;font-size:.88em;background:#fff}
.attrs th,.attrs td{border:1px solid var(--line);padding:5px 7px;text-align:left;
vertical-align:top;overflow-wrap:anywhere}
.attrs th{background:#f3f3f6}
.attrs tbody tr[data-goto]{cursor:pointer}
.attrs tbody tr[data-goto]:hover{background:#f7f7fb}
.attrs td.nw{white-space:nowrap;overflow-wrap:normal}
.attrs td.num{white-space:nowrap;font-variant-numeric:tabular-nums}
.attrs td.who{min-width:9em}
.attrs .aid{color:var(--muted);font-size:.9em}
.attrs .facts{color:var(--muted)}
.chip{display:inline-block;border-radius:9px;padding:0 7px;font-size:.92em;white-space:nowrap;
border:1px solid var(--line);background:#f6f6f8}
.chip.c-hedged{border-color:var(--hedge);color:var(--hedge)}
.chip.c-disputed,.chip.c-questioned,.chip.ev-missing{border-color:var(--missing);
color:var(--missing)}
.chip.ev-cited{border-color:var(--cited);color:var(--cited)}
.chip.ev-disputed{border-color:var(--disputed);color:#8a5a12}
.hedges{color:var(--hedge);font-style:italic}
.warn{color:#9a3412;font-size:.9em}
@media (max-width:800px){.layout{grid-template-columns:1fr}aside{position:static;max-height:none;
border-right:0;border-bottom:1px solid var(--line)}.card,.card.wide{max-width:none}}
@media print{aside{position:static;max-height:none}.attrs tbody tr{opacity:1!important}}
""" + _WIDTHS + "\n"

_JS = """
(function () {
  "use strict";
  var SID = /^S[0-9]{1,9}$/, AID = /^A[0-9]{1,9}$/, CID = /^C[0-9]{1,9}$/,
    EID = /^E[0-9]{1,9}$/;
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
  function goTo(id) {
    var name = null, re = null;
    if (AID.test(id)) { name = "data-attr"; re = AID; }
    else if (CID.test(id)) { name = "data-claim"; re = CID; }
    else if (EID.test(id)) { name = "data-evidence"; re = EID; }
    else { return; }
    var segs = all(".article [" + name + "]").filter(function (el) {
      return has(el, name, re, id);
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

# The kinds of annotation, in the order their lines appear in a segment's tooltip.
_MARK_RANK = {"content": 0, "cue": 1, "src": 2, "claim": 3, "hedge": 4, "evidence": 5}


@dataclass(frozen=True, slots=True)
class _Mark:
    """One annotation over ``[start, end)``: a content, cue, source-mention, claim, hedge or
    evidence span."""

    start: int
    end: int
    kind: str  # "content" | "cue" | "src" | "claim" | "hedge" | "evidence"
    type: str  # a class suffix from a fixed vocabulary: source type, certainty, hedge kind, status
    attr: str | None  # DOM id of the attribution (content, cue)
    source: str | None  # DOM id of the source (owner of the attribution, or the mentioned one)
    title: str
    ref: str | None = None  # DOM id of the claim, hedge or evidence


@dataclass(frozen=True, slots=True)
class _Ids:
    """DOM ids for the ledger's items: the ledger's own when well formed, else positional."""

    sources: dict[str, str]
    attributions: dict[str, str]
    claims: dict[str, str]
    hedges: dict[str, str]
    evidence: dict[str, str]

    def source(self, source_id: str | None) -> str | None:
        """The DOM id of a ledger source id, or ``None``."""
        return self.sources.get(source_id) if source_id is not None else None


def render_html(ledger: Ledger) -> str:
    """The ledger as one self-contained HTML page (inline CSS and JS, no network access)."""
    with indexed(ledger):
        return _page(ledger)


def _page(ledger: Ledger) -> str:
    ids = _dom_ids(ledger)
    marks, skipped = _marks(ledger, ids)
    title = clean(ledger.meta.title) or "Untitled article"
    body = "".join(
        [
            _header(ledger, title),
            _profile(profile_view(ledger)),
            '<div class="layout">',
            _panel(ledger, ids),
            "<main>",
            _warning(skipped),
            '<div id="article" class="article">',
            _article(ledger.text, marks),
            "</div>",
            _attribution_table(ledger, ids),
            _claims_table(ledger, ids),
            _evidence_table(ledger, ids),
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
    """Map ledger ids to DOM ids matching ``S\\d+``, ``A\\d+``, ``C\\d+``, ``H\\d+``, ``E\\d+``
    (positional when they do not)."""
    return _Ids(
        sources=_id_map([s.id for s in ledger.sources], "S", _SOURCE_ID),
        attributions=_id_map([a.id for a in ledger.attributions], "A", _ATTR_ID),
        claims=_id_map([c.id for c in ledger.claims], "C", _CLAIM_ID),
        hedges=_id_map([h.id for h in ledger.hedges], "H", _HEDGE_ID),
        evidence=_id_map([e.id for e in ledger.evidence], "E", _EVIDENCE_ID),
    )


def _id_map(raw: list[str], prefix: str, pattern: re.Pattern[str]) -> dict[str, str]:
    """Identity when every id is well formed and unique, else ``prefix + position``."""
    if len(set(raw)) == len(raw) and all(isinstance(i, str) and pattern.match(i) for i in raw):
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
    candidates.extend(_claim_marks(ledger, ids))
    n = len(ledger.text)
    valid = [m for m in candidates if 0 <= m.start <= m.end <= n]
    unique = list(dict.fromkeys(m for m in valid if m.start < m.end))
    return unique, len(candidates) - len(valid)


def _attribution_marks(ledger: Ledger, a: Attribution, ids: _Ids) -> Iterator[_Mark]:
    """The content, cue and (unresolved) source-text marks of one attribution."""
    source = source_of(ledger, a.source_id)
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


def _claim_marks(ledger: Ledger, ids: _Ids) -> Iterator[_Mark]:
    """A mark for every claim, hedge and evidence span."""
    for c in ledger.claims:
        cid = ids.claims[c.id]
        yield _Mark(c.start, c.end, "claim", known(c.certainty, CERTAINTY_KEYS), None, None,
                    _claim_title(ledger, c, cid), cid)
    for h in ledger.hedges:
        hid = ids.hedges[h.id]
        kind = known(h.kind, HEDGE_KEYS)
        yield _Mark(h.start, h.end, "hedge", kind, None, None,
                    f"{hid} hedge ({kind}): “{clean(h.text)}”", hid)
    for e in ledger.evidence:
        eid = ids.evidence[e.id]
        status = known(e.status, EVIDENCE_STATUS_ORDER)
        kind = known(e.kind, EVIDENCE_KINDS)
        yield _Mark(e.start, e.end, "evidence", status, None, None,
                    f"{eid} evidence {status} ({kind}): “{clean(e.text)}”", eid)


def _claim_title(ledger: Ledger, c: Claim, cid: str) -> str:
    """The tooltip of a claim: ``C3 claim · event · hedged (may) · check-worthiness 0.72 ·``
    and who makes it."""
    return (f"{cid} claim · {clean(str(c.type))} · {certainty_label(ledger, c)} · "
            f"check-worthiness {checkworthiness(c):.2f} · {claim_who(ledger, c)}")


def _statement_title(ledger: Ledger, a: Attribution, attr: str) -> str:
    """The tooltip of a statement: ``A3: S2 one official (anonymous) — said — direct speech``."""
    cue = clean(a.cue.text) if a.cue else "no cue"
    act = f" {a.act}" if a.act else ""
    return f"{attr}: {_who(ledger, a)} — {cue} — {clean(a.kind)}{act}"


def _who(ledger: Ledger, a: Attribution) -> str:
    """Who an attribution is by: the source description, or what is known of an unresolved one."""
    source = source_of(ledger, a.source_id)
    if source is not None:
        return describe_source(source)
    who = "unresolved source"
    if a.source is not None and clean(a.source.text):
        who += f" “{clean(a.source.text)}”"
    if a.source_id:
        who += f" (unknown id {clean(a.source_id)})"
    return who


def _segments(text: str, marks: list[_Mark]) -> Iterator[tuple[int, int, list[_Mark]]]:
    """Cut the text at every mark boundary; yield each piece with the marks covering it.

    Marks may overlap in any way (claims overlap contents, hedges and evidence sit inside or
    across them): the pieces are the cells between consecutive boundaries, so they tile the text
    exactly and every piece knows all the marks over it.
    """
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
        tag = _open_tag(covering, lo, hi)
        if runs and runs[-1][0] == tag:
            runs[-1] = (tag, runs[-1][1] + text[lo:hi])
        else:
            runs.append((tag, text[lo:hi]))
    return "".join(
        f"{tag}{escape(piece, quote=True)}</span>" if tag else escape(piece, quote=True)
        for tag, piece in runs
    )


def _open_tag(marks: list[_Mark], at: int, end: int) -> str:
    """The ``<span ...>`` carrying every annotation of the segment ``[at, end)``, or ``""`` for
    plain text."""
    if not marks:
        return ""
    attrs = {"class": " ".join(_classes(marks, at, end))}
    attrs.update(_data(marks, at))
    attrs["title"] = "\n".join(dict.fromkeys(m.title for m in _tooltip_order(marks)))
    rendered = " ".join(f'{k}="{escape(v, quote=True)}"' for k, v in attrs.items() if v)
    return f"<span {rendered}>"


def _classes(marks: list[_Mark], at: int, end: int) -> list[str]:
    """CSS classes of the segment ``[at, end)``: tint of its innermost content, cue box, mention
    underline, claim line (and start marker), hedge underline, evidence box (closed on the left
    where the evidence starts and on the right where it ends, so a phrase cut into several
    segments still reads as one box)."""
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
    claims = [m for m in marks if m.kind == "claim"]
    if claims:
        classes += ["claim", "c-" + _innermost(claims).type]
        if any(m.start == at for m in claims):
            classes.append("claim-start")
    hedges = [m for m in marks if m.kind == "hedge"]
    if hedges:
        classes += ["hedge", "k-" + _innermost(hedges).type]
    evidence = [m for m in marks if m.kind == "evidence"]
    if evidence:
        inner = _innermost(evidence)
        classes += ["evidence", "ev-" + inner.type]
        if inner.start == at:
            classes.append("ev-first")
        if inner.end == end:
            classes.append("ev-last")
    return classes


def _data(marks: list[_Mark], at: int) -> dict[str, str]:
    """The data-* attributes of a segment; every value is a list of generated ids."""

    def join(values: list[str | None]) -> str:
        return " ".join(dict.fromkeys(v for v in values if v))

    return {
        "data-attr": join([m.attr for m in marks if m.kind == "content"]),
        "data-cue": join([m.attr for m in marks if m.kind == "cue"]),
        "data-source": join([m.source for m in marks if m.kind in ("content", "cue")]),
        "data-mention": join([m.source for m in marks if m.kind == "src"]),
        "data-claim": join([m.ref for m in marks if m.kind == "claim"]),
        "data-cstart": join([m.ref for m in marks if m.kind == "claim" and m.start == at]),
        "data-hedge": join([m.ref for m in marks if m.kind == "hedge"]),
        "data-evidence": join([m.ref for m in marks if m.kind == "evidence"]),
    }


def _innermost(marks: list[_Mark]) -> _Mark:
    """The shortest of several overlapping marks (the latest-starting one on ties)."""
    return min(marks, key=lambda m: (m.end - m.start, -m.start))


def _tooltip_order(marks: list[_Mark]) -> list[_Mark]:
    """Marks ordered for the tooltip: statements, cues, mentions, claims, hedges, evidence."""
    return sorted(marks, key=lambda m: (_MARK_RANK[m.kind], m.start))


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
        f'<p class="meta">{spans}</p>{_legend(ledger)}</header>'
    )


def _legend(ledger: Ledger) -> str:
    """Swatches for the source types plus samples of the styles used in the article."""
    items = [
        f'<li><span class="sw t-{key}"></span>{escape(TYPE_LABELS[key])}</li>'
        for key in (*SOURCE_TYPES, UNRESOLVED)
    ]
    items.append('<li><span class="content t-unresolved">statement</span></li>')
    items.append('<li><span class="cue">cue</span></li>')
    items.append('<li><span class="src m-unresolved">source mention</span></li>')
    if ledger.claims:
        items.append('<li><span class="claim claim-start" data-cstart="C1">claim</span></li>')
    if ledger.hedges:
        items.append('<li><span class="hedge k-epistemic">hedge</span></li>')
    if ledger.evidence:
        items.extend(
            f'<li><span class="evidence ev-{status}">evidence {status}</span></li>'
            for status in EVIDENCE_STATUS_ORDER
        )
    return f'<ul class="legend">{"".join(items)}</ul>'


# --------------------------------------------------------------------------- the profile


def _profile(p: ProfileView | None) -> str:
    """The profile panel: compact cards of statements, sources, claims, evidence and signals."""
    if p is None:
        return ""
    cards = [_statements_card(p), _sources_card(p), _claims_card(p), _evidence_card(p),
             _signals_card(p)]
    return f'<section class="profile" aria-label="Profile">{"".join(cards)}</section>'


def _card(title: str, total: int | None, body: str, wide: bool = False) -> str:
    """A card with a heading (and its total on the right)."""
    n = f' <span class="n">{total}</span>' if total is not None else ""
    cls = "card wide" if wide else "card"
    return f'<div class="{cls}"><h2>{escape(title)}{n}</h2>{body}</div>'


def _widths(counts: list[int]) -> list[int]:
    """Whole percentages for a stacked bar: they add up to 100 (largest remainders), and a
    non-zero count never gets 0."""
    total = sum(counts)
    if total <= 0:
        return [0] * len(counts)
    exact = [c * 100 / total for c in counts]
    widths = [math.floor(x) for x in exact]
    order = sorted(range(len(counts)), key=lambda i: exact[i] - widths[i], reverse=True)
    for i in order[: 100 - sum(widths)]:
        widths[i] += 1
    for i, c in enumerate(counts):
        if c > 0 and widths[i] == 0:
            widths[i] = 1
            widths[max(range(len(widths)), key=lambda j: widths[j])] -= 1
    return widths


def _type_class(key: str) -> str:
    """A source-type key as a class suffix (``other`` for anything unknown)."""
    return key if key in (*SOURCE_TYPES, UNRESOLVED) else OTHER


def _statements_card(p: ProfileView) -> str:
    """Statements by source type: a stacked bar and the count and share of each type."""
    if p.statements is None and not p.statements_by_type:
        return ""
    shares = p.statements_by_type
    widths = _widths([s.count for s in shares])
    bar = "".join(
        f'<div class="t-{_type_class(s.key)} w-{w}" title="{escape(_share_line(s), quote=True)}">'
        "</div>"
        for s, w in zip(shares, widths) if w > 0
    )
    rows = "".join(
        f'<li><span class="sw t-{_type_class(s.key)}"></span>{escape(s.label)}'
        f'<span class="n">{s.count} <span class="pc">{escape(percent(s.share))}</span></span></li>'
        for s in shares
    )
    acts = ""
    if p.statements_by_act:
        acts = '<p class="acts">' + " · ".join(
            escape(_share_line(s)) for s in p.statements_by_act) + "</p>"
    return _card("Statements by source type", p.statements,
                 f'<div class="stack">{bar}</div><ul>{rows}</ul>{acts}')


def _share_line(s: Share) -> str:
    p = percent(s.share)
    return f"{s.label}: {s.count} ({p})" if p else f"{s.label}: {s.count}"


def _sources_card(p: ProfileView) -> str:
    """Sources by type, then the voices by affiliation."""
    if p.sources is None and not p.sources_by_type and not p.voices:
        return ""
    rows = "".join(
        f'<li><span class="sw t-{_type_class(s.key)}"></span>{escape(s.label)}'
        f'<span class="n">{s.count}</span></li>'
        for s in p.sources_by_type
    )
    body = f"<ul>{rows}</ul>" if rows else ""
    if p.voices:
        voices = "".join(
            f'<li>{escape(name, quote=True)}<span class="n">{n}</span></li>' for name, n in p.voices
        )
        if p.more_voices:
            voices += f'<li class="more">+{p.more_voices} more</li>'
        body += f'<p class="sub">Voices by affiliation</p><ul>{voices}</ul>'
    return _card("Sources", p.sources, body)


def _claims_card(p: ProfileView) -> str:
    """How the claims stand: unattributed, hedged, disputed, questioned, resting on weak sources."""
    if p.claims is None and not p.claim_shares:
        return ""
    rows = "".join(
        f'<li class="row"><span>{escape(s.label)}</span><span class="n">{s.count} '
        f'<span class="pc">{escape(percent(s.share))}</span></span>'
        f'<span class="bar"><span class="w-{_pct(s.share)}"></span></span></li>'
        for s in p.claim_shares
    )
    return _card("Claims", p.claims, f"<ul>{rows}</ul>")


def _pct(share: float | None) -> int:
    """A share as a whole percentage in 0..100 (for a ``w-N`` class)."""
    return 0 if share is None else min(100, max(0, round(share * 100)))


def _evidence_card(p: ProfileView) -> str:
    """Evidence mentions by status."""
    if not p.evidence:
        return ""
    rows = "".join(
        f'<li><span class="chip ev-{known(s.key, EVIDENCE_STATUS_ORDER)}">{escape(s.label)}</span>'
        f'<span class="n">{s.count}</span></li>'
        for s in p.evidence
    )
    return _card("Evidence", sum(s.count for s in p.evidence), f"<ul>{rows}</ul>")


def _signals_card(p: ProfileView) -> str:
    """The credibility signals as a definition list: name, then value; id and detail as title."""
    if not p.signals:
        return ""
    items = []
    for s in p.signals:
        tip = " — ".join(x for x in (f"W3C CredWeb {s.id}" if s.id else "", s.detail) if x)
        title = f' title="{escape(tip, quote=True)}"' if tip else ""
        cls = f' class="{s.value}"' if s.value in ("yes", "no") else ""
        items.append(f"<dt{title}>{escape(s.name, quote=True)}</dt>"
                     f"<dd{cls}>{escape(s.value, quote=True)}</dd>")
    return _card("Signals", None, f'<dl class="signals">{"".join(items)}</dl>', wide=True)


# --------------------------------------------------------------------------- side panel


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
                 "statements; click it again or press Esc to clear. Click a row of a table "
                 "to find its statement, claim or evidence in the text.</p></aside>")
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
    n = len(statements_of(ledger, source.id))
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


# --------------------------------------------------------------------------- tables


def _attribution_table(ledger: Ledger, ids: _Ids) -> str:
    """Every attribution as a row: id, source, type, cue, content, kind."""
    rows = "".join(_attribution_row(ledger, a, ids) for a in in_order(ledger.attributions))
    if not rows:
        return '<h2 class="tbl">Attributions</h2><p>No attributions found.</p>'
    head = "".join(f"<th>{h}</th>" for h in ("Id", "Source", "Type", "Cue", "Content", "Kind"))
    return (f'<h2 class="tbl">Attributions ({len(ledger.attributions)})</h2>'
            f'<table class="attrs"><thead><tr>{head}</tr></thead>'
            f"<tbody>{rows}</tbody></table>")


def _attribution_row(ledger: Ledger, a: Attribution, ids: _Ids) -> str:
    """One row of the attribution table."""
    source = source_of(ledger, a.source_id)
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


def _claims_table(ledger: Ledger, ids: _Ids) -> str:
    """Every claim as a row: id, type, certainty (and hedges), check-worthiness, who, text, and
    its numbers and dates. Nothing when the ledger has no claims."""
    if not ledger.claims:
        return ""
    rows = "".join(_claim_row(ledger, c, ids) for c in claims_in_order(ledger.claims))
    head = "".join(f"<th>{h}</th>" for h in (
        "Id", "Type", "Certainty", "Check-worthiness", "Who", "Claim", "Numbers &amp; dates"))
    return (f'<h2 class="tbl">Claims ({len(ledger.claims)})</h2>'
            f'<table class="attrs claims"><thead><tr>{head}</tr></thead>'
            f"<tbody>{rows}</tbody></table>")


def _claim_row(ledger: Ledger, c: Claim, ids: _Ids) -> str:
    """One row of the claims table; it finds its claim in the text when clicked."""
    cid = ids.claims[c.id]
    data = f'data-claim="{escape(cid, quote=True)}" data-goto="{escape(cid, quote=True)}"'
    source = claim_source(ledger, c)
    owner = ids.source(source.id) if source else None
    if owner:
        data += f' data-source="{escape(owner, quote=True)}"'
    certainty = known(c.certainty, CERTAINTY_KEYS)
    label = certainty_label(ledger, c)
    plain = clean(str(c.certainty)) or "unknown"
    hedges = label[len(plain):].strip() if label.startswith(plain) else ""
    hedge_html = f' <span class="hedges">{escape(hedges, quote=True)}</span>' if hedges else ""
    cw = checkworthiness(c)
    key = claim_type_key(ledger, c)
    if source is not None:  # the swatch shows the type; the name is enough
        who = escape(clean(source.name) or "(no name)", quote=True)
    else:
        who = escape(claim_who(ledger, c), quote=True)
    if c.attribution_id is not None:
        who += f' <span class="aid">{escape(clean(c.attribution_id), quote=True)}</span>'
    label_of_key = "author" if key == AUTHOR else TYPE_LABELS[_type_class(key)]
    cells = [
        escape(clean(c.id), quote=True),
        escape(clean(str(c.type)), quote=True),
        f'<span class="chip c-{certainty}">{escape(plain, quote=True)}</span>{hedge_html}',
        f'{cw:.2f} <span class="bar"><span class="w-{_pct(cw)}"></span></span>',
        f'<span class="sw t-{key if key == AUTHOR else _type_class(key)}" '
        f'title="{escape(label_of_key)}"></span> {who}',
        escape(clean(c.text), quote=True),
        f'<span class="facts">{escape(claim_facts(c), quote=True)}</span>',
    ]
    classes = [' class="nw"', ' class="nw"', "", ' class="num"', ' class="who"', "", ""]
    return (f"<tr {data}>"
            + "".join(f"<td{k}>{v}</td>" for k, v in zip(classes, cells)) + "</tr>")


def _evidence_table(ledger: Ledger, ids: _Ids) -> str:
    """The evidence the article mentions, grouped by status (missing, disputed, cited): id, kind,
    text and the claims it bears on. Nothing when the ledger has none."""
    if not ledger.evidence:
        return ""
    head = "".join(f"<th>{h}</th>" for h in ("Id", "Status", "Kind", "Evidence", "Claims"))
    rows = "".join(
        _evidence_row(e, status, ids) for status, members in evidence_by_status(ledger)
        for e in members
    )
    return (f'<h2 class="tbl">Evidence ({len(ledger.evidence)})</h2>'
            f'<table class="attrs evid"><thead><tr>{head}</tr></thead>'
            f"<tbody>{rows}</tbody></table>")


def _evidence_row(e: Evidence, status: str, ids: _Ids) -> str:
    """One row of the evidence table; it finds its evidence in the text when clicked."""
    eid = ids.evidence[e.id]
    data = f'data-evidence="{escape(eid, quote=True)}" data-goto="{escape(eid, quote=True)}"'
    claims = ", ".join(clean(c) for c in e.claim_ids if clean(c))
    cells = [
        escape(clean(e.id), quote=True),
        f'<span class="chip ev-{status}">{escape(clean(str(e.status)) or status, quote=True)}'
        "</span>",
        escape(clean(str(e.kind)), quote=True),
        escape(clean(e.text), quote=True),
        escape(claims, quote=True),
    ]
    classes = [' class="nw"', ' class="nw"', ' class="nw"', "", ""]
    return (f"<tr {data}>"
            + "".join(f"<td{k}>{v}</td>" for k, v in zip(classes, cells)) + "</tr>")


def _span_text(span: TextSpan | None) -> str:
    """The cleaned text of an optional span."""
    return clean(span.text) if span else ""


def _warning(skipped: int) -> str:
    """A notice when some spans could not be placed in the text."""
    if not skipped:
        return ""
    return (f'<p class="warn">{escape(plural(skipped, "span"))} lay outside the article text '
            "and could not be highlighted.</p>")
