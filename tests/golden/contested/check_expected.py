#!/usr/bin/env python3
"""Check the contested-corpus golden (tests/golden/contested/expected.json) against its corpus.

Standard library only. Run from anywhere:

    python3 tests/golden/contested/check_expected.py

It verifies the corpus (examples/contested/articles.jsonl: exact keys, unique ids and URLs, https .example URLs,
ISO dates in 2026 within about a week, 150-380 words, title not repeated in the text, paragraphs separated by one
blank line, at least 32 articles from at least 10 outlets), the families file (examples/contested/families.tsv:
header comment, `kind:Name<TAB>alias`, lower-case aliases, no alias in two families) and the golden: every corpus
article has an entry with one of exactly three events and its outlet; reprints point at a non-reprint original of
the same event, from another outlet, published the same day or a day later, whose text nearly matches (difflib
ratio >= 0.8), and one original has at least three reprints; a
corrected article contains a "Correction" note; every member span is verbatim in its article, >= 6 words and inside
one sentence; every non-null source occurs verbatim in the article and its longest alias gives the member's family
(no alias at all when the family is null); own-voice members carry the outlet's family when the outlet is a
government/org/company/party voice (state media) and null otherwise; one member per (article, source); polarities
use the four labels; `articles` lists exactly the member articles; an own-voice member has the article's polarity,
and an article whose members all refute (or all question) is refutes (or questions); families_for / _against /
_questioning equal the sets derived from member polarities; every family is declared; the claimant supports its
claim; independent_for adds up; reprints carry the original's members (same span, source, family, polarity and
article polarity) wherever they keep the sentence, and nothing else; must_not_merge names distinct existing
propositions; each proposition has >= 3 member articles; one proposition has independent_for >= 1 and one has only
its claimant's support; at least 15 refutes and 10 questions members overall; the uncontested event has neither.
Prints a summary; exits 1 on any failure.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[3]
ARTICLES = ROOT / "examples" / "contested" / "articles.jsonl"
FAMILIES = ROOT / "examples" / "contested" / "families.tsv"
EXPECTED = Path(__file__).resolve().parent / "expected.json"

ARTICLE_KEYS = {"id", "outlet", "url", "title", "published", "text"}
META_KEYS = {"event", "outlet", "syndicated_of", "corrected"}
PROPOSITION_KEYS = {"id", "event", "proposition", "members", "articles", "families_for", "families_against",
                    "families_questioning", "claimant_family", "independent_for"}
MEMBER_KEYS = {"article", "text", "source", "family", "polarity"}
POLARITIES = ("supports", "refutes", "questions", "reports")
FAMILY_KINDS = {"government", "org", "company", "party", "wire", "outlet-group"}
VOICE_KINDS = {"government", "org", "company", "party"}  # outlets whose own voice speaks for their family
MIN_WORDS, MAX_WORDS = 150, 380
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# A sentence boundary inside a span: end punctuation, optional closing quote, space, capital or opening quote.
SENTENCE_BREAK = re.compile(r"[.!?][\"”’']?\s+[\"“‘]?[A-Z]")

errors: list[str] = []


def fail(message: str) -> None:
    errors.append(message)


def load_articles() -> dict[str, dict]:
    articles: dict[str, dict] = {}
    urls: set[str] = set()
    dates: list[dt.date] = []
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
        if not all(isinstance(article[k], str) and article[k].strip() for k in ARTICLE_KEYS):
            fail(f"{where}: every field must be a non-empty string")
            continue
        if not SLUG.match(article["id"]):
            fail(f"{where}: id is not a slug")
        if article["id"] in articles:
            fail(f"{where}: duplicate id")
        if article["url"] in urls:
            fail(f"{where}: duplicate url {article['url']}")
        urls.add(article["url"])
        url = urlparse(article["url"])
        if url.scheme != "https" or not (url.hostname or "").endswith(".example"):
            fail(f"{where}: url {article['url']!r} is not https://....example/")
        try:
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", article["published"]):
                raise ValueError
            published = dt.date.fromisoformat(article["published"])
            dates.append(published)
            if published.year != 2026:
                fail(f"{where}: published {published} not in 2026")
        except ValueError:
            fail(f"{where}: published {article['published']!r} is not an ISO date YYYY-MM-DD")
        words = len(article["text"].split())
        if not MIN_WORDS <= words <= MAX_WORDS:
            fail(f"{where}: {words} words, outside {MIN_WORDS}-{MAX_WORDS}")
        if article["title"].strip() in article["text"]:
            fail(f"{where}: title repeated in the text")
        text = article["text"]
        if re.search(r"(?<!\n)\n(?!\n)", text) or "\n\n\n" in text or text != text.strip():
            fail(f"{where}: paragraphs must be separated by exactly one blank line")
        articles[article["id"]] = article
    if dates and (max(dates) - min(dates)).days > 10:
        fail(f"articles.jsonl: published dates span {min(dates)}..{max(dates)}, more than about a week")
    if len(articles) < 32:
        fail(f"articles.jsonl: {len(articles)} articles, need at least 32")
    outlets = {a["outlet"] for a in articles.values()}
    if len(outlets) < 10:
        fail(f"articles.jsonl: {len(outlets)} outlets, need at least 10")
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
            fail(f"families.tsv:{number}: expected kind:Name<TAB>alias, got {line!r}")
            continue
        family, alias = parts
        kind, _, name = family.partition(":")
        if kind not in FAMILY_KINDS or not name.strip() or name != name.strip():
            fail(f"families.tsv:{number}: family {family!r} is not kind:Name with kind in {sorted(FAMILY_KINDS)}")
        if alias != alias.lower() or alias != alias.strip() or "  " in alias:
            fail(f"families.tsv:{number}: alias {alias!r} must be lower-case and trimmed")
        if alias in alias_to_family:
            if alias_to_family[alias] != family:
                fail(f"families.tsv:{number}: alias {alias!r} in {alias_to_family[alias]} and {family}")
            else:
                fail(f"families.tsv:{number}: alias {alias!r} listed twice")
        alias_to_family[alias] = family
    return alias_to_family


def family_of(mention: str, alias_to_family: dict[str, str]) -> str | None:
    """The family of the longest alias occurring in the mention as whole words (case-insensitive)."""
    low = mention.lower().replace("’", "'")
    found = [alias for alias in alias_to_family
             if re.search(r"(?<![\w'])" + re.escape(alias) + r"(?![\w'])", low)]
    return alias_to_family[max(found, key=len)] if found else None


def outlet_voice_family(outlet: str, alias_to_family: dict[str, str]) -> str | None:
    family = alias_to_family.get(outlet.lower())
    if family is None:
        fail(f"families.tsv: outlet {outlet!r} has no alias (wire/outlet-group or state media family)")
        return None
    return family if family.split(":", 1)[0] in VOICE_KINDS else None


def check_expected(articles: dict[str, dict], alias_to_family: dict[str, str]) -> dict:
    families = set(alias_to_family.values())
    expected = json.loads(EXPECTED.read_text(encoding="utf-8"))
    for key in ("about", "articles", "propositions", "must_not_merge"):
        if key not in expected:
            fail(f"expected.json: missing {key!r}")
    if len(str(expected.get("about", "")).split()) < 100:
        fail("expected.json: 'about' should state the definitions (at least 100 words)")

    # ---- articles
    meta: dict[str, dict] = expected.get("articles", {})
    for article_id in articles.keys() - meta.keys():
        fail(f"expected.json: article {article_id} has no entry in 'articles'")
    events = Counter()
    for article_id, info in meta.items():
        where = f"expected.json: articles.{article_id}"
        if article_id not in articles:
            fail(f"{where} does not exist in the corpus")
            continue
        if set(info) != META_KEYS:
            fail(f"{where}: keys {sorted(info)} != {sorted(META_KEYS)}")
            continue
        events[info["event"]] += 1
        if not isinstance(info["event"], str) or not SLUG.match(info["event"]):
            fail(f"{where}: event {info['event']!r} is not a slug")
        if info["outlet"] != articles[article_id]["outlet"]:
            fail(f"{where}: outlet {info['outlet']!r} != corpus {articles[article_id]['outlet']!r}")
        if not isinstance(info["corrected"], bool):
            fail(f"{where}: corrected must be true or false")
        elif info["corrected"] and "Correction" not in articles[article_id]["text"]:
            fail(f"{where}: corrected but the text has no 'Correction' note")
        original = info["syndicated_of"]
        if original is None:
            continue
        if original not in articles or original == article_id:
            fail(f"{where}: syndicated_of {original!r} is not another article")
            continue
        if meta.get(original, {}).get("syndicated_of") is not None:
            fail(f"{where}: syndicated of {original}, itself a reprint")
        if meta.get(original, {}).get("event") != info["event"]:
            fail(f"{where}: reprint and original {original} have different events")
        if articles[original]["outlet"] == articles[article_id]["outlet"]:
            fail(f"{where}: reprint from the same outlet as {original}")
        lag = (dt.date.fromisoformat(articles[article_id]["published"])
               - dt.date.fromisoformat(articles[original]["published"])).days
        if not 0 <= lag <= 1:
            fail(f"{where}: reprint published {lag} days after {original}, expected 0 or 1")
        ratio = difflib.SequenceMatcher(None, articles[original]["text"], articles[article_id]["text"],
                                        autojunk=False).ratio()
        if ratio < 0.8:
            fail(f"{where}: reprint matches {original} at only {ratio:.2f}")
    if len(events) != 3:
        fail(f"expected.json: {len(events)} events {sorted(events)}, need exactly 3")
    reprints: dict[str, list[str]] = defaultdict(list)
    for article_id, info in meta.items():
        if isinstance(info, dict) and info.get("syndicated_of"):
            reprints[info["syndicated_of"]].append(article_id)
    if not any(len(copies) >= 3 for copies in reprints.values()):
        fail("expected.json: no original has at least 3 reprints")
    if not any(isinstance(info, dict) and info.get("corrected") is True for info in meta.values()):
        fail("expected.json: no article is marked corrected")

    # ---- propositions
    propositions = expected.get("propositions", [])
    ids = [p.get("id") for p in propositions]
    for pid, count in Counter(ids).items():
        if count > 1:
            fail(f"expected.json: proposition id {pid} used {count} times")
    polarity_totals: Counter = Counter()
    event_polarities: dict[str, Counter] = defaultdict(Counter)
    independent_props, claimant_only_props = [], []
    for prop in propositions:
        where = f"proposition {prop.get('id')}"
        if set(prop) != PROPOSITION_KEYS:
            fail(f"{where}: keys {sorted(prop)} != {sorted(PROPOSITION_KEYS)}")
            continue
        if not isinstance(prop["id"], str) or not SLUG.match(prop["id"]):
            fail(f"{where}: id is not a slug")
        if prop["event"] not in events:
            fail(f"{where}: event {prop['event']!r} is not an article event")
        if not isinstance(prop["proposition"], str) or len(prop["proposition"].split()) < 4:
            fail(f"{where}: proposition must be a sentence")
        members = prop["members"]
        seen_pairs: Counter = Counter()
        derived = {label: set() for label in POLARITIES}
        by_article: dict[str, list[dict]] = defaultdict(list)
        for member in members:
            if not isinstance(member, dict) or set(member) != MEMBER_KEYS:
                fail(f"{where}: member keys {sorted(member) if isinstance(member, dict) else member} != {sorted(MEMBER_KEYS)}")
                continue
            article_id, text, source = member["article"], member["text"], member["source"]
            family, polarity = member["family"], member["polarity"]
            if article_id not in articles:
                fail(f"{where}: member article {article_id!r} does not exist")
                continue
            mwhere = f"{where}: member {article_id}/{source!r}"
            by_article[article_id].append(member)
            body = articles[article_id]["text"]
            if meta.get(article_id, {}).get("event") != prop["event"]:
                fail(f"{mwhere}: article event {meta.get(article_id, {}).get('event')!r} != {prop['event']!r}")
            if not isinstance(text, str) or len(text.split()) < 6:
                fail(f"{mwhere}: span has fewer than 6 words: {text!r}")
                continue
            if text not in body:
                fail(f"{mwhere}: span not found verbatim: {text!r}")
            if "\n" in text or SENTENCE_BREAK.search(text):
                fail(f"{mwhere}: span crosses a sentence boundary: {text!r}")
            if polarity not in POLARITIES:
                fail(f"{mwhere}: polarity {polarity!r} not in {POLARITIES}")
            else:
                polarity_totals[polarity] += 1
                event_polarities[prop["event"]][polarity] += 1
            if family is not None and family not in families:
                fail(f"{mwhere}: family {family!r} not in families.tsv")
            seen_pairs[(article_id, source)] += 1
            if source is None:
                voice = outlet_voice_family(articles[article_id]["outlet"], alias_to_family)
                if family != voice:
                    fail(f"{mwhere}: own-voice family {family!r}, expected {voice!r} for outlet "
                         f"{articles[article_id]['outlet']!r}")
            else:
                if not isinstance(source, str) or source not in body:
                    fail(f"{mwhere}: source not found verbatim in the article")
                    continue
                found = family_of(source, alias_to_family)
                if found != family:
                    fail(f"{mwhere}: family {family!r}, but the source's longest alias gives {found!r}")
            if polarity in POLARITIES and family is not None:
                derived[polarity].add(family)
        for (article_id, source), count in seen_pairs.items():
            if count > 1:
                fail(f"{where}: {count} members for ({article_id}, {source!r}); give one per article and source")

        stances = prop["articles"]
        if not isinstance(stances, dict):
            fail(f"{where}: 'articles' must map article id to polarity")
            continue
        if set(stances) != set(by_article):
            missing, extra = set(by_article) - set(stances), set(stances) - set(by_article)
            if missing:
                fail(f"{where}: no article polarity for member articles {sorted(missing)}")
            if extra:
                fail(f"{where}: article polarity for non-member articles {sorted(extra)}")
        for article_id, stance in stances.items():
            if stance not in POLARITIES:
                fail(f"{where}: article polarity {stance!r} for {article_id} not in {POLARITIES}")
        for article_id, ms in by_article.items():
            stance = stances.get(article_id)
            own = [m for m in ms if m["source"] is None]
            if own and own[0]["polarity"] != stance:
                fail(f"{where}: {article_id} own voice is {own[0]['polarity']} but the article polarity is {stance}")
            labels = {m["polarity"] for m in ms}
            if not own and len(labels) == 1 and labels <= {"refutes", "questions"} and stance not in labels:
                fail(f"{where}: all of {article_id}'s sources {labels.pop()} it, but the article polarity is {stance}")
        if len(by_article) < 3:
            fail(f"{where}: {len(by_article)} member articles, need at least 3")

        # reprints: same members wherever the sentence survived, nothing else
        index = {(m["article"], m["text"], m["source"]): m for m in members if isinstance(m, dict)}
        for original, copies in reprints.items():
            for copy in copies:
                for m in by_article.get(original, []):
                    if m["text"] not in articles[copy]["text"]:
                        continue
                    twin = index.get((copy, m["text"], m["source"]))
                    if twin is None:
                        fail(f"{where}: reprint {copy} keeps {original}'s span {m['text']!r} but lacks the member")
                    elif (twin["family"], twin["polarity"]) != (m["family"], m["polarity"]):
                        fail(f"{where}: reprint {copy} member {m['text']!r} differs from {original}'s")
                for m in by_article.get(copy, []):
                    if (original, m["text"], m["source"]) not in index:
                        fail(f"{where}: reprint {copy} has a member {m['text']!r} that {original} lacks")
                if copy in stances and stances.get(copy) != stances.get(original):
                    fail(f"{where}: reprint {copy} polarity {stances.get(copy)} != {original} {stances.get(original)}")

        for field, label in (("families_for", "supports"), ("families_against", "refutes"),
                             ("families_questioning", "questions")):
            listed = prop[field]
            if not isinstance(listed, list) or len(set(listed)) != len(listed):
                fail(f"{where}: {field} must be a list without duplicates")
                continue
            for family in listed:
                if family not in families:
                    fail(f"{where}: {field} family {family!r} not in families.tsv")
            if set(listed) != derived[label]:
                fail(f"{where}: {field} {sorted(listed)} != families of {label} members {sorted(derived[label])}")
        claimant = prop["claimant_family"]
        if claimant is not None:
            if claimant not in families:
                fail(f"{where}: claimant_family {claimant!r} not in families.tsv")
            if claimant not in prop["families_for"]:
                fail(f"{where}: claimant_family {claimant} is not among families_for")
        independent = len(set(prop["families_for"]) - {claimant})
        if prop["independent_for"] != independent:
            fail(f"{where}: independent_for {prop['independent_for']} != {independent} "
                 "(families_for other than the claimant's)")
        if independent >= 1:
            independent_props.append(prop["id"])
        if claimant is not None and prop["families_for"] == [claimant] and prop["independent_for"] == 0:
            claimant_only_props.append(prop["id"])

    known = set(ids)
    for pair in expected.get("must_not_merge", []):
        if not isinstance(pair, list) or len(pair) != 2 or pair[0] == pair[1] or not set(pair) <= known:
            fail(f"must_not_merge: {pair} must name two distinct existing propositions")
    if not independent_props:
        fail("expected.json: no proposition has independent_for >= 1")
    if not claimant_only_props:
        fail("expected.json: no proposition is supported only by its claimant's family")
    if polarity_totals["refutes"] < 15:
        fail(f"expected.json: {polarity_totals['refutes']} refutes members, need at least 15")
    if polarity_totals["questions"] < 10:
        fail(f"expected.json: {polarity_totals['questions']} questions members, need at least 10")
    contested = [e for e in events if event_polarities[e]["refutes"] or event_polarities[e]["questions"]]
    if len(events) == 3 and len(contested) != 2:
        fail(f"expected.json: need exactly 2 contested events (with refutes/questions members), got {sorted(contested)}")
    expected["_independent"], expected["_claimant_only"] = independent_props, claimant_only_props
    expected["_totals"] = polarity_totals
    return expected


def main() -> int:
    articles = load_articles()
    alias_to_family = load_families()
    expected = check_expected(articles, alias_to_family)

    meta = expected.get("articles", {})
    events = Counter(info.get("event") for info in meta.values() if isinstance(info, dict))
    outlets = Counter(a["outlet"] for a in articles.values())
    words = [len(a["text"].split()) for a in articles.values()]
    print(f"corpus: {len(articles)} articles ({min(words, default=0)}-{max(words, default=0)} words) "
          f"from {len(outlets)} outlets; events " + ", ".join(f"{e} {n}" for e, n in sorted(events.items())))
    syndicated = {k: v["syndicated_of"] for k, v in meta.items() if isinstance(v, dict) and v.get("syndicated_of")}
    print("reprints: " + ", ".join(f"{k} <- {v}" for k, v in sorted(syndicated.items())))
    print("corrected: " + ", ".join(k for k, v in meta.items() if isinstance(v, dict) and v.get("corrected")))
    print(f"families: {len(set(alias_to_family.values()))} families, {len(alias_to_family)} aliases")
    propositions = expected.get("propositions", [])
    members = sum(len(p.get("members", [])) for p in propositions)
    print(f"propositions: {len(propositions)}, members: {members}")
    for prop in propositions:
        counts = Counter(m.get("polarity") for m in prop.get("members", []) if isinstance(m, dict))
        stances = Counter(prop.get("articles", {}).values())
        print(f"  {str(prop.get('id')):28} {str(prop.get('event')):15} {len(prop.get('members', [])):3} members "
              f"{len(prop.get('articles', {})):2} articles  "
              + " ".join(f"{s[:3]}={stances[s]}" for s in POLARITIES if stances[s])
              + f"  for={len(prop.get('families_for', []))} against={len(prop.get('families_against', []))}"
              f" questioning={len(prop.get('families_questioning', []))} independent={prop.get('independent_for')}")
    totals = expected.get("_totals", Counter())
    print("member polarities: " + ", ".join(f"{p} {totals[p]}" for p in POLARITIES))
    print(f"independent support: {', '.join(expected.get('_independent', [])) or 'none'}")
    print(f"claimant-only support: {', '.join(expected.get('_claimant_only', [])) or 'none'}")
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
