"""Read the PolNeAR attribution corpus (brat standoff) and score predicted attributions against it.

PolNeAR (Newell, Margolin & Ruths, LREC 2018) annotates Source, Cue and Content spans of attribution
relations (speech and thought; direct, indirect and mixed) in political news. Each article is
``text/<name>.txt`` with one or more ``attributions/<name>_<annotator>.ann`` files.

Scoring, per component (source, cue, content):

* **exact** — the predicted span and the gold span have the same ``[start, end)`` hull after trimming
  surrounding whitespace;
* **overlap** — the characters they share are at least half of the longer one's characters.

Predicted and gold items are matched one-to-one, best overlap first. **Linked** matching pairs a
predicted attribution with a gold one when their contents overlap (as above) and the predicted source
— its own span or any mention of the entity it resolves to — overlaps the gold source span; gold
relations without a source (``Attribution-no-source``) only need the content to match.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

Spans = tuple[tuple[int, int], ...]

DEFAULT_ROOT = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "polnear" / "data"
_ANN_NAME = re.compile(r"^(?P<article>.+)_(?P<annotator>[0-9a-f]{4})\.ann$")


@dataclass(frozen=True)
class GoldAttribution:
    source: Spans | None
    cue: Spans | None
    content: Spans


@dataclass(frozen=True)
class GoldArticle:
    name: str
    annotator: str
    text: str
    attributions: tuple[GoldAttribution, ...]


@dataclass(frozen=True)
class PredictedAttribution:
    """What the scorer needs of a prediction; ``source_mentions`` are the resolved entity's mentions."""

    source: Spans | None
    cue: Spans | None
    content: Spans
    source_mentions: Spans = ()


def _parse_spans(field_text: str) -> Spans:
    spans = []
    for part in field_text.split(";"):
        start, end = part.split()
        spans.append((int(start), int(end)))
    return tuple(spans)


def read_ann(path: Path, text: str) -> tuple[GoldAttribution, ...]:
    """Parse one brat ``.ann`` file into attribution relations."""
    spans: dict[str, tuple[str, Spans]] = {}
    relations: list[dict[str, list[str]]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) < 2:
            continue
        if parts[0].startswith("T"):
            label, _, offsets = parts[1].partition(" ")
            try:
                spans[parts[0]] = (label, _parse_spans(offsets))
            except ValueError:
                continue
        elif parts[0].startswith("E"):
            args: dict[str, list[str]] = {}
            for arg in parts[1].split():
                role, _, tid = arg.partition(":")
                args.setdefault(role.rstrip("0123456789"), []).append(tid)
            relations.append(args)
    out = []
    for args in relations:
        content = tuple(s for tid in args.get("Content", []) if tid in spans for s in spans[tid][1])
        if not content:
            continue
        source = tuple(s for tid in args.get("Source", []) if tid in spans for s in spans[tid][1])
        cue = tuple(s for tid in args.get("Cue", []) if tid in spans for s in spans[tid][1])
        out.append(GoldAttribution(source or None, cue or None, tuple(sorted(content))))
    return tuple(out)


def iter_articles(
    root: Path = DEFAULT_ROOT, split: str = "dev", annotators: str = "first"
) -> Iterator[GoldArticle]:
    """Yield the articles of a split; ``annotators="first"`` keeps one annotation per article
    (the lowest annotator id), ``"all"`` yields every annotator's version."""
    base = Path(root) / split
    by_article: dict[str, list[tuple[str, Path]]] = {}
    for ann in sorted((base / "attributions").glob("*.ann")):
        m = _ANN_NAME.match(ann.name)
        if m:
            by_article.setdefault(m["article"], []).append((m["annotator"], ann))
    for name, anns in sorted(by_article.items()):
        text_path = base / "text" / f"{name}.txt"
        if not text_path.exists():
            continue
        text = text_path.read_text(encoding="utf-8")
        chosen = sorted(anns)[:1] if annotators == "first" else sorted(anns)
        for annotator, ann in chosen:
            yield GoldArticle(name, annotator, text, read_ann(ann, text))


# -- scoring ------------------------------------------------------------------------------------


def _chars(spans: Spans, text: str) -> set[int]:
    out: set[int] = set()
    for s, e in spans:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        out.update(range(s, e))
    return out


def _hull(chars: set[int]) -> tuple[int, int] | None:
    return (min(chars), max(chars) + 1) if chars else None


