"""Rosters of handlers (Công điện 05/CĐ-UBND): a campaign, each required unit's roster, its rows,
every submitted version as an immutable snapshot, and the City Office's review decisions."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.domain.formatting import LOCAL_TZ
from portal.extensions import db
from portal.models.types import UTCDateTime, utcnow
from portal.models.unit import Unit
from portal.models.user import User

# Roles in handling, in the order a roster lists them.
HANDLING_ROLES = {
    "leader": "Lãnh đạo phụ trách",
    "focal": "Cán bộ đầu mối",
    "handler": "Cán bộ xử lý",
}

ROSTER_STATES = {
    "draft": "Đang soạn",
    "submitted": "Đã nộp, chờ duyệt",
    "accepted": "Đã duyệt",
    "returned": "Trả lại",
}

REVIEW_DECISIONS = {"accepted": "Duyệt", "returned": "Trả lại"}


class RosterCampaign(db.Model):
    """A request by the City Office: every required unit sends its roster by the due date."""

    __tablename__ = "roster_campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    legal_basis: Mapped[str] = mapped_column(String(200))
    # The last day (on Hanoi's calendar) on which a roster counts as on time.
    due_on: Mapped[date]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    created_by: Mapped[User | None] = relationship()
    # A unit is required by the campaign exactly when it has a roster in it.
    rosters: Mapped[list[Roster]] = relationship(back_populates="campaign", order_by="Roster.id")

    def __repr__(self) -> str:
        return f"<RosterCampaign {self.id} {self.legal_basis}>"

    @property
    def deadline(self) -> datetime:
        """The first moment that is late: midnight at the end of the due day, Hanoi time."""
        return datetime.combine(self.due_on + timedelta(days=1), time(0), tzinfo=LOCAL_TZ)

    def is_past_due(self, now: datetime) -> bool:
        return now >= self.deadline


class Roster(db.Model):
    """One unit's roster in one campaign: its rows, headcount and where it stands."""

    __tablename__ = "rosters"
    __table_args__ = (
        UniqueConstraint("campaign_id", "unit_id", name="uq_rosters_campaign_unit"),
        Index("ix_rosters_campaign_state", "campaign_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("roster_campaigns.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    state: Mapped[str] = mapped_column(String(16), default="draft")
    # Every civil servant of the unit: the denominator of the account-registration rate.
    headcount: Mapped[int | None]
    first_submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Optimistic locking: a lead submitting while the City Office reviews cannot both win.
    lock_version: Mapped[int] = mapped_column(default=1)

    campaign: Mapped[RosterCampaign] = relationship(back_populates="rosters")
    unit: Mapped[Unit] = relationship()
    rows: Mapped[list[RosterRow]] = relationship(
        back_populates="roster", order_by="RosterRow.position, RosterRow.id", cascade="all, delete-orphan"
    )
    versions: Mapped[list[RosterVersion]] = relationship(
        back_populates="roster", order_by="RosterVersion.number", viewonly=True
    )
    reviews: Mapped[list[RosterReview]] = relationship(
        back_populates="roster", order_by="RosterReview.id", viewonly=True
    )

    __mapper_args__ = {"version_id_col": lock_version}

    def __repr__(self) -> str:
        return f"<Roster {self.id} unit={self.unit_id} {self.state}>"

    @property
    def state_label(self) -> str:
        return ROSTER_STATES.get(self.state, self.state)


class RosterRow(db.Model):
    """One person on a unit's roster."""

    __tablename__ = "roster_rows"
    __table_args__ = (Index("ix_roster_rows_roster_position", "roster_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    roster_id: Mapped[int] = mapped_column(ForeignKey("rosters.id"))
    position: Mapped[int] = mapped_column(default=0)
    full_name: Mapped[str] = mapped_column(String(120))
    job_title: Mapped[str] = mapped_column(String(120), default="")
    role: Mapped[str] = mapped_column(String(16))
    # National digits, "0912345678": one form for display, duplicates and matching across versions.
    phone: Mapped[str] = mapped_column(String(16))
    email: Mapped[str | None] = mapped_column(String(120))
    # The day the person created their account on the citizen app (iHanoi); None: not yet.
    registered_on: Mapped[date | None]
    # The portal account made from this row, if the lead made one.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    roster: Mapped[Roster] = relationship(back_populates="rows")
    user: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<RosterRow {self.id} {self.full_name}>"

    @property
    def role_label(self) -> str:
        return HANDLING_ROLES.get(self.role, self.role)

    @property
    def is_registered(self) -> bool:
        return self.registered_on is not None

    @property
    def phone_display(self) -> str:
        """0912 345 678 for a mobile, 024 3851 2345 for a landline: how staff read a number aloud."""
        digits = self.phone or ""
        if len(digits) == 10:
            return f"{digits[:4]} {digits[4:7]} {digits[7:]}"
        if len(digits) == 11:
            return f"{digits[:3]} {digits[3:7]} {digits[7:]}"
        return digits


class RosterVersion(db.Model):
    """A submitted roster exactly as it was sent. Never edited, never deleted (the database refuses too)."""

    __tablename__ = "roster_versions"
    __table_args__ = (UniqueConstraint("roster_id", "number", name="uq_roster_versions_roster_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    roster_id: Mapped[int] = mapped_column(ForeignKey("rosters.id"))
    number: Mapped[int]
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    headcount: Mapped[int | None]
    # The rows as plain values: [{"row_id", "full_name", "job_title", "role", "phone", "email", "registered_on"}].
    rows: Mapped[list] = mapped_column(JSON)

    roster: Mapped[Roster] = relationship(back_populates="versions")
    submitted_by: Mapped[User | None] = relationship()


class RosterReview(db.Model):
    """The City Office's decision on one submitted version, with its comment. Append-only."""

    __tablename__ = "roster_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    roster_id: Mapped[int] = mapped_column(ForeignKey("rosters.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("roster_versions.id"))
    decision: Mapped[str] = mapped_column(String(16))  # accepted | returned
    comment: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime)

    roster: Mapped[Roster] = relationship(back_populates="reviews")
    version: Mapped[RosterVersion] = relationship()
    decided_by: Mapped[User | None] = relationship()

    @property
    def decision_label(self) -> str:
        return REVIEW_DECISIONS.get(self.decision, self.decision)


def _refuse_change(mapper, connection, target):
    raise ValueError(f"{type(target).__tablename__} are append-only")


for _model in (RosterVersion, RosterReview):
    event.listen(_model, "before_update", _refuse_change)
    event.listen(_model, "before_delete", _refuse_change)
