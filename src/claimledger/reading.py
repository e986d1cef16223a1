"""Read an article from a file or stdin into text + meta, with one clear error per bad input."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

from claimledger.errors import InputError
from claimledger.model import Meta

MAX_BYTES = 20 * 1024 * 1024
TEXT_SUFFIXES = (".txt", ".text", "")


def read_article(path: str | Path, *, max_bytes: int = MAX_BYTES) -> tuple[str, Meta]:
    """The exact UTF-8 text of a plain-text article and what can be told of it (path, headline)."""
    name = str(path)
    try:
        if name == "-":
            data = sys.stdin.buffer.read(max_bytes + 1)
        else:
            with open(path, "rb") as fh:
                data = fh.read(max_bytes + 1)
            if len(data) > max_bytes:
                real = os.path.getsize(path)
                raise InputError(
                    f"cannot read {name}: {real / 1e6:.1f} MB is more than the "
                    f"{max_bytes / (1024 * 1024):g} MB limit for one article; split it, or raise "
                    "the limit with --max-mb"
                )
    except IsADirectoryError:
        raise InputError(f"cannot read {name}: it is a directory") from None
    except FileNotFoundError:
        raise InputError(f"cannot read {name}: no such file") from None
    except PermissionError:
        raise InputError(f"cannot read {name}: permission denied") from None
    except OSError as exc:
        raise InputError(f"cannot read {name}: {exc.strerror or exc}") from None
    text = decode_article(data, name, max_bytes=max_bytes)
    return text, Meta(path=None if name == "-" else name, title=guess_title(text))


def decode_article(data: bytes, name: str = "<input>", *, max_bytes: int = MAX_BYTES) -> str:
    if len(data) > max_bytes:
        raise InputError(
            f"cannot read {name}: {len(data) / 1e6:.1f} MB is more than the "
            f"{max_bytes / (1024 * 1024):g} MB limit for one article; split it, or raise the "
            "limit with --max-mb"
        )
    if b"\x00" in data[:8192]:
        raise InputError(f"cannot read {name}: binary data, not a UTF-8 text article")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"cannot read {name}: not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset "
            f"{exc.start}); convert it, e.g. iconv -f latin1 -t utf-8"
        ) from None
    if not text.strip():
        raise InputError(f"cannot read {name}: the article is empty")
    return text


def read_lines(path: str) -> list[str]:
    """The lines of a UTF-8 text file (or stdin for ``-``), without their line breaks."""
    if path == "-":
        data = sys.stdin.buffer.read(MAX_BYTES + 1)
    else:
        try:
            with open(path, "rb") as fh:
                data = fh.read(MAX_BYTES + 1)
        except OSError as exc:
            raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None
    if len(data) > MAX_BYTES or b"\x00" in data[:8192]:
        raise InputError(f"cannot read {path}: not a UTF-8 text file of at most 20 MB")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"cannot read {path}: not valid UTF-8 (offset {exc.start})") from None
    return text.splitlines()


def guess_title(text: str) -> str | None:
    """The first line, when it reads like a headline (short, no closing full stop)."""
    first = text.lstrip().split("\n", 1)[0].strip()
    if 0 < len(first) <= 200 and not first.endswith((".", ":", ",")) and "\n" in text.strip():
        return first
    return None


def expand_inputs(paths: list[str]) -> Iterator[str]:
    """Files named, and the text files under directories named (recursively, sorted)."""
    for p in paths:
        if p != "-" and os.path.isdir(p):
            for root, dirs, files in os.walk(p):
                dirs.sort()
                for f in sorted(files):
                    if not f.startswith(".") and f.lower().endswith((".txt", ".text")):
                        yield os.path.join(root, f)
        else:
            yield p
