"""Check claimledger.neural.minilm (numpy) against the same model in torch, in the training venv.

    .venv-train/bin/python scripts/check_minilm.py

The reference is what sentence-transformers computes for all-MiniLM-L6-v2: the transformers
tokenizer and encoder of the package's model folder, cut at 256 tokens, mean pooling over the
attention mask and L2 normalisation. Prints the cosine between the two embeddings of each sentence
and fails when the lowest is below 0.9999.
"""

from __future__ import annotations

import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "src"))

from claimledger.neural import minilm  # noqa: E402

SENTENCES = [
    "U.S. forces struck a boat carrying cartel members.",
    "The military destroyed a vessel it said belonged to the gang.",
    "According to UN data, roughly three-quarters of the cocaine moves along the western route.",
    "Unemployment fell to 3.9% in March, the lowest since 2019.",
    "Café owners in Zürich said the naïve plan would “never” work — résumés attached.",
    "",
    "a " * 400,
    "Sailors fished several sealed bales of cocaine out of the water, officials said.",
]


def main() -> None:
    import torch
    from transformers import AutoModel, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(str(minilm.model_dir()))
    model = AutoModel.from_pretrained(str(minilm.model_dir())).eval()
    with torch.no_grad():
        batch = tok(SENTENCES, padding=True, truncation=True, max_length=256, return_tensors="pt")
        hidden = model(**batch).last_hidden_state
        mask = batch["attention_mask"].unsqueeze(-1).float()
        pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
        ref = torch.nn.functional.normalize(pooled, dim=1).numpy()
    ours = minilm.encode(SENTENCES)
    cos = (ref * ours).sum(axis=1)
    for s, c in zip(SENTENCES, cos):
        print(f"{c:.6f}  {s[:70]!r}")
    print(f"lowest cosine: {cos.min():.6f}")
    if cos.min() < 0.9999:
        sys.exit("check_minilm: the numpy encoder drifts from the torch reference")


if __name__ == "__main__":
    main()
