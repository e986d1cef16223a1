"""spaCy's ``attribute_ruler`` and ``lemmatizer`` in one vectorised pass, with the same output.

The English pipeline maps each fine-grained tag to a part of speech and morphology with an
attribute ruler (179 token patterns run through spaCy's Matcher), then lemmatizes every token with
the rule lemmatizer, one Python call a token: together about a fifth of the pipeline's time. Both
are pure functions of a token's text, tag and dependency label, except for nine patterns that also
read the next token ("gon na", "there is"). So :class:`FastAttrs` computes each distinct
(text, tag, dependency) once, with the original components' own logic on the real token, caches
the part of speech, morphology and lemma it gets, and writes a Doc's values in one
``Doc.from_array``. Tokens a two-token pattern touches, and tokens whose rules set a tag or a
dependency, go through the original code path token by token.

The result is the original components' annotation, token for token (``tests/test_tagging.py``
compares them over the examples and a sample of news text); :func:`install` falls back to the
original components if the ruler holds a pattern this module does not read.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np
from spacy.attrs import DEP, LEMMA, MORPH, ORTH, POS, TAG
from spacy.language import Language
from spacy.tokens import Doc, Token
from spacy.tokens._retokenize import normalize_token_attrs, set_token_attrs

Predicate = Callable[[Token], bool]
_READS = {"TAG": "tag_", "LOWER": "lower_", "DEP": "dep_", "IS_SPACE": "is_space"}
_CACHE_LIMIT = 200_000  # distinct (text, tag, dependency) keys (about 50 MB); a hostile stream stops there


class Unsupported(ValueError):
    """The attribute ruler holds a pattern this module does not reproduce."""


def _predicate(key: str, value: Any) -> Predicate:
    if key not in _READS:
        raise Unsupported(f"pattern key {key}")
    attr = _READS[key]
    if not isinstance(value, dict):
        return lambda t: getattr(t, attr) == value
    if len(value) != 1:
        raise Unsupported(f"pattern value {value}")
    (op, arg), = value.items()
    if op == "IN":
        allowed = frozenset(arg)
        return lambda t: getattr(t, attr) in allowed
    if op == "NOT_IN":
        banned = frozenset(arg)
        return lambda t: getattr(t, attr) not in banned
    if op == "REGEX":
        rx = re.compile(arg)
        return lambda t: rx.search(getattr(t, attr)) is not None
    raise Unsupported(f"pattern operator {op}")


def _token_matcher(spec: dict[str, Any]) -> Predicate:
    if "OP" in spec:
        raise Unsupported("pattern operator OP")
    preds = [_predicate(k, v) for k, v in spec.items()]
    return lambda t: all(p(t) for p in preds)


class FastAttrs:
    """The attribute ruler then the lemmatizer of a loaded pipeline, as one component."""

    def __init__(self, ruler: Any, lemmatizer: Any) -> None:
        self.vocab = ruler.vocab
        self.lemmatizer = lemmatizer
        self.single: list[tuple[int, Predicate]] = []  # (rule id, matcher of one token)
        self.multi: list[tuple[int, list[Predicate], int]] = []  # (rule id, matchers, index)
        self.attrs: list[dict[Any, Any]] = []
        slow: set[int] = set()  # rules that set more than POS, MORPH and LEMMA
        # one-token rules that name a tag, or else a lowercase form, and the rest
        self.by_tag: dict[str, list[tuple[int, Predicate]]] = {}
        self.by_lower: dict[str, list[tuple[int, Predicate]]] = {}
        for rid, rule in enumerate(ruler.patterns):
            if set(rule["attrs"]) - {"POS", "MORPH", "LEMMA"}:
                slow.add(rid)
            self.attrs.append(normalize_token_attrs(self.vocab, dict(rule["attrs"])))
            for pattern in rule["patterns"]:
                toks = [_token_matcher(spec) for spec in pattern]
                if len(toks) > 1:
                    self.multi.append((rid, toks, int(rule["index"]) % len(toks)))
                elif isinstance(pattern[0].get("TAG"), str):
                    self.by_tag.setdefault(pattern[0]["TAG"], []).append((rid, toks[0]))
                elif isinstance(pattern[0].get("LOWER"), str):
                    self.by_lower.setdefault(pattern[0]["LOWER"], []).append((rid, toks[0]))
                else:
                    self.single.append((rid, toks[0]))
        self._slow_rules = frozenset(slow)
        # (orth, tag, dep) -> (pos, morph, lemma) or None when the token takes the slow path,
        # and the multi-token rules whose first token it matches
        self._cache: dict[tuple[int, int, int], tuple[tuple[int, int, int] | None, tuple[int, ...]]] = {}

    # -- the original logic, on one real token ----------------------------------------------

    def _rules(self, tok: Token) -> list[int]:
        """The one-token rules ``tok`` matches (any order: :meth:`_apply` sorts them)."""
        candidates = (*self.by_tag.get(tok.tag_, ()), *self.by_lower.get(tok.lower_, ()),
                      *self.single)
        return [rid for rid, match in candidates if match(tok)]

    def _apply(self, tok: Token, rules: list[int]) -> None:
        """The ruler's rules in id order (later ones win), then the lemmatizer."""
        for rid in sorted(rules):
            set_token_attrs(tok, self.attrs[rid])
        if self.lemmatizer.overwrite or tok.lemma == 0:
            tok.lemma_ = self.lemmatizer.lemmatize(tok)[0]

    def _learn(self, tok: Token) -> tuple[tuple[int, int, int] | None, tuple[int, ...]]:
        firsts = tuple(k for k, (_, toks, _) in enumerate(self.multi) if toks[0](tok))
        rules = self._rules(tok)
        if any(r in self._slow_rules for r in rules):
            return None, firsts
        saved = (tok.pos, tok.morph.key, tok.lemma)
        self._apply(tok, rules)
        out = (tok.pos, tok.morph.key, tok.lemma)
        tok.pos, tok.lemma = saved[0], saved[2]
        tok.set_morph(saved[1] or None)
        return out, firsts

    # -- the component ----------------------------------------------------------------------

    def __call__(self, doc: Doc) -> Doc:
        n = len(doc)
        if n == 0:
            return doc
        keys, first, where = np.unique(doc.to_array([ORTH, TAG, DEP]), axis=0,
                                       return_index=True, return_inverse=True)
        where = where.reshape(-1)
        table = np.zeros((len(keys), 3), dtype=np.uint64)
        slow: dict[int, list[int]] = {}  # token -> the multi-token rules it takes (slow path)
        cache = self._cache
        for u, key in enumerate(map(tuple, keys.tolist())):
            hit = cache.get(key)
            if hit is None:
                hit = self._learn(doc[int(first[u])])
                if len(cache) < _CACHE_LIMIT:
                    cache[key] = hit
            values, firsts = hit
            at = None
            if values is None:
                at = np.flatnonzero(where == u)
                for i in at.tolist():
                    slow.setdefault(i, [])
            else:
                table[u] = values
            if firsts:
                at = np.flatnonzero(where == u) if at is None else at
                for k in firsts:
                    rid, toks, index = self.multi[k]
                    for i in at.tolist():
                        if i + len(toks) <= n and all(
                                m(doc[i + j]) for j, m in enumerate(toks[1:], 1)):
                            slow.setdefault(i + index, []).append(rid)
        out = table[where]
        doc.from_array([POS, MORPH, LEMMA], out)
        for i, extra in slow.items():
            tok = doc[i]
            tok.pos, tok.lemma = 0, 0
            tok.set_morph(None)
            self._apply(tok, self._rules(tok) + extra)
        return doc


@Language.factory("claimledger_attrs")
def _factory(nlp: Language, name: str) -> FastAttrs:
    """Built from the pipeline's own ``attribute_ruler`` and ``lemmatizer`` (:func:`install`)."""
    return FastAttrs(nlp.get_pipe("attribute_ruler"), nlp.get_pipe("lemmatizer"))


def install(nlp: Language) -> bool:
    """Replace ``attribute_ruler`` and ``lemmatizer`` in ``nlp`` by one :class:`FastAttrs`
    (in their place, with their output); False, and ``nlp`` left as it was, when the pipeline
    does not have both side by side or its ruler holds a pattern this module does not read."""
    names = nlp.pipe_names
    if "attribute_ruler" not in names or "lemmatizer" not in names:
        return False
    if names.index("lemmatizer") != names.index("attribute_ruler") + 1:
        return False
    if getattr(nlp.get_pipe("lemmatizer"), "mode", None) != "rule":
        return False
    try:
        nlp.add_pipe("claimledger_attrs", after="lemmatizer")
    except Unsupported:
        return False
    nlp.remove_pipe("attribute_ruler")
    nlp.remove_pipe("lemmatizer")
    return True
