"""Attributions that the page layout makes, not a sentence: neither the tagger nor the cue rules
read them, since no verb says who speaks.

* a headline "Speaker: what they said" (the article's first line);
* a transcript's speaker label, a paragraph opening "WALLACE: ..." or "Q: ...";
* a quotation signed off with a dash, "“...” ― Ana Ruiz", or a quoted paragraph followed by a
  line "- Ana Ruiz.".

Each gives a RawAttribution whose cue is the colon or the dash, in PolNeAR's conventions (train:
146 colon cues in 96 articles, 11 dashes): a headline's or label's content is the rest of its
line; a signed quotation's content is the quotation with its marks. Both engines add them where
they touch none of their own relations (PolNeAR dev linked F1: accurate 0.663 -> 0.671, fast
0.635 -> 0.642).
"""

from __future__ import annotations

import re

from spacy.tokens import Doc

from claimledger.pipeline.attribution import RawAttribution, doc_text
from claimledger.pipeline.quotes import QuoteIndex, rstrip_space

_NOT_SPEAKERS = frozenset(
    "watch breaking exclusive video videos update updated live analysis opinion editorial review "
    "photos photo read listen podcast correction note editor's transcript graphic map quiz email "
    "stat".split()
)
_NOT_SPEAKER_NAMES = frozenset({"the latest", "the big picture", "the bottom line"})
_HEADLINE = re.compile(r"([A-Z][^:\n\"“”‘’]{1,60}?):[ \t\u00a0]+(\S[^\n]*)")
_LABEL = re.compile(r"[\"“]?([A-Z][A-Z.'’\- ]{1,28}[A-Z]|Q):[ \t\u00a0]+(\S[^\n]*)")
_DASH = "―—–"
_SIGN_OFF = re.compile(
    r"[ \t\u00a0]*(?:[" + _DASH + r"]|--?)[ \t\u00a0]*"
    r"((?:[A-Z][\w'’.\-]*|[a-z]{1,3})(?:[ \t\u00a0]+(?:[A-Z][\w'’.\-]*|[a-z]{1,3})){0,5}"
    r"[ \t\u00a0]*(?:\(@\w+\))?)"
)
_MAX_WORDS = 6
# precision on PolNeAR train (content >= 50 % overlap and source overlap, as the eval links):
# headlines 80 of 122 (most misses are section titles, "The Latest: ..."), labels 19 of 52 (many
# transcripts are left unannotated there), sign-offs 5 of 6
CONFIDENCE = {"layout:headline": 0.66, "layout:label": 0.37, "layout:sign-off": 0.83}


def layout_attributions(doc: Doc, quotes: QuoteIndex) -> list[RawAttribution]:
    """The headline, transcript-label and sign-off attributions of ``doc``."""
    text = doc_text(doc)
    out = [*_headline(doc, text), *_labels(doc, text), *_sign_offs(doc, text, quotes)]
    return sorted(out, key=lambda r: r.content)


def _relation(doc: Doc, source: tuple[int, int], cue: tuple[int, int],
              content: tuple[int, int], rule: str) -> RawAttribution | None:
    span = doc.char_span(*source, alignment_mode="expand")
    if span is None or not len(span) or content[1] - content[0] < 2:
        return None
    return RawAttribution(content=content, cue=cue, source=source, source_token=span.root.i,
                          rule=rule, confidence=CONFIDENCE[rule])


def _speaker_ok(name: str) -> bool:
    words = name.split()
    return (0 < len(words) <= _MAX_WORDS and words[0].lower().strip(".") not in _NOT_SPEAKERS
            and name.lower() not in _NOT_SPEAKER_NAMES)


def _headline(doc: Doc, text: str) -> list[RawAttribution]:
    start = len(text) - len(text.lstrip())
    m = _HEADLINE.match(text, start)
    if m is None or not _speaker_ok(m.group(1)) or ". " in m.group(1):
        return []
    content = (m.start(2), rstrip_space(text, m.start(2), m.end(2)))
    rel = _relation(doc, m.span(1), (m.end(1), m.end(1) + 1), content, "layout:headline")
    return [rel] if rel else []


def _labels(doc: Doc, text: str) -> list[RawAttribution]:
    out = []
    for m in re.finditer(r"(?m)^", text):
        hit = _LABEL.match(text, m.start())
        if hit is None or not _speaker_ok(hit.group(1)):
            continue
        end = rstrip_space(text, hit.start(2), hit.end(2))
        opened = text[m.start()] in "\"“"
        if opened and text[end - 1] in "\"”" and text[hit.start(2)] not in "\"“":
            end -= 1  # the transcript's quote closes after the turn: not part of it
        rel = _relation(doc, hit.span(1), (hit.end(1), hit.end(1) + 1), (hit.start(2), end),
                        "layout:label")
        if rel:
            out.append(rel)
    return out


def _sign_offs(doc: Doc, text: str, quotes: QuoteIndex) -> list[RawAttribution]:
    out = []
    for q in quotes:
        if not q.closed:
            continue
        at = q.end
        gap = re.match(r"[ \t\u00a0]*\n\s*(?=[-" + _DASH + r"])", text[at : at + 8])
        if gap:  # "- Ana Ruiz." on the line after a quoted paragraph
            line_start = text.rfind("\n", 0, q.start) + 1
            if text[line_start : q.start].strip():
                continue
            at += gap.end()
        m = _SIGN_OFF.match(text, at)
        if m is None or _rest_of_line(text, m.end()).strip(" .\t\u00a0"):
            continue  # the name ends its line: "” — Ana Ruiz said on Monday" is a sentence
        dash = re.search(r"[-" + _DASH + r"]+", text[at : m.start(1)])
        if dash is None or not _speaker_ok(m.group(1)):
            continue
        name_end = m.start(1) + len(m.group(1).rstrip(" \t\u00a0."))
        cue = (at + dash.start(), at + dash.end())
        rel = _relation(doc, (m.start(1), name_end), cue, (q.start, q.end), "layout:sign-off")
        if rel:
            out.append(rel)
    return out


def _rest_of_line(text: str, at: int) -> str:
    end = text.find("\n", at)
    return text[at : len(text) if end < 0 else end]
