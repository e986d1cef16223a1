"""Group the same claim across articles, incrementally, and mark near-duplicate articles.

Every stored claim joins the cluster it matches best, or founds a new one. The match score of a
claim against a cluster is ``ALPHA * cosine + (1 - ALPHA) * jaccard``: cosine between the claim's
all-MiniLM-L6-v2 embedding (:mod:`claimledger.neural.minilm`) and the cluster's mean, Jaccard between
the claim's content words (cut to 6 letters, a cheap stemmer) and the words of the whole cluster.
A veto keeps look-alike statistics apart: the figures of the two must agree within 10 % ("80%"
never joins "5%"; "three-quarters" is 75; days and years are not figures). ALPHA and TAU were
chosen on the Emergent claims (2,071 headlines about 240 claims, ``benchmarks/eval_clusters.py``),
not on the test corpus: pairwise F1 0.788 with the full MiniLM, 0.699 with the static
distillation (which is why the slower model is used). A second veto on capitalised names (both
name someone, and no name is shared) was tried and dropped: Emergent F1 0.511, test corpus 0.570
instead of 0.609 -- headlines name the same actor in too many ways.

Claims are processed in publication order, so a cluster's representative is the first wording
seen. Only claims not yet in a cluster are processed: ingesting new articles updates the clusters
without recomputing the corpus. Each member gets the stance of its sentence toward the cluster's
representative claim (:mod:`claimledger.neural.stance`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass, field

import numpy as np

from claimledger.corpus.store import Store
from claimledger.crossref import minhash

ALPHA = 0.4
TAU = 0.30
CANDIDATES = 8

_STOP = frozenset(
    "the a an of to in on for and or is are was were be been being by with at from that this these "
    "those it its as has have had will would said says say told also but not no than then there "
    "their they them he she his her we our you your i who which what when where after before "
    "about into over under more most some any all can could may might should must did do does "
    "just very such other said".split()
)
_NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
    "thirty": 30, "forty": 40, "fifty": 50, "hundred": 100, "dozen": 12,
}
_NUM = re.compile(r"\d+(?:[.,]\d+)*")
_WORD = re.compile(r"[a-z0-9]+")


@dataclass
class Unit:
    article_id: str
    claim_id: str
    text: str  # the claim, or one of its parts
    sentence: str
    numbers: frozenset[float]
    tokens: frozenset[str]
    vector: np.ndarray | None = None
    part: int = 0


@dataclass
class _Cluster:
    cluster_id: str
    claim: str
    vectors: list[np.ndarray] = field(default_factory=list)
    tokens: set[str] = field(default_factory=set)
    numbers: set[float] = field(default_factory=set)
    centroid: np.ndarray | None = None

    def add(self, unit: Unit) -> None:
        self.vectors.append(unit.vector)
        self.tokens |= unit.tokens
        self.numbers |= unit.numbers
        c = np.mean(self.vectors, axis=0)
        self.centroid = c / (np.linalg.norm(c) or 1.0)


def tokens(text: str) -> frozenset[str]:
    return frozenset(w[:6] for w in _WORD.findall(text.lower()) if w not in _STOP)


_MONTHS = ("january|february|march|april|may|june|july|august|september|october|november|"
           "december|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec")
_DATE = re.compile(rf"\b\d{{1,2}}\s+(?:{_MONTHS})\b|\b(?:{_MONTHS})\.?\s+\d{{1,2}}\b|\b(?:19|20)\d\d\b",
                   re.I)
_FRACTION_WORDS = {"half": 50.0, "third": 100 / 3, "quarter": 25.0, "fifth": 20.0, "tenth": 10.0}
_FRACTION = re.compile(
    r"\b(?:(a|one|two|three|four)[- ])?(half|thirds?|quarters?|fifths?|tenths?)\b", re.I)
_IN = re.compile(r"\b(\w+) (?:in|out of) (\w+)\b", re.I)


def numbers(text: str, quantities: list[dict] | None = None) -> frozenset[float]:
    """The numbers a claim states, as values: digits, number words, fractions ("three-quarters"
    = 75, "one in four" = 25); days, years and other parts of dates are left out."""
    clean = _DATE.sub(" ", text)
    out = set()
    for q in quantities or ():
        if isinstance(q.get("value"), (int, float)) and q.get("unit") not in ("year", "date"):
            v = float(q["value"])
            if not (1900 <= v <= 2100 and v.is_integer()):
                out.add(v)
    for m in _FRACTION.finditer(clean):
        n = _NUMBER_WORDS.get((m.group(1) or "one").lower(), 1)
        base = m.group(2).lower().rstrip("s")
        out.add(round(n * _FRACTION_WORDS[base], 1))
        clean = clean.replace(m.group(0), " ")
    for m in _IN.finditer(clean):
        a, b = (_number_value(m.group(1)), _number_value(m.group(2)))
        if a is not None and b and a < b:
            out.add(round(100 * a / b, 1))
            clean = clean.replace(m.group(0), " ")
    for m in _NUM.finditer(clean):
        try:
            out.add(float(m.group().replace(",", "")))
        except ValueError:
            pass
    for w in _WORD.findall(clean.lower()):
        if w in _NUMBER_WORDS:
            out.add(float(_NUMBER_WORDS[w]))
    return frozenset(out)


def _number_value(word: str) -> float | None:
    w = word.lower()
    if w in _NUMBER_WORDS:
        return float(_NUMBER_WORDS[w])
    try:
        return float(w)
    except ValueError:
        return None


def numbers_agree(a: frozenset[float] | set[float], b: frozenset[float] | set[float]) -> bool:
    """Whether two claims can be about the same figures: some value of one is within 10 % (or 2)
    of some value of the other. Claims without numbers agree with anything."""
    if not a or not b:
        return True
    return any(abs(x - y) <= max(2.0, 0.1 * max(abs(x), abs(y))) for x in a for y in b)


_SPLIT = re.compile(
    r",?\s+(?:while|whereas)\s+|;\s+|,\s+but\s+|,?\s+and\s+that\s+"
    r"|\s+and\s+(?=(?:was|were|had|has|is|are|would|will)\b)", re.I)


def parts(text: str) -> list[str]:
    """A claim cut at clause coordination ("X, while Y", "that X and that Y", "X and was Y"),
    so that two claims in one sentence can join two clusters; pieces under 4 words stay joined."""
    pieces = [p.strip(" ,.;") for p in _SPLIT.split(text)]
    out: list[str] = []
    for p in pieces:
        if out and (len(p.split()) < 4 or len(out[-1].split()) < 4):
            out[-1] = f"{out[-1]} {p}"
        elif p:
            out.append(p)
    return out or [text]


def score(unit: Unit, c: _Cluster) -> float:
    """How well ``unit`` matches cluster ``c``; -1 when a veto applies."""
    if not numbers_agree(unit.numbers, c.numbers):
        return -1.0
    cos = float(c.centroid @ unit.vector)
    union = unit.tokens | c.tokens
    jac = len(unit.tokens & c.tokens) / len(union) if union else 0.0
    return ALPHA * cos + (1 - ALPHA) * jac


def cluster_units(units: list[Unit], clusters: list[_Cluster]) -> list[tuple[Unit, _Cluster, float]]:
    """Assign each unit (in order) to its best cluster, founding new ones; returns assignments."""
    out = []
    for u in units:
        best, best_s = None, -1.0
        if clusters:
            cents = np.stack([c.centroid for c in clusters])
            sims = cents @ u.vector
            for k in np.argsort(-sims)[:CANDIDATES]:
                s = score(u, clusters[k])
                if s > best_s:
                    best, best_s = clusters[k], s
        if best is None or best_s < TAU:
            best = _Cluster(_cluster_id(u), u.text)
            clusters.append(best)
            best_s = 1.0
        best.add(u)
        out.append((u, best, best_s))
    return out


def _cluster_id(u: Unit) -> str:
    return "K" + hashlib.sha256(f"{u.article_id}/{u.claim_id}/{u.part}".encode()).hexdigest()[:10]


# -- the store --------------------------------------------------------------------------------


def update(store: Store) -> dict[str, int]:
    """Cluster the claims and mark the duplicates of articles added since the last update."""
    from claimledger.neural import minilm

    dups = _update_duplicates(store)
    units = _new_units(store)
    if not units:
        return {"new_claims": 0, "new_clusters": 0, "duplicates": dups}
    vecs = minilm.encode([u.text for u in units])
    vecs /= np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-9)
    for u, v in zip(units, vecs):
        u.vector = v
    clusters = _existing_clusters(store)
    known = {c.cluster_id for c in clusters}
    assigned = cluster_units(units, clusters)
    stances = _stances(assigned)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    founded = [(c.cluster_id, u.article_id, u.claim_id, c.claim, now)
               for u, c, _ in assigned if c.cluster_id not in known and c.claim == u.text
               and _cluster_id(u) == c.cluster_id]
    rows = [
        (c.cluster_id, u.article_id, u.claim_id, u.part, u.text, s, st, sc,
         u.vector.astype(np.float32).tolist())
        for (u, c, s), (st, sc) in zip(assigned, stances)
    ]
    with store.transaction() as con:
        if founded:
            con.executemany("INSERT INTO claim_clusters VALUES (?, ?, ?, ?, ?)", founded)
        if rows:
            con.executemany("INSERT INTO cluster_members VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    return {"new_claims": len(units), "new_clusters": len(founded), "duplicates": dups}


def _new_units(store: Store) -> list[Unit]:
    rows = store.con.execute(
        """
        SELECT c.article_id, c.claim_id, c.text, c.quantities, t.source_text, t.cue, t.content
        FROM claims c JOIN articles a USING (article_id)
        LEFT JOIN attributions t ON t.article_id = c.article_id AND t.attribution_id = c.attribution_id
        WHERE NOT EXISTS (SELECT 1 FROM cluster_members m
                          WHERE m.article_id = c.article_id AND m.claim_id = c.claim_id)
        ORDER BY a.published_date NULLS LAST, a.published NULLS LAST, c.article_id, c.start
        """
    ).fetchall()
    return [u for r in rows for u in _units(*r)]


def _units(aid, cid, text, quantities, source_text, cue, content) -> list[Unit]:
    pieces = parts(text)
    qs = json.loads(quantities) if quantities and len(pieces) == 1 else []
    out = []
    for i, piece in enumerate(pieces):
        sentence = piece
        if cue and source_text:
            # "Valmera's foreign minister denied that ...": the cue carries the source's stance
            sentence = f"{source_text} {cue} {piece}"
        out.append(Unit(aid, cid, piece, sentence, numbers(piece, qs), tokens(piece), part=i))
    return out


def _existing_clusters(store: Store) -> list[_Cluster]:
    rows = store.con.execute(
        """
        SELECT m.cluster_id, k.claim, m.vector, m.text, c.quantities, c.text
        FROM cluster_members m JOIN claim_clusters k USING (cluster_id)
        JOIN claims c ON c.article_id = m.article_id AND c.claim_id = m.claim_id
        ORDER BY m.cluster_id
        """
    ).fetchall()
    clusters: dict[str, _Cluster] = {}
    for cid, claim, vec, text, quantities, whole in rows:
        c = clusters.setdefault(cid, _Cluster(cid, claim))
        qs = json.loads(quantities) if quantities and text == whole else []
        c.add(Unit("", "", text, text, numbers(text, qs), tokens(text),
                   np.asarray(vec, dtype=np.float32)))
    return list(clusters.values())


def _stances(assigned: list[tuple[Unit, _Cluster, float]]) -> list[tuple[str, float]]:
    from claimledger.neural import stance

    pairs, slots = [], []
    out: list[tuple[str, float]] = []
    for i, (u, c, _) in enumerate(assigned):
        if u.text == c.claim:
            out.append(("supports", 1.0))  # the claim as first worded
            continue
        out.append(("reports", 0.0))
        pairs.append((c.claim, u.sentence))
        slots.append(i)
    if pairs:
        for i, r in zip(slots, stance.predict(pairs)):
            # a member the model reads as unrelated to the claim relays it at most
            out[i] = ("reports", 0.0) if r.label == "unrelated" else (r.label, float(r.score))
    return out


def _update_duplicates(store: Store) -> int:
    """Signatures for new articles; each copy of a story points at the story's original: the
    earliest published, and among copies of the same day the wire's own (the outlet the dateline
    credits, "PORT SOLANO (Orbis) -" in an article of Orbis News Agency)."""
    new = store.con.execute(
        """
        SELECT a.article_id, json_extract_string(a.ledger, '$.text'), a.published_date, a.outlet
        FROM articles a WHERE a.article_id NOT IN (SELECT article_id FROM article_signatures)
        ORDER BY a.published_date NULLS LAST, a.published NULLS LAST, a.article_id
        """
    ).fetchall()
    if not new:
        return 0
    index = minhash.Index()
    root: dict[str, str] = dict(store.con.execute(
        "SELECT article_id, duplicate_of FROM article_duplicates").fetchall())
    rank: dict[str, tuple] = {}
    for aid, sig, text, pdate, outlet in store.con.execute(
        "SELECT s.article_id, s.signature, json_extract_string(a.ledger, '$.text'), "
        "a.published_date, a.outlet FROM article_signatures s JOIN articles a USING (article_id)"
    ).fetchall():
        index.add(aid, np.asarray(sig, dtype=np.uint64))
        rank[aid] = _rank(text, pdate, outlet)
    sig_rows, changed = [], 0
    sims: dict[str, float] = {}
    for aid, text, pdate, outlet in new:
        sig = minhash.signature(text or "")
        rank[aid] = _rank(text or "", pdate, outlet)
        best, sim = index.best(sig)
        if best is not None and sim >= minhash.THRESHOLD:
            original = root.get(best, best)
            if rank[aid] < rank[original]:  # the newcomer is the original: re-root the group
                for k, v in list(root.items()):
                    if v == original:
                        root[k] = aid
                root[original] = aid
                sims.setdefault(original, sim)
            else:
                root[aid] = original
                sims[aid] = sim
            changed += 1
        index.add(aid, sig)
        sig_rows.append((aid, [int(x) for x in sig]))
    with store.transaction() as con:
        con.executemany("INSERT INTO article_signatures VALUES (?, ?)", sig_rows)
        con.execute("DELETE FROM article_duplicates")
        rows = [(k, v, sims.get(k, 1.0)) for k, v in root.items()]
        if rows:
            con.executemany("INSERT INTO article_duplicates VALUES (?, ?, ?)", rows)
    return changed


def _rank(text: str, published_date, outlet: str | None) -> tuple:
    credited = False
    if outlet:
        first = re.split(r"\W+", outlet.strip())[0]
        credited = bool(first) and f"({first.lower()})" in text[:300].lower()
    return (published_date is None, published_date or dt.date.max, not credited)
