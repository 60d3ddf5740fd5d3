"""What each Open311 POST asked for, kept so that a retried POST finds its case instead of making one."""
from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import ForeignKey, Index, PrimaryKeyConstraint, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.api_client import ApiClient
from portal.models.case import Case
from portal.models.types import UTCDateTime, utcnow


class IntakeRequest(db.Model):
    __tablename__ = "intake_requests"
    __table_args__ = (
        # A client's Idempotency-Key names one request (NULLs never collide: posts without a key).
        UniqueConstraint("client_id", "idempotency_key", name="uq_intake_requests_client_key"),
        # Without a key, the same content in the same 10-minute window is the same request
        # (content_window is NULL for keyed posts, so they never collide here).
        UniqueConstraint("client_id", "content_hash", "content_window", name="uq_intake_requests_client_content"),
        Index("ix_intake_requests_client_hash_at", "client_id", "content_hash", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("api_clients.id"))
    idempotency_key: Mapped[str | None] = mapped_column(String(255))
    content_hash: Mapped[str] = mapped_column(String(64))
    content_window: Mapped[int | None] = mapped_column()
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), unique=True)
    # The answers to the service's questions, {code: value or [values]}, as JSON text.
    attributes_json: Mapped[str] = mapped_column(Text, default="{}")
    media_url: Mapped[str | None] = mapped_column(String(2000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    client: Mapped[ApiClient] = relationship()
    case: Mapped[Case] = relationship()

    @property
    def attributes(self) -> dict:
        return json.loads(self.attributes_json or "{}")


class ApiRateWindow(db.Model):
    """Requests of one client in one minute, counted in the database so every worker agrees."""

    __tablename__ = "api_rate_windows"
    __table_args__ = (PrimaryKeyConstraint("client_id", "window_start", name="pk_api_rate_windows"),)

    client_id: Mapped[int] = mapped_column(ForeignKey("api_clients.id"))
    window_start: Mapped[datetime] = mapped_column(UTCDateTime)
    count: Mapped[int] = mapped_column(default=0)
