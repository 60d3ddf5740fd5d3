"""Rosters of handlers under Công điện 05/CĐ-UBND: who may do what, the state flow, versions and
their differences, account-registration rates, the late list, and reading a roster from a file.

A campaign requires a unit by giving it a roster (made empty, as a draft, with the campaign). The
lead fills it and submits; the City Office accepts it (final for the campaign) or returns it with
a comment, and the lead's next edit puts it back in draft. Every submission is kept as a version.
Plain Python on models and values: no request, no templates.
"""
from __future__ import annotations

import csv
import io
import re
import secrets
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Iterable, Mapping

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import false, func, insert, select, true
from sqlalchemy.orm import contains_eager

from portal.domain import access, audit
from portal.domain.formatting import LOCAL_TZ, number
from portal.domain.phones import phone_digits
from portal.domain.text import fold
from portal.extensions import db
from portal.models import Roster, RosterCampaign, RosterReview, RosterRow, RosterVersion, Unit, User
from portal.models.roster import HANDLING_ROLES

# How a roster stands, as the City Office's overview names it.
STATUSES = {
    "not_submitted": "Chưa nộp",
    "returned": "Trả lại",
    "late": "Nộp muộn",
    "submitted": "Đã nộp",
    "accepted": "Đã duyệt",
}
# Kinds of unit a campaign can require, grouped as the City Office's letters group them.
UNIT_GROUPS = {
    "district": "Quận, huyện, thị xã",
    "ward": "Phường, xã, thị trấn",
    "department": "Sở, ban, ngành",
    "company": "Doanh nghiệp",
}
_GROUP_OF_KIND = {"district": "district", "ward": "ward", "department": "department", "agency": "department",
                  "company": "company"}

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
# An .xlsx is a zip; refuse one that would unpack to more than this (a zip bomb, or not a roster).
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
MAX_ERRORS_LISTED = 200


class RosterError(ValueError):
    """A step the roster's state or content does not allow; the message is for the user, in Vietnamese."""


# --- Who may do what --------------------------------------------------------------------------------

def can_view_roster(user: User, roster: Roster) -> bool:
    """Leads their own unit's, chairs their district's subtree, the City Office and inspectors every one."""
    return access.may_use(user, "rosters") and access.can_see_unit(user, roster.unit)


def can_edit_roster(user: User, roster: Roster) -> bool:
    """Only the lead of the unit edits its roster, submits it and makes accounts from it."""
    return user.is_authenticated and user.role == "unit_lead" and roster.unit_id == user.unit_id


def can_review(user: User) -> bool:
    """The City Office accepts or returns rosters."""
    return user.is_authenticated and user.role == "city_office"


def can_manage_campaigns(user: User) -> bool:
    return user.is_authenticated and user.role == "city_office"


def roster_filter(user: User):
    """A WHERE clause on Roster (joined with Unit) keeping the rosters the user may read."""
    if not access.may_use(user, "rosters"):
        return false()
    root = access.scope_root(user)
    if root is None:
        return true()
    if user.role == "chair":
        return Unit.path.startswith(root.path, autoescape=True)
    return Roster.unit_id == user.unit_id


# --- Campaigns --------------------------------------------------------------------------------------

def units_for_groups(groups: Iterable[str], ward_district_ids: Iterable[int] = ()) -> list[Unit]:
    """The active units of the chosen kinds, plus the wards of the chosen districts."""
    kinds = [kind for kind, group in _GROUP_OF_KIND.items() if group in set(groups) and kind != "ward"]
    chosen: dict[int, Unit] = {}
    if kinds:
        for unit in db.session.scalars(select(Unit).where(Unit.kind.in_(kinds), Unit.active)):
            chosen[unit.id] = unit
    district_ids = list(ward_district_ids)
    if district_ids:
        wards = select(Unit).where(Unit.kind == "ward", Unit.active, Unit.parent_id.in_(district_ids))
        for unit in db.session.scalars(wards):
            chosen[unit.id] = unit
    return sorted(chosen.values(), key=lambda unit: fold(unit.name))


def create_campaign(*, title: str, legal_basis: str, due_on: date, units: Iterable[Unit], actor: User | None,
                    now: datetime) -> RosterCampaign:
    """A campaign with an empty draft roster for each required unit (the caller commits)."""
    units = list(units)
    if not units:
        raise RosterError("Chọn ít nhất một đơn vị phải gửi danh sách.")
    campaign = RosterCampaign(title=title.strip(), legal_basis=legal_basis.strip(), due_on=due_on,
                              created_by_id=actor.id if actor else None, created_at=now)
    db.session.add(campaign)
    for unit in units:
        db.session.add(Roster(campaign=campaign, unit=unit, state="draft", updated_at=now))
    db.session.flush()
    return campaign


def latest_campaign() -> RosterCampaign | None:
    return db.session.scalar(select(RosterCampaign).order_by(RosterCampaign.created_at.desc(),
                                                             RosterCampaign.id.desc()).limit(1))


def roster_of(campaign: RosterCampaign, unit_id: int) -> Roster | None:
    return db.session.scalar(select(Roster).where(Roster.campaign_id == campaign.id, Roster.unit_id == unit_id))


