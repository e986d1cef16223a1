"""Word lists as data: one entry per line, '#' comments. Each file says where its list came from."""

from __future__ import annotations

from functools import cache
from importlib import resources


def _lines(name: str) -> list[str]:
    raw = resources.files(__package__).joinpath(name).read_text(encoding="utf-8")
    out = []
    for line in raw.splitlines():
        line = line.split("#", 1)[0].strip() if not line.startswith("#") else ""
        if line:
            out.append(line)
    return out


@cache
def words(name: str) -> frozenset[str]:
    """The entries of ``<name>.txt``, lower-cased."""
    return frozenset(w.lower() for w in _lines(f"{name}.txt"))


@cache
def table(name: str) -> dict[str, str]:
    """The ``key<TAB>value`` rows of ``<name>.tsv``, keys lower-cased."""
    out = {}
    for line in _lines(f"{name}.tsv"):
        key, _, value = line.partition("\t")
        out[key.strip().lower()] = value.strip()
    return out
