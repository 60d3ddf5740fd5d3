"""The current moment, which tests can fix through the FIXED_NOW setting."""
from datetime import datetime, timezone

from flask import current_app, has_app_context


def now() -> datetime:
    """Now in UTC (aware); the app's FIXED_NOW when set, so tests never depend on today's date."""
    if has_app_context():
        fixed = current_app.config.get("FIXED_NOW")
        if fixed is not None:
            return fixed
    return datetime.now(timezone.utc)
