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

Clusters are propositions. Each claim is first read by :mod:`claimledger.crossref.polarity`: its
framing removed and a main-clause negation undone, so that what is matched and embedded is the
proposition in positive form and a denial joins the cluster of what it denies. Each member keeps
its polarity (``source_stance``: supports, refutes, questions, reports) and what decided it
(``polarity_cue``); a plain assertion the stance model reads as refuting the cluster's proposition
with confidence ``MODEL_REFUTES`` is stored as refuting it (a contrary statement). A statement that
only points back ("That figure is a lie") joins the cluster of its article's claim just before it.
A cluster's proposition is the member wording that reads best on its own
(:func:`claimledger.crossref.polarity.wording`): the first member's positive form, replaced by a
plain (unframed, supporting) wording when that was composed from a denial or a doubt, and by a
member matching the cluster at ``REWORD`` that reads clearly better (a clause with its own subject
over a fragment, the reporter's words over a speaker's "we"). A proposition stays as it was stored
until a better wording comes; it is always one member's words (in positive form).

Claims are processed in publication order. Only claims not yet in a cluster are processed, and
only the clusters near them are read (their persisted centroid, size, words and figures, found
through the nearest stored members in the vector index of :mod:`claimledger.crossref.index`):
ingesting new articles updates the clusters at a cost of O(new claims).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass, field

import numpy as np

from claimledger.corpus.store import Store
from claimledger.crossref import minhash, polarity

ALPHA = 0.4
TAU = 0.30
CANDIDATES = 8
# a member rewords its cluster's proposition (:meth:`_Cluster.add`) only when it matches the
# cluster at least this well: the headline must be one of its closest members
REWORD = 0.35

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
    text: str  # the claim, or one of its parts, as the article words it
    sentence: str
    numbers: frozenset[float]
    tokens: frozenset[str]
    vector: np.ndarray | None = None
    part: int = 0
    proposition: str = ""  # ``text`` in positive form (:mod:`claimledger.crossref.polarity`)
    polarity: str = "supports"
    framed: bool = False
    polarity_cue: str | None = None
    anaphoric: bool = False  # "That figure is a lie": about the claim stated just before it

    def __post_init__(self) -> None:
        if not self.proposition:
            self.proposition = self.text


@dataclass
class _Cluster:
    cluster_id: str
    claim: str  # the canonical proposition, positive form
    framed: bool = False  # the proposition was composed from a framed or negated wording
    total: np.ndarray | None = None  # the sum of the member vectors
    n: int = 0
    tokens: set[str] = field(default_factory=set)
    numbers: set[float] = field(default_factory=set)
    centroid: np.ndarray | None = None
    changed: bool = False

    def add(self, unit: Unit, score: float = 1.0) -> None:
        self.total = unit.vector.astype(np.float64) if self.total is None else self.total + unit.vector
        self.n += 1
        self.tokens |= unit.tokens
        self.numbers |= unit.numbers
        self.centroid = (self.total / (np.linalg.norm(self.total) or 1.0)).astype(np.float32)
        self.changed = True
        plain = not unit.framed and unit.polarity == "supports"
        wording = polarity.canonical(unit.proposition)
        # a member that states the proposition plainly words it better than one composed from a
        # denial or a doubt, unless it is a fragment; and a close member that reads better on its
        # own rewords it: a clause with its own subject over a fragment, the reporter's words
        # over a speaker's "we"
        replaces_composed = self.framed and plain
        if (replaces_composed or score >= REWORD) and _reads(wording, not plain) > \
                _reads(self.claim, self.framed) + (0.0 if replaces_composed else 0.5):
            self.claim, self.framed = wording, not plain