def overlap_ratio(a: set[int], b: set[int]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / max(len(a), len(b))


@dataclass
class PRF:
    tp: int = 0
    n_pred: int = 0
    n_gold: int = 0

    @property
    def precision(self) -> float:
        return self.tp / self.n_pred if self.n_pred else 0.0

    @property
    def recall(self) -> float:
        return self.tp / self.n_gold if self.n_gold else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def add(self, other: PRF) -> None:
        self.tp += other.tp
        self.n_pred += other.n_pred
        self.n_gold += other.n_gold

    def as_dict(self) -> dict[str, float]:
        return {"p": round(self.precision, 4), "r": round(self.recall, 4), "f1": round(self.f1, 4)}


def _match(pred: Sequence[set[int]], gold: Sequence[set[int]], ok) -> int:
    """Greedy one-to-one matching, best overlap first; ``ok(i, j, ratio)`` accepts a pair."""
    pairs = []
    for i, p in enumerate(pred):
        for j, g in enumerate(gold):
            r = overlap_ratio(p, g)
            if r > 0 and ok(i, j, r):
                pairs.append((r, i, j))
    pairs.sort(reverse=True)
    used_p: set[int] = set()
    used_g: set[int] = set()
    for _, i, j in pairs:
        if i not in used_p and j not in used_g:
            used_p.add(i)
            used_g.add(j)
    return len(used_p)


def _unique(items: Iterable[set[int]]) -> list[set[int]]:
    seen: set[frozenset[int]] = set()
    out = []
    for it in items:
        key = frozenset(it)
        if it and key not in seen:
            seen.add(key)
            out.append(it)
    return out


@dataclass
class Scores:
    components: dict[str, dict[str, PRF]] = field(
        default_factory=lambda: {
            c: {"exact": PRF(), "overlap": PRF()} for c in ("source", "cue", "content")
        }
    )
    linked: PRF = field(default_factory=PRF)
    articles: int = 0

    def as_dict(self) -> dict:
        return {
            "articles": self.articles,
            "linked": self.linked.as_dict(),
            **{
                c: {m: prf.as_dict() for m, prf in d.items()}
                for c, d in self.components.items()
            },
        }


def score_article(
    text: str, gold: Sequence[GoldAttribution], pred: Sequence[PredictedAttribution]
) -> Scores:
    sc = Scores(articles=1)
    for comp in ("source", "cue", "content"):
        g_sets = _unique(_chars(getattr(a, comp), text) for a in gold if getattr(a, comp))
        p_sets = _unique(_chars(getattr(a, comp), text) for a in pred if getattr(a, comp))
        g_hulls = [_hull(g) for g in g_sets]
        p_hulls = [_hull(p) for p in p_sets]
        exact = _match(p_sets, g_sets, lambda i, j, r: p_hulls[i] == g_hulls[j])
        over = _match(p_sets, g_sets, lambda i, j, r: r >= 0.5)
        sc.components[comp]["exact"].add(PRF(exact, len(p_sets), len(g_sets)))
        sc.components[comp]["overlap"].add(PRF(over, len(p_sets), len(g_sets)))

    g_content = [_chars(a.content, text) for a in gold]
    p_content = [_chars(a.content, text) for a in pred]
    g_source = [_chars(a.source, text) if a.source else None for a in gold]
    p_source = [
        _chars(tuple(a.source or ()) + tuple(a.source_mentions), text) for a in pred
    ]

    def linked_ok(i: int, j: int, r: float) -> bool:
        if r < 0.5:
            return False
        gs = g_source[j]
        return gs is None or bool(p_source[i] & gs)

    sc.linked.add(PRF(_match(p_content, g_content, linked_ok), len(pred), len(gold)))
    return sc


def merge(scores: Iterable[Scores]) -> Scores:
    total = Scores()
    for s in scores:
        total.articles += s.articles
        total.linked.add(s.linked)
        for comp, d in s.components.items():
            for m, prf in d.items():
                total.components[comp][m].add(prf)
    return total


def predictions_of(ledger) -> list[PredictedAttribution]:
    """A ledger's attributions in the scorer's terms (the source's entity mentions included)."""
    out = []
    for a in ledger.attributions:
        src = ledger.source(a.source_id)
        out.append(
            PredictedAttribution(
                source=((a.source.start, a.source.end),) if a.source else None,
                cue=((a.cue.start, a.cue.end),) if a.cue else None,
                content=((a.content.start, a.content.end),),
                source_mentions=tuple(src.mentions) if src else (),
            )
        )
    return out


def evaluate(
    root: Path = DEFAULT_ROOT, split: str = "dev", annotators: str = "first",
    limit: int | None = None, engine: str = "accurate",
) -> Scores:
    """Run the full analyzer (with ``engine``) over a PolNeAR split and score it."""
    from claimledger.analyzer import Analyzer

    articles = list(iter_articles(root, split, annotators))[:limit]
    analyzer = Analyzer(engine=engine)
    ledgers = analyzer.pipe(a.text for a in articles)
    return merge(
        score_article(a.text, a.attributions, predictions_of(ledger))
        for a, ledger in zip(articles, ledgers)
    )