# --- Rows -------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RowEntry:
    """One person as typed or read from a file, already checked and normalized."""

    full_name: str
    job_title: str
    role: str
    phone: str
    email: str | None
    registered_on: date | None

    def key_values(self) -> dict:
        return {"full_name": self.full_name, "job_title": self.job_title, "role": self.role, "phone": self.phone,
                "email": self.email, "registered_on": self.registered_on}


# Columns of the template and of every export, in order: (field, header).
COLUMNS = (
    ("position", "STT"),
    ("full_name", "Họ và tên"),
    ("job_title", "Chức vụ"),
    ("role", "Vai trò xử lý"),
    ("phone", "Số điện thoại"),
    ("email", "Thư điện tử"),
    ("registered", "Đã tạo tài khoản iHanoi"),
    ("registered_on", "Ngày tạo tài khoản"),
)
HEADERS = dict(COLUMNS)
REQUIRED_COLUMNS = ("full_name", "role", "phone")
# Other ways people head the same column (compared folded: no accents, no case, single spaces).
_HEADER_ALIASES = {
    "position": ("stt", "tt", "so tt", "so thu tu"),
    "full_name": ("ho va ten", "ho ten", "ho va ten can bo", "ten can bo"),
    "job_title": ("chuc vu", "chuc danh", "chuc vu, chuc danh"),
    "role": ("vai tro xu ly", "vai tro", "vai tro trong xu ly", "vai tro xu ly pakn"),
    "phone": ("so dien thoai", "dien thoai", "sdt", "so dt", "dien thoai di dong"),
    "email": ("thu dien tu", "email", "e-mail", "dia chi thu dien tu", "dia chi email"),
    "registered": ("da tao tai khoan ihanoi", "da tao tai khoan", "tai khoan ihanoi", "da dang ky ihanoi",
                   "da co tai khoan ihanoi"),
    "registered_on": ("ngay tao tai khoan", "ngay tao tai khoan ihanoi", "ngay dang ky"),
}
_HEADER_LOOKUP = {alias: name for name, aliases in _HEADER_ALIASES.items() for alias in aliases}
_ROLE_LOOKUP = {
    **{code: code for code in HANDLING_ROLES},
    **{"lanh dao phu trach": "leader", "lanh dao": "leader",
       "can bo dau moi": "focal", "dau moi": "focal",
       "can bo xu ly": "handler", "xu ly": "handler"},
}
_YES = {"co", "x", "1", "da tao", "da co", "roi", "yes", "true", "v", "ok"}
_NO = {"", "khong", "chua", "0", "no", "false", "chua tao", "-"}
ROLE_CHOICES_TEXT = ", ".join(label.lower() for label in HANDLING_ROLES.values())