def _reads(proposition: str, composed: bool) -> float:
    """How well a wording serves as a cluster's proposition (:func:`polarity.wording`); one
    composed from a denial or a doubt counts a point less than a plain one."""
    return polarity.wording(proposition) - (1.0 if composed else 0.0)


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
    r"|\s+and\s+(?=(?:was|were|had|has|is|are|would|will)\b)"
    r"|,?\s+and\s+(?=(?:said|repeated|added|insisted|argued|claimed|maintained|stressed|noted|"
    r"warned)\s+that\b)", re.I)


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
    last: dict[str, tuple[_Cluster, float]] = {}  # the cluster of each article's latest claim
    for u in units:
        if u.anaphoric and u.article_id in last:
            best, best_s = last[u.article_id]
            out.append((u, best, best_s))  # its words say nothing of the proposition: the
            continue  # centroid is left as it is
        best, best_s = None, -1.0
        if clusters:
            cents = np.stack([c.centroid for c in clusters])
            sims = cents @ u.vector
            for k in np.argsort(-sims)[:CANDIDATES]:
                s = score(u, clusters[k])
                if s > best_s:
                    best, best_s = clusters[k], s
        if best is None or best_s < TAU:
            best = _Cluster(_cluster_id(u), polarity.canonical(u.proposition), framed=u.framed)
            clusters.append(best)
            best_s = 1.0
        best.add(u, best_s)
        out.append((u, best, best_s))
        last[u.article_id] = (best, best_s)
    return out


def _cluster_id(u: Unit) -> str:
    return "K" + hashlib.sha256(f"{u.article_id}/{u.claim_id}/{u.part}".encode()).hexdigest()[:10]


# -- the store --------------------------------------------------------------------------------


