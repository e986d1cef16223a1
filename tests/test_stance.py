"""The stance models on hand-written (claim, text) pairs, the questions rule, and the JSONL runner.

None of the pairs comes from Emergent or FNC-1 (no Springfield mayor, Houston shark, water on Mars
or plastic-bag ban in either); the expected labels were decided by reading the pairs, before
running the model.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys

import numpy as np
import pytest

from claimledger.errors import InputError
from claimledger.neural import stance
from claimledger.neural.stance import LABELS, StanceResult, predict, run_stance
from claimledger.neural.lexical_stance import StanceModel

MAYOR = "The mayor of Springfield resigned on Monday"
SHARK = "A shark was photographed swimming on a flooded Houston highway"
MARS = "Scientists have discovered liquid water on Mars"
BAGS = "The city council banned plastic bags"

HEADLINES = [
    # (phenomenon, claim, text, expected)
    ("plain assertion", MAYOR, "Springfield mayor resigns after budget scandal", "supports"),
    ("confirmation", MARS, "NASA confirms liquid water flows on Mars", "supports"),
    ("paraphrase with a new detail", BAGS, "Council votes to ban plastic bags", "supports"),
    ("denial", MAYOR, "Springfield mayor denies he is resigning, calls reports false", "refutes"),
    ("hoax", SHARK, "Viral photo of shark on Houston highway is a hoax", "refutes"),
    ("explicit no", MARS, "No, scientists did not find water on Mars", "refutes"),
    ("fake story", BAGS, "Story about city council banning plastic bags is fake", "refutes"),
    ("negated future", MAYOR, "Springfield mayor will not resign, spokesman says", "refutes"),
    ("reportedly, sources say", MAYOR, "Springfield mayor reportedly set to resign, sources say",
     "reports"),
    ("may, report says", MARS, "Scientists may have found water on Mars, report says", "reports"),
    ("reportedly considering", BAGS, "City council reportedly considering plastic bag ban",
     "reports"),
    ("yes-no question with really", MAYOR, "Did the Springfield mayor really resign?", "questions"),
    ("is there really", SHARK, "Is there really a shark swimming on a Houston highway?",
     "questions"),
    ("claims remain unverified", MAYOR,
     "Claims that the Springfield mayor resigned remain unverified", "questions"),
    ("no evidence, nothing refuting", MARS, "There is no evidence that water was found on Mars",
     "questions"),
    ("questioned by others", MARS, "Mars water discovery questioned by other scientists",
     "questions"),
    ("question answered by a denial", SHARK, "Shark on a Houston highway? No, the photo is fake",
     "refutes"),
]  # fmt: skip

BODY_REFUTES = (
    "Police in Springfield said on Tuesday that reports of the mayor's resignation were false. "
    '"The mayor has not resigned and has no intention of doing so," a spokesman said. '
    "A satirical website had published a story claiming the mayor quit on Monday. "
    "The story was shared thousands of times on social media. "
    "The mayor's office also dismissed the report as a hoax."
)
BODY_SUPPORTS = (
    "The mayor of Springfield resigned on Monday after eight years in office. "
    "In a letter to the city council, he wrote that he was stepping down to spend more time with "
    "his family. The deputy mayor was sworn in as acting mayor on Monday afternoon, and a special "
    "election will be held in the spring. Council members thanked the outgoing mayor for his "
    "service."
)
# the same news with an attributed lead: Emergent and FNC-1 label such relays observing / discuss
BODY_SUPPORTS_ATTRIBUTED = (
    "The mayor of Springfield resigned on Monday, city officials said. "
    "In a letter to the city council, the mayor said he was stepping down to spend time with his "
    "family. The deputy mayor will serve as acting mayor until a special election in the spring. "
    "Council members thanked the mayor for eight years of service."
)
BODY_UNRELATED = (
    "Apple reported record quarterly revenue on Tuesday, driven by strong iPhone sales in China. "
    "The company said revenue rose 8 percent from a year earlier. "
    "Chief executive Tim Cook said the results beat the expectations of analysts. "
    "Shares rose 3 percent in after-hours trading. "
    "Analysts had expected weaker demand for the new models in Europe."
)
BODY_QUESTIONS = (
    "Reports that the mayor of Springfield resigned have circulated online since Monday. "
    "The claims could not be independently verified. City officials declined to comment, and it "
    "remains unclear where the story originated. Several websites repeated it without citing a "
    "source."
)


@pytest.mark.parametrize(
    "claim, text, expected", [row[1:] for row in HEADLINES], ids=[row[0] for row in HEADLINES]
)
def test_headline_stance(claim, text, expected):
    result = predict([(claim, text)])[0]
    assert result.label == expected, (result.label, result.scores, result.cues)


@pytest.mark.parametrize(
    "text, expected",
    [
        (BODY_REFUTES, "refutes"),
        (BODY_SUPPORTS, "supports"),
        pytest.param(
            BODY_SUPPORTS_ATTRIBUTED, "supports", marks=pytest.mark.xfail(
                reason="an attributed lead ('..., officials said') reads as a relay: the training "
                "data label such bodies observing/discuss, and the model says reports"
            ),
        ),
        (BODY_QUESTIONS, "questions"),
    ],
    ids=["refuting body", "supporting body", "supporting body with an attributed lead",
         "body saying it cannot be verified"],
)  # fmt: skip
def test_body_stance(text, expected):
    result = predict([(MAYOR, text)])[0]
    assert result.related > 0.5
    assert result.label == expected, (result.label, result.scores, result.cues)


def test_unrelated_body_is_unrelated():
    result = predict([(MAYOR, BODY_UNRELATED)])[0]
    assert result.related < 0.5
    assert result.label == "unrelated"
    assert result.score == result.scores["unrelated"] > 0.5


def test_short_texts_are_taken_as_related():
    # no gate for headlines (see the module docstring): the first sentence alone is a headline
    result = predict([(MAYOR, BODY_UNRELATED.split(". ")[0])])[0]
    assert result.related == 1.0 and result.label != "unrelated"


def test_results_are_consistent():
    pairs = [(row[1], row[2]) for row in HEADLINES] + [
        (MAYOR, BODY_REFUTES),
        (MAYOR, BODY_UNRELATED),
    ]
    results = predict(pairs)
    assert len(results) == len(pairs)
    for r in results:
        assert isinstance(r, StanceResult)
        assert r.label in LABELS and set(r.scores) == set(LABELS)
        assert r.score == r.scores[r.label]
        assert all(0.0 <= v <= 1.0 for v in r.scores.values())
        assert sum(r.scores.values()) == pytest.approx(1.0, abs=1e-4)
        assert r.scores["unrelated"] == pytest.approx(1.0 - r.related, abs=1e-5)
    # one at a time gives the same as in a batch
    assert predict(pairs[:1])[0] == results[0]
    with pytest.raises(AttributeError):
        results[0].label = "supports"  # type: ignore[misc]


def test_empty_inputs_take_no_stance():
    for claim, text in [(MAYOR, ""), (MAYOR, "  \n "), ("", "Springfield mayor resigns")]:
        r = predict([(claim, text)])[0]
        assert (r.label, r.score, r.related) == ("unrelated", 1.0, 0.0)
    assert predict([]) == []


def test_long_body_is_read():
    body = (
        BODY_SUPPORTS
        + " "
        + " ".join(
            f"Paragraph {i} is about the weather, which was mild for the season."
            for i in range(400)
        )
    )
    r = predict([(MAYOR, body)])[0]
    assert r.label in LABELS and r.related > 0.5


def test_model_is_loaded_once():
    assert StanceModel.load() is StanceModel.load()


# -- the questions rule, on made-up model scores (supports, refutes, reports) -----------------------


def _doubt(p, sentence):
    return stance._apply_doubt(np.array(p), [sentence])


def test_weak_cue_moves_only_reports():
    scores, cues = _doubt([0.7, 0.1, 0.2], "Police arrest alleged killer of Springfield teacher")
    assert cues == ("alleged",)
    assert scores == pytest.approx(
        {"supports": 0.7, "refutes": 0.1, "reports": 0.08, "questions": 0.12}
    )


def test_question_moves_supports_and_reports_not_refutes():
    scores, cues = _doubt([0.5, 0.2, 0.3], "Did police arrest the killer?")
    assert "?" in cues
    assert scores == pytest.approx(
        {"supports": 0.1, "refutes": 0.2, "reports": 0.06, "questions": 0.64}
    )


def test_no_evidence_alone_moves_refutes_too():
    scores, _ = _doubt([0.2, 0.6, 0.2], "There is no evidence the killer was arrested")
    assert scores == pytest.approx(
        {"supports": 0.04, "refutes": 0.12, "reports": 0.04, "questions": 0.8}
    )


def test_no_evidence_with_a_refutation_keeps_refutes():
    scores, _ = _doubt([0.2, 0.6, 0.2], "There is no evidence for it, and the story is a hoax")
    assert scores["refutes"] == pytest.approx(0.6)


@pytest.mark.parametrize(
    "sentence",
    [
        "There is no doubt the mayor resigned.",
        "Police can confirm the arrest.",
        "Officials confirmed the report on Monday.",
    ],
    ids=["no doubt", "can confirm", "confirmed"],
)
def test_not_doubt_cues(sentence):
    doubt = stance.doubt_cues([sentence])
    assert doubt.strong == () and doubt.weak == ()


# -- JSONL ------------------------------------------------------------------------------------------


def _lines(*records) -> io.StringIO:
    return io.StringIO(
        "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records)
    )


def test_jsonl_round_trip():
    records = [
        {
            "id": 1,
            "claim": MAYOR,
            "text": "Springfield mayor denies he is resigning, calls reports false",
        },
        {"id": 2, "claim": MAYOR, "text": BODY_SUPPORTS, "source": "x"},
        {"id": 3, "claim": MARS, "text": "Héllo wörld — “quotes” 😀"},
    ]
    out = io.StringIO()
    assert run_stance(_lines(records[0], "", records[1], "   ", records[2]), out) == 0
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [r["id"] for r in rows] == [1, 2, 3]
    for rec, row in zip(records, rows):
        assert {k: row[k] for k in rec} == rec  # every input field kept as it was
        assert row["stance"] in LABELS
        assert 0.0 <= row["score"] <= 1.0 and 0.0 <= row["related"] <= 1.0
    assert rows[0]["stance"] == "refutes"


def test_jsonl_byte_order_mark_is_ignored():
    record = {"claim": MAYOR, "text": "Springfield mayor resigns after budget scandal"}
    out = io.StringIO()
    assert run_stance(io.StringIO("\ufeff" + json.dumps(record) + "\n"), out) == 0
    assert json.loads(out.getvalue())["stance"] == "supports"


@pytest.mark.parametrize(
    "bad, message",
    [
        ("{not json", "line 3: not valid JSON"),
        ('["a list"]', "line 3: expected a JSON object"),
        ('{"claim": "x"}', 'line 3: "text" is missing'),
        ('{"claim": 5, "text": "y"}', 'line 3: "claim" is not a string (int)'),
    ],
    ids=["bad json", "not an object", "missing text", "claim not a string"],
)
def test_jsonl_malformed_line_stops_with_one_line_error(bad, message):
    good = {"claim": MAYOR, "text": "Springfield mayor resigns after budget scandal"}
    out = io.StringIO()
    with pytest.raises(InputError) as info:
        run_stance(_lines(good, good, bad, good), out)
    text = str(info.value)
    assert text.startswith(message), text
    assert "\n" not in text
    assert len(out.getvalue().splitlines()) == 2  # the records before the bad line were written


def test_jsonl_keep_going_skips_and_reports():
    good = {"claim": MAYOR, "text": "Springfield mayor resigns after budget scandal"}
    out, err = io.StringIO(), io.StringIO()
    code = run_stance(_lines(good, "{oops", good), out, keep_going=True, errors=err)
    assert code == 1
    assert len(out.getvalue().splitlines()) == 2
    assert err.getvalue().count("\n") == 1 and "line 2" in err.getvalue()


def test_runs_without_scikit_learn_or_torch():
    code = (
        "import sys\n"
        "sys.modules['sklearn'] = None  # importing scikit-learn would now fail\n"
        "sys.modules['torch'] = None\n"
        "from claimledger.neural.stance import predict\n"
        f"r = predict([({MAYOR!r}, 'Springfield mayor resigns'), ({MAYOR!r}, {BODY_SUPPORTS!r})])\n"
        "assert [x.label for x in r] == ['supports', 'supports'], r\n"
        "assert not [m for m in sys.modules if m.startswith('sklearn.')]\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
