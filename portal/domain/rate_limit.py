"""API clients at the door: who is calling (by key), and whether they have used up this minute's requests."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite

from portal.extensions import db
from portal.models import ApiClient, ApiRateWindow
from portal.models.api_client import hash_api_key


def client_for_key(key: str | None) -> ApiClient | None:
    """The active, unrevoked client whose key this is; None for a missing, wrong or revoked key."""
    if not key:
        return None
    client = db.session.scalar(select(ApiClient).where(ApiClient.key_hash == hash_api_key(key)))
    if client is None or not client.active or client.revoked_at is not None:
        return None
    return client


def count_request(client: ApiClient, now: datetime) -> int:
    """Count one request in the client's current minute and return the minute's count so far.

    One atomic UPSERT (INSERT … ON CONFLICT DO UPDATE … RETURNING), so concurrent workers never
    lose a count. Minutes older than an hour are dropped on the way. Commits.
    """
    window = now.replace(second=0, microsecond=0)
    table = ApiRateWindow.__table__
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (insert(table).values(client_id=client.id, window_start=window, count=1)
                 .on_conflict_do_update(index_elements=[table.c.client_id, table.c.window_start],
                                        set_={"count": table.c.count + 1})
                 .returning(table.c.count))
    count = db.session.execute(statement).scalar_one()
    db.session.execute(delete(ApiRateWindow).where(ApiRateWindow.client_id == client.id,
                                                   ApiRateWindow.window_start < window - timedelta(hours=1)))
    db.session.commit()
    return count


def is_over_limit(client: ApiClient, now: datetime) -> bool:
    """Counts this request; True when it goes past the client's requests per minute."""
    return count_request(client, now) > client.rate_limit_per_minute
