"""The eval gate: attribution quality on PolNeAR dev must not fall below pinned floors.

Floors sit a little under the scores reached when they were pinned (see eval_baseline.json) and
only ever move up. Skipped, with a message, when ../shared/data/polnear is not beside the repo.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from claimledger.evaluation.polnear import DEFAULT_ROOT, evaluate

BASELINE = json.loads((Path(__file__).parent / "eval_baseline.json").read_text())


@pytest.fixture(scope="module")
def dev_scores():
    if not (DEFAULT_ROOT / "dev").is_dir():
        pytest.skip(f"PolNeAR dev not found at {DEFAULT_ROOT / 'dev'}")
    return evaluate(DEFAULT_ROOT, "dev", "first").as_dict()


@pytest.mark.slow
@pytest.mark.parametrize("metric", sorted(BASELINE["floors"]))
def test_dev_score_above_floor(dev_scores, metric):
    value = dev_scores
    for part in metric.split("."):
        value = value[part]
    floor = BASELINE["floors"][metric]
    assert value >= floor, f"{metric} = {value:.4f} fell below the pinned floor {floor}"
