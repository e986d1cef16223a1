"""Read an article from a file or stdin into text + meta, with one clear error per bad input.

Only regular files are opened: a FIFO, device or socket is refused from its ``stat`` before any
``open`` (which could block forever, or never end), and checked again on the open descriptor.
"""

from __future__ import annotations

import codecs
import errno
import os
import stat
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from claimledger.errors import InputError
from claimledger.model import Meta

MAX_BYTES = 20 * 1024 * 1024
TEXT_SUFFIXES = (".txt", ".text", "")
HTML_SUFFIXES = (".html", ".htm", ".xhtml")
STDIN_HINT = "; give - to read standard input"

# UTF-32 before UTF-16: the UTF-32-LE mark starts with the UTF-16-LE one
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le", "UTF-32LE"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "UTF-32BE"),
    (codecs.BOM_UTF8, "utf-8", "UTF-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16LE"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16BE"),
)
_SNIFF_BYTES = 8192


class NotRegularFile(OSError):
    """A path that names a FIFO, device or socket; ``strerror`` says which, in one line."""


def special_file_reason(mode: int) -> str | None:
    """``not a regular file (a FIFO)`` and the like for a ``st_mode``; None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    kinds = (
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISDIR, "a directory"),
    )
    kind = next((name for test, name in kinds if test(mode)), "a special file")
    return f"not a regular file ({kind})"


def open_regular(path: str | Path) -> BinaryIO:
    """``path`` opened for binary reading, if it is a regular file (symlinks followed).

    Raises IsADirectoryError for a directory, NotRegularFile for anything else that is not a
    regular file -- without opening it -- and the usual OSError when it cannot be opened.
    """
    mode = os.stat(path).st_mode
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(errno.EISDIR, "it is a directory", str(path))
    reason = special_file_reason(mode)
    if reason:
        raise NotRegularFile(errno.EINVAL, reason, str(path))
    # O_NONBLOCK: should the path have been swapped for a FIFO since the stat, open returns
    # at once instead of waiting for a writer, and the fstat below refuses it
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(path, flags)
    try:
        reason = special_file_reason(os.fstat(fd).st_mode)
        if reason:
            raise NotRegularFile(errno.EINVAL, reason, str(path))
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_article(path: str | Path, *, max_bytes: int = MAX_BYTES) -> tuple[str, Meta]:
    """The exact text of a plain-text article and what can be told of it (path, headline)."""
    name = str(path)
    if name == "-":
        data = sys.stdin.buffer.read(max_bytes + 1)
    else:
        data = _read_limited(name, max_bytes)
    text = decode_article(data, name, max_bytes=max_bytes)
    return text, Meta(path=None if name == "-" else name, title=guess_title(text))


def read_html_article(path: str | Path, *, max_bytes: int = MAX_BYTES) -> tuple[str, Meta]:
    """The article in a saved web page (a path ending in one of ``HTML_SUFFIXES``): its main text
    and metadata, extracted as ``ingest`` and the upload page extract them."""
    from claimledger.corpus.inputs import Document, extract
    from claimledger.corpus.tables import ArticleInfo

    name = str(path)
    html = decode_article(_read_limited(name, max_bytes), name, max_bytes=max_bytes)
    try:
        article = extract(Document(name, html=html.lstrip("\ufeff")), max_bytes=max_bytes)
    except InputError as exc:
        raise InputError(f"cannot read {name}: {exc}") from None
    return article.text, ArticleInfo.of(article).meta()


def _read_limited(name: str, max_bytes: int) -> bytes:
    """The bytes of a regular file; InputError naming ``--max-mb`` when over ``max_bytes``."""
    data = _read_file(name, max_bytes)
    if len(data) > max_bytes:
        raise InputError(
            f"cannot read {name}: {os.path.getsize(name) / 1e6:.1f} MB is more than the "
            f"{max_bytes / (1024 * 1024):g} MB limit for one article; split it, or raise "
            "the limit with --max-mb"
        )
    return data


def _read_file(name: str, max_bytes: int) -> bytes:
    """Up to ``max_bytes + 1`` bytes of a regular file; InputError with a one-line reason."""
    try:
        with open_regular(name) as fh:
            return fh.read(max_bytes + 1)
    except IsADirectoryError:
        raise InputError(f"cannot read {name}: it is a directory") from None
    except NotRegularFile as exc:
        hint = STDIN_HINT if _names_stdin(name) else ""
        raise InputError(f"cannot read {name}: {exc.strerror}{hint}") from None
    except FileNotFoundError:
        raise InputError(f"cannot read {name}: no such file") from None
    except PermissionError:
        raise InputError(f"cannot read {name}: permission denied") from None
    except OSError as exc:
        raise InputError(f"cannot read {name}: {exc.strerror or exc}") from None


def _names_stdin(name: str) -> bool:
    return name in ("/dev/stdin", "/dev/fd/0", "/proc/self/fd/0")


def decode_article(data: bytes, name: str = "<input>", *, max_bytes: int = MAX_BYTES) -> str:
    """The text of an article's bytes: UTF-8, or UTF-16/32 or UTF-8 with a byte-order mark (the
    mark dropped); InputError when too large, binary, undecodable or empty."""
    if len(data) > max_bytes:
        raise InputError(
            f"cannot read {name}: {len(data) / 1e6:.1f} MB is more than the "
            f"{max_bytes / (1024 * 1024):g} MB limit for one article; split it, or raise the "
            "limit with --max-mb"
        )
    text = decode_text(data, name)
    if not text.strip():
        raise InputError(f"cannot read {name}: the article is empty")
    return text


def decode_text(data: bytes, name: str = "<input>") -> str:
    """Bytes as text: by their byte-order mark when they have one, else as UTF-8; InputError
    naming the problem (binary, UTF-16 without a mark, invalid bytes) otherwise."""
    marked = byte_order_mark(data)
    encoding, label, skip = ("utf-8", "UTF-8", 0) if marked is None else (
        marked[0], marked[1], len(marked[2])
    )
    if not marked and b"\x00" in data[:_SNIFF_BYTES]:
        raise InputError(f"cannot read {name}: {_nul_reason(data)}")
    try:
        text = data[skip:].decode(encoding)
    except UnicodeDecodeError as exc:
        fix = "latin1" if encoding == "utf-8" else label.lower()
        raise InputError(
            f"cannot read {name}: not valid {label} (byte 0x{data[skip + exc.start]:02x} at "
            f"offset {skip + exc.start}); convert it, e.g. iconv -f {fix} -t utf-8"
        ) from None
    if marked and "\x00" in text[:_SNIFF_BYTES]:
        raise InputError(f"cannot read {name}: binary data, not a {label} text article")
    return text


def byte_order_mark(data: bytes) -> tuple[str, str, bytes] | None:
    """(Python codec, name people know, the mark) for bytes that start with a Unicode
    byte-order mark; None otherwise."""
    for bom, codec, label in _BOMS:
        if data.startswith(bom):
            return codec, label, bom
    return None


def unmarked_wide_encoding(data: bytes) -> str | None:
    """``utf-16le``, ``utf-16be``, ``utf-32le`` or ``utf-32be`` (iconv's names) when bytes
    without a byte-order mark read as mostly ASCII-range text in that encoding; else None.

    Text outside the ASCII range (say Chinese in UTF-16) has few NUL bytes and is not told.
    """
    sample = data[:_SNIFF_BYTES]
    for width in (4, 2):
        units = len(sample) // width
        if units < 2:
            continue
        for order in ("le", "be"):
            ascii_units = 0
            for i in range(0, units * width, width):
                unit = sample[i:i + width]
                low, rest = (unit[0], unit[1:]) if order == "le" else (unit[-1], unit[:-1])
                if low and not any(rest):
                    ascii_units += 1
            if ascii_units >= 0.6 * units:
                return f"utf-{width * 8}{order}"
    return None


def unmarked_encoding_reason(data: bytes) -> str | None:
    """What to tell of bytes in UTF-16 or UTF-32 without a byte-order mark (``looks like UTF-16
    without a byte-order mark; convert it, e.g. iconv -f utf-16le -t utf-8``); else None."""
    wide = unmarked_wide_encoding(data)
    if wide is None:
        return None
    return (
        f"looks like {wide[:-2].upper()} without a byte-order mark; convert it, "
        f"e.g. iconv -f {wide} -t utf-8"
    )


def _nul_reason(data: bytes) -> str:
    return unmarked_encoding_reason(data) or "binary data, not a UTF-8 text article"


def read_lines(path: str) -> list[str]:
    """The lines of a text file (or stdin for ``-``), without their line breaks."""
    data = sys.stdin.buffer.read(MAX_BYTES + 1) if path == "-" else _read_file(path, MAX_BYTES)
    if len(data) > MAX_BYTES:
        raise InputError(f"cannot read {path}: not a text file of at most 20 MB")
    return decode_text(data, path).splitlines()


def guess_title(text: str) -> str | None:
    """The first line, when it reads like a headline (short, no closing full stop)."""
    first = text.lstrip().split("\n", 1)[0].strip()
    if 0 < len(first) <= 200 and not first.endswith((".", ":", ",")) and "\n" in text.strip():
        return first
    return None


def expand_inputs(paths: list[str]) -> Iterator[str | InputError]:
    """Files named, and the text files under directories named (recursively, sorted); an
    InputError, in its place, for each directory that cannot be listed."""
    for p in paths:
        if p != "-" and os.path.isdir(p):
            errors: list[OSError] = []
            for root, dirs, files in os.walk(p, onerror=errors.append):
                yield from (_unlisted(e, p) for e in errors)
                errors.clear()
                dirs.sort()
                for f in sorted(files):
                    if not f.startswith(".") and f.lower().endswith((".txt", ".text")):
                        yield os.path.join(root, f)
            yield from (_unlisted(e, p) for e in errors)
        else:
            yield p


def _unlisted(error: OSError, root: str) -> InputError:
    reason = "permission denied" if isinstance(error, PermissionError) else error.strerror
    return InputError(f"cannot read {error.filename or root}: cannot list the directory ({reason})")
