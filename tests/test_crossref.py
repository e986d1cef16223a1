"""The cross-article layer: numbers, clause parts, families, MinHash, clusters on the golden corpus."""

from __future__ import annotations

import collections
import json
import os

import numpy as np
import pytest

from claimledger.cli import main
from claimledger.corpus.ingest import ingest
from claimledger.corpus.store import Store
from claimledger.crossref import cluster, get_cluster, list_clusters, minhash, polarity, update
from claimledger.crossref.families import Families
from claimledger.crossref.report import _article_stances, status_line
from claimledger.errors import InputError

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(ROOT, "examples", "corpus", "articles.jsonl")
FAMILIES = os.path.join(ROOT, "examples", "corpus", "families.tsv")
GOLDEN = os.path.join(ROOT, "tests", "golden", "corpus", "expected.json")


# -- pieces ------------------------------------------------------------------------------------


def test_numbers_read_fractions_and_skip_dates():
    assert cluster.numbers("roughly three-quarters of the cocaine") == {75.0}
    assert cluster.numbers("one in four boats") == {25.0}
    assert cluster.numbers("just 6 percent of shipments") == {6.0}
    assert cluster.numbers("on Monday 9 March 2026, eleven died") == {11.0}
    assert cluster.numbers("more than a fifth") == {20.0}


def test_numbers_agree_within_tolerance():
    assert cluster.numbers_agree({75.0}, {74.0})
    assert not cluster.numbers_agree({80.0}, {5.0})
    assert not cluster.numbers_agree({42.0}, {19.0})
    assert cluster.numbers_agree(set(), {5.0})  # no figure: no veto


def test_parts_split_coordinated_claims():
    assert cluster.parts("About 75% goes west, while only 6% of seizures came from Valmera.") == [
        "About 75% goes west", "only 6% of seizures came from Valmera"]
    assert cluster.parts("the boat carried cocaine and was hit in international waters") == [
        "the boat carried cocaine", "was hit in international waters"]
    # short pieces stay joined
    assert cluster.parts("Prices rose and fell.") == ["Prices rose and fell"]


def _unit(i, text, vec):
    v = np.asarray(vec, dtype=np.float32)
    return cluster.Unit("a", f"C{i}", text, text, cluster.numbers(text),
                        cluster.tokens(text), v / np.linalg.norm(v))


def test_number_veto_keeps_look_alike_statistics_apart():
    # identical wording and vectors but for the figure
    units = [_unit(1, "80% of the cocaine moves by sea", [1, 0, 0]),
             _unit(2, "5% of the cocaine moves by sea", [1, 0, 0]),
             _unit(3, "about 79% of the cocaine moves by sea", [1, 0.1, 0])]
    got = [c.cluster_id for _, c, _ in cluster.cluster_units(units, [])]
    assert got[0] != got[1] and got[0] == got[2]


def _read_unit(i, text, vec, cue=None):
    r = polarity.read(text, cue)
    v = np.asarray(vec, dtype=np.float32)
    return cluster.Unit("a", f"C{i}", text, text, cluster.numbers(r.proposition),
                        cluster.tokens(r.proposition), v / np.linalg.norm(v),
                        proposition=r.proposition, polarity=r.polarity, framed=r.framed)


def test_a_cluster_is_headed_by_a_member_that_reads_on_its_own():
    # a fragment first, then a speaker's "we", then a plain clause with its own subject: the
    # plain clause heads the cluster; a later fragment does not take its place
    units = [_read_unit(1, "had been paid by the opposition to start the clashes", [1, 0, 0]),
             _read_unit(2, "We know the opposition paid the men who started the clashes",
                        [1, 0.05, 0]),
             _read_unit(3, "The opposition paid the men who started the clashes outside parliament",
                        [1, 0.02, 0]),
             _read_unit(4, "for the men to be paid by the opposition", [1, 0.01, 0])]
    got = cluster.cluster_units(units, [])
    assert len({c.cluster_id for _, c, _ in got}) == 1
    assert got[0][1].claim == ("The opposition paid the men who started the clashes outside "
                               "parliament.")
    # a cluster founded by a denial is named by its positive form until a plain wording comes
    units = [_read_unit(1, "there were no chemicals in the river at Tesk", [0, 1, 0], "said"),
             _read_unit(2, "there were chemicals in the river at Tesk on Sunday", [0, 1, 0.05])]
    got = cluster.cluster_units(units, [])
    assert got[0][1].claim == "There were chemicals in the river at Tesk on Sunday."
    assert not got[0][1].framed


