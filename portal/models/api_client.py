"""Clients of the Open311 intake API, each with its own key."""
import hashlib
import hmac
import secrets
from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models.types import UTCDateTime, utcnow


def hash_api_key(key: str) -> str:
    # Keys are long random strings, so one SHA-256 is enough and lets a request find its client by index.
    return hashlib.sha256(key.encode()).hexdigest()


class ApiClient(db.Model):
    __tablename__ = "api_clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    active: Mapped[bool] = mapped_column(default=True)
    rate_limit_per_minute: Mapped[int] = mapped_column(default=120)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @staticmethod
    def new_key() -> str:
        return secrets.token_urlsafe(32)

    def set_key(self, key: str) -> None:
        self.key_hash = hash_api_key(key)

    def check_key(self, key: str) -> bool:
        return hmac.compare_digest(self.key_hash, hash_api_key(key))