def _as_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _parse_day(value) -> date | None | str:
    """A day from a cell or a form: a date, "dd/mm/yyyy", "yyyy-mm-dd"; "" → None; otherwise the text back."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _as_text(value)
    if not text:
        return None
    for pattern in ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d", "%d/%m/%y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return text


def check_row(values: Mapping[str, object], today: date) -> tuple[RowEntry | None, dict[str, str]]:
    """Check one person's values (from the inline form or a file row).

    Returns the normalized entry and no errors, or None and {field: message in Vietnamese}.
    `registered` (yes/no) with no date means "marked today"; a date alone means registered.
    """
    errors: dict[str, str] = {}
    full_name = re.sub(r"\s+", " ", _as_text(values.get("full_name")))
    if not full_name:
        errors["full_name"] = "Chưa nhập họ và tên."
    elif len(full_name) > 120:
        errors["full_name"] = "Họ và tên dài quá 120 ký tự."
    job_title = re.sub(r"\s+", " ", _as_text(values.get("job_title")))
    if len(job_title) > 120:
        errors["job_title"] = "Chức vụ dài quá 120 ký tự."

    role_text = _as_text(values.get("role"))
    role = _ROLE_LOOKUP.get(fold(role_text)) if role_text else None
    if not role_text:
        errors["role"] = f"Chưa chọn vai trò xử lý (một trong: {ROLE_CHOICES_TEXT})."
    elif role is None:
        errors["role"] = f"“{role_text[:60]}” không phải vai trò xử lý; chọn một trong: {ROLE_CHOICES_TEXT}."

    phone_value = values.get("phone")
    phone_text = _as_text(phone_value)
    if isinstance(phone_value, (int, float)) and len(phone_text) == 9:
        phone_text = "0" + phone_text  # Excel drops the leading zero of a phone typed as a number
    phone = phone_digits(phone_text)
    if not phone_text:
        errors["phone"] = "Chưa nhập số điện thoại."
    elif phone is None:
        errors["phone"] = f"“{phone_text[:40]}” không phải số điện thoại Việt Nam (ví dụ 0912 345 678)."

    email_text = _as_text(values.get("email"))
    email = _email(email_text) if email_text else None
    if email_text and email is None:
        errors["email"] = f"“{email_text[:80]}” không phải địa chỉ thư điện tử hợp lệ."
    elif email is not None and len(email) > 120:
        errors["email"] = "Địa chỉ thư điện tử dài quá 120 ký tự."

    registered_flag = values.get("registered")
    flag = fold(_as_text(registered_flag)) if not isinstance(registered_flag, bool) else (
        "co" if registered_flag else "khong")
    day = _parse_day(values.get("registered_on"))
    registered_on = None
    if isinstance(day, str):
        errors["registered_on"] = f"“{day[:30]}” không phải ngày (dd/mm/yyyy)."
    elif flag not in _YES and flag not in _NO:
        errors["registered"] = f"“{_as_text(registered_flag)[:30]}” không rõ; ghi “Có” hoặc để trống."
    elif day is not None and day > today:
        errors["registered_on"] = "Ngày tạo tài khoản không được sau hôm nay."
    elif day is not None and flag in _NO and flag not in ("",):
        errors["registered"] = "Ghi “Không” nhưng lại có ngày tạo tài khoản; sửa một trong hai."
    elif day is not None:
        registered_on = day
    elif flag in _YES:
        registered_on = today

    if errors:
        return None, errors
    return RowEntry(full_name=full_name, job_title=job_title, role=role, phone=phone, email=email,
                    registered_on=registered_on), {}


# The everyday address (ten.ho@hanoi.gov.vn): checked here in microseconds; anything else goes to email_validator.
_PLAIN_EMAIL = re.compile(r"^[A-Za-z0-9_%+-]+(\.[A-Za-z0-9_%+-]+)*@([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}$")


def _email(text: str) -> str | None:
    """The address with its domain in lower case, or None when it is not well formed."""
    if _PLAIN_EMAIL.match(text):
        local, domain = text.rsplit("@", 1)
        return f"{local}@{domain.lower()}"
    try:
        return validate_email(text, check_deliverability=False).normalized
    except EmailNotValidError:
        return None


def duplicate_problems(roster: Roster, entry: RowEntry, except_row: RosterRow | None = None) -> dict[str, str]:
    """The same person already on the roster (same phone, or same email)."""
    problems = {}
    for row in roster.rows:
        if except_row is not None and row.id == except_row.id:
            continue
        if row.phone == entry.phone and "phone" not in problems:
            problems["phone"] = f"Số điện thoại này đã có trong danh sách ({row.full_name}); mỗi người chỉ ghi một lần."
        if entry.email and row.email and row.email.lower() == entry.email.lower() and "email" not in problems:
            problems["email"] = f"Thư điện tử này đã có trong danh sách ({row.full_name}); mỗi người chỉ ghi một lần."
    return problems


def begin_edit(roster: Roster, now: datetime) -> None:
    """A change to the rows or the headcount: allowed in draft; a returned roster goes back to draft."""
    if roster.state == "submitted":
        raise RosterError("Danh sách đã nộp, đang chờ Văn phòng UBND Thành phố duyệt; chưa sửa được.")
    if roster.state == "accepted":
        raise RosterError("Danh sách đã được duyệt; không sửa được trong đợt này.")
    roster.state = "draft"
    roster.updated_at = now


def add_row(roster: Roster, entry: RowEntry, now: datetime) -> RosterRow:
    begin_edit(roster, now)
    position = max((row.position for row in roster.rows), default=0) + 1
    row = RosterRow(position=position, updated_at=now, **entry.key_values())
    roster.rows.append(row)
    db.session.flush()
    return row


def update_row(row: RosterRow, entry: RowEntry, now: datetime) -> None:
    begin_edit(row.roster, now)
    for name, value in entry.key_values().items():
        setattr(row, name, value)
    row.updated_at = now


def remove_row(row: RosterRow, now: datetime) -> None:
    begin_edit(row.roster, now)
    row.roster.rows.remove(row)


def mark_registered(row: RosterRow, day: date | None, today: date, now: datetime) -> None:
    """Record that the person created their iHanoi account on `day` (None: not yet), in any state."""
    if day is not None and day > today:
        raise RosterError("Ngày tạo tài khoản không được sau hôm nay.")
    row.registered_on = day
    row.updated_at = now


def set_headcount(roster: Roster, headcount: int, now: datetime) -> None:
    if headcount < 1:
        raise RosterError("Tổng số cán bộ, công chức phải từ 1 trở lên.")
    if headcount > 100_000:
        raise RosterError("Tổng số cán bộ, công chức không hợp lý (quá 100.000).")
    begin_edit(roster, now)
    roster.headcount = headcount


# --- The state flow ---------------------------------------------------------------------------------

def snapshot(roster: Roster) -> list[dict]:
    """The rows as plain values, as a version keeps them."""
    return [{"row_id": row.id, "full_name": row.full_name, "job_title": row.job_title, "role": row.role,
             "phone": row.phone, "email": row.email,
             "registered_on": row.registered_on.isoformat() if row.registered_on else None}
            for row in roster.rows]


def submit(roster: Roster, actor: User, now: datetime) -> RosterVersion:
    """draft → submitted, keeping the roster as it is now as the next version."""
    if roster.state == "submitted":
        raise RosterError("Danh sách đã được nộp và đang chờ duyệt.")
    if roster.state == "accepted":
        raise RosterError("Danh sách đã được duyệt; không nộp lại trong đợt này.")
    if not roster.rows:
        raise RosterError("Danh sách chưa có người nào; thêm ít nhất một người trước khi nộp.")
    if roster.headcount is None:
        raise RosterError("Chưa nhập tổng số cán bộ, công chức của đơn vị (dùng để tính tỷ lệ tạo tài khoản).")
    if roster.headcount < len(roster.rows):
        raise RosterError(f"Tổng số cán bộ, công chức ({number(roster.headcount)}) nhỏ hơn số người trong "
                          f"danh sách ({number(len(roster.rows))}).")
    last = db.session.scalar(select(func.max(RosterVersion.number)).where(RosterVersion.roster_id == roster.id))
    version = RosterVersion(roster_id=roster.id, number=(last or 0) + 1, submitted_at=now,
                            submitted_by_id=actor.id if actor else None, headcount=roster.headcount,
                            rows=snapshot(roster))
    db.session.add(version)
    roster.state = "submitted"
    roster.submitted_at = now
    roster.first_submitted_at = roster.first_submitted_at or now
    roster.updated_at = now
    db.session.flush()
    return version


def _decide(roster: Roster, decision: str, actor: User, now: datetime, comment: str) -> RosterReview:
    if roster.state != "submitted":
        raise RosterError("Chỉ duyệt hoặc trả lại được danh sách đang chờ duyệt.")
    version = db.session.scalar(select(RosterVersion).where(RosterVersion.roster_id == roster.id)
                                .order_by(RosterVersion.number.desc()).limit(1))
    review = RosterReview(roster_id=roster.id, version_id=version.id, decision=decision, comment=comment,
                          decided_by_id=actor.id if actor else None, decided_at=now)
    db.session.add(review)
    roster.state = decision
    roster.reviewed_at = now
    roster.updated_at = now
    if decision == "accepted":
        roster.accepted_at = now
    db.session.flush()
    return review


def accept(roster: Roster, actor: User, now: datetime, comment: str = "") -> RosterReview:
    """submitted → accepted (final for the campaign)."""
    return _decide(roster, "accepted", actor, now, (comment or "").strip())


def return_for_changes(roster: Roster, actor: User, now: datetime, comment: str) -> RosterReview:
    """submitted → returned, saying what to change; the lead's next edit makes it a draft again."""
    comment = (comment or "").strip()
    if len(comment) < 5:
        raise RosterError("Ghi rõ lý do trả lại để đơn vị biết cần sửa gì.")
    return _decide(roster, "returned", actor, now, comment)


