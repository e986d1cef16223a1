"""The spaCy integration: ``nlp.add_pipe("claimledger")`` sets ``doc._.ledger``.

Adding the component also wraps ``nlp.tokenizer`` in the RunBoundedTokenizer that
``claimledger.analyze`` uses (see ``pipeline/tokenizer.py``): spaCy's own tokenizer takes minutes
over a long run of punctuation, and the ledgers of both paths should rest on the same tokens.
"""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc

from claimledger.analyzer import DEFAULT_ENGINE, check_engine, ledger_from_doc
from claimledger.pipeline.tokenizer import bound_runs

if not Doc.has_extension("ledger"):
    Doc.set_extension("ledger", default=None)


class ClaimledgerComponent:
    """A pipeline component that builds the ledger of each Doc after the parser and NER."""

    def __init__(self, engine: str = DEFAULT_ENGINE) -> None:
        self.engine = check_engine(engine)

    def __call__(self, doc: Doc) -> Doc:
        doc._.ledger = ledger_from_doc(doc, engine=self.engine)
        return doc


@Language.factory(
    "claimledger", default_config={"engine": DEFAULT_ENGINE},
    requires=["token.dep", "token.lemma", "doc.ents"], assigns=["doc._.ledger"],
)
def make_claimledger(nlp: Language, name: str, engine: str) -> ClaimledgerComponent:
    """``nlp.add_pipe("claimledger", config={"engine": "fast"})`` for the rule engine."""
    bound_runs(nlp)
    return ClaimledgerComponent(engine)
