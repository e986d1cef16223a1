import pytest

import claimledger


@pytest.fixture(scope="session")
def analyzer() -> claimledger.Analyzer:
    """One loaded model for the whole test session."""
    return claimledger.Analyzer()
