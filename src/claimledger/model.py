"""The data model of a ledger: small frozen dataclasses that serialise to the JSON contract.

Every span is a pair of Python ``str`` offsets into ``Ledger.text``. ``Ledger.to_dict()`` gives the
versioned contract described by ``schema/article-1.json``; ``Ledger.from_dict()`` reads it back.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any, Literal

SCHEMA_VERSION = "claimledger.article/3"
SCHEMA_VERSIONS = ("claimledger.article/1", "claimledger.article/2", "claimledger.article/3")

SourceType = Literal["named_person", "named_organization", "anonymous", "vague"]
SOURCE_TYPES: tuple[SourceType, ...] = ("named_person", "named_organization", "anonymous", "vague")
AttributionKind = Literal["direct", "indirect", "mixed"]
Act = Literal["speech", "thought", "stance"]
ACTS: tuple[Act, ...] = ("speech", "thought", "stance")
ATTRIBUTION_KINDS: tuple[AttributionKind, ...] = ("direct", "indirect", "mixed")


def text_id(text: str) -> str:
    """The id of an analysed text: the sha256 hex digest of its UTF-8 bytes."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True, slots=True)
class TextSpan:
    """A piece of the article: its text and ``[start, end)`` offsets into ``Ledger.text``."""

    text: str
    start: int
    end: int

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "span": [self.start, self.end]}

    @classmethod
    def from_dict(cls, d: dict[str, Any] | None) -> TextSpan | None:
        if d is None:
            return None
        return cls(d["text"], int(d["span"][0]), int(d["span"][1]))


@dataclass(frozen=True, slots=True)
class Meta:
    """What is known about an article besides its text; ``None`` when unknown."""

    path: str | None = None
    title: str | None = None
    outlet: str | None = None
    published: str | None = None
    url: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "title": self.title,
            "outlet": self.outlet,
            "published": self.published,
            "url": self.url,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any] | None) -> Meta:
        d = d or {}
        return cls(**{k: d.get(k) for k in ("path", "title", "outlet", "published", "url")})


@dataclass(frozen=True, slots=True)
class Source:
    """One speaker entity after coreference: every mention of it in the article."""

    id: str
    name: str
    type: SourceType
    role: str | None = None
    affiliation: str | None = None
    anonymity_reason: str | None = None
    mentions: tuple[tuple[int, int], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "type": self.type,
            "role": self.role,
            "affiliation": self.affiliation,
            "anonymity_reason": self.anonymity_reason,
            "mentions": [list(m) for m in self.mentions],
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Source:
        return cls(
            id=d["id"],
            name=d["name"],
            type=d["type"],
            role=d.get("role"),
            affiliation=d.get("affiliation"),
            anonymity_reason=d.get("anonymity_reason"),
            mentions=tuple((int(s), int(e)) for s, e in d.get("mentions", ())),
        )


@dataclass(frozen=True, slots=True)
class Attribution:
    """A statement (speech, writing, thought or stance) attributed to a source."""

    id: str
    source_id: str | None
    source: TextSpan | None
    cue: TextSpan | None
    content: TextSpan
    kind: AttributionKind
    # version 3; None only in a ledger read back from version 1 or 2
    act: Act | None = None
    confidence: float | None = None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "id": self.id,
            "source_id": self.source_id,
            "source": self.source.to_dict() if self.source else None,
            "cue": self.cue.to_dict() if self.cue else None,
            "content": self.content.to_dict(),
            "kind": self.kind,
        }
        if self.act is not None:
            d["act"] = self.act
        if self.confidence is not None:
            d["confidence"] = self.confidence
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Attribution:
        content = TextSpan.from_dict(d["content"])
        assert content is not None
        return cls(
            id=d["id"],
            source_id=d.get("source_id"),
            source=TextSpan.from_dict(d.get("source")),
            cue=TextSpan.from_dict(d.get("cue")),
            content=content,
            kind=d["kind"],
            act=d.get("act"),
            confidence=d.get("confidence"),
        )


ClaimType = Literal["statistic", "event", "causal", "prediction", "comparison", "opinion", "other"]
CLAIM_TYPES: tuple[ClaimType, ...] = (
    "statistic", "event", "causal", "prediction", "comparison", "opinion", "other"
)
Certainty = Literal["asserted", "hedged", "disputed", "questioned"]
CERTAINTIES: tuple[Certainty, ...] = ("asserted", "hedged", "disputed", "questioned")
HEDGE_KINDS = ("epistemic", "evidential", "weasel", "conditional", "speculative")
EVIDENCE_KINDS = (
    "video", "image", "document", "data", "physical", "testimony", "intelligence", "other"
)
EVIDENCE_STATUSES = ("cited", "missing", "disputed")


