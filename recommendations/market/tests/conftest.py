import pytest


@pytest.fixture(autouse=True)
def _fresh_trend_memo():
    """The momentum memo is per process and keyed by a cache version that a refresh bumps on commit;
    tests run inside a transaction that never commits, so start each one without it."""
    from recommendations.market import selectors

    selectors._memo.clear()
    yield
    selectors._memo.clear()
