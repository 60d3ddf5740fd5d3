"""How numbers, shares and moments read in Vietnamese: 5.700, 70,5%, 23/11/2026 14:05."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def number(value: int | float | None, decimals: int = 0) -> str:
    """5700 → "5.700"; 1234.5 with decimals=1 → "1.234,5" (dot for thousands, comma for decimals)."""
    if value is None:
        return "–"
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def percent(part: int | float, whole: int | float, decimals: int = 1) -> str:
    """Part of whole as "70,5%"; "–" when whole is zero (no share of nothing)."""
    if not whole:
        return "–"
    return number(100.0 * part / whole, decimals) + "%"


def local(moment: datetime | None) -> datetime | None:
    """The moment on Hanoi's clock."""
    return moment.astimezone(LOCAL_TZ) if moment is not None else None


def day(value: datetime | date | None) -> str:
    """dd/mm/yyyy; a datetime is read on Hanoi's clock first."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(LOCAL_TZ)
    # %-formatting, not strftime: half the time, and a list shows a few hundred of these.
    return "%02d/%02d/%04d" % (value.day, value.month, value.year)


def moment(value: datetime | None) -> str:
    """dd/mm/yyyy HH:MM on Hanoi's clock."""
    if value is None:
        return ""
    value = value.astimezone(LOCAL_TZ)
    return "%02d/%02d/%04d %02d:%02d" % (value.day, value.month, value.year, value.hour, value.minute)
