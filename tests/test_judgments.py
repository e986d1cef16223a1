"""The fine-tuned sentence judgments (check-worthiness, certainty) on hand-written sentences, the
text-classifier runtime they share, and the body-sentence selection of the stance model.

The sentences are claimledger's own (none from CT24, the CoNLL-2010 sample or FNC-1); the expected
labels were decided by reading them, before running the models.
"""

from __future__ import annotations

import numpy as np
import pytest

from claimledger.neural import store
from claimledger.neural.judgments import certainty, checkworthiness
from claimledger.neural.texts import TextClassifier, bearing, body_sentences, encode
from claimledger.neural.wordpiece import WordPiece

CHECKWORTHY = [
    "Unemployment fell to 4.1 percent last year, the lowest rate since 2000.",
    "The senator voted against the defence budget three times.",
    "Our state spends twice as much on prisons as it does on universities.",
    "Crime in this city has doubled since the mayor took office.",
]
NOT_CHECKWORTHY = [
    "Thank you very much, it is good to be here tonight.",
    "I want to say hello to my family, who are watching at home.",
    "Let me finish my answer.",
    "We will see what happens.",
]
CERTAIN = [
    "Many people were killed in the attack on the market.",
    "The bridge was opened to traffic in 1932.",
    "The committee published its report on Tuesday.",
]
UNCERTAIN = [
    "Analysts suggest the strike may have been a mistake.",
    "The fire was reportedly started by a faulty heater.",
    "If this is true, the minister will have to resign.",
    "Some scholars believe the manuscript was written much later.",
]


@pytest.mark.parametrize("text", CHECKWORTHY)
def test_checkworthy_claims_score_above_threshold(text):
    judge = checkworthiness()
    assert judge.score([text])[0] >= judge.threshold


@pytest.mark.parametrize("text", NOT_CHECKWORTHY)
def test_pleasantries_score_below_threshold(text):
    judge = checkworthiness()
    assert judge.score([text])[0] < judge.threshold


@pytest.mark.parametrize("text", CERTAIN)
def test_plain_statements_are_certain(text):
    assert certainty().assess([text])[0][0] == "certain"


@pytest.mark.parametrize("text", UNCERTAIN)
def test_hedged_statements_are_uncertain(text):
    assert certainty().assess([text])[0][0] == "uncertain"


def test_vague_quantities_are_not_uncertainty_but_vague_sources_are():
    judge = certainty()
    assert judge.assess(["Several houses were destroyed by the storm."])[0][0] == "certain"
    assert judge.assess(["Some say the election was rigged."])[0][0] == "uncertain"


def test_scores_are_probabilities_independent_of_batching():
    judge = checkworthiness()
    texts = CHECKWORTHY + NOT_CHECKWORTHY
    together = judge.score(texts)
    alone = np.array([judge.score([t])[0] for t in texts])
    assert ((together >= 0) & (together <= 1)).all()
    # dynamic int8 quantisation scales activations per batch, so batch mates move a score a little
    np.testing.assert_allclose(together, alone, atol=5e-3)
    np.testing.assert_array_equal(judge.score(texts), together)  # the same batch, the same scores
    assert judge.score([]).shape == (0,)


def test_models_load_once_with_checked_cards():
    assert TextClassifier.load("checkworthy") is TextClassifier.load("checkworthy")
    for name in ("checkworthy", "certainty"):
        card = store.card(name)
        assert card["labels"][0] in ("no", "certain") and len(card["labels"]) == 2
        assert 0 < card["threshold"] < 1


def test_pair_encoding_keeps_the_claim_and_fits():
    wp = WordPiece.from_file(store.folder("checkworthy") / "vocab.txt")
    long_text = "word " * 1000
    ids = encode(wp, "the boat carried drugs", long_text, 64, 16)
    assert len(ids) == 64
    assert ids[0] == wp.cls and ids[-1] == wp.sep and ids.count(wp.sep) == 2
    assert ids[1:5] == [i for w in "the boat carried drugs".split() for i in wp.ids(w)]
    single = encode(wp, long_text, None, 32, 32)
    assert len(single) == 32 and single.count(wp.sep) == 1


def test_bearing_picks_the_first_sentence_and_those_about_the_claim():
    body = ("The navy held an exercise on Monday.\n"
            "Weather in the port was calm. "
            "Officials said the boat was carrying drugs when it was struck. "
            "A football match was postponed. "
            "No drugs were found on the boat, a monitoring group said.")
    got = bearing("The boat was carrying drugs", body, budget_words=40)
    assert got.startswith("The navy held an exercise on Monday.")
    assert "Officials said the boat was carrying drugs" in got
    assert "No drugs were found on the boat" in got
    assert "football" not in got and "Weather" not in got
    assert len(body_sentences(body)) == 5
    assert bearing("anything", "") == ""