def _member(article, source_name, stance, family=None, source_type="named_organization"):
    return {"cluster_id": "K1", "article_id": article, "source_name": source_name,
            "source_type": source_type, "source_stance": stance, "family": family}


def test_a_relayed_measurement_is_presented_as_established_a_party_claim_is_reported():
    ms = [_member("a1", "the Harnovian Meteorological Institute", "supports", "government:H"),
          _member("a2", "the Clearwater Watch group", "supports", "org:Clearwater Watch"),
          _member("a3", "measurements published by the Environment Agency", "supports",
                  "government:D"),
          _member("a4", "the Meteorological Institute", "supports", "government:H"),
          _member("a4", "a ministry spokesman", "refutes", "government:H")]
    _article_stances(ms)
    assert [m["stance"] for m in ms] == ["supports", "reports", "supports", "reports", "reports"]


def test_families_longest_alias_wins_and_anonymous_sources_count_for_their_affiliation():
    fam = Families.from_lines([
        "government:Keldara\tkeldara", "government:Keldara\tadministration",
        "org:Keldara Football Club\tkeldara football club",
    ])
    assert fam.match("officials of the Keldara Football Club") == "org:Keldara Football Club"
    assert fam.of_source("sources within the administration", "anonymous") == "government:Keldara"
    assert fam.of_source("Ada Quist", "named_person") == "person:Ada Quist"
    assert fam.of_source("the Harbour Board", "named_organization") == "org:Harbour Board"
    assert fam.of_source("analysts", "vague") is None
    assert fam.of_source("the company", "named_organization") is None  # a description
    assert fam.of_source("both governments", "named_organization") is None
    assert fam.match("Keldaran") is None  # word boundaries: a demonym is not the name
    media = Families.from_lines(["government:Keldara\tkeldara state television",
                                 "wire:Orbis\torbis news agency"])
    assert media.of_outlet("Keldara State Television") == "government:Keldara"  # state media
    assert media.of_outlet("Orbis News Agency") is None  # a wire's own voice is no party's
    with pytest.raises(InputError, match="expected `kind:Name<TAB>alias`"):
        Families.from_lines(["no tab here"])


def test_minhash_finds_reprints_not_neighbours():
    story = " ".join(f"word{i}" for i in range(300))
    reprint = story + " (Reporting by A. Writer)"
    other = " ".join(f"other{i}" for i in range(300))
    a, b, c = (minhash.signature(t) for t in (story, reprint, other))
    assert minhash.similarity(a, b) >= minhash.THRESHOLD
    assert minhash.similarity(a, c) < 0.1
    index = minhash.Index()
    index.add("story", a)
    index.add("other", c)
    assert index.best(b)[0] == "story"


def test_status_line_is_verdict_free_and_counts_families():
    s = {"families_for": ["government:US"], "families_against": ["government:Venezuela",
         "government:Colombia"], "families_questioning": ["org:Sea Watch"], "independent_for": 0,
         "claimant_family": "government:US",
         "only_anonymous_or_vague": False, "evidence_cited": [], "evidence_missing": ["x"],
         "n_articles": 3, "n_outlets": 2, "n_copies": 1}
    assert status_line(s) == (
        "supported by 1 family (US government), none independent of the claimant (US "
        "government); refuted by 2 (Venezuela government, Colombia government); questioned by 1 "
        "(Sea Watch); no evidence cited; evidence said to be missing (1) "
        "[3 articles in 2 outlets, plus 1 syndicated copy]"
    )
    s.update(families_for=["government:US", "org:Sea Watch"], independent_for=1,
             families_against=[], families_questioning=[], evidence_cited=["video"],
             evidence_missing=[], n_copies=0)
    assert status_line(s) == (
        "supported by 2 families (US government, Sea Watch), 1 independent of the claimant (US "
        "government); evidence cited (1) [3 articles in 2 outlets]"
    )