def update(store: Store) -> dict[str, int]:
    """Cluster the claims and mark the duplicates of articles added since the last update.

    Reads only what the new claims need: their nearest stored members (the vector index of
    :mod:`claimledger.crossref.index`) and the clusters those belong to, with their persisted
    centroids; so an update costs O(new claims), not O(corpus)."""
    from claimledger.crossref.index import VectorIndex
    from claimledger.neural import minilm

    dups = _update_duplicates(store)
    units = _new_units(store)
    if not units:
        return {"new_claims": 0, "new_clusters": 0, "duplicates": dups}
    vecs = minilm.encode([u.proposition for u in units])
    vecs /= np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-9)
    for u, v in zip(units, vecs):
        u.vector = v.astype(np.float32)
    index = VectorIndex(store)
    clusters = _nearby_clusters(store, index, vecs)
    known = {c.cluster_id for c in clusters}
    assigned = cluster_units(units, clusters)
    _model_polarities(assigned)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    (top,) = store.con.execute("SELECT coalesce(max(vid), -1) FROM cluster_members").fetchone()
    vids = np.arange(int(top) + 1, int(top) + 1 + len(assigned), dtype=np.int64)
    rows = [
        (c.cluster_id, u.article_id, u.claim_id, u.part, u.text, s, u.polarity, conf,
         u.vector.tolist(), int(vid), u.polarity_cue)
        for (u, c, s), vid, conf in zip(assigned, vids, _confidences(assigned))
    ]
    touched = {c.cluster_id: c for _, c, _ in assigned if c.changed}
    founders = {c.cluster_id: u for u, c, _ in reversed(assigned) if c.cluster_id not in known}
    with store.transaction() as con:
        for cid, u in founders.items():
            con.execute("INSERT INTO claim_clusters (cluster_id, article_id, claim_id, claim, "
                        "created_at) VALUES (?, ?, ?, ?, ?)", [cid, u.article_id, u.claim_id,
                                                               touched[cid].claim, now])
        con.executemany(
            "UPDATE claim_clusters SET claim = ?, framed = ?, centroid = ?, n_members = ?, "
            "tokens = ?, numbers = ? WHERE cluster_id = ?",
            [(c.claim, c.framed, (c.total / c.n).astype(np.float32).tolist(), c.n,
              sorted(c.tokens), sorted(c.numbers), c.cluster_id) for c in touched.values()])
        con.executemany(
            "INSERT INTO cluster_members (cluster_id, article_id, claim_id, part, text, score, "
            "source_stance, stance_score, vector, vid, polarity_cue) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    index.add(vids, np.stack([u.vector for u, _, _ in assigned]))
    return {"new_claims": len(units), "new_clusters": len(founders), "duplicates": dups}


def _new_units(store: Store) -> list[Unit]:
    rows = store.con.execute(
        """
        SELECT c.article_id, c.claim_id, c.text, c.quantities, c.certainty, t.source_text, t.cue,
               t.content
        FROM claims c JOIN articles a USING (article_id)
        LEFT JOIN attributions t ON t.article_id = c.article_id AND t.attribution_id = c.attribution_id
        WHERE NOT EXISTS (SELECT 1 FROM cluster_members m
                          WHERE m.article_id = c.article_id AND m.claim_id = c.claim_id)
        ORDER BY a.published_date NULLS LAST, a.published NULLS LAST, c.article_id, c.start
        """
    ).fetchall()
    return [u for r in rows for u in _units(*r)]


def _units(aid, cid, text, quantities, certainty, source_text, cue, content) -> list[Unit]:
    pieces = parts(text)
    qs = json.loads(quantities) if quantities and len(pieces) == 1 else []
    out = []
    for i, piece in enumerate(pieces):
        sentence = piece
        if cue and source_text:
            # "Valmera's foreign minister denied that ...": the cue carries the source's stance
            sentence = f"{source_text} {cue} {piece}"
        r = polarity.read(piece, cue, certainty, own_voice=source_text is None)
        out.append(Unit(aid, cid, piece, sentence, numbers(r.proposition, qs),
                        tokens(r.proposition), part=i, proposition=r.proposition,
                        polarity=r.polarity, framed=r.framed, polarity_cue=r.cue,
                        anaphoric=r.anaphoric))
    return out


NEIGHBOURS = 16


def _nearby_clusters(store: Store, index, vecs: np.ndarray) -> list[_Cluster]:
    """The stored clusters of the nearest stored members of each new claim."""
    if not len(index):
        return []
    _, vids = index.search(vecs, NEIGHBOURS)
    wanted = sorted({int(v) for v in vids.ravel() if v >= 0})
    if not wanted:
        return []
    rows = store.con.execute(
        """
        SELECT DISTINCT k.cluster_id, k.claim, k.framed, k.centroid, k.n_members, k.tokens,
               k.numbers
        FROM cluster_members m JOIN claim_clusters k USING (cluster_id)
        WHERE m.vid IN (SELECT unnest(?::BIGINT[])) ORDER BY k.cluster_id
        """, [wanted]).fetchall()
    out = []
    for cid, claim, framed, centroid, n, toks, nums in rows:
        c = _Cluster(cid, claim, framed=bool(framed), n=int(n or 0), tokens=set(toks or ()),
                     numbers=set(nums or ()))
        mean = np.asarray(centroid, dtype=np.float64)
        c.total = mean * max(c.n, 1)
        c.centroid = (mean / (np.linalg.norm(mean) or 1.0)).astype(np.float32)
        out.append(c)
    return out


MODEL_REFUTES = 0.75


def _model_polarities(assigned: list[tuple[Unit, _Cluster, float]]) -> None:
    """Where the member's own words took no side beyond asserting (no negation, frame or denying
    cue), the stance model reads the member's sentence against the cluster's proposition: a
    contrary statement ("inside its territorial waters" against "in international waters") is
    read as refuting when the model is confident of it."""
    from claimledger.neural import stance

    slots = [i for i, (u, c, _) in enumerate(assigned)
             if u.polarity == "supports" and u.polarity_cue is None
             and polarity.canonical(u.proposition) != c.claim]
    if not slots:
        return
    results = stance.predict([(assigned[i][1].claim, assigned[i][0].sentence) for i in slots])
    for i, r in zip(slots, results):
        if r.label == "refutes" and r.scores.get("refutes", 0.0) >= MODEL_REFUTES:
            u = assigned[i][0]
            u.polarity, u.polarity_cue = "refutes", "stance model"


def _confidences(assigned: list[tuple[Unit, _Cluster, float]]) -> list[float]:
    """How sure each polarity is: an explicit cue, frame or negation 0.9; the stance model 0.75;
    a plain assertion 0.6."""
    out = []
    for u, _, _ in assigned:
        if u.polarity_cue == "stance model":
            out.append(MODEL_REFUTES)
        elif u.polarity_cue:
            out.append(0.9)
        else:
            out.append(0.6)
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
