"""One base exception; every message says what went wrong and what to do about it."""


class ClaimledgerError(Exception):
    """Base class of every error claimledger raises on purpose (bad input, bad usage)."""


class InputError(ClaimledgerError):
    """An input could not be read as an article (empty, binary, undecodable, too large)."""


class UsageError(ClaimledgerError):
    """The caller asked for something that cannot be done (unknown format, missing argument)."""
