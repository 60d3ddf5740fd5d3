"""Staff accounts as the administrator manages them: creation with a one-time password, edits,
password resets, and the rules that keep an administrator from locking themselves out."""
from __future__ import annotations

import re
import secrets
from datetime import datetime

from sqlalchemy import func, select

from portal.domain import audit
from portal.domain.passwords import policy_problem
from portal.extensions import db
from portal.models import Case, Unit, User
from portal.models.case import OPEN_STATES
from portal.models.user import ROLES

USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")
# Read aloud or typed from a sheet of paper: no 0/o, 1/l/i look-alikes.
_OTP_LETTERS = "abcdefghjkmnpqrstuvwxyz"
_OTP_DIGITS = "23456789"


class AccountError(ValueError):
    """A change the rules refuse; `message` is Vietnamese, `field` names the form field it concerns."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


def one_time_password(username: str = "") -> str:
    """A random password to hand over once (xxxx-xxxx-xxxx, about 62 bits), good under the password policy."""
    alphabet = _OTP_LETTERS + _OTP_DIGITS
    while True:
        groups = ["".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(3)]
        password = "-".join(groups)
        if policy_problem(password, username) is None:
            return password


def normalize_username(text: str | None) -> str:
    return (text or "").strip().lower()


def username_problem(username: str) -> str | None:
    if not username:
        return "Vui lòng nhập tên đăng nhập."
    if not USERNAME_PATTERN.match(username):
        return ("Tên đăng nhập từ 3 đến 64 ký tự, chỉ gồm chữ thường không dấu, số, dấu chấm, gạch ngang, "
                "gạch dưới, bắt đầu bằng chữ hoặc số.")
    if db.session.scalar(select(User.id).where(User.username == username)) is not None:
        return f"Tên đăng nhập {username} đã có người dùng."
    return None


def open_cases_handled_by(user: User) -> int:
    """Open cases this person is the handler of: who must be reassigned when they leave or move."""
    return db.session.scalar(select(func.count()).select_from(Case).where(
        Case.handler_id == user.id, Case.state.in_(OPEN_STATES))) or 0


def _check_role_and_unit(role: str, unit: Unit | None) -> None:
    if role not in ROLES:
        raise AccountError("Vui lòng chọn vai trò.", "role")
    if unit is None:
        raise AccountError("Vui lòng chọn đơn vị.", "unit")
    if not unit.active:
        where = f"; đơn vị kế thừa là {unit.successor.name} ({unit.successor.code})" if unit.successor else ""
        raise AccountError(f"{unit.name} đã ngừng hoạt động{where}.", "unit")


def create_account(*, username: str, full_name: str, unit: Unit | None, role: str, actor: User, now: datetime,
                   email: str | None = None, phone: str | None = None,
                   address: str | None = None) -> tuple[User, str]:
    """A new account that must choose its own password at first sign-in; returns it with its one-time password."""
    username = normalize_username(username)
    problem = username_problem(username)
    if problem:
        raise AccountError(problem, "username")
    full_name = " ".join((full_name or "").split())
    if not full_name:
        raise AccountError("Vui lòng nhập họ và tên.", "full_name")
    _check_role_and_unit(role, unit)
    password = one_time_password(username)
    user = User(username=username, full_name=full_name, unit=unit, role=role, active=True,
                must_change_password=True, email=email or None, phone=phone or None, created_at=now)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    audit.record("user_created", now=now, actor=actor, target=username,
                 detail=f"{full_name} · {ROLES[role]} · {unit.name}"[:1000], address=address)
    return user, password


def update_account(user: User, *, full_name: str, unit: Unit | None, role: str, active: bool, actor: User,
                   now: datetime, email: str | None = None, phone: str | None = None,
                   address: str | None = None) -> list[str]:
    """Apply an edit; returns what changed, in Vietnamese. An administrator may neither demote nor lock
    themselves (there is always one administrator left: the one acting)."""
    full_name = " ".join((full_name or "").split())
    if not full_name:
        raise AccountError("Vui lòng nhập họ và tên.", "full_name")
    _check_role_and_unit(role, unit)
    if user.id == actor.id and role != user.role:
        raise AccountError("Bạn không thể tự thay đổi vai trò quản trị của chính mình; "
                           "hãy nhờ một quản trị viên khác.", "role")
    if user.id == actor.id and not active:
        raise AccountError("Bạn không thể tự khóa tài khoản của chính mình.", "active")
    changes = []
    if role != user.role:
        audit.record("role_changed", now=now, actor=actor, target=user.username,
                     detail=f"{ROLES.get(user.role, user.role)} → {ROLES[role]}", address=address)
        changes.append(f"vai trò: {ROLES.get(user.role, user.role)} → {ROLES[role]}")
        user.role = role
    if user.active and not active:
        audit.record("user_deactivated", now=now, actor=actor, target=user.username, address=address)
        changes.append("khóa tài khoản")
    elif active and not user.active:
        audit.record("user_updated", now=now, actor=actor, target=user.username, detail="Mở khóa tài khoản",
                     address=address)
        changes.append("mở khóa tài khoản")
    user.active = active
    details = []
    if unit.id != user.unit_id:
        details.append(f"đơn vị: {user.unit.name} → {unit.name}")
        user.unit = unit
    if full_name != user.full_name:
        details.append(f"họ tên: {user.full_name} → {full_name}")
        user.full_name = full_name
    for attribute, label, value in (("email", "thư điện tử", email or None), ("phone", "điện thoại", phone or None)):
        if getattr(user, attribute) != value:
            details.append(f"{label}: {getattr(user, attribute) or '—'} → {value or '—'}")
            setattr(user, attribute, value)
    if details:
        audit.record("user_updated", now=now, actor=actor, target=user.username, detail="; ".join(details)[:2000],
                     address=address)
    return changes + details


def reset_password(user: User, *, actor: User, now: datetime, address: str | None = None) -> str:
    """A new one-time password; the person must choose their own at next sign-in."""
    if user.id == actor.id:
        raise AccountError("Để đổi mật khẩu của chính mình, hãy dùng trang Đổi mật khẩu.")
    if not user.active:
        raise AccountError("Tài khoản đang bị khóa; hãy mở khóa trước khi cấp lại mật khẩu.")
    password = one_time_password(user.username)
    user.set_password(password)
    user.must_change_password = True
    audit.record("password_reset", now=now, actor=actor, target=user.username, address=address)
    return password