# -- the golden corpus ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def corpus_store(tmp_path_factory):
    db = str(tmp_path_factory.mktemp("corpus") / "corpus.duckdb")
    report = ingest([CORPUS], db, workers=1, progress=False)
    assert report.stored == 18 and report.failed == 0
    with Store(db) as store:
        store.set_meta("families_file", FAMILIES)
        update(store)
    return db


@pytest.fixture(scope="module")
def mapping(corpus_store):
    """Golden member -> (predicted cluster, stored article id)."""
    golden = json.load(open(GOLDEN, encoding="utf-8"))
    records = {json.loads(line)["id"]: json.loads(line) for line in open(CORPUS, encoding="utf-8")}
    with Store(corpus_store, read_only=True) as s:
        url_to_id = dict(s.con.execute("SELECT url, article_id FROM article_urls").fetchall())
        rows = s.con.execute(
            "SELECT c.article_id, c.start, c.text, m.text, m.cluster_id FROM claims c "
            "JOIN cluster_members m USING (article_id, claim_id)").fetchall()
    by_article = collections.defaultdict(list)
    for aid, start, whole, part, k in rows:
        at = start + max(whole.find(part), 0)
        by_article[aid].append((at, at + len(part), k))
    out = {}
    for c in golden["clusters"]:
        for m in c["members"]:
            rec = records[m["article"]]
            aid = url_to_id[rec["url"]]
            s0 = rec["text"].find(m["text"])
            e0 = s0 + len(m["text"])
            best = max(by_article[aid], key=lambda x: min(x[1], e0) - max(x[0], s0))
            if min(best[1], e0) - max(best[0], s0) > 0:
                out[(c["id"], m["article"])] = (best[2], aid)
    return golden, records, url_to_id, out


def test_reprints_point_at_the_wire_story(corpus_store, mapping):
    golden, records, url_to_id, _ = mapping
    with Store(corpus_store, read_only=True) as s:
        dups = dict(s.con.execute("SELECT article_id, duplicate_of FROM article_duplicates").fetchall())
    expected = {url_to_id[records[a]["url"]]: url_to_id[records[v["syndicated_of"]]["url"]]
                for a, v in golden["articles"].items() if v["syndicated_of"]}
    assert dups == expected and len(expected) == 2


def test_clusters_against_golden(mapping):
    golden, _, _, found = mapping
    members = sum(len(c["members"]) for c in golden["clusters"])
    assert len(found) >= 65, f"only {len(found)} of {members} golden members are stored claims"
    gold = [k[0] for k in found]
    pred = [v[0] for v in found.values()]
    pairs = lambda c: sum(n * (n - 1) / 2 for n in c.values())  # noqa: E731
    tp = pairs(collections.Counter(zip(gold, pred)))
    p, r = tp / pairs(collections.Counter(pred)), tp / pairs(collections.Counter(gold))
    f1 = 2 * p * r / (p + r)
    # measured 0.835 / 0.479 / 0.609 when written; floors only move up
    assert p >= 0.80 and f1 >= 0.58, (p, r, f1)


def test_must_not_merge_pairs_never_share_a_cluster(mapping):
    golden, _, _, found = mapping
    by_cluster = collections.defaultdict(set)
    for (cid, article), (k, _) in found.items():
        by_cluster[cid].add((k, article))
    for a, b in golden["must_not_merge"]:
        # a sentence that states both claims is one member of each; leave those out
        shared = {art for _, art in by_cluster[a]} & {art for _, art in by_cluster[b]}
        ka = {k for k, art in by_cluster[a] if art not in shared}
        kb = {k for k, art in by_cluster[b] if art not in shared}
        assert not ka & kb, (a, b)


