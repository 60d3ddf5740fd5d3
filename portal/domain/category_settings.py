"""Categories (lĩnh vực) as the administrator sets them: name, default handling unit, processing times."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from portal.domain import audit
from portal.extensions import db
from portal.models import Category, Unit, User
from portal.models.category import CASE_KINDS
from portal.models.unit import UNIT_KINDS

HOURS_MAX, DAYS_MAX = 200, 120
# (attribute, label, unit of time, upper bound)
TIMES = (
    ("receive_hours", "Thời hạn tiếp nhận", "giờ làm việc", HOURS_MAX),
    ("urgent_hours", "Mức khẩn", "giờ làm việc", HOURS_MAX),
    ("normal_days", "Mức bình thường", "ngày làm việc", DAYS_MAX),
    ("complex_days", "Mức phức tạp", "ngày làm việc", DAYS_MAX),
)


class CategoryError(ValueError):
    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


def _check(*, name: str, default_unit_kind: str, default_unit_code: str | None, times: dict[str, int | None]
           ) -> tuple[str, str | None]:
    name = " ".join((name or "").split())
    if not name:
        raise CategoryError("Vui lòng nhập tên lĩnh vực.", "name")
    if len(name) > 120:
        raise CategoryError("Tên lĩnh vực tối đa 120 ký tự.", "name")
    if default_unit_kind not in UNIT_KINDS:
        raise CategoryError("Vui lòng chọn loại đơn vị xử lý mặc định.", "default_unit_kind")
    code = (default_unit_code or "").strip().upper() or None
    if code:
        unit = db.session.scalar(select(Unit).where(Unit.code == code))
        if unit is None:
            raise CategoryError(f"Không có đơn vị mã {code[:40]}.", "default_unit_code")
        if not unit.active:
            raise CategoryError(f"{unit.name} đã ngừng hoạt động.", "default_unit_code")
        if unit.kind != default_unit_kind:
            raise CategoryError(f"{unit.name} là «{unit.kind_label}», không khớp loại đơn vị mặc định "
                                f"«{UNIT_KINDS[default_unit_kind]}».", "default_unit_code")
    for attribute, label, unit_of_time, upper in TIMES:
        value = times.get(attribute)
        if value is None or not 1 <= value <= upper:
            raise CategoryError(f"{label}: từ 1 đến {upper} {unit_of_time}.", attribute)
    return name, code


def update_category(category: Category, *, name: str, default_unit_kind: str, default_unit_code: str | None,
                    times: dict[str, int | None], active: bool, actor: User, now: datetime,
                    address: str | None = None) -> list[str]:
    """Apply the settings; returns what changed. New deadlines use them; deadlines already set stay."""
    name, code = _check(name=name, default_unit_kind=default_unit_kind, default_unit_code=default_unit_code,
                        times=times)
    changes = []
    for attribute, label, value in (("name", "tên", name), ("default_unit_kind", "loại đơn vị", default_unit_kind),
                                    ("default_unit_code", "đơn vị mặc định", code), ("active", "hoạt động", active),
                                    *((a, l.lower(), times[a]) for a, l, _, _ in TIMES)):
        if getattr(category, attribute) != value:
            changes.append(f"{label}: {getattr(category, attribute)} → {value}")
            setattr(category, attribute, value)
    if changes:
        audit.record("category_changed", now=now, actor=actor, target=category.code,
                     detail="; ".join(changes)[:2000], address=address)
    return changes


def create_category(*, code: str, name: str, kind: str, default_unit_kind: str, default_unit_code: str | None,
                    times: dict[str, int | None], actor: User, now: datetime, address: str | None = None) -> Category:
    code = (code or "").strip().upper()
    if not code or len(code) > 32 or not all(ch.isascii() and (ch.isalnum() or ch in "-_") for ch in code):
        raise CategoryError("Mã lĩnh vực gồm chữ không dấu, số, gạch ngang; tối đa 32 ký tự.", "code")
    if db.session.scalar(select(Category.id).where(Category.code == code)):
        raise CategoryError(f"Mã lĩnh vực {code} đã có.", "code")
    if kind not in CASE_KINDS:
        raise CategoryError("Vui lòng chọn loại phản ánh.", "kind")
    name, unit_code = _check(name=name, default_unit_kind=default_unit_kind, default_unit_code=default_unit_code,
                             times=times)
    category = Category(code=code, name=name, kind=kind, default_unit_kind=default_unit_kind,
                        default_unit_code=unit_code, active=True, **{a: times[a] for a, _, _, _ in TIMES})
    db.session.add(category)
    db.session.flush()
    audit.record("category_changed", now=now, actor=actor, target=code, detail=f"Tạo lĩnh vực {name}",
                 address=address)
    return category
