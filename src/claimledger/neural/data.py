"""The one data-loading harness of every trained model: corpora read from ``../shared/data``,
parsed once with the runtime's spaCy pipeline (cached as DocBin under ``build/cache``), and turned
into encoder examples.

Nothing here needs torch: the training tasks (:mod:`claimledger.neural.train`) and the benchmarks
use the same examples, so a model is scored on exactly what it was trained to see.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from spacy.tokens import Doc, DocBin

from claimledger.evaluation.polnear import DEFAULT_ROOT, GoldArticle, Spans, iter_articles
from claimledger.neural.features import cue_relations, token_features
from claimledger.neural.windows import Window, windows
from claimledger.neural.wordpiece import WordPiece

REPO = Path(__file__).resolve().parents[3]
CACHE = REPO / "build" / "cache"

# Tags of the cue tagger and of the cue-conditioned source/content tagger.
CUE_TAGS = ("O", "B", "I")
ROLE_TAGS = ("O", "B-SRC", "I-SRC", "B-CON", "I-CON")


def parse_cached(texts: Sequence[str], name: str) -> list[Doc]:
    """``texts`` parsed with the runtime pipeline (:func:`claimledger.analyzer.load_nlp`), cached
    under ``build/cache/<name>-<hash>.spacy``; the hash covers the texts and the pipeline."""
    from claimledger.analyzer import load_nlp

    nlp = load_nlp()
    h = hashlib.sha256()
    h.update(f"{nlp.meta['name']}-{nlp.meta['version']}-{','.join(nlp.pipe_names)}".encode())
    for t in texts:
        h.update(hashlib.sha256(t.encode("utf-8", "surrogatepass")).digest())
    path = CACHE / f"{name}-{h.hexdigest()[:16]}.spacy"
    if path.exists():
        docs = list(DocBin().from_disk(path).get_docs(nlp.vocab))
        if [d.text for d in docs] == list(texts):
            return docs
    docs = list(nlp.pipe(texts, batch_size=16))
    path.parent.mkdir(parents=True, exist_ok=True)
    db = DocBin(attrs=["ORTH", "SPACY", "TAG", "POS", "DEP", "HEAD", "LEMMA", "ENT_IOB",
                       "ENT_TYPE", "SENT_START", "MORPH"])
    for d in docs:
        db.add(d)
    db.to_disk(path)
    return docs


# -- attribution ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CuePair:
    """One cue of a window (its window positions) and the role tag of every window token."""

    cue: np.ndarray  # int64 positions in the window
    roles: np.ndarray  # int64 [T], indices into ROLE_TAGS
    relations: np.ndarray  # int64 [T], features.RELATIONS of each token to this cue


@dataclass(frozen=True, slots=True)
class AttributionExample:
    article: int  # index into the article list
    window: Window
    features: np.ndarray  # int64 [3, T], features.token_features
    cue_tags: np.ndarray  # int64 [T], indices into CUE_TAGS
    pairs: tuple[CuePair, ...]


def polnear(split: str, root: Path = DEFAULT_ROOT, annotators: str = "first"
            ) -> tuple[list[GoldArticle], list[Doc]]:
    """A PolNeAR split and its parsed Docs (cached)."""
    arts = list(iter_articles(root, split, annotators))
    return arts, parse_cached([a.text for a in arts], f"polnear-{split}-{annotators}")


def _token_sets(doc: Doc, spans: Spans | None) -> list[list[int]]:
    """Per piece of ``spans``, the Doc tokens it covers (space tokens left out)."""
    if not spans:
        return []
    starts = np.fromiter((t.idx for t in doc), dtype=np.int64, count=len(doc))
    out = []
    for s, e in spans:
        lo = int(np.searchsorted(starts, s, side="right")) - 1
        toks = []
        for i in range(max(lo, 0), len(doc)):
            t = doc[i]
            if t.idx >= e:
                break
            if t.idx + len(t.text) > s and not t.is_space:
                toks.append(i)
        if toks:
            out.append(toks)
    return out


def attribution_examples(arts: Sequence[GoldArticle], docs: Sequence[Doc], wp: WordPiece
                         ) -> list[AttributionExample]:
    """Every window of every article with its cue tags and one CuePair per gold cue inside it."""
    out = []
    for ai, (art, doc) in enumerate(zip(arts, docs)):
        rels = []
        for g in art.attributions:
            cue = sorted({i for p in _token_sets(doc, g.cue) for i in p})
            if not cue:
                continue
            rels.append((cue, _token_sets(doc, g.source), _token_sets(doc, g.content)))
        for win in windows(doc, wp):
            pos = {int(t): k for k, t in enumerate(win.tokens)}
            n = len(win.tokens)
            cue_tags = np.zeros(n, dtype=np.int64)
            by_cue: dict[tuple[int, ...], np.ndarray] = {}
            for cue, src, con in rels:
                if not all(i in pos for i in cue):
                    continue
                cp = tuple(pos[i] for i in cue)
                _tag_runs(cue_tags, cp, 1, 2)
                roles = by_cue.setdefault(cp, np.zeros(n, dtype=np.int64))
                for piece in con:
                    _tag_runs(roles, [pos[i] for i in piece if i in pos], 3, 4)
                for piece in src:
                    _tag_runs(roles, [pos[i] for i in piece if i in pos], 1, 2)
            pairs = tuple(
                CuePair(np.asarray(c, dtype=np.int64), r, cue_relations(doc, win, min(c), max(c)))
                for c, r in by_cue.items()
            )
            out.append(AttributionExample(ai, win, token_features(doc, win), cue_tags, pairs))
    return out


def _tag_runs(tags: np.ndarray, positions: Sequence[int], b: int, i: int) -> None:
    """Tag ``positions`` as B/I runs (a gap starts a new run)."""
    prev = None
    for p in sorted(positions):
        tags[p] = i if prev is not None and p == prev + 1 else b
        prev = p


# -- sentences and pairs (check-worthiness, certainty, stance) ------------------------------------

SHARED = REPO.parent / "shared" / "data"


@dataclass(frozen=True, slots=True)
class TextSet:
    """Texts (or text pairs: ``pairs[i]`` is the second text of pair i), integer labels, and the
    group of each item that cross-validation keeps together (a debate, a claim)."""

    texts: list[str]
    labels: np.ndarray
    groups: np.ndarray
    pairs: list[str] | None = None

    def subset(self, idx: Sequence[int] | np.ndarray) -> TextSet:
        idx = [int(i) for i in idx]
        return TextSet([self.texts[i] for i in idx], self.labels[idx], self.groups[idx],
                       None if self.pairs is None else [self.pairs[i] for i in idx])


def require(path: Path) -> Path:
    if not path.exists():
        raise SystemExit(f"{path} is missing: the training data is read from ../shared/data "
                         "(see ../shared/README.md)")
    return path


# CT24 train is the ClaimBuster corpus, the 33 US presidential debates 1960-2016 concatenated;
# ``Sentence_id`` runs over the transcripts, so each debate is one block of ids. The first id of each
# block, found and dated by reading the sentences around each boundary (closing statements, a gap of
# moderator ids, an opening; the names the candidates use date it).
DEBATES: tuple[tuple[int, str], ...] = (
    (0, "1988a"), (1004, "1976a"), (1654, "2012a"), (2792, "1976b"), (3423, "2008a"),
    (5487, "2008b"), (6449, "2004a"), (7581, "1960a"), (8109, "1960b"), (8660, "1980a"),
    (9126, "2012b"), (10437, "2008c"), (11396, "2000a"), (12511, "1960c"), (13080, "1960d"),
    (13592, "1992a"), (14809, "1980b"), (15483, "1988b"), (16438, "1976c"), (17087, "1984a"),
    (17959, "2004b"), (19089, "1996a"), (20199, "2000b"), (21303, "1992b"), (22551, "2004c"),
    (23820, "1992c"), (24900, "1984b"), (25680, "1996b"), (26902, "2012c"), (28031, "2000c"),
    (29101, "2016a"), (31839, "2016b"), (33143, "2016c"),
)  # fmt: skip


def debate_of(sentence_id: int) -> str:
    starts = [s for s, _ in DEBATES]
    i = int(np.searchsorted(starts, sentence_id, side="right")) - 1
    return DEBATES[i][1]


def checkworthy(split: str, root: Path = SHARED / "checkworthy") -> TextSet:
    """CheckThat! 2024 task 1 English ``train`` or ``dev``: 1 = check-worthy; groups are debates
    (dev sentences come from the same debates, so dev groups are only informative)."""
    import pyarrow.parquet as pq

    t = pq.read_table(require(root / f"CT24_{split}_clean.parquet"),
                      columns=["Sentence_id", "Text", "class_label"])
    labels = t.column("class_label").to_pylist()
    if set(labels) - {"Yes", "No"}:
        raise SystemExit(f"unexpected labels in CT24 {split}: {set(labels)}")
    return TextSet(t.column("Text").to_pylist(), np.array([lab == "Yes" for lab in labels], int),
                   np.array([debate_of(i) for i in t.column("Sentence_id").to_pylist()]))


def certainty(root: Path = SHARED / "hedging") -> TextSet:
    """The CoNLL-2010 Wikipedia sample: 1 = uncertain; each sentence its own group."""
    import csv
    import html

    texts, labels = [], []
    path = require(root / "conll2010_wiki_sample_train.csv")
    with path.open(encoding="utf-8-sig", newline="") as fh:
        for row in csv.reader(fh):
            if len(row) != 2 or row[0].strip() not in ("1", "-1"):
                raise SystemExit(f"{path}: unexpected row {row[:2]!r}")
            labels.append(1 if row[0].strip() == "-1" else 0)
            texts.append(html.unescape(row[1]))
    return TextSet(texts, np.array(labels), np.arange(len(texts)).astype(str))


# Emergent's stances and FNC-1's, on the ledger's labels (FNC-1 "discuss" = reports)
STANCE_LABELS = ("supports", "refutes", "reports", "unrelated")
_EMERGENT = {"for": 0, "against": 1, "observing": 2}
_FNC = {"agree": 0, "disagree": 1, "discuss": 2, "unrelated": 3}


def emergent(root: Path = SHARED / "stance") -> TextSet:
    """Emergent train: (claim, article headline) pairs; groups are claims."""
    import csv

    with require(root / "emergent_train.csv").open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return TextSet([r["claimHeadline"] for r in rows],
                   np.array([_EMERGENT[r["articleHeadlineStance"]] for r in rows]),
                   np.array([r["claimId"] for r in rows]),
                   [r["articleHeadline"] for r in rows])


def fnc(root: Path = SHARED / "stance") -> tuple[TextSet, np.ndarray]:
    """FNC-1 train: (headline, body) pairs, and the held-out mask of the issue's protocol: the
    connected components of the graph of related (headline, body) pairs, 20% of them held out
    (seed 0); a pair is held out when both its headline and body are in held-out components, in
    train when neither is, and dropped otherwise. Groups are components."""
    import csv

    with require(root / "train_bodies.csv").open(newline="", encoding="utf-8") as fh:
        bodies = {r["Body ID"]: r["articleBody"] for r in csv.DictReader(fh)}
    with require(root / "train_stances_reassembled.csv").open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    heads = [r["Headline"] for r in rows]
    bids = [r["Body ID"] for r in rows]
    y = np.array([_FNC[r["Stance"]] for r in rows])
    train, held, comp = fnc_split(heads, bids, y == _FNC["unrelated"])
    keep = train | held
    idx = np.flatnonzero(keep)
    ts = TextSet([heads[i] for i in idx], y[idx], comp[idx], [bodies[bids[i]] for i in idx])
    return ts, held[idx]


def fnc_split(heads: Sequence[str], body_ids: Sequence[str], unrelated: np.ndarray,
              frac: float = 0.2, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(train mask, held-out mask, component of each pair) of FNC-1 pairs: the connected
    components of the graph of related (headline, body) pairs, ``frac`` of them held out."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for h, b, unrel in zip(heads, body_ids, unrelated):
        a, c = find("h:" + h), find("b:" + b)
        if not unrel:
            parent[a] = c
    comps = sorted({find(k) for k in list(parent)})
    rng = np.random.default_rng(seed)
    held = set(rng.choice(comps, size=round(frac * len(comps)), replace=False).tolist())
    hc = np.array([find("h:" + h) in held for h in heads])
    bc = np.array([find("b:" + b) in held for b in body_ids])
    comp = np.array([find("b:" + b) for b in body_ids])
    return (~hc & ~bc), (hc & bc), comp