def test_claims_and_claim_commands(corpus_store, capsys):
    assert main(["claims", "--db", corpus_store, "--format", "json", "--min-articles", "3"]) == 0
    clusters = json.loads(capsys.readouterr().out)
    assert clusters and all(c["n_articles"] >= 3 for c in clusters)
    for key in ("claim", "first_seen", "latest", "families_for", "families_against",
                "independent_for", "only_anonymous_or_vague", "evidence_cited",
                "evidence_missing", "status"):
        assert key in clusters[0]
    cid = clusters[0]["cluster_id"]
    assert main(["claim", cid, "--db", corpus_store, "--format", "json"]) == 0
    one = json.loads(capsys.readouterr().out)
    assert one["cluster_id"] == cid and len(one["members"]) >= 3
    assert {m["stance"] for m in one["members"]} <= {"supports", "refutes", "reports", "questions"}
    assert main(["claim", "Knope", "--db", corpus_store]) == 1
    assert "no claim cluster Knope" in capsys.readouterr().err
    assert main(["claims", "--db", corpus_store, "--query", "territorial", "--format", "html"]) == 0
    page = capsys.readouterr().out
    assert "territorial" in page and "<script" not in page


def test_incremental_update_keeps_existing_assignments(tmp_path):
    lines = open(CORPUS, encoding="utf-8").read().splitlines()
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    first.write_text("\n".join(lines[:9]) + "\n", encoding="utf-8")
    second.write_text("\n".join(lines[9:]) + "\n", encoding="utf-8")
    db = str(tmp_path / "s.duckdb")
    ingest([str(first)], db, workers=1, progress=False)
    with Store(db) as s:
        done = update(s)
        before = dict(((a, c, p), k) for a, c, p, k in s.con.execute(
            "SELECT article_id, claim_id, part, cluster_id FROM cluster_members").fetchall())
        assert done["new_claims"] == len(before) > 0
        assert update(s)["new_claims"] == 0  # nothing new, nothing done
    ingest([str(second)], db, workers=1, progress=False)
    with Store(db) as s:
        done = update(s)
        after = dict(((a, c, p), k) for a, c, p, k in s.con.execute(
            "SELECT article_id, claim_id, part, cluster_id FROM cluster_members").fetchall())
        assert done["new_claims"] == len(after) - len(before) > 0
        assert {key: after[key] for key in before} == before
        # the second half holds the reprints: they find the wire story from the first half
        assert s.count("article_duplicates") == 2


def test_cluster_summaries_on_the_corpus(corpus_store):
    with Store(corpus_store, read_only=True) as s:
        found = list_clusters(s, "territorial waters", limit=5)
        assert found
        one = get_cluster(s, found[0]["cluster_id"])
    assert one is not None and one["members"]
    fams = {m["family"] for m in one["members"]}
    assert "government:Valmera" in fams


# -- who confirms this claim? ------------------------------------------------------------------


def _families_by_side(result):
    return {k: set(result[k]) for k in ("families_for", "families_against", "families_questioning")}


def test_check_reads_sides_against_the_proposition(corpus_store):
    """In the corpus Keldara says the boat carried cocaine, Valmera's president says "There were
    no drugs on that boat", Open Sea Monitor has seen no confirmed evidence of drugs."""
    from claimledger.crossref.check import check

    with Store(corpus_store, read_only=True) as s:
        fam = Families.load(FAMILIES)
        pos, neg = check(s, ["The boat was carrying drugs",
                             "The boat was not carrying drugs"], families=fam)
    sides = _families_by_side(pos)
    assert "government:Keldara" in sides["families_for"]
    assert "government:Valmera" in sides["families_against"]
    assert "government:Valmera" not in sides["families_for"]
    assert "org:Open Sea Monitor" in sides["families_questioning"]
    assert neg["negated"] and not pos["negated"]
    assert neg["proposition"] == "The boat was carrying drugs."
    turned = _families_by_side(neg)  # the same statements, the claim turned round
    assert turned["families_for"] == sides["families_against"]
    assert turned["families_against"] == sides["families_for"]
    assert turned["families_questioning"] == sides["families_questioning"]


def _stmt(stance, rule, same=False, own=True, cue=None):
    return {"source_type": "own_voice" if own else "named_person", "source_stance": stance,
            "stance": rule, "same": same, "polarity_cue": cue}


