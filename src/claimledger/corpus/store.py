"""The corpus store: one DuckDB file holding every ledger, flattened into tables.

The store has a version (``store_meta.schema_version``), checked on open: an older store is
migrated in one transaction, a newer one is refused. Every article is written with all of its
rows in one transaction, so a crash (even ``kill -9``) leaves either all of an article or none.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import duckdb

from claimledger import __version__
from claimledger.corpus import tables
from claimledger.errors import ClaimledgerError, InputError
from claimledger.model import SCHEMA_VERSION, Ledger

STORE_VERSION = 3
STORE_FORMAT = "claimledger.store"

_KEYS = {"articles": "PRIMARY KEY (article_id)"}

_STORE_TABLES = {
    "errors": [
        ("run_id", "INTEGER"),
        ("input", "VARCHAR"),
        ("reason", "VARCHAR"),
        ("at", "TIMESTAMP"),
    ],
    "runs": [
        ("run_id", "INTEGER"),
        ("started_at", "TIMESTAMP"),
        ("finished_at", "TIMESTAMP"),
        ("command", "VARCHAR"),
        ("claimledger_version", "VARCHAR"),
        ("stored", "INTEGER"),
        ("skipped", "INTEGER"),
        ("duplicates", "INTEGER"),
        ("failed", "INTEGER"),
    ],
}


def _create_sql() -> list[str]:
    out = ["CREATE TABLE store_meta (key VARCHAR PRIMARY KEY, value VARCHAR)"]
    for name, cols in {**tables.TABLES, **_STORE_TABLES}.items():
        body = ", ".join(f'"{c}" {t}' for c, t in cols)
        if name in _KEYS:
            body += ", " + _KEYS[name]
        out.append(f"CREATE TABLE {name} ({body})")
    out.append("CREATE UNIQUE INDEX article_urls_key ON article_urls (article_id, input)")
    return out


def _v2_claim_clusters(con: duckdb.DuckDBPyConnection) -> None:
    """Version 2: cross-article claim clusters and near-duplicate articles (issue 5)."""
    con.execute(
        "CREATE TABLE claim_clusters (cluster_id VARCHAR PRIMARY KEY, article_id VARCHAR, "
        "claim_id VARCHAR, claim VARCHAR, created_at TIMESTAMP)"
    )
    con.execute(
        "CREATE TABLE cluster_members (cluster_id VARCHAR, article_id VARCHAR, claim_id VARCHAR, "
        "part INTEGER, text VARCHAR, score DOUBLE, source_stance VARCHAR, stance_score DOUBLE, "
        "vector FLOAT[])"
    )
    con.execute(
        "CREATE UNIQUE INDEX cluster_members_key ON cluster_members (article_id, claim_id, part)"
    )
    con.execute(
        "CREATE TABLE article_signatures (article_id VARCHAR PRIMARY KEY, signature UBIGINT[])"
    )
    con.execute(
        "CREATE TABLE article_duplicates (article_id VARCHAR PRIMARY KEY, duplicate_of VARCHAR, "
        "similarity DOUBLE)"
    )


def _v3_propositions(con: duckdb.DuckDBPyConnection) -> None:
    """Version 3: clusters are propositions with polarity (issue 13). Each cluster keeps its
    centroid, size, words and figures, so that an update reads only the clusters near the new
    claims; each member a vector id (its row in the approximate nearest-neighbour index) and what
    decided its polarity. Clusters are derived data: those of version 2, read against a sentence
    rather than a proposition, are dropped and rebuilt by the next `claimledger cluster`."""
    con.execute("DELETE FROM cluster_members")
    con.execute("DELETE FROM claim_clusters")
    for column in ("framed BOOLEAN", "centroid FLOAT[]", "n_members INTEGER", "tokens VARCHAR[]",
                   "numbers DOUBLE[]"):
        con.execute(f"ALTER TABLE claim_clusters ADD COLUMN {column}")
    for column in ("vid BIGINT", "polarity_cue VARCHAR"):
        con.execute(f"ALTER TABLE cluster_members ADD COLUMN {column}")


# Migrations: MIGRATIONS[n] takes a store at version n - 1 to version n. A new store is created
# at version 1 and migrated up, so every store goes through the same steps.
MIGRATIONS: dict[int, Callable[[duckdb.DuckDBPyConnection], None]] = {
    2: _v2_claim_clusters, 3: _v3_propositions}


class StoreError(ClaimledgerError):
    """The store cannot be opened or used (in use, newer version, not a claimledger store)."""


class Store:
    """A claimledger corpus in a DuckDB file (or ``:memory:``)."""

    def __init__(self, path: str, *, read_only: bool = False, create: bool = True) -> None:
        self.path = path
        if path != ":memory:":
            if not create and not os.path.exists(path):
                raise InputError(f"cannot open {path}: no such store (create one with "
                                 "`claimledger ingest ... --db {path}`)".replace("{path}", path))
            if os.path.isdir(path):
                raise InputError(f"cannot open {path}: it is a directory")
            if os.path.exists(path):
                from claimledger.reading import special_file_reason

                reason = special_file_reason(os.stat(path).st_mode)
                if reason:  # DuckDB would wait on a FIFO for ever
                    raise InputError(f"cannot open {path}: {reason}, not a claimledger store")
        try:
            self.con = duckdb.connect(path, read_only=read_only)
        except duckdb.IOException as exc:
            msg = str(exc).splitlines()[0]
            if "lock" in msg.lower():
                raise StoreError(
                    f"cannot open {path}: the store is in use by another claimledger process "
                    "(DuckDB allows one writer); wait for it to finish"
                ) from None
            raise StoreError(f"cannot open {path}: {msg}") from None
        except duckdb.Error as exc:
            raise StoreError(f"cannot open {path}: {str(exc).splitlines()[0]}") from None
        self.read_only = read_only
        self._open()

    # -- schema -----------------------------------------------------------------------------

    def _open(self) -> None:
        names = {r[0] for r in self.con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'"
        ).fetchall()}
        if not names:
            if self.read_only:
                raise StoreError(f"cannot open {self.path}: the store is empty")
            self._create()
            return
        if "store_meta" not in names:
            raise StoreError(
                f"cannot open {self.path}: it is a DuckDB database but not a claimledger store"
            )
        meta = dict(self.con.execute("SELECT key, value FROM store_meta").fetchall())
        if meta.get("format") != STORE_FORMAT:
            raise StoreError(f"cannot open {self.path}: not a claimledger store")
        version = int(meta.get("schema_version", "0"))
        if version > STORE_VERSION:
            raise StoreError(
                f"cannot open {self.path}: the store has schema version {version}, newer than "
                f"this claimledger ({__version__}) knows ({STORE_VERSION}); upgrade claimledger"
            )
        if version < STORE_VERSION:
            if self.read_only:
                raise StoreError(
                    f"cannot open {self.path}: the store has schema version {version} and needs "
                    f"migrating to {STORE_VERSION}; open it once for writing (e.g. `claimledger "
                    "ingest` or `claimledger migrate`)"
                )
            self.migrate(version)

    def _create(self) -> None:
        with self.transaction():
            for stmt in _create_sql():
                self.con.execute(stmt)
            for target in range(2, STORE_VERSION + 1):
                MIGRATIONS[target](self.con)
            self.con.executemany("INSERT INTO store_meta VALUES (?, ?)", [
                ("format", STORE_FORMAT),
                ("schema_version", str(STORE_VERSION)),
                ("ledger_schema", SCHEMA_VERSION),
                ("created_at", _now().isoformat()),
                ("created_by", f"claimledger {__version__}"),
            ])

    def migrate(self, version: int) -> None:
        with self.transaction():
            for target in range(version + 1, STORE_VERSION + 1):
                MIGRATIONS[target](self.con)
            self.con.execute(
                "UPDATE store_meta SET value = ? WHERE key = 'schema_version'", [str(STORE_VERSION)]
            )

    @property
    def schema_version(self) -> int:
        return int(self.con.execute(
            "SELECT value FROM store_meta WHERE key = 'schema_version'"
        ).fetchone()[0])

    # -- writing ----------------------------------------------------------------------------

    def transaction(self) -> _Transaction:
        return _Transaction(self.con)

    def article_ids(self) -> set[str]:
        return {r[0] for r in self.con.execute("SELECT article_id FROM articles").fetchall()}

    def start_run(self, command: str) -> int:
        (run_id,) = self.con.execute("SELECT coalesce(max(run_id), 0) + 1 FROM runs").fetchone()
        self.con.execute(
            "INSERT INTO runs (run_id, started_at, command, claimledger_version) VALUES (?, ?, ?, ?)",
            [run_id, _now(), command, __version__],
        )
        return int(run_id)

    def finish_run(self, run_id: int, **counts: int) -> None:
        self.con.execute(
            "UPDATE runs SET finished_at = ?, stored = ?, skipped = ?, duplicates = ?, failed = ? "
            "WHERE run_id = ?",
            [_now(), counts.get("stored", 0), counts.get("skipped", 0),
             counts.get("duplicates", 0), counts.get("failed", 0), run_id],
        )

    def write(
        self,
        article_rows: Sequence[dict[str, list[dict[str, Any]]]] = (),
        extra_urls: Iterable[dict[str, Any]] = (),
        errors: Iterable[tuple[str, str]] = (),
        run_id: int | None = None,
    ) -> None:
        """Write articles (each the output of :func:`tables.rows_of`), more URLs of stored
        articles, and failures, in one transaction: all of it lands, or none of it."""
        merged: dict[str, list[dict[str, Any]]] = {name: [] for name in tables.TABLES}
        for rows in article_rows:
            for name, rs in rows.items():
                merged[name].extend(rs)
        merged["article_urls"].extend(extra_urls)
        errors = list(errors)
        with self.transaction():
            for name, rs in merged.items():
                if not rs:
                    continue
                arrow = tables.to_arrow(name, rs)
                self.con.register("_incoming", arrow)
                try:
                    cols = ", ".join(f'"{c}"' for c, _ in tables.TABLES[name])
                    conflict = " ON CONFLICT DO NOTHING" if name == "article_urls" else ""
                    self.con.execute(
                        f"INSERT INTO {name} ({cols}) SELECT {cols} FROM _incoming{conflict}"
                    )
                finally:
                    self.con.unregister("_incoming")
            if errors:
                now = _now()
                self.con.executemany(
                    "INSERT INTO errors VALUES (?, ?, ?, ?)",
                    [(run_id, inp, reason, now) for inp, reason in errors],
                )

    # -- reading ----------------------------------------------------------------------------

    def resolve(self, article_id: str) -> str:
        """The full id of the stored article ``article_id`` names (a unique prefix will do)."""
        ident = article_id.strip().lower()
        if not re.fullmatch(r"[0-9a-f]{4,64}", ident):
            raise InputError(f"not an article id: {article_id!r} (ids are hex, see `claimledger stats`)")
        hits = [r[0] for r in self.con.execute(
            "SELECT article_id FROM articles WHERE starts_with(article_id, ?) LIMIT 2", [ident[:32]]
        ).fetchall()]
        if not hits:
            raise InputError(f"no article {article_id} in {self.path}")
        if len(hits) > 1:
            raise InputError(f"article id prefix {article_id} is ambiguous; give more of it")
        return hits[0]

    def ledger(self, article_id: str) -> Ledger:
        row = self.con.execute(
            "SELECT ledger FROM articles WHERE article_id = ?", [self.resolve(article_id)]
        ).fetchone()
        return Ledger.from_dict(json.loads(row[0]))

    def count(self, table: str) -> int:
        if table not in self.table_names():
            raise InputError(f"no table {table}")
        return int(self.con.execute(f"SELECT count(*) FROM {table}").fetchone()[0])

    def table_names(self) -> list[str]:
        """Every table of the store, for export."""
        return [r[0] for r in self.con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' "
            "AND table_name <> 'store_meta' ORDER BY table_name"
        ).fetchall()]

    def meta(self, key: str) -> str | None:
        row = self.con.execute("SELECT value FROM store_meta WHERE key = ?", [key]).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        self.con.execute(
            "INSERT INTO store_meta VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [key, value],
        )

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _Transaction:
    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con

    def __enter__(self) -> duckdb.DuckDBPyConnection:
        self.con.execute("BEGIN TRANSACTION")
        return self.con

    def __exit__(self, exc_type: object, *rest: object) -> None:
        if exc_type is None:
            self.con.execute("COMMIT")
        else:
            self.con.execute("ROLLBACK")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)
