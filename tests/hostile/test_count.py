"""The generated tests of this package, run together, send at least TARGET requests (run last; see conftest)."""
from pathlib import Path

import pytest

from tests.hostile.conftest import SCALE, TALLY, TARGET

HERE = Path(__file__).parent


def test_the_run_sent_at_least_ten_thousand_generated_requests(request):
    generated = {item.originalname for item in request.session.items
                 if Path(item.path).parent == HERE and getattr(item.obj, "is_hypothesis_test", False)}
    if SCALE != 1 or not generated or generated - set(TALLY.requests):
        pytest.skip("the count is checked when every generated test of tests/hostile runs at full scale")
    assert TALLY.total >= TARGET, f"only {TALLY.total:,} generated requests: {TALLY.requests}"