def last_review(roster: Roster) -> RosterReview | None:
    return db.session.scalar(select(RosterReview).where(RosterReview.roster_id == roster.id)
                             .order_by(RosterReview.id.desc()).limit(1))


# --- Versions and what changed between them ---------------------------------------------------------

COMPARED_FIELDS = {"full_name": "Họ và tên", "job_title": "Chức vụ", "role": "Vai trò xử lý",
                   "phone": "Số điện thoại", "email": "Thư điện tử", "registered_on": "Ngày tạo tài khoản"}


@dataclass
class RowChange:
    before: dict
    after: dict
    fields: list[str]


@dataclass
class VersionDiff:
    added: list[dict] = field(default_factory=list)
    removed: list[dict] = field(default_factory=list)
    changed: list[RowChange] = field(default_factory=list)
    headcount_before: int | None = None
    headcount_after: int | None = None

    @property
    def headcount_changed(self) -> bool:
        return self.headcount_before != self.headcount_after

    @property
    def is_empty(self) -> bool:
        return not (self.added or self.removed or self.changed or self.headcount_changed)


def diff_rows(before: list[dict], after: list[dict], headcount_before: int | None = None,
              headcount_after: int | None = None) -> VersionDiff:
    """Rows added, removed and changed from `before` to `after`.

    A person is the same row when it keeps its row id, or else has the same phone, or else the same email.
    """
    remaining = list(before)
    pending = list(after)
    pairs: list[tuple[dict, dict]] = []
    for key in ("row_id", "phone", "email"):
        index: dict = {}
        for row in remaining:
            if row.get(key):
                index.setdefault(row[key], row)
        unmatched = []
        for row in pending:
            match = index.pop(row[key], None) if row.get(key) else None
            if match is None:
                unmatched.append(row)
            else:
                pairs.append((match, row))
        matched = {id(old) for old, _ in pairs}
        remaining = [row for row in remaining if id(row) not in matched]
        pending = unmatched
    diff = VersionDiff(added=list(pending), removed=list(remaining),
                       headcount_before=headcount_before, headcount_after=headcount_after)
    order = {id(row): n for n, row in enumerate(after)}
    for old, new in sorted(pairs, key=lambda pair: order[id(pair[1])]):
        changed = [name for name in COMPARED_FIELDS if (old.get(name) or None) != (new.get(name) or None)]
        if changed:
            diff.changed.append(RowChange(before=old, after=new, fields=changed))
    return diff


def version_diff(version: RosterVersion) -> VersionDiff:
    """What changed from the previous submitted version (everything is "added" for the first)."""
    previous = db.session.scalar(select(RosterVersion).where(RosterVersion.roster_id == version.roster_id,
                                                             RosterVersion.number < version.number)
                                 .order_by(RosterVersion.number.desc()).limit(1))
    if previous is None:
        return diff_rows([], version.rows, None, version.headcount)
    return diff_rows(previous.rows, version.rows, previous.headcount, version.headcount)


