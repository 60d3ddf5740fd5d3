"""Case codes, phone numbers and Vietnamese number formats."""
import random
from datetime import datetime, timezone

import pytest

from portal.domain import codes, formatting
from portal.domain.phones import phone_digits


def test_codes_avoid_characters_misheard_on_the_phone():
    rng = random.Random(1)
    for _ in range(2000):
        code = codes.new_code(rng)
        assert codes.is_code(code)
        assert not set(code) & set("O0I1")


@pytest.mark.parametrize("typed", ["k7qx-4m9r", "K7QX4M9R", " k7qx 4m9r ", "K7QX.4M9R"])
def test_typed_codes_are_normalized(typed):
    assert codes.normalize_code(typed) == "K7QX-4M9R"


@pytest.mark.parametrize("typed", ["K7QX-4M9", "K7QX-4M90", "hello world", "", "0912345678"])
def test_non_codes_are_not_codes(typed):
    assert codes.normalize_code(typed) is None


@pytest.mark.parametrize("written", ["0912 345 678", "0912.345.678", "+84912345678", "84-912-345-678",
                                     "0912345678", "(+84) 912 345 678"])
def test_phone_numbers_however_written(written):
    assert phone_digits(written) == "0912345678"


@pytest.mark.parametrize("written", ["abc", "12345", "0112345678", "09123456789", "", None, "0912 abc 678"])
def test_not_phone_numbers(written):
    assert phone_digits(written) is None


@pytest.mark.parametrize("value, decimals, text", [(5700, 0, "5.700"), (1234567, 0, "1.234.567"),
                                                   (70.5, 1, "70,5"), (0, 0, "0"), (None, 0, "–")])
def test_numbers_read_the_vietnamese_way(value, decimals, text):
    assert formatting.number(value, decimals) == text


def test_percent_and_dates():
    assert formatting.percent(3940, 5700) == "69,1%"
    assert formatting.percent(1, 0) == "–"
    moment = datetime(2026, 11, 23, 17, 30, tzinfo=timezone.utc)  # 00:30 next day in Hanoi
    assert formatting.day(moment) == "24/11/2026"
    assert formatting.moment(moment) == "24/11/2026 00:30"
