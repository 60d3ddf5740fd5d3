"""Vietnamese phone numbers, however they were written."""
from __future__ import annotations

import re

# Mobile prefixes in use since the 2018 renumbering, and landlines (02x area codes).
_NATIONAL_RE = re.compile(r"^0(3|5|7|8|9)\d{8}$|^02\d{9}$")


def phone_digits(text: str | None) -> str | None:
    """The national form "0912345678" of "0912 345 678", "0912.345.678", "+84912345678", "84-912-345-678".

    None when the text is not a Vietnamese phone number.
    """
    if not text:
        return None
    if re.search(r"[^\d\s\-.+()]", text):
        return None
    digits = re.sub(r"\D", "", text)
    if digits.startswith("84") and len(digits) in (11, 12):
        digits = "0" + digits[2:]
    return digits if _NATIONAL_RE.match(digits) else None


def is_phone(text: str | None) -> bool:
    return phone_digits(text) is not None