@dataclass(frozen=True, slots=True)
class Hedge:
    """A word or phrase that lowers how sure a statement sounds ("alleged", "may have")."""

    id: str
    text: str
    start: int
    end: int
    kind: str

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "text": self.text, "span": [self.start, self.end], "kind": self.kind}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Hedge:
        return cls(d["id"], d["text"], int(d["span"][0]), int(d["span"][1]), d["kind"])


@dataclass(frozen=True, slots=True)
class Evidence:
    """Evidence the article cites, says is missing, or reports as disputed."""

    id: str
    text: str
    start: int
    end: int
    kind: str
    status: str
    claim_ids: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "text": self.text, "span": [self.start, self.end], "kind": self.kind,
            "status": self.status, "claim_ids": list(self.claim_ids),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Evidence:
        return cls(
            d["id"], d["text"], int(d["span"][0]), int(d["span"][1]), d["kind"], d["status"],
            tuple(d.get("claim_ids", ())),
        )


@dataclass(frozen=True, slots=True)
class Claim:
    """A statement worth checking, attributed (``attribution_id``) or in the author's voice."""

    id: str
    text: str
    start: int
    end: int
    type: ClaimType
    checkworthiness: float
    attribution_id: str | None
    certainty: Certainty
    hedge_ids: tuple[str, ...] = ()
    evidence_ids: tuple[str, ...] = ()
    quantities: tuple[dict[str, Any], ...] = ()
    dates: tuple[dict[str, Any], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "text": self.text, "span": [self.start, self.end], "type": self.type,
            "checkworthiness": self.checkworthiness, "attribution_id": self.attribution_id,
            "certainty": self.certainty, "hedge_ids": list(self.hedge_ids),
            "evidence_ids": list(self.evidence_ids), "quantities": [dict(q) for q in self.quantities],
            "dates": [dict(d) for d in self.dates],
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Claim:
        return cls(
            d["id"], d["text"], int(d["span"][0]), int(d["span"][1]), d["type"],
            float(d["checkworthiness"]), d.get("attribution_id"), d["certainty"],
            tuple(d.get("hedge_ids", ())), tuple(d.get("evidence_ids", ())),
            tuple(d.get("quantities", ())), tuple(d.get("dates", ())),
        )


@dataclass(frozen=True, slots=True)
class Ledger:
    """Everything claimledger found in one article."""

    text: str
    meta: Meta = field(default_factory=Meta)
    sources: tuple[Source, ...] = ()
    attributions: tuple[Attribution, ...] = ()
    claims: tuple[Claim, ...] = ()
    hedges: tuple[Hedge, ...] = ()
    evidence: tuple[Evidence, ...] = ()
    profile: dict[str, Any] = field(default_factory=dict, hash=False, compare=True)
    schema: str = SCHEMA_VERSION

    @property
    def id(self) -> str:
        return text_id(self.text)

    def source(self, source_id: str | None) -> Source | None:
        """The source with this id, or ``None``."""
        for s in self.sources:
            if s.id == source_id:
                return s
        return None

    def attributions_of(self, source_id: str) -> list[Attribution]:
        return [a for a in self.attributions if a.source_id == source_id]

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": self.schema,
            "id": self.id,
            "text": self.text,
            "meta": self.meta.to_dict(),
            "sources": [s.to_dict() for s in self.sources],
            "attributions": [a.to_dict() for a in self.attributions],
            "claims": [c.to_dict() for c in self.claims],
            "hedges": [h.to_dict() for h in self.hedges],
            "evidence": [e.to_dict() for e in self.evidence],
            "profile": self.profile,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Ledger:
        return cls(
            text=d["text"],
            meta=Meta.from_dict(d.get("meta")),
            sources=tuple(Source.from_dict(s) for s in d.get("sources", ())),
            attributions=tuple(Attribution.from_dict(a) for a in d.get("attributions", ())),
            claims=tuple(Claim.from_dict(c) for c in d.get("claims", ())),
            hedges=tuple(Hedge.from_dict(h) for h in d.get("hedges", ())),
            evidence=tuple(Evidence.from_dict(e) for e in d.get("evidence", ())),
            profile=dict(d.get("profile") or {}),
            schema=d.get("schema") if d.get("schema") in SCHEMA_VERSIONS else SCHEMA_VERSION,
        )