def draft_diff(roster: Roster) -> VersionDiff | None:
    """What the current rows change from the last submitted version; None before the first submission."""
    previous = db.session.scalar(select(RosterVersion).where(RosterVersion.roster_id == roster.id)
                                 .order_by(RosterVersion.number.desc()).limit(1))
    if previous is None:
        return None
    return diff_rows(previous.rows, snapshot(roster), previous.headcount, roster.headcount)


# --- Status, registration rates and the late list ---------------------------------------------------

@dataclass(frozen=True)
class Registration:
    """Staff who have created their iHanoi account (rows marked) out of the unit's headcount."""

    registered: int
    headcount: int

    @property
    def share(self) -> float | None:
        return self.registered / self.headcount if self.headcount else None

    @property
    def missing(self) -> int:
        return max(self.headcount - self.registered, 0)


def registration_of(roster: Roster) -> Registration:
    """One unit: rows marked registered over the declared headcount (the rows, until one is declared)."""
    registered = sum(1 for row in roster.rows if row.registered_on is not None)
    headcount = roster.headcount if roster.headcount is not None else len(roster.rows)
    return Registration(registered, headcount)


def was_late(roster: Roster) -> bool:
    """First submitted after the end of the due day."""
    return roster.first_submitted_at is not None and roster.first_submitted_at >= roster.campaign.deadline


def roster_status(roster: Roster) -> str:
    """One of STATUSES: accepted, submitted (late when first sent after the due day), returned, not submitted."""
    if roster.state == "accepted":
        return "accepted"
    if roster.state == "submitted":
        return "late" if was_late(roster) else "submitted"
    if roster.first_submitted_at is not None:
        return "returned"  # sent back, and being corrected
    return "not_submitted"


def is_overdue(roster: Roster, now: datetime) -> bool:
    """Past the due day with nothing awaiting review or accepted: the unit owes its roster."""
    return roster.campaign.is_past_due(now) and roster.state in ("draft", "returned")


_STATUS_ORDER = {status: n for n, status in enumerate(STATUSES)}


@dataclass
class Standing:
    """One required unit in the City Office's overview."""

    roster: Roster
    status: str
    overdue: bool
    registration: Registration
    rows: int
    submissions: int = 0

    @property
    def unit(self) -> Unit:
        return self.roster.unit

    @property
    def status_label(self) -> str:
        return STATUSES[self.status]

    @property
    def late(self) -> bool:
        return was_late(self.roster)

    @property
    def district(self) -> Unit | None:
        unit = self.roster.unit
        return unit.parent if unit.kind == "ward" else None

    @property
    def group(self) -> str:
        return _GROUP_OF_KIND.get(self.roster.unit.kind, "department")


def campaign_standings(campaign: RosterCampaign, now: datetime, where=None) -> list[Standing]:
    """Every required unit (optionally only those `where` keeps), overdue first, then by status and name."""
    counts = (select(RosterRow.roster_id, func.count().label("rows"),
                     func.count(RosterRow.registered_on).label("registered"))
              .group_by(RosterRow.roster_id).subquery())
    versions = (select(RosterVersion.roster_id, func.count().label("versions"))
                .group_by(RosterVersion.roster_id).subquery())
    query = (select(Roster, func.coalesce(counts.c.rows, 0), func.coalesce(counts.c.registered, 0),
                    func.coalesce(versions.c.versions, 0))
             .join(Unit, Roster.unit_id == Unit.id)
             .options(contains_eager(Roster.unit))
             .outerjoin(counts, counts.c.roster_id == Roster.id)
             .outerjoin(versions, versions.c.roster_id == Roster.id)
             .where(Roster.campaign_id == campaign.id))
    if where is not None:
        query = query.where(where)
    standings = []
    for roster, rows, registered, submissions in db.session.execute(query):
        headcount = roster.headcount if roster.headcount is not None else rows
        standings.append(Standing(roster=roster, status=roster_status(roster), overdue=is_overdue(roster, now),
                                  registration=Registration(registered, headcount), rows=rows,
                                  submissions=submissions))
    standings.sort(key=lambda s: (not s.overdue, _STATUS_ORDER[s.status], fold(s.unit.name)))
    return standings


def filter_standings(standings: list[Standing], *, status: str = "", group: str = "", district_id: int | None = None,
                     text: str = "") -> list[Standing]:
    """The overview's filters: status ("overdue" too), kind of unit, district (for wards), words of the name."""
    words = fold(text).split()
    kept = []
    for standing in standings:
        if status == "overdue" and not standing.overdue:
            continue
        if status and status != "overdue" and standing.status != status:
            continue
        if group and standing.group != group:
            continue
        if district_id and standing.roster.unit.id != district_id and standing.roster.unit.parent_id != district_id:
            continue
        if words and not all(word in fold(standing.unit.name) for word in words):
            continue
        kept.append(standing)
    return kept


def status_counts(standings: list[Standing]) -> dict[str, int]:
    counts = Counter(standing.status for standing in standings)
    result = {status: counts.get(status, 0) for status in STATUSES}
    result["overdue"] = sum(1 for standing in standings if standing.overdue)
    return result


