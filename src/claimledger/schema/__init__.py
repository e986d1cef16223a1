"""The JSON Schemas of the ledger contract, one file per version."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from claimledger.model import SCHEMA_VERSION


@cache
def load(version: str = SCHEMA_VERSION) -> dict[str, Any]:
    """The JSON Schema of ``version`` ("claimledger.article/N")."""
    n = version.rsplit("/", 1)[-1]
    return json.loads(resources.files(__package__).joinpath(f"article-{n}.json").read_text())
