"""claimledger: who says what in a news article, and what it rests on.

>>> import claimledger
>>> ledger = claimledger.analyze("The minister said the port would reopen.")
>>> [a.cue.text for a in ledger.attributions]
['said']
"""

from claimledger.analyzer import Analyzer, analyze, ledger_from_doc, load_nlp
from claimledger.errors import ClaimledgerError, InputError, UsageError
from claimledger.model import SCHEMA_VERSION, Attribution, Ledger, Meta, Source, TextSpan

__version__ = "0.1.0"

__all__ = [
    "SCHEMA_VERSION",
    "Analyzer",
    "Attribution",
    "ClaimledgerError",
    "InputError",
    "Ledger",
    "Meta",
    "Source",
    "TextSpan",
    "UsageError",
    "analyze",
    "ledger_from_doc",
    "load_nlp",
]
