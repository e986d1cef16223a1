import pytest

import claimledger


@pytest.fixture(scope="session")
def analyzer() -> claimledger.Analyzer:
    """The rule engine (``engine="fast"``), loaded once for the whole session: the phenomena,
    render and claims tests were written against its behaviour."""
    return claimledger.Analyzer(engine="fast")


@pytest.fixture(scope="session")
def accurate() -> claimledger.Analyzer:
    """The trained engine (the default), loaded once for the whole session."""
    return claimledger.Analyzer(engine="accurate")
