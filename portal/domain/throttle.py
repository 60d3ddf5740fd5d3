"""Sign-in throttling: too many failures for a username, or from an address, in a window."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import LoginAttempt


def failures_since(since: datetime, *, username: str | None = None, address: str | None = None) -> int:
    """Failed sign-ins since a moment, for one username or one address."""
    query = select(func.count()).select_from(LoginAttempt).where(
        LoginAttempt.at >= since, LoginAttempt.succeeded.is_(False)
    )
    if username is not None:
        query = query.where(LoginAttempt.username == username)
    if address is not None:
        query = query.where(LoginAttempt.address == address)
    return db.session.scalar(query)


def is_throttled(username: str, address: str, now: datetime, *, window_seconds: int,
                 max_per_username: int, max_per_address: int) -> bool:
    """True when the username, or the address, has used up its failures in the window.

    Counted for any username typed, known or not, so the answer reveals no account.
    """
    since = now - timedelta(seconds=window_seconds)
    return (
        failures_since(since, username=username) >= max_per_username
        or failures_since(since, address=address) >= max_per_address
    )


def record_attempt(username: str, address: str, now: datetime, succeeded: bool) -> None:
    db.session.add(LoginAttempt(username=username[:64], address=address[:64], at=now, succeeded=succeeded))
