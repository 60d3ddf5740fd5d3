"""Clients of the intake API as the administrator manages them: a key shown once and stored hashed,
a per-minute rate limit, and revocation."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from portal.domain import audit
from portal.extensions import db
from portal.models import ApiClient, User

RATE_LIMIT_MIN, RATE_LIMIT_MAX = 1, 10_000
NAME_MAX = 120


class ClientError(ValueError):
    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


def _check_rate_limit(limit: int | None) -> int:
    if limit is None or not RATE_LIMIT_MIN <= limit <= RATE_LIMIT_MAX:
        raise ClientError(f"Giới hạn là số lần gọi mỗi phút, từ {RATE_LIMIT_MIN} đến "
                          f"{RATE_LIMIT_MAX:,}.".replace(",", "."), "rate_limit_per_minute")
    return limit


def create_client(name: str, rate_limit_per_minute: int | None, *, actor: User, now: datetime,
                  address: str | None = None) -> tuple[ApiClient, str]:
    """A new active client and its key. The key is returned this once; only its hash is kept."""
    name = " ".join((name or "").split())
    if not name:
        raise ClientError("Vui lòng nhập tên ứng dụng.", "name")
    if len(name) > NAME_MAX:
        raise ClientError(f"Tên ứng dụng tối đa {NAME_MAX} ký tự.", "name")
    if db.session.scalar(select(ApiClient.id).where(ApiClient.name == name, ApiClient.active.is_(True))):
        raise ClientError(f"Đã có ứng dụng «{name}» đang hoạt động; hãy đặt tên khác hoặc thu hồi ứng dụng cũ.",
                          "name")
    limit = _check_rate_limit(rate_limit_per_minute)
    key = ApiClient.new_key()
    client = ApiClient(name=name, rate_limit_per_minute=limit, active=True, created_at=now)
    client.set_key(key)
    db.session.add(client)
    db.session.flush()
    audit.record("api_client_created", now=now, actor=actor, target=name,
                 detail=f"Giới hạn {limit} lần/phút", address=address)
    return client, key


def set_rate_limit(client: ApiClient, rate_limit_per_minute: int | None, *, actor: User, now: datetime,
                   address: str | None = None) -> bool:
    limit = _check_rate_limit(rate_limit_per_minute)
    if limit == client.rate_limit_per_minute:
        return False
    audit.record("api_client_changed", now=now, actor=actor, target=client.name,
                 detail=f"Giới hạn: {client.rate_limit_per_minute} → {limit} lần/phút", address=address)
    client.rate_limit_per_minute = limit
    return True


def revoke_client(client: ApiClient, *, actor: User, now: datetime, address: str | None = None) -> None:
    """The key stops working at once; the client stays listed with its revocation date."""
    if not client.active:
        raise ClientError(f"Khóa của «{client.name}» đã bị thu hồi trước đó.")
    client.active = False
    client.revoked_at = now
    audit.record("api_client_revoked", now=now, actor=actor, target=client.name, address=address)
