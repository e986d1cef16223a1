"""Keep HTML shallow enough for lxml to see all of it.

libxml2's HTML parser (under lxml, under trafilatura) stops building the tree 256 elements deep
(2048 with ``huge_tree``) and silently drops everything below, so an article wrapped in a few
hundred ``<div>``s came out as "no article text found". :func:`flatten_deep_nesting` asks libxml2
itself whether a page reaches that depth (one parse, a few per cent of what extraction costs) and
leaves every page that does not exactly as it is. A page that does is rewritten: an element is
kept when it is within :data:`TOP_DEPTH` of the root or within :data:`BOTTOM_HEIGHT` of its own
deepest descendant, so the page's outline and the article's own markup stay, and only the tags
of the long chains in between go -- the tags, never the text between them. No path then holds
more than TOP_DEPTH + BOTTOM_HEIGHT + 1 elements. (A page with over :data:`MAX_TAGS` tags, which
no real article page has, keeps only its paragraphs instead, to bound the time spent.)

The rewrite follows the tree the way libxml2 builds it (the legacy algorithm it keeps behind its
HTML5 tokenizer): void and self-closed elements hold nothing, raw-text elements (``script``...)
hold no tags, a start tag closes the open element it implies the end of (``<p>`` by ``<div>``,
``<li>`` by ``<li>``), and an end tag closes every element above its match unless one of them
ranks higher (``</span>`` cannot close a ``<div>``). Where a dropped tag would have closed kept
elements, their end tags are written in its place. Should the result still reach the limit (a
page the rewrite misreads), the page keeps only its paragraphs: ``<p>`` cannot nest.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml import etree

PARSER_DEPTH = 256  # the deepest element libxml2's HTML parser keeps, <html> being 1
TOP_DEPTH = 100  # in a page that deep, elements this near the root are kept...
BOTTOM_HEIGHT = 100  # ...and those this near the deepest element inside them
MAX_TAGS = 100_000  # a page that deep with more tags keeps only its paragraphs (a second or so)

_VOID = frozenset([
    "area", "base", "basefont", "bgsound", "br", "col", "command", "embed", "frame", "hr",
    "image", "img", "input", "isindex", "keygen", "link", "meta", "param", "source", "track",
    "wbr",
])
_RAW = frozenset(["script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes"])
_IGNORED = frozenset(("html", "head", "body"))  # libxml2 never nests these twice
# libxml2's htmlEndPriority: an end tag cannot close an element of higher priority
_PRIORITY = {
    "div": 150, "td": 160, "th": 160, "tr": 170, "thead": 180, "tbody": 180, "tfoot": 180,
    "table": 190, "head": 200, "body": 200, "html": 220,
}
_DEFAULT_PRIORITY = 100
_PRIORITIES = sorted({_DEFAULT_PRIORITY, *_PRIORITY.values()})
_P_CLOSERS = [
    "address", "blockquote", "center", "dd", "dir", "div", "dl", "dt", "fieldset", "form", "h1",
    "h2", "h3", "h4", "h5", "h6", "hr", "li", "listing", "menu", "ol", "p", "pre", "table", "ul",
]
# (open element, start tag) pairs where libxml2 closes the open element first; a subset of its
# htmlStartClose table (tests/test_inputs.py checks each pair against the installed libxml2)
AUTO_CLOSE = frozenset(
    [("p", tag) for tag in _P_CLOSERS]
    + [("li", "li"), ("dt", "dd"), ("dd", "dt"), ("option", "option"), ("a", "a")]
    + [(cell, tag) for cell in ("td", "th") for tag in ("td", "th", "tr")]
    + [("tr", "tr")]
    + [(group, tag) for group in ("thead", "tbody") for tag in ("tbody", "tfoot")]
)

_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
# A tag as the HTML5 tokenizer reads it: quotes delimit a value only right after "=";
# possessive, so a tag that never ends costs one scan, not a backtracking search.
_TAG = re.compile(r"<(/?)([a-zA-Z][^\t\n\f\r />]*)((?:[^>=]|=\s*\"[^\"]*\"|=\s*'[^']*'|=)*+)>")
_RAW_END: dict[str, re.Pattern[str]] = {}
_AT_PARSER_DEPTH = etree.XPath("boolean(" + "/*" * PARSER_DEPTH + ")")
_SCRIPTS = re.compile(
    r"<!--.*?(?:-->|$)|<(script|style|template)\b.*?(?:</\1\s*>|$)", re.IGNORECASE | re.DOTALL
)
_NOT_PARAGRAPH_TAG = re.compile(
    r"<(?!/?(?:p|br|html|head|body|title|meta)[\t\n\f\r />])/?[a-zA-Z][^>]*>", re.IGNORECASE
)


def flatten_deep_nesting(html: str) -> str:
    """``html`` unchanged unless libxml2 would cut its tree at PARSER_DEPTH; else the same text
    with the tags of the long chains between its top and its bottom taken out."""
    # html and body may be implied, and a <p> around text: three levels without a "<"
    tags = html.count("<")
    if tags < PARSER_DEPTH - 3 or not reaches_parser_depth(html):
        return html
    if tags > MAX_TAGS:
        return paragraphs_only(html)
    flat = _flatten(html)
    if reaches_parser_depth(flat):  # pragma: no cover - a page the rewrite misreads
        flat = paragraphs_only(html)
    return flat


def reaches_parser_depth(html: str) -> bool:
    """Whether libxml2, parsing ``html`` as trafilatura does, builds an element PARSER_DEPTH
    deep, that is, may have dropped what lies deeper."""
    parser = etree.HTMLParser(
        collect_ids=False, default_doctype=False, encoding="utf-8", remove_comments=True,
        remove_pis=True,
    )
    try:
        try:
            root = etree.fromstring(html, parser)
        except ValueError:  # a str with an XML encoding declaration
            root = etree.fromstring(html.encode("utf-8"), parser)
    except Exception:  # noqa: BLE001 - unparseable: trafilatura will say so
        return False
    return root is not None and bool(_AT_PARSER_DEPTH(root))


def paragraphs_only(html: str) -> str:
    """``html`` without scripts, styles, comments and every tag but ``p``, ``br`` and those of
    the head: a tree at most four deep, as a ``<p>`` closes any open ``<p>``."""
    return _NOT_PARAGRAPH_TAG.sub("", _SCRIPTS.sub("", html))


# -- the rewrite --------------------------------------------------------------------------------


@dataclass(slots=True)
class _Tag:
    """A start or end tag of the page: where it is, and what it opens or closes."""

    start: int
    end: int
    is_end: bool
    opens: int | None = None  # the element a start tag opens
    closes: int | None = None  # the element an end tag closes; None when libxml2 ignores it
    ends: list[int] = field(default_factory=list)  # elements closed inside out, ``closes`` last


def _flatten(html: str) -> str:
    """``html`` without the tags of the elements neither near the top nor near the bottom."""
    tree = _Tree()
    tags = tree.read(html)
    keep = [d <= TOP_DEPTH or h <= BOTTOM_HEIGHT for d, h in zip(tree.depth, tree.height)]
    pieces: list[str] = []
    pos = 0
    for tag in tags:
        if tag.opens is not None:
            if keep[tag.opens]:
                replacement = _end_tags(tag.ends, tree, keep) + html[tag.start:tag.end]
            else:  # libxml2 will not see it, nor so the ends it implies: write them out
                replacement = _end_tags(tag.ends, tree, keep)
        elif tag.closes is not None and keep[tag.closes]:
            continue  # libxml2 closes the same elements itself
        elif tag.closes is not None:
            replacement = _end_tags(tag.ends[:-1], tree, keep)
        elif not tag.is_end:  # a void, raw-text or self-closed element
            replacement = _end_tags(tag.ends, tree, keep) + html[tag.start:tag.end]
        else:  # an end tag libxml2 ignores: gone, as against the flatter page it might not be
            replacement = ""
        pieces.append(html[pos:tag.start])
        pieces.append(replacement)
        pos = tag.end
    pieces.append(html[pos:])
    return "".join(pieces)


def _end_tags(elements: list[int], tree: _Tree, keep: list[bool]) -> str:
    return "".join(f"</{tree.name[e]}>" for e in elements if keep[e])


class _Tree:
    """The elements of a page as libxml2 nests them: each one's name, depth and height (how far
    below it its deepest descendant is), read in one pass over the tags.

    Every step costs O(1) amortised (an element is opened and closed once; which open element an
    end tag closes comes from per-name and per-priority stacks), so a page of any shape is read
    in time linear in its length.
    """

    def __init__(self) -> None:
        self.name: list[str] = []
        self.depth: list[int] = []
        self.height: list[int] = []
        self.open: list[int] = []  # the open elements, outermost first
        self.open_by_name: dict[str, list[int]] = {}  # their positions in ``open``
        self.open_by_priority: dict[int, list[int]] = {p: [] for p in _PRIORITIES}

    def read(self, html: str) -> list[_Tag]:
        """The tags that open or close elements, or that libxml2 ignores, in page order."""
        tags: list[_Tag] = []
        pos = 0
        while (lt := html.find("<", pos)) >= 0:
            after = html[lt + 1:lt + 2]
            if html.startswith("<!--", lt):
                pos = _after(html, "-->", lt + 4)
            elif after in ("!", "?") or (after == "/" and html[lt + 2:lt + 3] not in _LETTERS):
                pos = _after(html, ">", lt + 2)  # doctype, bogus comment, "</>"
            elif after == "/" or after in _LETTERS:
                found = _TAG.match(html, lt)
                if found is None:
                    break  # a tag that never ends: the rest of the page is inside it
                pos = found.end()
                name = found[2].lower()
                if name in _IGNORED:
                    continue
                if found[1]:
                    if name not in _VOID:
                        tags.append(self.end_tag(name, lt, pos))
                    continue
                if name == "plaintext":
                    break
                tags.append(self.start_tag(name, lt, pos, holds_nothing=(
                    name in _VOID or name in _RAW or found[3].endswith("/")
                )))
                if name in _RAW:
                    pos = _raw_end(html, name, pos)
            else:
                pos = lt + 1  # a "<" in text
            if pos < 0:
                break
        while self.open:  # unclosed at the end of the page
            self.close()
        return tags

    def start_tag(self, name: str, start: int, end: int, *, holds_nothing: bool) -> _Tag:
        tag = _Tag(start, end, is_end=False)
        while self.open and (self.name[self.open[-1]], name) in AUTO_CLOSE:
            tag.ends.append(self.close())
        if not holds_nothing:
            tag.opens = self.start(name)
        return tag

    def end_tag(self, name: str, start: int, end: int) -> _Tag:
        tag = _Tag(start, end, is_end=True)
        position = self.closed_by(name)
        if position is not None:
            while len(self.open) > position:
                tag.ends.append(self.close())
            tag.closes = tag.ends[-1]
        return tag

    def closed_by(self, name: str) -> int | None:
        """The position in ``open`` of the element an end tag ``name`` closes, by libxml2's rule:
        the innermost of that name, unless an element of higher priority is open inside it."""
        positions = self.open_by_name.get(name)
        if not positions:
            return None
        position = positions[-1]
        priority = _PRIORITY.get(name, _DEFAULT_PRIORITY)
        for higher in _PRIORITIES:
            inside = self.open_by_priority[higher]
            if higher > priority and inside and inside[-1] > position:
                return None
        return position

    def start(self, name: str) -> int:
        element = len(self.name)
        self.name.append(name)
        self.depth.append(len(self.open) + 1)
        self.height.append(0)
        self.open_by_name.setdefault(name, []).append(len(self.open))
        self.open_by_priority[_PRIORITY.get(name, _DEFAULT_PRIORITY)].append(len(self.open))
        self.open.append(element)
        return element

    def close(self) -> int:
        """Close the innermost open element and return it."""
        element = self.open.pop()
        name = self.name[element]
        self.open_by_name[name].pop()
        self.open_by_priority[_PRIORITY.get(name, _DEFAULT_PRIORITY)].pop()
        if self.open:
            parent = self.open[-1]
            self.height[parent] = max(self.height[parent], self.height[element] + 1)
        return element


def _raw_end(html: str, name: str, pos: int) -> int:
    """Where a raw-text element (``<script>``...) ends, its end tag included; -1 if never."""
    if name not in _RAW_END:
        _RAW_END[name] = re.compile(rf"</{name}(?=[\t\n\f\r />])[^>]*>", re.IGNORECASE)
    found = _RAW_END[name].search(html, pos)
    return found.end() if found else -1


def _after(html: str, marker: str, start: int) -> int:
    """The position just after the next ``marker`` from ``start``; -1 if there is none."""
    found = html.find(marker, start)
    return found + len(marker) if found >= 0 else -1