def reported_registration(standings: list[Standing]) -> Registration:
    """City-wide (or a chair's subtree): registered over headcount, summed over rosters sent at least once.

    A unit that has never sent its roster has reported nothing, so it counts in neither number.
    """
    reported = [s for s in standings if s.roster.first_submitted_at is not None]
    return Registration(sum(s.registration.registered for s in reported), sum(s.registration.headcount for s in reported))


def registered_by_day(roster_ids: Iterable[int]) -> dict[date, int]:
    """How many rows were marked registered on each day, over the given rosters."""
    ids = list(roster_ids)
    if not ids:
        return {}
    query = (select(RosterRow.registered_on, func.count()).where(RosterRow.roster_id.in_(ids),
                                                                 RosterRow.registered_on.is_not(None))
             .group_by(RosterRow.registered_on))
    return {day: count for day, count in db.session.execute(query)}


@dataclass(frozen=True)
class RegistrationSeries:
    """Registered staff day by day (cumulative) against a fixed headcount, with the 100% target's day."""

    points: list[tuple[date, int]]
    headcount: int
    target_on: date

    def share_on(self, day: date) -> float | None:
        registered = 0
        for point_day, count in self.points:
            if point_day <= day:
                registered = count
        return registered / self.headcount if self.headcount else None


def registration_series(by_day: Mapping[date, int], headcount: int, start: date, end: date,
                        target_on: date) -> RegistrationSeries:
    """Cumulative registered from `start` to `end` (accounts made before `start` count from the first day)."""
    running = sum(count for day, count in by_day.items() if day < start)
    points = []
    day = start
    while day <= end:
        running += by_day.get(day, 0)
        points.append((day, running))
        day += timedelta(days=1)
    return RegistrationSeries(points=points, headcount=headcount, target_on=target_on)


def units_missing_roster(campaign: RosterCampaign, now: datetime) -> list[Unit]:
    """Units the campaign requires that have not sent their roster, or (once the due day has passed)
    whose roster was not accepted by the due day. Sorted by name. For compliance's year-end list."""
    missing = []
    past_due = campaign.is_past_due(now)
    for roster in db.session.scalars(select(Roster).where(Roster.campaign_id == campaign.id)):
        never_sent = roster.first_submitted_at is None or roster.first_submitted_at > now
        accepted_in_time = roster.accepted_at is not None and roster.accepted_at < campaign.deadline
        if never_sent or (past_due and not accepted_in_time):
            missing.append(roster.unit)
    return sorted(missing, key=lambda unit: fold(unit.name))


def units_missing_roster_in_year(year: int, now: datetime) -> set[int]:
    """Ids of the units missing their roster in any campaign due within the year (the year-end list)."""
    campaigns = db.session.scalars(select(RosterCampaign).where(
        RosterCampaign.due_on >= date(year, 1, 1), RosterCampaign.due_on <= date(year, 12, 31)))
    return {unit.id for campaign in campaigns for unit in units_missing_roster(campaign, now)}


def reminder_groups(standings: list[Standing]) -> list[tuple[str, list[Standing]]]:
    """Units that owe their roster (not sent, or returned and not sent again), grouped as a letter lists them."""
    owing = [s for s in standings if s.status in ("not_submitted", "returned")]
    groups = []
    for group, label in UNIT_GROUPS.items():
        members = sorted((s for s in owing if s.group == group),
                         key=lambda s: (fold(s.district.name) if s.district else "", fold(s.unit.name)))
        if members:
            groups.append((label, members))
    return groups


# --- Accounts made from rows ------------------------------------------------------------------------

_PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789"


def one_time_password() -> str:
    """12 characters, letters and digits without look-alikes; meets the password policy."""
    while True:
        password = "".join(secrets.choice(_PASSWORD_ALPHABET) for _ in range(12))
        if any(ch.isdigit() for ch in password) and any(ch.isalpha() for ch in password):
            return password


def suggest_username(full_name: str, unit: Unit) -> str:
    """"Nguyễn Văn Hùng" of P00193 → "hungnv.p00193" (then "hungnv2.p00193"… when taken)."""
    words = re.sub(r"[^a-z ]", "", fold(full_name)).split() or ["canbo"]
    base = words[-1] + "".join(word[0] for word in words[:-1])
    suffix = "." + re.sub(r"[^a-z0-9]", "", unit.code.lower())
    taken = set(db.session.scalars(select(User.username).where(User.username.like(f"{base[:40]}%"))))
    candidate, n = f"{base[:40]}{suffix}", 1
    while candidate in taken:
        n += 1
        candidate = f"{base[:40]}{n}{suffix}"
    return candidate[:64]


def create_account_for_row(row: RosterRow, lead: User, now: datetime, address: str | None = None) -> tuple[User, str]:
    """A portal account (cán bộ xử lý of the lead's unit) for a person on the roster.

    Returns the user and the one-time password, which is shown once and must be changed at first sign-in.
    """
    if row.user_id is not None:
        raise RosterError(f"{row.full_name} đã có tài khoản trên cổng ({row.user.username}).")
    unit = row.roster.unit
    password = one_time_password()
    user = User(username=suggest_username(row.full_name, unit), full_name=row.full_name, unit=unit, role="handler",
                must_change_password=True, email=row.email, phone=row.phone, created_at=now, active=True)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    row.user = user
    audit.record("user_created", now=now, actor=lead, target=user.username, address=address,
                 detail=f"Tạo từ danh sách cán bộ của {unit.name}: {row.full_name}, {row.role_label.lower()}")
    return user, password


