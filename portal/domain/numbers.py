"""Whole numbers that arrive as text (a query string, a form field): ASCII digits only, and no larger than the
database's INTEGER holds. A client's "²", "١٢" or 5,000-digit page is simply not a number (Python's int()
would take the first two and refuse the third with an error; PostgreSQL refuses a too-large id)."""
from __future__ import annotations

INTEGER_MAX = 2**31 - 1


def whole_number(text, maximum: int = INTEGER_MAX) -> int | None:
    """The number written in `text`, or None when it is not one or is larger than `maximum`."""
    text = str(text if text is not None else "").strip()
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(maximum)):
        return None
    number = int(text)
    return number if number <= maximum else None
