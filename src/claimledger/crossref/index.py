"""An approximate nearest-neighbour index over the claim vectors of a store (faiss, CPU).

Every cluster member has a vector id (``cluster_members.vid``) and its all-MiniLM-L6-v2 vector in
the store. The index is derived data kept beside the store, in ``STORE.ann/``, as append-only
shards: each clustering update writes one shard holding only the new vectors (so an update costs
O(new claims)), after its transaction has committed; a search asks every shard and merges. Shards
of up to ``FLAT_MAX`` vectors are exact (``IndexFlatIP``), larger ones HNSW graphs
(``IndexHNSWFlat``, M = 32). When there are more than ``MAX_SHARDS`` they are merged into one.

The store is the truth: on opening, vectors the shards lack (a process killed between commit and
shard write) are indexed from the store, and an index that names vectors the store does not have
(a store file replaced or restored) is discarded and rebuilt. A ``:memory:`` store, or a store
opened read-only whose index is missing, gets an index in memory only.
"""

from __future__ import annotations

import os
import re
import tempfile
import threading

import numpy as np

from claimledger.corpus.store import Store

DIM = 384
FLAT_MAX = 20_000
MAX_SHARDS = 8
_SHARD = re.compile(r"^shard-(\d{12})-(\d{12})\.faiss$")


def _faiss():
    import faiss

    return faiss


def _build(vids: np.ndarray, vecs: np.ndarray):
    faiss = _faiss()
    if len(vids) > FLAT_MAX:
        inner = faiss.IndexHNSWFlat(DIM, 32, faiss.METRIC_INNER_PRODUCT)
        inner.hnsw.efConstruction = 40
        inner.hnsw.efSearch = 64
    else:
        inner = faiss.IndexFlatIP(DIM)
    index = faiss.IndexIDMap2(inner)
    index.add_with_ids(np.ascontiguousarray(vecs, dtype=np.float32), vids.astype(np.int64))
    return index


class VectorIndex:
    """The claim vectors of ``store``, searchable by inner product (the vectors are unit length)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.dir = None if store.path == ":memory:" else store.path + ".ann"
        self.shards: list[tuple[int, int, object]] = []  # (first vid, last vid, faiss index)
        self._load()

    # -- opening ---------------------------------------------------------------------------

    def _store_max(self) -> int:
        (m,) = self.store.con.execute("SELECT coalesce(max(vid), -1) FROM cluster_members").fetchone()
        return int(m)

    def _load(self) -> None:
        faiss = _faiss()
        if self.dir and os.path.isdir(self.dir):
            for name in sorted(os.listdir(self.dir)):
                m = _SHARD.match(name)
                if m:
                    try:
                        index = faiss.read_index(os.path.join(self.dir, name))
                    except RuntimeError:
                        continue  # a torn shard: its vectors are re-read from the store
                    self.shards.append((int(m.group(1)), int(m.group(2)), index))
        self.refresh()  # an index naming vectors the store lacks is not this store's: rebuilt

    def refresh(self) -> None:
        """Index what the store gained since this index was opened (another process's update)."""
        top = self._store_max()
        covered = max((last for _, last, _ in self.shards), default=-1)
        if covered > top:
            self._reset()
            covered = -1
        if covered < top:
            self._index_from_store(covered + 1, top)

    def _reset(self) -> None:
        self.shards = []
        if self.dir and os.path.isdir(self.dir) and not self.store.read_only:
            for name in os.listdir(self.dir):
                if _SHARD.match(name):
                    os.unlink(os.path.join(self.dir, name))

    def _index_from_store(self, first: int, last: int) -> None:
        rows = self.store.con.execute(
            "SELECT vid, vector FROM cluster_members WHERE vid BETWEEN ? AND ? ORDER BY vid",
            [first, last]).fetchall()
        if rows:
            vids = np.array([r[0] for r in rows], dtype=np.int64)
            vecs = np.array([r[1] for r in rows], dtype=np.float32)
            self.add(vids, vecs, first=first, last=last)

    # -- writing ---------------------------------------------------------------------------

    def add(self, vids: np.ndarray, vecs: np.ndarray, *, first: int | None = None,
            last: int | None = None) -> None:
        """Index new vectors (after the store transaction that holds them has committed)."""
        if len(vids) == 0:
            return
        first = int(vids.min()) if first is None else first
        last = int(vids.max()) if last is None else last
        index = _build(vids, vecs)
        self.shards.append((first, last, index))
        self._save(first, last, index)
        if len(self.shards) > MAX_SHARDS:
            self._compact()

    def _save(self, first: int, last: int, index) -> None:
        if not self.dir or self.store.read_only:
            return
        os.makedirs(self.dir, exist_ok=True)
        name = f"shard-{first:012d}-{last:012d}.faiss"
        fd, tmp = tempfile.mkstemp(dir=self.dir, suffix=".tmp")
        os.close(fd)
        try:
            _faiss().write_index(index, tmp)
            os.replace(tmp, os.path.join(self.dir, name))  # whole or absent, never torn
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)

    def _compact(self) -> None:
        first = min(f for f, _, _ in self.shards)
        last = max(t for _, t, _ in self.shards)
        self._reset()
        self._index_from_store(first, last)

    # -- reading ---------------------------------------------------------------------------

    def __len__(self) -> int:
        return sum(index.ntotal for _, _, index in self.shards)

    def search(self, vecs: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """``(similarities, vids)``, each ``(len(vecs), k)``, best first; missing slots are
        (-inf, -1)."""
        q = np.ascontiguousarray(np.atleast_2d(vecs), dtype=np.float32)
        sims = np.full((len(q), 0), -np.inf, dtype=np.float32)
        ids = np.full((len(q), 0), -1, dtype=np.int64)
        for _, _, index in self.shards:
            d, i = index.search(q, min(k, index.ntotal))
            sims, ids = np.hstack([sims, d]), np.hstack([ids, i])
        order = np.argsort(-sims, axis=1)[:, :k]
        sims = np.take_along_axis(sims, order, axis=1)
        ids = np.take_along_axis(ids, order, axis=1)
        if sims.shape[1] < k:
            pad = k - sims.shape[1]
            sims = np.hstack([sims, np.full((len(q), pad), -np.inf, dtype=np.float32)])
            ids = np.hstack([ids, np.full((len(q), pad), -1, dtype=np.int64)])
        return sims, ids


_OPEN: dict[str, VectorIndex] = {}
_LOCK = threading.Lock()


def for_store(store: Store) -> VectorIndex:
    """The index of ``store``, kept open across calls in one process (the web app answers many
    checks) and brought up to date on each."""
    key = os.path.abspath(store.path) if store.path != ":memory:" else f":memory:{id(store.con)}"
    with _LOCK:
        index = _OPEN.get(key)
        if index is None:
            index = _OPEN[key] = VectorIndex(store)
        else:
            index.store = store  # another connection to the same file
            index.refresh()
        return index