# --- Reading a roster from a file -------------------------------------------------------------------

@dataclass(frozen=True)
class ImportProblem:
    """What is wrong, where: the row as numbered in the file (None: the whole file) and the column."""

    row: int | None
    column: str | None
    message: str


@dataclass
class ImportResult:
    entries: list[tuple[int, RowEntry]] = field(default_factory=list)
    problems: list[ImportProblem] = field(default_factory=list)
    error_count: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, row: int | None, column: str | None, message: str) -> None:
        self.error_count += 1
        if len(self.problems) < MAX_ERRORS_LISTED:
            self.problems.append(ImportProblem(row, column, message))


def _size_text(size: int) -> str:
    return f"{number(size / 1024 / 1024, 1)} MB" if size >= 1024 * 1024 else f"{number(max(size // 1024, 1))} KB"


def oversized_file(filename: str, size: int) -> ImportResult:
    """The answer to a file over MAX_FILE_BYTES, told before anything reads it."""
    result = ImportResult()
    result.add(None, None, f"Tệp “{filename}” có dung lượng {_size_text(size)}, vượt quá giới hạn "
                           f"{_size_text(MAX_FILE_BYTES)}. Một danh sách cán bộ chỉ cần vài trăm KB; hãy xóa "
                           f"hình ảnh, trang tính thừa rồi thử lại.")
    return result


def read_roster_file(filename: str, data: bytes, today: date) -> ImportResult:
    """Every row of an .xlsx or .csv roster checked, all or nothing: entries only when there is no problem."""
    result = ImportResult()
    name = (filename or "").strip()
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if not data:
        result.add(None, None, f"Tệp “{name or 'không tên'}” trống (0 byte). Hãy chọn tệp danh sách đã điền.")
        return result
    if len(data) > MAX_FILE_BYTES:
        return oversized_file(name, len(data))
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        result.add(None, None, f"Tệp “{name}” là định dạng Excel cũ (.xls). Mở tệp trong Excel, chọn Lưu thành "
                               f"“Sổ làm việc Excel (.xlsx)” rồi nhập lại.")
        return result
    if extension == "xlsx" or data[:4] == b"PK\x03\x04":
        table = _xlsx_rows(name, data, result)
    elif extension in ("csv", "txt"):
        table = _csv_rows(name, data, result)
    else:
        result.add(None, None, f"Tệp “{name}” không phải .xlsx hay .csv. Hãy dùng tệp mẫu tải về từ trang này.")
        return result
    if table is None:
        return result
    _check_table(table, today, result)
    return result


def _xlsx_rows(name: str, data: bytes, result: ImportResult):
    """The first worksheet that holds the header, as lists of cell values with their row numbers."""
    from openpyxl import load_workbook

    not_a_workbook = (f"Tệp “{name}” không phải bảng tính Excel (.xlsx) hợp lệ: có thể tệp đã bị đổi đuôi "
                      f"hoặc bị hỏng. Hãy mở bằng Excel và lưu lại dưới dạng .xlsx, hoặc dùng tệp mẫu.")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = {info.filename: info for info in archive.infolist()}
    except (zipfile.BadZipFile, ValueError, OSError):
        result.add(None, None, not_a_workbook)
        return None
    if "xl/workbook.xml" not in members or "[Content_Types].xml" not in members:
        result.add(None, None, f"Tệp “{name}” là tệp nén (.zip) nhưng không chứa bảng tính Excel. "
                               f"Hãy chọn đúng tệp danh sách .xlsx (có thể tải tệp mẫu ở trang này).")
        return None
    if sum(info.file_size for info in members.values()) > MAX_UNPACKED_BYTES:
        result.add(None, None, f"Tệp “{name}” khi giải nén quá lớn (trên {_size_text(MAX_UNPACKED_BYTES)}); "
                               f"không phải một danh sách cán bộ thông thường.")
        return None
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds on a damaged workbook; all mean "cannot read it"
        result.add(None, None, not_a_workbook)
        return None
    try:
        for sheet in workbook.worksheets:
            rows = []
            for number_, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                rows.append((number_, list(values)))
                if len(rows) > MAX_ROWS + 200 and _find_header(rows[:15]) is None:
                    break  # a sheet with no header near the top is not the roster; stop reading it
            if _find_header(rows[:15]) is not None:
                return rows
        first = workbook.worksheets[0] if workbook.worksheets else None
        return list(enumerate(first.iter_rows(values_only=True, max_row=15), start=1)) if first else []
    except Exception:
        result.add(None, None, not_a_workbook)
        return None
    finally:
        workbook.close()


