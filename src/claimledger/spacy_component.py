"""The spaCy integration: ``nlp.add_pipe("claimledger")`` sets ``doc._.ledger``."""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc

from claimledger.analyzer import ledger_from_doc

if not Doc.has_extension("ledger"):
    Doc.set_extension("ledger", default=None)


class ClaimledgerComponent:
    """A pipeline component that builds the ledger of each Doc after the parser and NER."""

    def __call__(self, doc: Doc) -> Doc:
        doc._.ledger = ledger_from_doc(doc)
        return doc


@Language.factory("claimledger", requires=["token.dep", "token.lemma", "doc.ents"], assigns=["doc._.ledger"])
def make_claimledger(nlp: Language, name: str) -> ClaimledgerComponent:
    return ClaimledgerComponent()
