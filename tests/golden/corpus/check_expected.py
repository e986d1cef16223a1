#!/usr/bin/env python3
"""Check the hand-written corpus golden (tests/golden/corpus/expected.json) against the corpus.

Standard library only. Run from anywhere:

    python tests/golden/corpus/check_expected.py

It verifies the corpus itself (examples/corpus/articles.jsonl: keys, unique ids and URLs, .example
URLs, ISO dates, 150-450 words, title not repeated in the text), the families file
(examples/corpus/families.tsv: header comment, `family<TAB>alias`, lower-case aliases, no alias in two families) and the golden:
every article id exists and has a topic, reprints point at an original that is not itself a reprint
and nearly match its text, every member span is a verbatim substring (>= 6 words, inside one
sentence) of its article, members share the cluster's topic, stances are given exactly for the member
articles and use the four labels, every family is declared in families.tsv, the independence numbers
add up, a reprint carrying an original member's span is itself a member with the same stance, and
must_not_merge names existing, distinct clusters. Prints a summary; exits 1 on any failure.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import re
import sys
from collections import Counter
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[3]
ARTICLES = ROOT / "examples" / "corpus" / "articles.jsonl"
FAMILIES = ROOT / "examples" / "corpus" / "families.tsv"
EXPECTED = Path(__file__).resolve().parent / "expected.json"

ARTICLE_KEYS = {"id", "outlet", "url", "title", "published", "text"}
TOPICS = {"strike", "budget", "trial"}
STANCES = {"supports", "refutes", "reports", "questions"}
FAMILY_KINDS = {"government", "org", "company", "party", "wire", "outlet-group"}
CLUSTER_KEYS = {"id", "topic", "claim", "members", "stances", "families_for", "families_against",
                "claimant_family", "independent_support", "only_anonymous_or_vague"}
OPTIONAL_CLUSTER_KEYS = {"families_questioning"}
# A sentence boundary inside a span: end punctuation, optional closing quote, space, capital or opening quote.
SENTENCE_BREAK = re.compile(r"[.!?][\"”’']?\s+[\"“‘]?[A-Z]")

errors: list[str] = []


def fail(message: str) -> None:
    errors.append(message)


def load_articles() -> dict[str, dict]:
    articles: dict[str, dict] = {}
    for number, line in enumerate(ARTICLES.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            article = json.loads(line)
        except json.JSONDecodeError as exc:
            fail(f"articles.jsonl:{number}: not JSON ({exc})")
            continue
        where = f"articles.jsonl:{number} ({article.get('id')})"
        if set(article) != ARTICLE_KEYS:
            fail(f"{where}: keys {sorted(article)} != {sorted(ARTICLE_KEYS)}")
            continue
        if article["id"] in articles:
            fail(f"{where}: duplicate id")
        if any(other["url"] == article["url"] for other in articles.values()):
            fail(f"{where}: duplicate url {article['url']}")
        url = urlparse(article["url"])
        if url.scheme != "https" or not (url.hostname or "").endswith(".example"):
            fail(f"{where}: url {article['url']!r} is not https://....example/")
        try:
            published = dt.date.fromisoformat(article["published"])
            if published.year != 2026:
                fail(f"{where}: published {published} not in 2026")
        except ValueError:
            fail(f"{where}: published {article['published']!r} is not an ISO date")
        words = len(article["text"].split())
        if not 150 <= words <= 450:
            fail(f"{where}: {words} words, outside 150-450")
        if article["title"].strip() and article["title"].strip() in article["text"]:
            fail(f"{where}: title repeated in the text")
        if re.search(r"(?<!\n)\n(?!\n)", article["text"]) or "\n\n\n" in article["text"]:
            fail(f"{where}: paragraphs must be separated by exactly one blank line")
        articles[article["id"]] = article
    return articles


def load_families() -> dict[str, str]:
    alias_to_family: dict[str, str] = {}
    lines = FAMILIES.read_text(encoding="utf-8").splitlines()
    if not lines or not lines[0].startswith("#"):
        fail("families.tsv: first line must be a # header comment")
    for number, line in enumerate(lines, 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 2 or not all(p.strip() for p in parts):
            fail(f"families.tsv:{number}: expected family<TAB>alias, got {line!r}")
            continue
        family, alias = parts
        kind = family.split(":", 1)[0]
        if ":" not in family or kind not in FAMILY_KINDS:
            fail(f"families.tsv:{number}: family {family!r} is not kind:Name with kind in {sorted(FAMILY_KINDS)}")
        if alias != alias.lower() or alias != alias.strip():
            fail(f"families.tsv:{number}: alias {alias!r} must be lower-case and trimmed")
        if alias in alias_to_family and alias_to_family[alias] != family:
            fail(f"families.tsv:{number}: alias {alias!r} in {alias_to_family[alias]} and {family}")
        alias_to_family[alias] = family
    return alias_to_family


def check_expected(articles: dict[str, dict], families: set[str]) -> dict:
    expected = json.loads(EXPECTED.read_text(encoding="utf-8"))
    for key in ("about", "articles", "clusters", "must_not_merge"):
        if key not in expected:
            fail(f"expected.json: missing {key!r}")
    meta = expected.get("articles", {})
    for article_id in articles.keys() - meta.keys():
        fail(f"expected.json: article {article_id} has no entry in 'articles'")
    for article_id, info in meta.items():
        if article_id not in articles:
            fail(f"expected.json: articles.{article_id} does not exist in the corpus")
            continue
        if info.get("topic") not in TOPICS:
            fail(f"expected.json: articles.{article_id}.topic {info.get('topic')!r} not in {sorted(TOPICS)}")
        original = info.get("syndicated_of")
        if original is not None:
            if original not in articles or original == article_id:
                fail(f"expected.json: articles.{article_id}.syndicated_of {original!r} is not another article")
                continue
            if meta.get(original, {}).get("syndicated_of") is not None:
                fail(f"expected.json: {article_id} is syndicated of {original}, itself a reprint")
            if meta.get(original, {}).get("topic") != info.get("topic"):
                fail(f"expected.json: reprint {article_id} and {original} have different topics")
            ratio = difflib.SequenceMatcher(None, articles[original]["text"], articles[article_id]["text"],
                                            autojunk=False).ratio()
            if ratio < 0.8:
                fail(f"expected.json: reprint {article_id} matches {original} at only {ratio:.2f}")

    reprints: dict[str, list[str]] = {}
    for article_id, info in meta.items():
        if info.get("syndicated_of"):
            reprints.setdefault(info["syndicated_of"], []).append(article_id)

    clusters = expected.get("clusters", [])
    ids = [c.get("id") for c in clusters]
    for cluster_id, count in Counter(ids).items():
        if count > 1:
            fail(f"expected.json: cluster id {cluster_id} used {count} times")
    for cluster in clusters:
        where = f"cluster {cluster.get('id')}"
        keys = set(cluster)
        if not CLUSTER_KEYS <= keys or keys - CLUSTER_KEYS - OPTIONAL_CLUSTER_KEYS:
            fail(f"{where}: keys {sorted(keys)}, need {sorted(CLUSTER_KEYS)} (+ optional {sorted(OPTIONAL_CLUSTER_KEYS)})")
            continue
        if cluster["topic"] not in TOPICS:
            fail(f"{where}: topic {cluster['topic']!r}")
        if not cluster["claim"].strip():
            fail(f"{where}: empty claim")
        members = cluster["members"]
        if len(members) < 2:
            fail(f"{where}: {len(members)} members, need at least 2")
        member_ids = []
        for member in members:
            article_id, text = member.get("article"), member.get("text", "")
            member_ids.append(article_id)
            if article_id not in articles:
                fail(f"{where}: member article {article_id!r} does not exist")
                continue
            if meta.get(article_id, {}).get("topic") != cluster["topic"]:
                fail(f"{where}: member {article_id} has topic {meta.get(article_id, {}).get('topic')!r}")
            if len(text.split()) < 6:
                fail(f"{where}: span in {article_id} has fewer than 6 words: {text!r}")
            if text not in articles[article_id]["text"]:
                fail(f"{where}: span not found verbatim in {article_id}: {text!r}")
            if "\n" in text or SENTENCE_BREAK.search(text):
                fail(f"{where}: span in {article_id} crosses a sentence boundary: {text!r}")
        for article_id, count in Counter(member_ids).items():
            if count > 1:
                fail(f"{where}: {count} members from {article_id}; give one per article")
        stances = cluster["stances"]
        if set(stances) != set(member_ids):
            missing, extra = set(member_ids) - set(stances), set(stances) - set(member_ids)
            if missing:
                fail(f"{where}: no stance for member articles {sorted(missing)}")
            if extra:
                fail(f"{where}: stances for non-member articles {sorted(extra)}")
        for article_id, stance in stances.items():
            if stance not in STANCES:
                fail(f"{where}: stance {stance!r} for {article_id} not in {sorted(STANCES)}")
        # A reprint that carries the original's span is a member too, with the same stance.
        by_article = {m["article"]: m["text"] for m in members}
        for original, copies in reprints.items():
            if original not in by_article:
                continue
            for copy in copies:
                if by_article[original] in articles[copy]["text"]:
                    if copy not in by_article:
                        fail(f"{where}: reprint {copy} carries {original}'s span but is not a member")
                    elif stances.get(copy) != stances.get(original):
                        fail(f"{where}: reprint {copy} stance {stances.get(copy)} != {original} {stances.get(original)}")
        for field in ("families_for", "families_against", "families_questioning"):
            listed = cluster.get(field, [])
            if len(set(listed)) != len(listed):
                fail(f"{where}: duplicate family in {field}")
            for family in listed:
                if family not in families:
                    fail(f"{where}: {field} family {family!r} not in families.tsv")
        both = set(cluster["families_for"]) & set(cluster["families_against"])
        if both:
            fail(f"{where}: families both for and against: {sorted(both)}")
        claimant = cluster["claimant_family"]
        if claimant is not None and claimant not in families:
            fail(f"{where}: claimant_family {claimant!r} not in families.tsv")
        if claimant is not None and claimant not in cluster["families_for"]:
            fail(f"{where}: claimant_family {claimant} is not among families_for")
        independent = len(set(cluster["families_for"]) - {claimant})
        if cluster["independent_support"] != independent:
            fail(f"{where}: independent_support {cluster['independent_support']} != {independent} "
                 "(families_for other than the claimant's)")
        if not isinstance(cluster["only_anonymous_or_vague"], bool):
            fail(f"{where}: only_anonymous_or_vague must be true or false")
        if not cluster["families_for"] and not cluster["only_anonymous_or_vague"]:
            fail(f"{where}: no family supports it, so its support is only anonymous or vague")

    known = set(ids)
    for pair in expected.get("must_not_merge", []):
        if len(pair) != 2 or pair[0] == pair[1] or not set(pair) <= known:
            fail(f"must_not_merge: {pair} must name two distinct existing clusters")
    return expected


def main() -> int:
    articles = load_articles()
    alias_to_family = load_families()
    families = set(alias_to_family.values())
    expected = check_expected(articles, families)

    meta = expected.get("articles", {})
    topics = Counter(info.get("topic") for info in meta.values())
    outlets = {a["outlet"] for a in articles.values()}
    print(f"corpus: {len(articles)} articles from {len(outlets)} outlets; topics "
          + ", ".join(f"{t} {n}" for t, n in sorted(topics.items())))
    syndicated = {k: v["syndicated_of"] for k, v in meta.items() if v.get("syndicated_of")}
    print(f"reprints: " + ", ".join(f"{k} <- {v}" for k, v in sorted(syndicated.items())))
    print(f"families: {len(families)} families, {len(alias_to_family)} aliases")
    clusters = expected.get("clusters", [])
    print(f"clusters: {len(clusters)} (members, stances, families for/against, independent support)")
    for cluster in clusters:
        stances = Counter(cluster.get("stances", {}).values())
        print(f"  {cluster.get('id'):42} {cluster.get('topic'):7} {len(cluster.get('members', [])):2} members  "
              + " ".join(f"{s}={stances[s]}" for s in sorted(STANCES) if stances[s])
              + f"  for={len(cluster.get('families_for', []))} against={len(cluster.get('families_against', []))}"
              + f" independent={cluster.get('independent_support')}"
              + ("  anonymous/vague only" if cluster.get("only_anonymous_or_vague") else ""))
    print(f"must_not_merge: {len(expected.get('must_not_merge', []))} pairs")
    if errors:
        print(f"\nFAILED: {len(errors)} problem(s)")
        for message in errors:
            print(f"  - {message}")
        return 1
    print("\nOK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