def _csv_rows(name: str, data: bytes, result: ImportResult):
    if data[:4] == b"PK\x03\x04" or b"\x00" in data[:4096]:
        result.add(None, None, f"Tệp “{name}” không phải tệp văn bản CSV. Hãy lưu danh sách thành “CSV UTF-8” "
                               f"hoặc dùng tệp mẫu .xlsx.")
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        result.add(None, None, f"Tệp “{name}” không dùng bảng mã UTF-8 nên tiếng Việt sẽ bị lỗi. Trong Excel, "
                               f"chọn Lưu thành “CSV UTF-8 (phân tách bằng dấu phẩy)” rồi nhập lại.")
        return None
    first_line = text.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first_line.count)
    try:
        return [(n, row) for n, row in enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter),
                                                 start=1)]
    except csv.Error as broken:
        result.add(None, None, f"Tệp “{name}” không đọc được như CSV ({broken}).")
        return None


def _find_header(rows: list[tuple[int, list]]) -> tuple[int, dict[str, int]] | None:
    """The row naming the most known columns (the first such, at least one): its number and {field: column}."""
    best = None
    for number_, values in rows:
        found = {}
        for index, value in enumerate(values):
            name = _HEADER_LOOKUP.get(re.sub(r"\(.*?\)", "", fold(_as_text(value))).strip(" *:."))
            if name and name not in found:
                found[name] = index
        if found and (best is None or len(found) > len(best[1])):
            best = (number_, found)
    return best


def _check_table(table: list[tuple[int, list]], today: date, result: ImportResult) -> None:
    header = _find_header(table[:15])
    if header is None:
        seen = next(([_as_text(v) for v in values if _as_text(v)] for _, values in table
                     if any(_as_text(v) for v in values)), [])
        if not seen:
            result.add(None, None, "Tệp không có dữ liệu: không có dòng tiêu đề và không có người nào.")
        else:
            listed = ", ".join(f"“{text[:40]}”" for text in seen[:8])
            result.add(1, None, f"Không tìm thấy dòng tiêu đề của danh sách. Cần các cột "
                                f"{_quoted(REQUIRED_COLUMNS)}; dòng đầu của tệp có: {listed}. Hãy dùng tệp mẫu.")
        return
    header_row, columns = header
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        result.add(header_row, None, f"Dòng tiêu đề (dòng {header_row}) thiếu cột {_quoted(missing)}. "
                                     f"Các cột cần có: {_quoted(name for name, _ in COLUMNS if name != 'position')}.")
        return

    data_rows = []
    for number_, values in table:
        if number_ <= header_row:
            continue
        cells = {name: (values[index] if index < len(values) else None) for name, index in columns.items()}
        if not any(_as_text(value) for name, value in cells.items() if name != "position"):
            continue  # blank line, or a template line with only its number
        data_rows.append((number_, cells))
    if not data_rows:
        result.add(None, None, f"Tệp chỉ có dòng tiêu đề (dòng {header_row}), chưa có người nào trong danh sách.")
        return
    if len(data_rows) > MAX_ROWS:
        result.add(None, None, f"Tệp có {number(len(data_rows))} người, vượt quá giới hạn {number(MAX_ROWS)} người "
                               f"một danh sách. Hãy chỉ ghi cán bộ tham gia xử lý phản ánh, kiến nghị.")
        return

    first_seen: dict[tuple[str, str], int] = {}
    for number_, cells in data_rows:
        entry, errors = check_row(cells, today)
        for name, message in errors.items():
            result.add(number_, HEADERS[name], message)
        if entry is None:
            continue
        for key, value in (("phone", entry.phone), ("email", (entry.email or "").lower())):
            if not value:
                continue
            earlier = first_seen.setdefault((key, value), number_)
            if earlier != number_:
                result.add(number_, HEADERS[key], f"Trùng với dòng {earlier}: một người chỉ ghi một lần.")
        result.entries.append((number_, entry))
    if result.problems:
        result.entries = []


def _quoted(names: Iterable[str]) -> str:
    return ", ".join(f"“{HEADERS[name]}”" for name in names)


def replace_rows(roster: Roster, entries: list[RowEntry], now: datetime) -> None:
    """The roster becomes exactly the file's people, in the file's order (the caller commits, or nothing).

    A person already on the roster (same phone, or same email) keeps their row, so a portal account made
    from it stays linked and the next version's differences show what really changed.
    """
    begin_edit(roster, now)
    by_phone = {row.phone: row for row in roster.rows}
    by_email = {row.email.lower(): row for row in roster.rows if row.email}
    kept: set[int] = set()
    new_rows = []
    for position, entry in enumerate(entries, start=1):
        row = by_phone.get(entry.phone) or (by_email.get(entry.email.lower()) if entry.email else None)
        if row is None or row.id in kept:
            new_rows.append({"roster_id": roster.id, "position": position, "updated_at": now, "user_id": None,
                             **entry.key_values()})
            continue
        kept.add(row.id)
        for name, value in entry.key_values().items():
            setattr(row, name, value)
        row.position = position
        row.updated_at = now
    for row in [row for row in roster.rows if row.id not in kept]:
        roster.rows.remove(row)
    db.session.flush()
    if new_rows:
        db.session.execute(insert(RosterRow), new_rows)  # one statement for thousands of rows
    db.session.expire(roster, ["rows"])


def local_today(now: datetime) -> date:
    return now.astimezone(LOCAL_TZ).date()
