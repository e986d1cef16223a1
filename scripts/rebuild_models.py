"""Rebuild every shipped neural model from the training data and its seed, into a scratch folder,
and compare each file with the shipped one (sha256, as listed in its card.json).

    .venv-train/bin/python scripts/rebuild_models.py [--out build/rebuilt] [--only attribution]

The commands are the ones the cards record (training, then for the text classifiers
``... train freeze NAME``, which fixes the int8 encoder's activation ranges in the rebuilt folder).
On the same CPU type, thread count and library
versions (requirements-train.txt) the files come out bit for bit the same; torch's float kernels
differ between CPU generations (and bfloat16 autocast needs AVX512-BF16 to match), in which case
the script says which files differ and the dev figures the rebuilt model reaches. On two free
cores: the attribution tagger about an hour, check-worthiness (with its 3-fold cross-validation)
about 35 minutes, certainty (10-fold) 25; a GPU (when torch sees one) minutes.
"""

from __future__ import annotations

import argparse
import json
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MODELS = REPO / "src" / "claimledger" / "models"
# the span classifiers read the tagger's vectors; the text classifiers stand alone
ORDER = ("attribution", "source-types", "acts", "checkworthy", "checkworthy-fast", "certainty")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, default=REPO / "build" / "rebuilt")
    ap.add_argument("--only", choices=ORDER, action="append")
    args = ap.parse_args()
    ok = True
    for name in args.only or ORDER:
        card = json.loads((MODELS / name / "card.json").read_text(encoding="utf-8"))
        target = args.out / name
        shutil.rmtree(target, ignore_errors=True)
        for step in card["command"].split("&&"):
            cmd = shlex.split(step)
            assert cmd[:3] == ["python", "-m", "claimledger.neural.train"], cmd
            if cmd[3] == "freeze":
                run = [sys.executable, *cmd[1:], "--model-dir", str(target)]
            else:
                run = [sys.executable, *cmd[1:], "--out", str(target)]
                if name in ("attribution", "checkworthy", "certainty"):
                    run += ["--run", str(args.out / "runs" / name)]
            print("$", " ".join(run), flush=True)
            subprocess.run(run, check=True, cwd=REPO)
        rebuilt = json.loads((target / "card.json").read_text(encoding="utf-8"))
        for fname, info in card["files"].items():
            same = rebuilt["files"].get(fname, {}).get("sha256") == info["sha256"]
            ok &= same
            print(f"  {name}/{fname}: {'identical' if same else 'DIFFERS'}")
    print("all files identical" if ok else "some files differ (see above)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