# -- the fast engine's check-worthiness (hashed words + the static embedding, no encoder) --------

NEWS_CLAIMS = [  # claim units of the kind the fast engine scores in news (claimledger's own)
    "the vessel was carrying cocaine bound for Europe",
    pytest.param("the order to open fire was given by the captain without consulting the ministry",
                 marks=pytest.mark.xfail(strict=True, reason="a known miss of the fast engine's "
                                         "bag of words (0.19; the encoder keeps it)")),
    "Unemployment fell to 4.1 percent last year, the lowest rate since 2000.",
]


@pytest.mark.parametrize("text", CHECKWORTHY + NEWS_CLAIMS)
def test_fast_checkworthy_claims_score_above_threshold(text):
    from claimledger.neural.judgments import fast_checkworthiness

    judge = fast_checkworthiness()
    assert judge.score([text])[0] >= judge.threshold


@pytest.mark.parametrize("text", NOT_CHECKWORTHY)
def test_fast_pleasantries_score_below_threshold(text):
    from claimledger.neural.judgments import fast_checkworthiness

    judge = fast_checkworthiness()
    assert judge.score([text])[0] < judge.threshold


def test_hashed_tokens_read_numbers_by_size():
    from claimledger.neural.hashed import tokens, words

    assert tokens("Unemployment fell to 4.5% in 2019, from 12,000!") == [
        "unemployment", "fell", "to", "<num%2>", "in", "<num4>", "from", "<num5>", "!"]
    f = words("the port will reopen", 1 << 18)
    assert abs(sum(v * v for v in f.values()) - 1.0) < 1e-9
    assert len(f) == 9  # 4 words, 4 bigrams from <s>, the bigram to </s>
    assert words("reopen will the port", 1 << 18) != f  # bigrams keep the order
    assert words("", 1 << 18) == {}


def test_the_fast_engine_runs_no_encoder():
    """The fast engine's speed rests on this: analysing with it loads no ONNX encoder."""
    import subprocess
    import sys

    code = (
        "import claimledger\n"
        "from claimledger.neural.texts import TextClassifier\n"
        "from claimledger.neural.attribution import AttributionTagger\n"
        "l = claimledger.Analyzer(engine='fast').analyze("
        "'The minister said on Tuesday that unemployment fell to 4% last year.')\n"
        "assert l.claims and l.claims[0].checkworthiness > 0\n"
        "print(sorted(TextClassifier._instances), AttributionTagger._instance is None)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "[] True"


def test_a_text_scores_the_same_alone_and_among_others():
    """Scored in one batch with texts of other lengths, a sentence gets the score it gets alone
    (to float rounding). A dynamically quantised encoder measures its activation ranges per run:
    there the same sentences differed by up to 0.12, so the shipped encoders have frozen ranges
    and the classifier batches them."""
    texts = [
        "Unemployment fell to 4.1 percent last month, the lowest level in a decade.",
        "Thank you all for coming tonight.",
        "We will build forty thousand new homes by the end of the next parliament, and every one "
        "of them will be paid for without raising a single tax on working families.",
        "The governor signed the bill on Tuesday.",
        "Crime went up by 30 percent in the city after the police budget was cut in half, and the "
        "mayor has done nothing about it since, whatever she tells you at these debates, and I "
        "have the figures from her own department to prove it.",
        "I think that's right.",
    ]
    for name in ("checkworthy", "certainty"):
        clf = TextClassifier.load(name)
        assert clf.batch >= len(texts), name  # the texts do share one encoder run
        together = clf.proba(texts)
        alone = np.concatenate([clf.proba([t]) for t in texts])
        np.testing.assert_allclose(together, alone, rtol=0, atol=1e-5, err_msg=name)


def test_batches_cover_every_text_once_and_bound_their_padding():
    from claimledger.neural.texts import MAX_WASTE, batches

    rng = np.random.default_rng(3)
    seqs = [[7] * int(n) for n in rng.integers(3, 97, size=200)]
    seen = []
    for idx, ids, mask in batches(seqs, 0, 32):
        seen += list(idx)
        assert len(idx) <= 32
        assert ids.shape == mask.shape == (len(idx), max(len(seqs[i]) for i in idx))
        assert [int(m.sum()) for m in mask] == [len(seqs[i]) for i in idx]
        if len(idx) > 1:  # a lone text has no padding; a batch keeps it within the bound
            assert ids.size <= (1 + MAX_WASTE) * mask.sum()
    assert sorted(seen) == list(range(len(seqs)))