def test_an_article_whose_statements_of_the_claim_take_a_side_is_read_from_them():
    from claimledger.crossref.check import _stated_side

    # a relayed source stating the claim itself, every source on it denying it: refutes
    assert _stated_side([_stmt("refutes", "refutes", same=True, own=False, cue="denied")]) \
        == "refutes"
    # sources that state the claim itself and take no side between them: the model reads
    assert _stated_side([_stmt("supports", "reports", same=True, own=False),
                         _stmt("refutes", "reports", same=True, own=False, cue="denied")]) is None
    # its own voice doubting the claim itself: the member rule (questions)
    assert _stated_side([_stmt("questions", "questions", same=True, cue="no evidence that"),
                         _stmt("supports", "questions", same=True, own=False)]) == "questions"
    # statements of other wordings only: nothing decided, the model reads the article
    assert _stated_side([_stmt("reports", "supports", own=False, cue="another wording")]) is None


def test_check_folds_syndicated_copies_and_leaves_out_unrelated_articles(corpus_store):
    from claimledger.crossref.check import check

    with Store(corpus_store, read_only=True) as s:
        (r,) = check(s, ["The boat was carrying drugs"])
        (none,) = check(s, ["The national football team won the cup final on penalties"])
        outlets = dict(s.con.execute("SELECT article_id, outlet FROM articles").fetchall())
    ids = [a["article_id"] for a in r["articles"]]
    assert len(ids) == len(set(ids))
    orbis = [a for a in r["articles"] if a["outlet"] == "Orbis News Agency"]
    assert orbis and len(orbis[0]["copies"]) == 2  # The Northern Ledger and The Coastal Daily
    assert len(orbis[0]["urls"]) == 3
    assert {outlets[c] for c in orbis[0]["copies"]} == {"The Northern Ledger", "The Coastal Daily"}
    # nothing about a budget or a drug trial bears on the boat
    assert not {"Aldermere Courier", "Aldermere Public Radio", "The Pulse Review"} & {
        a["outlet"] for a in r["articles"]}
    assert none["articles"] == [] and none["status"] == "no article in the store bears on this claim"


