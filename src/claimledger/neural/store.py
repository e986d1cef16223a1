"""Shipped models by name: ``claimledger/models/<name>/`` holds the weights and ``card.json``
(what the model is, how to rebuild it, and the sha256 of every file). A model is loaded once per
process; a missing or altered file is a one-line error that says how to rebuild it."""

from __future__ import annotations

import hashlib
import json
import os
import threading
from functools import cache
from pathlib import Path
from typing import Any

from claimledger.errors import ClaimledgerError

CARD_SCHEMA = "claimledger.model-card/1"
MODELS = Path(__file__).resolve().parents[1] / "models"
_lock = threading.Lock()


class ModelError(ClaimledgerError):
    """A shipped model is missing, altered or of an unknown card schema."""


class LoadedOnce:
    """A model class whose :meth:`load` builds one instance per process and name; each subclass
    keeps its own ``_instances``."""

    _instances: dict[str, Any]
    _load_lock = threading.Lock()

    def __init__(self, name: str) -> None:
        raise NotImplementedError

    @classmethod
    def load(cls, name: str):  # -> Self
        with cls._load_lock:
            if name not in cls._instances:
                cls._instances[name] = cls(name)
            return cls._instances[name]


def folder(name: str) -> Path:
    return MODELS / name


@cache
def card(name: str) -> dict[str, Any]:
    """The model's card, after checking every file it lists against its sha256."""
    return card_of(folder(name), name)


def card_of(base: Path, name: str) -> dict[str, Any]:
    """The card of the model folder ``base`` (checked as :func:`card` does), not cached."""
    rebuild = f"rebuild it with `python -m claimledger.neural.train {name}` (see the README)"
    path = base / "card.json"
    if not path.is_file():
        raise ModelError(f"the {name} model is missing ({path}); {rebuild}")
    data = json.loads(path.read_text(encoding="utf-8"))
    if data.get("schema") != CARD_SCHEMA:
        raise ModelError(f"the {name} model card has schema {data.get('schema')!r}, "
                         f"not {CARD_SCHEMA}; {rebuild}")
    for fname, info in data.get("files", {}).items():
        f = base / fname
        if not f.is_file() or sha256(f) != info["sha256"]:
            raise ModelError(f"the {name} model file {fname} is missing or altered; {rebuild}")
    return data


def sha256(path: Path) -> str:
    """The hex sha256 of a file, read in 1 MB blocks."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def threads() -> int:
    """Threads per onnxruntime session: ``CLAIMLEDGER_THREADS``, else 1 (a corpus run scales by
    processes, one per core)."""
    try:
        return max(1, int(os.environ.get("CLAIMLEDGER_THREADS", "1")))
    except ValueError:
        return 1


def session(path: Path):  # -> onnxruntime.InferenceSession
    """An onnxruntime session over an ONNX file, on the CPU, with :func:`threads` threads."""
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads()
    opts.inter_op_num_threads = 1
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    # On an x86 CPU without VNNI, onnxruntime's int8 products use an AVX2 instruction that
    # saturates its 16-bit sums: the same encoder then gives other numbers than on a VNNI CPU
    # (checkworthiness scores up to 0.5 apart, attributions found or lost in the example
    # ledgers, seen on an AVX2-only AMD EPYC). This asks for the exact (slower) kernel there; it
    # changes nothing where the CPU has VNNI.
    opts.add_session_config_entry("session.x64quantprecision", "1")
    with _lock:
        return ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
