"""Staff accounts."""
from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, bindparam, select
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from portal.extensions import db
from portal.models.types import UTCDateTime, utcnow
from portal.models.unit import Unit

ROLES = {
    "handler": "Cán bộ xử lý",
    "unit_lead": "Lãnh đạo đơn vị",
    "chair": "Chủ tịch UBND quận, huyện",
    "city_office": "Văn phòng UBND Thành phố",
    "inspector": "Thanh tra Sở Nội vụ",
    "hotline": "Tổng đài 1022",
    "admin": "Quản trị hệ thống",
}

# A hash compared against when the username is unknown, so both paths cost the same time. Written out, not
# computed at import: scrypt takes a tenth of a second, which every gunicorn worker paid when it started.
# Same method and parameters as generate_password_hash(…, method="scrypt") gives the real ones.
_DUMMY_HASH = ("scrypt:32768:8:1$WjtBigixMWDOHMPJ$0eb6fa4162921a1dce519cdb12b2339fa17d4a750f12ba82934645bde077e7361"
               "7c07b94faf59b3c08facacccfa5829e7c5e2cd28e01341bc575b75877f66b6e")


class StaffAccount(UserMixin):
    """What an account answers, as the ORM row (`User`) or as a request's signed-in user (`SignedInUser`),
    from their `role` and `active`."""

    @property
    def role_label(self) -> str:
        return ROLES.get(self.role, self.role)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return self.active


class User(StaffAccount, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(120))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    must_change_password: Mapped[bool] = mapped_column(default=False)
    email: Mapped[str | None] = mapped_column(String(120))
    phone: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    unit: Mapped[Unit] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role}>"

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method="scrypt")

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @staticmethod
    def check_unknown_password(password: str) -> bool:
        """Spend the time a real check spends, and fail: no account enumeration by timing."""
        check_password_hash(_DUMMY_HASH, password)
        return False


class StaffUnit(NamedTuple):
    """The signed-in user's unit, as read with the user: what pages and access rules ask of it."""

    id: int
    code: str
    name: str
    kind: str
    path: str
    parent_id: int | None

    def is_within(self, ancestor) -> bool:
        """True when this unit is ancestor itself or lies in ancestor's subtree (as Unit.is_within)."""
        return self.path.startswith(ancestor.path)


class SignedInUser(StaffAccount):
    """The signed-in account as every request reads it: the user's columns and its unit's, one Core statement
    and no ORM entity (building the User and its Unit cost as much again as the statement itself, on every
    page). Read only: what changes the account loads the ORM row, `account()`; what needs the ORM unit
    (its parent, a relationship to set) loads it by `unit_id`."""

    def __init__(self, id: int, username: str, full_name: str, role: str, unit_id: int, active: bool,
                 must_change_password: bool, unit: StaffUnit) -> None:
        self.id = id
        self.username = username
        self.full_name = full_name
        self.role = role
        self.unit_id = unit_id
        self.active = active
        self.must_change_password = must_change_password
        self.unit = unit

    def __repr__(self) -> str:
        return f"<SignedInUser {self.username} {self.role}>"

    def account(self) -> User:
        return db.session.get(User, self.id)


_users, _units = User.__table__, Unit.__table__
_SIGNED_IN = (
    select(_users.c.id, _users.c.username, _users.c.full_name, _users.c.role, _users.c.unit_id, _users.c.active,
           _users.c.must_change_password, _units.c.code, _units.c.name, _units.c.kind, _units.c.path,
           _units.c.parent_id)
    .join_from(_users, _units, _users.c.unit_id == _units.c.id)
    .where(_users.c.id == bindparam("id"), _users.c.active)
)


def signed_in_user(user_id: int) -> SignedInUser | None:
    """The active account with this id, as a request's signed-in user; None when there is none."""
    row = db.session.execute(_SIGNED_IN, {"id": user_id}).first()
    if row is None:
        return None
    id_, username, full_name, role, unit_id, active, must_change, code, name, kind, path, parent_id = row
    return SignedInUser(id_, username, full_name, role, unit_id, active, must_change,
                        StaffUnit(unit_id, code, name, kind, path, parent_id))
