"""The article profile: what the story rests on, in counts and shares, and the credibility
signals of the W3C Credible Web Community Group's catalogue (names and section numbers) that
those counts answer."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from claimledger.model import ACTS, SOURCE_TYPES, Attribution, Claim, Evidence, Source


def _share(count: int, total: int) -> dict[str, Any]:
    return {"count": count, "share": round(count / total, 4) if total else 0.0}


def build_profile(
    sources: Sequence[Source],
    attributions: Sequence[Attribution],
    claims: Sequence[Claim],
    evidence: Sequence[Evidence],
) -> dict[str, Any]:
    by_id = {s.id: s for s in sources}
    n_attr = len(attributions)
    types = Counter(
        by_id[a.source_id].type if a.source_id in by_id else "unresolved" for a in attributions
    )
    by_source_type = {t: _share(types.get(t, 0), n_attr) for t in (*SOURCE_TYPES, "unresolved")}
    voices = Counter(s.affiliation for s in sources if s.affiliation)
    attr_by_id = {a.id: a for a in attributions}

    def source_type_of(c: Claim) -> str | None:
        a = attr_by_id.get(c.attribution_id or "")
        s = by_id.get(a.source_id or "") if a else None
        return s.type if s else None

    n_claims = len(claims)
    weak = [c for c in claims if source_type_of(c) in ("anonymous", "vague")]
    ev = Counter(e.status for e in evidence)
    anonymous = [s for s in sources if s.type == "anonymous"]
    anon_attr = types.get("anonymous", 0)
    quoted = [s for s in sources if any(a.source_id == s.id for a in attributions)]
    signals = [
        {"id": "7.4.1.7", "name": "Anonymous Sources Cited", "value": bool(anonymous),
         "detail": f"{len(anonymous)} anonymous source(s), {anon_attr} statement(s)"},
        {"id": "7.4.1.10", "name": "Multiple Anonymous Sources Materially Cited",
         "value": len(anonymous) >= 2, "detail": None},
        {"id": "7.4.1.12", "name": "Motivation of Anonymous Source Wanted Anonymity is Given",
         "value": any(s.anonymity_reason for s in anonymous) if anonymous else None,
         "detail": "; ".join(sorted({s.anonymity_reason for s in anonymous if s.anonymity_reason}))
         or None},
        {"id": "18.49", "name": "Dependency on anonymous sources",
         "value": by_source_type["anonymous"]["share"], "detail": "share of attributions"},
        {"id": "18.87", "name": "Number of quoted sources", "value": len(quoted), "detail": None},
        {"id": "7.4.1.5", "name": "Organization Cited",
         "value": any(s.type == "named_organization" for s in quoted), "detail": None},
        {"id": "7.4.1.13", "name": "Documents are Cited in the Article",
         "value": any(e.kind in ("document", "data") and e.status == "cited" for e in evidence),
         "detail": None},
        {"id": "2.3", "name": "Explicitly Unverified Claims", "value": ev.get("missing", 0) > 0,
         "detail": f"{ev.get('missing', 0)} mention(s) of evidence said to be missing"},
        {"id": "7.4.1.1", "name": "No Source Type Cited", "value": n_attr == 0, "detail": None},
        {"id": "18.84", "name": "Contains original quotes",
         "value": any(a.kind in ("direct", "mixed") for a in attributions), "detail": None},
        {"id": "18.69", "name": "Number of Claims", "value": n_claims, "detail": None},
    ]
    return {
        "attributions": n_attr,
        "attributions_by_source_type": by_source_type,
        "attributions_by_act": {act: sum(1 for a in attributions if a.act == act) for act in ACTS},
        "sources": len(sources),
        "sources_by_type": {t: sum(1 for s in sources if s.type == t) for t in SOURCE_TYPES},
        "voices_by_affiliation": dict(voices.most_common()),
        "claims": n_claims,
        "claims_unattributed": _share(sum(1 for c in claims if c.attribution_id is None), n_claims),
        "claims_hedged": _share(sum(1 for c in claims if c.certainty == "hedged"), n_claims),
        "claims_disputed": _share(sum(1 for c in claims if c.certainty == "disputed"), n_claims),
        "claims_questioned": _share(sum(1 for c in claims if c.certainty == "questioned"), n_claims),
        "claims_only_anonymous_or_vague": _share(len(weak), n_claims),
        "evidence": {s: ev.get(s, 0) for s in ("cited", "missing", "disputed")},
        "signals": signals,
    }
