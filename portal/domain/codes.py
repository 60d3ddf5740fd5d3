"""Case codes staff can read over the phone: 8 characters, no O/0 or I/1 to confuse, e.g. "K7QX-4M9R"."""
from __future__ import annotations

import random
import re

# 32 symbols: digits without 0 and 1, letters without I and O.
ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
_CODE_RE = re.compile(r"^[%s]{4}-[%s]{4}$" % (ALPHABET, ALPHABET))


def new_code(rng: random.Random | None = None) -> str:
    """A fresh random code in its display form "XXXX-XXXX"; uniqueness is the caller's check."""
    pick = (rng or random.SystemRandom()).choice
    raw = "".join(pick(ALPHABET) for _ in range(8))
    return f"{raw[:4]}-{raw[4:]}"


def normalize_code(text: str) -> str | None:
    """What a person typed ("k7qx 4m9r", "K7QX4M9R") in the stored form, or None if it cannot be a code."""
    compact = re.sub(r"[\s\-._]", "", text or "").upper()
    if len(compact) != 8 or any(ch not in ALPHABET for ch in compact):
        return None
    return f"{compact[:4]}-{compact[4:]}"


def is_code(text: str) -> bool:
    return bool(_CODE_RE.match(text or ""))
