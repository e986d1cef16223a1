"""What a story rests on: evidence it cites, evidence it says is missing, evidence it disputes.

``find_evidence(doc)`` yields ``EvidenceMention`` records: the phrase, its ``kind`` (video, image,
document, data, physical, testimony, intelligence, other) and ``status``:

* ``missing`` — "no confirmed evidence", "the lack of detailed evidence — such as wreckage",
  "without providing evidence", "could not be independently verified", "none have been recovered";
* ``disputed`` — evidence said to be fake: "accused the U.S. of using artificial intelligence to
  generate the video", "dismissed the footage as doctored";
* ``cited`` — everything else the story points to: "a grainy video", "according to UN data",
  "documents seen by the Post".
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from spacy.tokens import Doc, Span, Token

from claimledger.pipeline.attribution import doc_text
from claimledger.pipeline.lexicons import table

_NEGATORS = frozenset("no without lack absence lacking little scant none zero neither nor".split())
_LACK_HEADS = frozenset("lack absence dearth shortage paucity".split())
_DISPUTE = re.compile(
    r"\b(?:fabricat\w*|fake[ds]?|faked|doctored|manipulated|staged|forged|forgery|"
    r"ai[- ]generated|artificial intelligence to (?:generate|create|produce)|deepfake\w*|"
    r"not authentic|inauthentic|hoax)\b",
    re.I,
)
_UNVERIFIED = re.compile(
    r"\b(?:could|can|cannot|can't|could not|couldn't|has not|have not|had not|was not|were not|"
    r"is not|are not|not)\s+(?:be\s+|been\s+|yet\s+)*(?:independently\s+)?(?:verified|confirmed|"
    r"corroborated|substantiated|authenticated)\b"
    r"|\bunverified\b|\bunconfirmed\b|\bunsubstantiated\b"
    r"|\b(?:none|nothing)\s+(?:has|have|had)\s+(?:yet\s+)?been\s+(?:recovered|found|shown|released|"
    r"produced|made public)\b"
    r"|\bwithout\s+(?:providing|offering|presenting|citing|showing)\s+(?:any\s+)?evidence\b",
    re.I,
)


@dataclass(frozen=True, slots=True)
class EvidenceMention:
    text: str
    start: int
    end: int
    kind: str
    status: str


def _np_span(tok: Token) -> tuple[int, int]:
    """The evidence phrase: the noun with its modifiers and a short tail ("seen by the Post",
    "such as wreckage, body recovery, or independent verification")."""
    first = min((c.left_edge.i for c in tok.lefts if c.dep_ not in ("punct", "cc")), default=tok.i)
    last = tok.i
    for right in tok.rights:
        if right.dep_ in ("prep", "acl", "appos", "amod", "compound") and right.i <= last + 3:
            last = max(last, right.right_edge.i)
        elif right.dep_ == "punct" and right.text in ("—", "–", "-", "(") and right.i == last + 1:
            continue
        else:
            break
    last = min(last, tok.i + 18)
    doc = tok.doc
    while last > tok.i and doc[last].is_punct:
        last -= 1
    return first, last


def _status(tok: Token, sent: Span, first: int) -> str:
    doc = tok.doc
    words = {t.lower_ for t in doc[first : tok.i + 1]}
    if words & _NEGATORS:
        return "missing"
    head = tok.head
    if tok.dep_ == "pobj" and head.lower_ == "of" and head.head.lemma_.lower() in _LACK_HEADS:
        return "missing"
    if tok.dep_ == "pobj" and head.lower_ == "without":
        return "missing"
    if tok.dep_ in ("dobj", "nsubjpass", "nsubj") and any(
        c.dep_ == "neg" for c in tok.head.children
    ) and tok.head.lemma_.lower() in ("recover", "find", "show", "release", "provide", "produce",
                                       "present", "offer", "verify", "confirm", "have", "see"):
        return "missing"
    if tok.dep_ == "dobj" and tok.head.lemma_.lower() in ("lack", "need", "want", "seek", "demand"):
        return "missing"  # "lacking verifiable evidence", "demanded proof"
    if any(c.lower_ == "no" for c in tok.children):
        return "missing"
    clause = sent.text
    if _DISPUTE.search(clause) and (tok.i - sent.start) < len(sent):
        return "disputed"
    return "cited"


def find_evidence(doc: Doc) -> Iterator[EvidenceMention]:
    """Evidence phrases in ``doc`` in text order (one per evidence noun phrase)."""
    kinds = table("evidence_nouns")
    text = doc_text(doc)
    seen_until = -1
    for sent in doc.sents:
        missing_until = -1  # "the absence of physical evidence — like wreckage or bodies —"
        for m in _UNVERIFIED.finditer(sent.text):
            s = sent.start_char + m.start()
            e = sent.start_char + m.end()
            yield EvidenceMention(text[s:e], s, e, "other", "missing")
        for tok in sent:
            if tok.pos_ not in ("NOUN", "PROPN") or tok.i <= seen_until:
                continue
            kind = kinds.get(tok.lower_) or kinds.get(tok.lemma_.lower())
            if kind is None:
                continue
            if tok.dep_ in ("compound", "amod", "nmod") or (
                tok.lower_ == "intelligence" and any(c.lower_ == "artificial" for c in tok.lefts)
            ):
                continue  # "an intelligence official", "artificial intelligence": not evidence
            if tok.lower_ in ("account", "accounts", "record", "records", "body", "letter", "numbers") and not (
                tok.head.lemma_.lower() in ("according", "see", "review", "obtain", "show", "cite")
                or any(c.lower_ in ("witness", "eyewitness", "official", "court", "public") for c in tok.lefts)
            ):
                continue  # everyday senses: "on account of", "a record high", "a body of work"
            first, last = _np_span(tok)
            status = _status(tok, sent, first)
            if status == "cited" and 0 <= missing_until and doc[first].idx - missing_until < 40:
                between = text[missing_until : doc[first].idx].lower()
                if re.search(r"\b(?:like|such as|including|or|nor)\b|[—–,]", between):
                    status = "missing"  # an example of the evidence said to be missing
            if status == "missing" and tok.head.lower_ == "of" and tok.head.head.lemma_.lower() in _LACK_HEADS:
                first = tok.head.head.left_edge.i  # "the lack of detailed evidence ..."
            s, e = doc[first].idx, doc[last].idx + len(doc[last].text)
            seen_until = last
            if status == "missing":
                missing_until = e
            yield EvidenceMention(text[s:e], s, e, kind, status)
