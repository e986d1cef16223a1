"""The attribution tagger's heads over encoder token vectors, in numpy (the runtime) — the same
arithmetic as the torch modules of :mod:`claimledger.neural.train.attribution`.

* token vectors: the encoder's, plus embeddings of the token's case shape, part of speech and
  dependency label (:mod:`claimledger.neural.features`);
* cue head: a linear layer, token vector -> O/B/I;
* role head, conditioned on one cue: with ``P = h W + b`` split into ``U, V, A, B`` (d each),
  ``z = relu(U_t + mean_cue(V) + A_t * mean_cue(B) + dist[bucket(t, cue)] + sent[offset(t, cue)] + rel[relation(t, cue)])``
  and ``roles = z W_out + b_out`` -> O, B-SRC, I-SRC, B-CON, I-CON, then four pointer scores
  (content start, content end, source start, source end) that place the boundaries. Everything before the relu is
  linear in ``h``, so the cue's side is the mean of its tokens' projections.
"""

from __future__ import annotations

import numpy as np

# signed log buckets of the distance from a token to the cue (0 = inside the cue)
_EDGES = np.array([1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128])
N_DIST = 2 * (len(_EDGES) + 1) + 1
MAX_SENT = 3
N_SENT = 2 * MAX_SENT + 1


def distance_buckets(n: int, first: int, last: int) -> np.ndarray:
    """Bucket ids [n] of each window position's distance to the cue run ``[first, last]``."""
    pos = np.arange(n)
    d = np.where(pos < first, pos - first, np.where(pos > last, pos - last, 0))
    mag = np.searchsorted(_EDGES, np.abs(d), side="right")  # 1.. for |d| >= 1
    sign = np.sign(d)
    return (len(_EDGES) + 1 + sign * mag).astype(np.int64)


def sentence_offsets(sent: np.ndarray, cue_sent: int) -> np.ndarray:
    """Ids [n] of each token's sentence offset from the cue's, clipped to +-MAX_SENT."""
    return (np.clip(sent - cue_sent, -MAX_SENT, MAX_SENT) + MAX_SENT).astype(np.int64)


class Heads:
    """The head weights (from the model's ``heads.npz``) and their forward pass."""

    def __init__(self, w: dict[str, np.ndarray]) -> None:
        self.shape, self.pos, self.dep = w["shape.weight"], w["pos.weight"], w["dep.weight"]
        self.rel = w["rel.weight"]
        self.cue_w, self.cue_b = w["cue.weight"].T.copy(), w["cue.bias"]
        self.proj_w, self.proj_b = w["proj.weight"].T.copy(), w["proj.bias"]
        self.dist = w["dist.weight"]
        self.sent = w["sent.weight"]
        self.out_w, self.out_b = w["out.weight"].T.copy(), w["out.bias"]
        self.d = self.dist.shape[1]

    def tokens(self, h: np.ndarray, feats: np.ndarray) -> np.ndarray:
        """Encoder vectors [T, H] plus the embedded token features [3, T]."""
        return h + self.shape[feats[0]] + self.pos[feats[1]] + self.dep[feats[2]]

    def cues(self, h: np.ndarray) -> np.ndarray:
        """Cue tag scores [T, 3] of token vectors ``h`` [T, H]."""
        return h @ self.cue_w + self.cue_b

    def project(self, h: np.ndarray) -> np.ndarray:
        return h @ self.proj_w + self.proj_b

    def roles(self, proj: np.ndarray, sent: np.ndarray, cue: tuple[int, int],
              relations: np.ndarray) -> np.ndarray:
        """Role tag scores [T, 5] of every token towards the cue run ``(first, last)``."""
        d = self.d
        first, last = cue
        u, v, a, b = proj[:, :d], proj[:, d : 2 * d], proj[:, 2 * d : 3 * d], proj[:, 3 * d :]
        vc = v[first : last + 1].mean(0)
        bc = b[first : last + 1].mean(0)
        n = proj.shape[0]
        z = (u + vc + a * bc + self.dist[distance_buckets(n, first, last)]
             + self.sent[sentence_offsets(sent, int(sent[first]))] + self.rel[relations])
        return np.maximum(z, 0.0) @ self.out_w + self.out_b