def test_check_command_formats(corpus_store, tmp_path, capsys):
    assert main(["check", "The boat was carrying drugs", "--db", corpus_store,
                 "-f", "jsonl"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert rows and all(set(r) == {"claim", "article_id", "urls", "outlet", "published",
                                   "stance", "score", "families"} for r in rows)
    assert {r["stance"] for r in rows} <= {"supports", "refutes", "questions", "reports"}
    claims = tmp_path / "claims.txt"
    claims.write_text("The boat was carrying drugs\n\nThe strike killed eleven people\n",
                      encoding="utf-8")
    assert main(["check", "--claims", str(claims), "--db", corpus_store, "-f", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [r["claim"] for r in out] == ["The boat was carrying drugs",
                                        "The strike killed eleven people"]
    assert main(["check", "<b>boat</b> carrying drugs", "--db", corpus_store, "-f", "html"]) == 0
    page = capsys.readouterr().out
    assert "&lt;b&gt;boat&lt;/b&gt;" in page and "<b>boat" not in page
    assert main(["check", "The boat was carrying drugs", "--db", corpus_store]) == 0
    assert "Orbis News Agency (+2 syndicated copies)" in capsys.readouterr().out
    # bad input: one line, non-zero exit
    assert main(["check", "--db", corpus_store]) == 2
    assert "give one claim" in capsys.readouterr().err
    assert main(["check", "x", "--claims", str(claims), "--db", corpus_store]) == 2
    capsys.readouterr()
    assert main(["check", "--claims", str(tmp_path / "none.txt"), "--db", corpus_store]) == 1
    assert "no such file" in capsys.readouterr().err
    (tmp_path / "blank.txt").write_text("\n  \n", encoding="utf-8")
    assert main(["check", "--claims", str(tmp_path / "blank.txt"), "--db", corpus_store]) == 2
    assert "no claims in" in capsys.readouterr().err


def test_no_family_is_listed_on_a_side_none_of_its_members_takes(corpus_store):
    with Store(corpus_store, read_only=True) as s:
        fam = Families.load(FAMILIES)
        for c in list_clusters(s, limit=200, families=fam):
            one = get_cluster(s, c["cluster_id"], families=fam)
            taken = collections.defaultdict(set)
            for m in one["members"]:
                if m["family"]:
                    taken[m["source_stance"]].add(m["family"])
            assert set(one["families_for"]) <= taken["supports"]
            assert set(one["families_against"]) <= taken["refutes"]
            assert set(one["families_questioning"]) <= taken["questions"]


# -- the contested corpus: propositions with polarity (tests/golden/contested) ----------------

CONTESTED = os.path.join(ROOT, "examples", "contested", "articles.jsonl")
CONTESTED_FAMILIES = os.path.join(ROOT, "examples", "contested", "families.tsv")
CONTESTED_GOLDEN = os.path.join(ROOT, "tests", "golden", "contested", "expected.json")
FLOORS = json.load(open(os.path.join(ROOT, "tests", "eval_baseline.json"),
                        encoding="utf-8"))["floors_corroboration"]


@pytest.fixture(scope="module")
def contested():
    import tempfile

    from claimledger.evaluation import corroboration

    db = os.path.join(tempfile.mkdtemp(), "contested.duckdb")
    report = ingest([CONTESTED], db, workers=1, progress=False)
    assert report.stored == 33 and report.failed == 0
    with Store(db) as store:
        store.set_meta("families_file", CONTESTED_FAMILIES)
        update(store)
    golden, records = corroboration.load(CONTESTED_GOLDEN, CONTESTED)
    with Store(db, read_only=True) as s:
        rep = corroboration.score(s, golden, records, Families.load(CONTESTED_FAMILIES))
    return db, rep


def test_contested_golden_passes_its_own_checker():
    import subprocess
    import sys

    done = subprocess.run([sys.executable, os.path.join(ROOT, "tests", "golden", "contested",
                                                        "check_expected.py")],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]


def test_contested_status_lines_never_invert(contested):
    _, rep = contested
    assert rep.inverted == [], rep.inverted
    assert rep.check_inverted == [], rep.check_inverted


def test_contested_scores_above_floors(contested):
    _, rep = contested
    got = {"source_polarity": rep.source_accuracy, "pairwise_f1": rep.pairwise[2],
           "article_polarity": rep.article_accuracy,
           "check_article_polarity": rep.check_article_right / rep.article_total,
           "families_exact": rep.families_share}
    low = {k: (round(v, 4), FLOORS[k]) for k, v in got.items() if v < FLOORS[k]}
    assert not low, low


def test_contested_no_family_on_a_side_none_of_its_members_takes(contested):
    db, _ = contested
    fam = Families.load(CONTESTED_FAMILIES)
    with Store(db, read_only=True) as s:
        clusters = list_clusters(s, limit=500, families=fam)
        assert clusters
        for c in clusters:
            one = get_cluster(s, c["cluster_id"], families=fam)
            taken = collections.defaultdict(set)
            for m in one["members"]:
                if m["family"]:
                    taken[m["source_stance"]].add(m["family"])
            assert set(one["families_for"]) <= taken["supports"], c["claim"]
            assert set(one["families_against"]) <= taken["refutes"], c["claim"]
            assert set(one["families_questioning"]) <= taken["questions"], c["claim"]


def test_check_page_and_api(corpus_store):
    from fastapi.testclient import TestClient

    from claimledger.web import create_app

    with TestClient(create_app(corpus_store, read_only=True)) as c:
        r = c.get("/api/v1/check", params={"claim": "The boat was carrying drugs"})
        assert r.status_code == 200
        body = r.json()
        assert body["proposition"] == "The boat was carrying drugs."
        assert "government:Valmera" in body["families_against"]
        assert body["articles"] and all("urls" in a for a in body["articles"])
        assert c.get("/api/v1/check").status_code == 422
        page = c.get("/check", params={"claim": "<img src=x onerror=alert(1)> drugs on the boat"})
        assert page.status_code == 200
        assert "<img src=x" not in page.text and "&lt;img src=x" in page.text
        assert 'href="/check"' in c.get("/claims").text  # linked from every page


def test_check_a_claim_without_words_finds_nothing(corpus_store):
    from claimledger.crossref.check import check

    with Store(corpus_store, read_only=True) as s:
        for claim in ("!" * 1500, "...", "the of and"):
            (r,) = check(s, [claim])
            assert r["articles"] == [] and r["families_for"] == []
