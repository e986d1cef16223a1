"""Scoring corroboration against a golden of propositions (``tests/golden/contested``).

The golden lists propositions, each with members (a verbatim span of an article, its source, the
source's family and polarity), each member article's polarity, and the families for, against and
questioning. :func:`score` ingests nothing: it reads a store that holds the golden's articles with
their clusters computed, maps every golden member to the stored cluster member whose claim
overlaps its span most, and reports

* proposition clustering: pairwise precision / recall / F1 of the mapped members;
* source polarity: the share of mapped members whose stored polarity is the golden's;
* article polarity: per proposition, the cluster holding most of its members is read
  (:func:`claimledger.crossref.get_cluster`), and each golden article's stance in it compared
  (an article absent from that cluster counts as wrong);
* families: the share of propositions whose families for, against and questioning are all exact;
* inverted status lines: propositions where a family is listed for it although the golden has it
  only against, or the reverse -- the error a standards editor cannot forgive;
* the article polarities, families and inversions once more through `claimledger check`, with the
  golden proposition typed as the claim: what a user asking "who confirms this?" sees.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Report:
    members: int = 0
    mapped: int = 0
    pairwise: tuple[float, float, float] = (0.0, 0.0, 0.0)
    source_right: int = 0
    article_right: int = 0
    article_total: int = 0
    families_exact: int = 0
    propositions: int = 0
    inverted: list[str] = field(default_factory=list)
    # the same read through `claimledger check` with the golden proposition typed as the claim
    check_article_right: int = 0
    check_families_exact: int = 0
    check_inverted: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    confusion: Counter = field(default_factory=Counter)

    @property
    def source_accuracy(self) -> float:
        return self.source_right / self.mapped if self.mapped else 0.0

    @property
    def article_accuracy(self) -> float:
        return self.article_right / self.article_total if self.article_total else 0.0

    @property
    def families_share(self) -> float:
        return self.families_exact / self.propositions if self.propositions else 0.0

    def lines(self) -> list[str]:
        p, r, f = self.pairwise
        return [
            f"golden members {self.members}, found as stored claims {self.mapped}; proposition "
            f"clustering pairwise P {p:.3f} R {r:.3f} F1 {f:.3f}",
            f"source polarity {self.source_right}/{self.mapped} = {self.source_accuracy:.3f}",
            f"article polarity {self.article_right}/{self.article_total} = "
            f"{self.article_accuracy:.3f}",
            f"families for/against/questioning exact in {self.families_exact}/{self.propositions}"
            f" = {self.families_share:.3f} of propositions",
            f"inverted status lines: {len(self.inverted)}"
            + (f" ({'; '.join(self.inverted)})" if self.inverted else ""),
            f"through check (the golden proposition typed as the claim): article polarity "
            f"{self.check_article_right}/{self.article_total} = "
            f"{self.check_article_right / (self.article_total or 1):.3f}; families exact in "
            f"{self.check_families_exact}/{self.propositions}; inverted status lines "
            f"{len(self.check_inverted)}"
            + (f" ({'; '.join(self.check_inverted)})" if self.check_inverted else ""),
        ]


def pairwise(gold: list, pred: list) -> tuple[float, float, float]:
    def pairs(c: Counter) -> float:
        return sum(n * (n - 1) / 2 for n in c.values())

    tp = pairs(Counter(zip(gold, pred)))
    pp, gp = pairs(Counter(pred)), pairs(Counter(gold))
    p = tp / pp if pp else 1.0
    r = tp / gp if gp else 1.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def load(golden_path: str | Path, articles_path: str | Path) -> tuple[dict, dict[str, dict]]:
    golden = json.loads(Path(golden_path).read_text(encoding="utf-8"))
    records = {}
    for line in Path(articles_path).read_text(encoding="utf-8").splitlines():
        if line.strip():
            r = json.loads(line)
            records[r["id"]] = r
    return golden, records


def score(store, golden: dict, records: dict[str, dict], families=None) -> Report:
    from claimledger.crossref import get_cluster

    rep = Report()
    url_to_article = dict(store.con.execute(
        "SELECT url, article_id FROM article_urls WHERE url IS NOT NULL").fetchall())
    rows = store.con.execute(
        "SELECT c.article_id, c.start, c.text, m.text, m.cluster_id, m.source_stance "
        "FROM claims c JOIN cluster_members m USING (article_id, claim_id)").fetchall()
    by_article: dict[str, list[tuple[int, int, str, str]]] = defaultdict(list)
    for aid, start, whole, part, k, pol in rows:  # a member is a claim or a part of one
        at = max(whole.find(part), 0)
        by_article[aid].append((start + at, start + at + len(part), k, pol))
    gold, pred = [], []
    cluster_of: dict[str, list[str]] = defaultdict(list)
    for prop in golden["propositions"]:
        for m in prop["members"]:
            rep.members += 1
            rec = records[m["article"]]
            aid = url_to_article.get(rec["url"])
            start = rec["text"].find(m["text"])
            end = start + len(m["text"])
            best = max(by_article.get(aid, ()), key=lambda x: min(x[1], end) - max(x[0], start),
                       default=None)
            if best is None or min(best[1], end) - max(best[0], start) <= 0:
                rep.errors.append(f"not a stored claim: {prop['id']}: {m['article']}: "
                                  f"{m['text'][:70]}")
                continue
            rep.mapped += 1
            gold.append(prop["id"])
            pred.append(best[2])
            cluster_of[prop["id"]].append(best[2])
            rep.source_right += best[3] == m["polarity"]
            rep.confusion[("source", m["polarity"], best[3])] += 1
    rep.pairwise = pairwise(gold, pred)
    for prop in golden["propositions"]:
        rep.propositions += 1
        ks = cluster_of.get(prop["id"])
        got: dict[str, Any] = {"members": [], "families_for": [], "families_against": [],
                               "families_questioning": []}
        if ks:
            got = get_cluster(store, Counter(ks).most_common(1)[0][0], families=families) or got
        stance = {m["article_id"]: m["stance"] for m in got["members"]}
        for art, want in prop["articles"].items():
            have = stance.get(url_to_article.get(records[art]["url"]), "(absent)")
            rep.article_total += 1
            rep.article_right += have == want
            rep.confusion[("article", want, have)] += 1
        if all(set(prop[k]) == set(got[k]) for k in _SIDES):
            rep.families_exact += 1
        rep.inverted += _inverted(prop, got)
    _through_check(store, golden, records, url_to_article, families, rep)
    return rep


_SIDES = ("families_for", "families_against", "families_questioning")


def _inverted(prop: dict, got: dict) -> list[str]:
    gf, ga = set(prop["families_for"]), set(prop["families_against"])
    out = [f"{prop['id']}: {f} listed for, golden against" for f in set(got["families_for"]) & (ga - gf)]
    out += [f"{prop['id']}: {f} listed against, golden for"
            for f in set(got["families_against"]) & (gf - ga)]
    return out


def _through_check(store, golden, records, url_to_article, families, rep: Report) -> None:
    from claimledger.crossref.check import check

    props = golden["propositions"]
    results = check(store, [p["proposition"] for p in props], families=families)
    for prop, got in zip(props, results):
        stance = {}
        for a in got["articles"]:
            for aid in [a["article_id"], *a["copies"]]:
                stance[aid] = a["stance"]
        for art, want in prop["articles"].items():
            have = stance.get(url_to_article.get(records[art]["url"]), "(absent)")
            rep.check_article_right += have == want
            rep.confusion[("check", want, have)] += 1
        if all(set(prop[k]) == set(got[k]) for k in _SIDES):
            rep.check_families_exact += 1
        rep.check_inverted += _inverted(prop, got)
