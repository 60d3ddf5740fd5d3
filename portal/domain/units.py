"""Units: creating and renaming them, retiring or merging them into a successor, and loading a
re-organisation such as Hanoi's of 1/7/2025 (30 districts and 526 communes became 126 wards and communes).

A retired unit is never deleted: it becomes inactive with `successor_id` set, so its history (cases,
events, compliance figures of past periods) still reads under its own name. Its open cases move to
the successor with one `unit_merged` event each; nothing else in a case's history changes.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, insert, select, update

from portal.domain import audit
from portal.domain.formatting import local
from portal.domain.text import fold
from portal.extensions import db
from portal.models import Case, CaseEvent, Category, Unit, User
from portal.models.case import OPEN_STATES
from portal.models.unit import UNIT_KINDS

CODE_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9._-]{0,31}$")
NAME_MAX = 200
REFORM_COLUMNS = ("code", "name", "kind", "parent_code")
MAPPING_COLUMNS = ("old_code", "new_code")
MAX_ROWS = 5000


class UnitRuleError(ValueError):
    """A change the rules refuse; `message` is Vietnamese and says what and where, `field` the form field."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


def normalize_code(text: str | None) -> str:
    return (text or "").strip().upper()


def code_problem(code: str) -> str | None:
    if not code:
        return "Vui lòng nhập mã đơn vị."
    if not CODE_PATTERN.match(code):
        return (f"Mã đơn vị «{code[:40]}» không hợp lệ: chỉ gồm chữ không dấu, số, dấu chấm, gạch ngang, "
                "gạch dưới, tối đa 32 ký tự.")
    return None


def unit_by_code(code: str) -> Unit | None:
    return db.session.scalar(select(Unit).where(Unit.code == normalize_code(code))) if code else None


# -- creating and renaming -------------------------------------------------------------------------


def create_unit(*, code: str, name: str, kind: str, parent: Unit | None, actor: User, now: datetime,
                address: str | None = None) -> Unit:
    """A new active unit under `parent` (only the city itself has no parent)."""
    code = normalize_code(code)
    name = " ".join((name or "").split())
    problem = code_problem(code)
    if problem:
        raise UnitRuleError(problem, "code")
    if unit_by_code(code) is not None:
        raise UnitRuleError(f"Mã đơn vị {code} đã được dùng cho đơn vị khác.", "code")
    _check_name(name)
    if kind not in UNIT_KINDS:
        raise UnitRuleError("Vui lòng chọn loại đơn vị.", "kind")
    if parent is None and kind != "city":
        raise UnitRuleError("Vui lòng chọn đơn vị cấp trên.", "parent")
    if parent is not None and not parent.active:
        raise UnitRuleError(f"Đơn vị cấp trên {parent.name} đã ngừng hoạt động.", "parent")
    unit = Unit(code=code, name=name, kind=kind, active=True)
    db.session.add(unit)
    db.session.flush()
    unit.set_parent(parent)
    audit.record("unit_changed", now=now, actor=actor, target=f"{code} {name}"[:200],
                 detail=f"Tạo đơn vị ({UNIT_KINDS[kind]}) thuộc {parent.name if parent else '—'}", address=address)
    return unit


def rename_unit(unit: Unit, name: str, *, actor: User, now: datetime, address: str | None = None) -> bool:
    """Give the unit a new name; False when the name is the same."""
    name = " ".join((name or "").split())
    _check_name(name)
    if name == unit.name:
        return False
    audit.record("unit_changed", now=now, actor=actor, target=unit.code,
                 detail=f"Đổi tên: {unit.name} → {name}"[:1000], address=address)
    unit.name = name
    return True


def _check_name(name: str) -> None:
    if not name:
        raise UnitRuleError("Vui lòng nhập tên đơn vị.", "name")
    if len(name) > NAME_MAX:
        raise UnitRuleError(f"Tên đơn vị tối đa {NAME_MAX} ký tự.", "name")


# -- retiring and merging --------------------------------------------------------------------------


@dataclass
class Impact:
    """What retiring a unit moves: its open cases, its accounts, and what still hangs below it."""

    open_cases: int
    users: int
    active_children: list[Unit]


def impact(unit: Unit) -> Impact:
    open_cases = db.session.scalar(
        select(func.count()).select_from(Case).where(Case.unit_id == unit.id, Case.state.in_(OPEN_STATES)))
    users = db.session.scalar(select(func.count()).select_from(User).where(User.unit_id == unit.id))
    children = list(db.session.scalars(
        select(Unit).where(Unit.parent_id == unit.id, Unit.active.is_(True)).order_by(Unit.name)))
    return Impact(open_cases=open_cases or 0, users=users or 0, active_children=children)


def retire_problem(unit: Unit, successor: Unit | None, found: Impact | None = None) -> str | None:
    """Why the unit cannot be retired into `successor` (None: it can)."""
    if not unit.active:
        where = f" (đã sáp nhập vào {unit.successor.name})" if unit.successor else ""
        return f"{unit.name} đã ngừng hoạt động{where}."
    if unit.parent_id is None:
        return f"Không thể giải thể {unit.name}: đây là đơn vị gốc của cây đơn vị."
    found = found or impact(unit)
    if found.active_children:
        names = ", ".join(child.name for child in found.active_children[:3])
        more = f" và {len(found.active_children) - 3} đơn vị khác" if len(found.active_children) > 3 else ""
        return (f"{unit.name} còn {len(found.active_children)} đơn vị trực thuộc đang hoạt động ({names}{more}); "
                "hãy sáp nhập các đơn vị này trước.")
    if successor is None:
        if found.open_cases or found.users:
            return (f"{unit.name} còn {found.open_cases} phản ánh đang xử lý và {found.users} tài khoản: "
                    "cần chọn đơn vị tiếp nhận.")
        return None
    if successor.id == unit.id:
        return "Đơn vị tiếp nhận phải khác đơn vị bị sáp nhập."
    if not successor.active:
        hint = f"; đơn vị kế thừa của nó là {successor.successor.name}" if successor.successor else ""
        return f"Đơn vị tiếp nhận {successor.name} đã ngừng hoạt động{hint}."
    if successor.is_within(unit):
        return "Không thể sáp nhập một đơn vị vào đơn vị trực thuộc chính nó."
    return None


@dataclass
class Retirement:
    unit: Unit
    successor: Unit | None
    cases_moved: int
    users_moved: int


def retire_unit(unit: Unit, successor: Unit | None, *, actor: User | None, now: datetime, note: str | None = None,
                address: str | None = None) -> Retirement:
    """Retire `unit` into `successor`: the unit becomes inactive with successor_id set; each of its
    open cases moves to the successor with a `unit_merged` event (from_unit, to_unit, note) and its
    version bumped, so an editor holding the old version gets a conflict rather than a silent overwrite;
    its accounts and the categories routed to it move too. Closed cases and existing events stay as they
    were. Without a successor only a unit with no open case and no account can be retired.
    The caller commits.
    """
    db.session.flush()
    # Two administrators merging the same unit: the second waits here, then sees it already retired.
    db.session.refresh(unit, with_for_update=True)
    problem = retire_problem(unit, successor)
    if problem:
        raise UnitRuleError(problem, "successor")
    cases_moved = users_moved = 0
    if successor is not None:
        text = f"Sáp nhập {unit.name} vào {successor.name}" + (f" ({note})" if note else "")
        moved = db.session.execute(
            update(Case)
            .where(Case.unit_id == unit.id, Case.state.in_(OPEN_STATES))
            .values(unit_id=successor.id, version=Case.version + 1, updated_at=now)
            .returning(Case.id, Case.state)
            .execution_options(synchronize_session=False)
        ).all()
        if moved:
            db.session.execute(insert(CaseEvent), [
                {"case_id": case_id, "at": now, "actor_id": actor.id if actor else None, "type": "unit_merged",
                 "from_state": state, "to_state": state, "from_unit_id": unit.id, "to_unit_id": successor.id,
                 "note": text[:2000]}
                for case_id, state in moved
            ])
        cases_moved = len(moved)
        users_moved = db.session.execute(
            update(User).where(User.unit_id == unit.id).values(unit_id=successor.id)
            .execution_options(synchronize_session=False)
        ).rowcount
        db.session.execute(
            update(Category).where(Category.default_unit_code == unit.code)
            .values(default_unit_code=successor.code).execution_options(synchronize_session=False))
    unit.active = False
    unit.successor = successor
    db.session.flush()
    # Rows changed behind the ORM's back: make loaded cases and users read them again.
    for instance in list(db.session.identity_map.values()):
        if isinstance(instance, (Case, User, Category)):
            db.session.expire(instance)
    audit.record("unit_merged", now=now, actor=actor, target=f"{unit.code} → {successor.code if successor else '—'}",
                 detail=(f"{unit.name} → {successor.name if successor else 'giải thể'}: {cases_moved} phản ánh, "
                         f"{users_moved} tài khoản chuyển sang" + (f". {note}" if note else ""))[:2000],
                 address=address)
    return Retirement(unit=unit, successor=successor, cases_moved=cases_moved, users_moved=users_moved)


def merge_units(old_units: list[Unit], successor: Unit, actor: User | None, now: datetime, *, note: str | None = None,
                address: str | None = None) -> list[Retirement]:
    """Merge several units into one successor (units below others first); all or nothing, the caller commits."""
    ordered = sorted(old_units, key=lambda unit: unit.depth, reverse=True)
    return [retire_unit(unit, successor, actor=actor, now=now, note=note, address=address) for unit in ordered]


# -- loading a re-organisation ---------------------------------------------------------------------


@dataclass
class RowError:
    """A problem in an uploaded file, where a person can find it: which file, which line."""

    file: str  # "units" | "mapping"
    line: int
    message: str

    @property
    def file_label(self) -> str:
        return {"units": "Danh sách đơn vị mới", "mapping": "Bảng ánh xạ"}[self.file]


@dataclass
class NewUnitRow:
    line: int
    code: str
    name: str
    kind: str
    parent_code: str


@dataclass
class PlannedMerge:
    old: Unit
    new_code: str
    new_name: str
    line: int | None  # None: implied, the new unit reuses the old unit's code
    units_line: int | None = None  # for an implied merge: the new unit's line in the units file
    open_cases: int = 0
    users: int = 0


@dataclass
class ReformPlan:
    """What loading a re-organisation will do, worked out without writing anything."""

    new_units: list[NewUnitRow] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    archived: list[tuple[Unit, str]] = field(default_factory=list)  # (old unit, the code it will keep)
    merges: list[PlannedMerge] = field(default_factory=list)
    already_done: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def open_cases(self) -> int:
        return sum(merge.open_cases for merge in self.merges)

    @property
    def users(self) -> int:
        return sum(merge.users for merge in self.merges)


def archived_code(code: str, now: datetime, taken: set[str]) -> str:
    """The code an old unit keeps when a new unit takes its code: P00235 → P00235-CU-20250701."""
    base = f"{code}-CU-{local(now):%Y%m%d}"[:32]
    candidate, n = base, 2
    while candidate in taken:
        suffix = f"-{n}"
        candidate, n = base[: 32 - len(suffix)] + suffix, n + 1
    return candidate


def read_csv(text: str, columns: tuple[str, ...], file: str, errors: list[RowError]) -> list[tuple[int, dict]]:
    """(line, row) pairs of a CSV with a header line; a missing column is an error on line 1."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [name.strip().lower() for name in (reader.fieldnames or [])]
    missing = [name for name in columns if name not in header]
    if missing:
        errors.append(RowError(file, 1, f"Thiếu cột {', '.join(missing)} (dòng tiêu đề cần có: "
                                        f"{', '.join(columns)})."))
        return []
    reader.fieldnames = header
    rows = []
    try:
        for row in reader:
            if len(rows) >= MAX_ROWS:
                errors.append(RowError(file, reader.line_num, f"Tệp có quá {MAX_ROWS} dòng."))
                return []
            values = {key: (value or "").strip() for key, value in row.items() if key is not None}
            if any(values.values()):
                rows.append((reader.line_num, values))
    except csv.Error as broken:
        errors.append(RowError(file, reader.line_num, f"Dòng không đọc được theo định dạng CSV ({broken})."))
        return []
    if not rows:
        errors.append(RowError(file, 1, "Tệp không có dòng dữ liệu nào."))
    return rows


def plan_reform(units_text: str, mapping_text: str, *, now: datetime) -> ReformPlan:
    """Check a re-organisation: the new units (code, name, kind, parent_code) and the mapping of old unit
    codes to new ones (old_code, new_code, optionally old_name to guard against a wrong code).

    An existing unit whose code a new unit takes (the Statistics Office keeps one old ward's code for the
    new ward) keeps its records under an archived code and is merged into the new unit, mapped or not.
    A new row identical to an existing unit (same code, name, kind, parent) changes nothing, so a file can
    be loaded twice. Every problem is reported with its file and line.
    """
    plan = ReformPlan()
    errors = plan.errors
    units = list(db.session.scalars(select(Unit)))
    by_code = {unit.code: unit for unit in units}
    by_id = {unit.id: unit for unit in units}

    file_rows: dict[str, NewUnitRow] = {}
    for line, row in read_csv(units_text, REFORM_COLUMNS, "units", errors):
        code, name, kind = normalize_code(row["code"]), " ".join(row["name"].split()), row["kind"].lower()
        parent_code = normalize_code(row["parent_code"])
        problem = code_problem(code)
        if problem:
            errors.append(RowError("units", line, problem))
            continue
        if code in file_rows:
            errors.append(RowError("units", line, f"Mã {code} lặp lại (đã có ở dòng {file_rows[code].line})."))
            continue
        if not name:
            errors.append(RowError("units", line, f"Đơn vị {code} thiếu tên."))
        elif len(name) > NAME_MAX:
            errors.append(RowError("units", line, f"Tên đơn vị {code} dài quá {NAME_MAX} ký tự."))
        if kind not in UNIT_KINDS:
            errors.append(RowError("units", line, f"Loại đơn vị «{row['kind'][:30]}» không hợp lệ; dùng một trong: "
                                                  f"{', '.join(UNIT_KINDS)}."))
        file_rows[code] = NewUnitRow(line, code, name, kind, parent_code)

    def same_as_existing(row: NewUnitRow) -> bool:
        unit = by_code.get(row.code)
        if unit is None or not unit.active:
            return False
        parent = by_id.get(unit.parent_id) if unit.parent_id else None
        return (unit.name, unit.kind, parent.code if parent else "") == (row.name, row.kind, row.parent_code)

    unchanged = {code for code, row in file_rows.items() if same_as_existing(row)}
    plan.unchanged = sorted(unchanged)
    plan.new_units = [row for code, row in file_rows.items() if code not in unchanged]
    displaced = {row.code: by_code[row.code] for row in plan.new_units if row.code in by_code}
    taken = set(by_code) | set(file_rows)
    for code, old in displaced.items():
        new_code = archived_code(code, now, taken)
        taken.add(new_code)
        plan.archived.append((old, new_code))

    # Old units and where they go: explicit rows first, then the ones implied by a reused code.
    merges: dict[int, PlannedMerge] = {}
    for line, row in read_csv(mapping_text, MAPPING_COLUMNS, "mapping", errors):
        old_code, new_code = normalize_code(row["old_code"]), normalize_code(row["new_code"])
        old = by_code.get(old_code)
        if not old_code or not new_code:
            errors.append(RowError("mapping", line, "Cần cả mã đơn vị cũ (old_code) và mã đơn vị mới (new_code)."))
            continue
        if old is None:
            errors.append(RowError("mapping", line, f"Không có đơn vị mã {old_code[:40]} trong hệ thống."))
            continue
        named = " ".join(row.get("old_name", "").split())
        if named and fold(named) != fold(old.name):
            archived = [unit for unit in units if unit.code.startswith(f"{old_code}-CU-") and not unit.active
                        and fold(unit.name) == fold(named)]
            if archived and archived[0].successor is not None and archived[0].successor.code == new_code:
                plan.already_done += 1  # loaded before: the old unit kept its records under an archived code
                continue
            errors.append(RowError("mapping", line, f"Mã {old_code} là «{old.name}», không phải «{named[:80]}»."))
            continue
        if old_code in unchanged and old_code == new_code:
            plan.already_done += 1  # the new unit itself, after an earlier load
            continue
        if not old.active:
            successor = old.successor
            if successor is not None and successor.code == new_code:
                plan.already_done += 1
                continue
            where = f" (đã sáp nhập vào {successor.name})" if successor else ""
            errors.append(RowError("mapping", line, f"{old.name} ({old_code}) đã ngừng hoạt động{where}."))
            continue
        if old.id in merges:
            errors.append(RowError("mapping", line, f"Mã {old_code} có ở nhiều dòng (dòng {merges[old.id].line})."))
            continue
        if old_code in unchanged:
            errors.append(RowError("mapping", line, f"{old.name} ({old_code}) có trong danh sách đơn vị mới, "
                                                    "không thể đồng thời sáp nhập."))
            continue
        if old_code in displaced and new_code != old_code:
            errors.append(RowError("mapping", line, f"Mã {old_code} được đơn vị mới «{file_rows[old_code].name}» "
                                                    f"kế thừa, nên {old.name} phải sáp nhập vào chính đơn vị đó."))
            continue
        target = file_rows.get(new_code)
        if target is None:
            existing = by_code.get(new_code)
            if existing is None or not existing.active:
                errors.append(RowError("mapping", line, f"Mã đơn vị mới {new_code[:40]} không có trong danh sách "
                                                        "đơn vị mới và không phải đơn vị đang hoạt động."))
                continue
            target_name = existing.name
        else:
            target_name = target.name
        merges[old.id] = PlannedMerge(old=old, new_code=new_code, new_name=target_name, line=line)
    for code, old in displaced.items():
        if old.active and old.id not in merges:
            merges[old.id] = PlannedMerge(old=old, new_code=code, new_name=file_rows[code].name, line=None,
                                          units_line=file_rows[code].line)

    leaving = {merge.old.id for merge in merges.values()}
    for merge in merges.values():
        existing = by_code.get(merge.new_code)
        if merge.new_code not in file_rows and existing is not None and existing.id in leaving:
            errors.append(_merge_error(merge, f"Đơn vị tiếp nhận {existing.name} cũng bị sáp nhập."))
    # A parent must exist after the change: in the file, or an existing unit that stays.
    for row in plan.new_units:
        if not row.parent_code:
            if row.kind != "city":
                errors.append(RowError("units", row.line, f"Đơn vị {row.code} thiếu mã đơn vị cấp trên."))
            continue
        if row.parent_code == row.code:
            errors.append(RowError("units", row.line, f"Đơn vị {row.code} không thể là cấp trên của chính nó."))
            continue
        if row.parent_code in file_rows:
            continue
        parent = by_code.get(row.parent_code)
        if parent is None or not parent.active:
            errors.append(RowError("units", row.line, f"Không có đơn vị cấp trên mã {row.parent_code[:40]}."))
        elif parent.id in leaving:
            errors.append(RowError("units", row.line, f"Đơn vị cấp trên {parent.name} sẽ bị sáp nhập."))
    _check_file_cycles(plan.new_units, file_rows, errors)
    # A unit that leaves must not leave active units below it that stay.
    for merge in merges.values():
        staying = [unit for unit in units
                   if unit.parent_id == merge.old.id and unit.active and unit.id not in leaving]
        if staying:
            names = ", ".join(f"{unit.name} ({unit.code})" for unit in staying[:3])
            more = f" và {len(staying) - 3} đơn vị khác" if len(staying) > 3 else ""
            errors.append(_merge_error(merge,
                                   f"{merge.old.name} còn {len(staying)} đơn vị trực thuộc không có trong bảng ánh xạ: "
                                   f"{names}{more}."))

    plan.merges = sorted(merges.values(), key=lambda merge: (merge.new_code, merge.old.code))
    if plan.merges:
        _count_what_moves(plan.merges)
    errors.sort(key=lambda error: (error.file != "units", error.line))
    return plan


def _merge_error(merge: PlannedMerge, message: str) -> RowError:
    if merge.line is None:
        return RowError("units", merge.units_line or 1, message)
    return RowError("mapping", merge.line, message)


def _check_file_cycles(rows: list[NewUnitRow], file_rows: dict[str, NewUnitRow], errors: list[RowError]) -> None:
    for row in rows:
        seen, code = set(), row.code
        while code in file_rows and code not in seen:
            seen.add(code)
            code = file_rows[code].parent_code
        if code in seen:
            errors.append(RowError("units", row.line, f"Đơn vị {row.code} nằm trong một vòng lặp đơn vị cấp trên."))


def _count_what_moves(merges: list[PlannedMerge]) -> None:
    ids = [merge.old.id for merge in merges]
    cases = dict(db.session.execute(
        select(Case.unit_id, func.count()).where(Case.unit_id.in_(ids), Case.state.in_(OPEN_STATES))
        .group_by(Case.unit_id)).all())
    users = dict(db.session.execute(
        select(User.unit_id, func.count()).where(User.unit_id.in_(ids)).group_by(User.unit_id)).all())
    for merge in merges:
        merge.open_cases = cases.get(merge.old.id, 0)
        merge.users = users.get(merge.old.id, 0)


@dataclass
class ReformResult:
    created: int
    archived: int
    retirements: list[Retirement]

    @property
    def cases_moved(self) -> int:
        return sum(r.cases_moved for r in self.retirements)

    @property
    def users_moved(self) -> int:
        return sum(r.users_moved for r in self.retirements)


def apply_reform(plan: ReformPlan, *, actor: User, now: datetime, note: str | None = None,
                 address: str | None = None) -> ReformResult:
    """Carry out a checked plan in the session: archive reused codes, create the new units, merge the old
    ones (units below others first). The caller commits, or rolls back on any error: all or nothing."""
    if not plan.ok:
        raise UnitRuleError("Tệp còn lỗi; chưa thay đổi gì.")
    for old, code in plan.archived:
        old.code = code
    db.session.flush()
    by_code = {unit.code: unit for unit in db.session.scalars(select(Unit))}
    created = []
    for row in plan.new_units:
        unit = Unit(code=row.code, name=row.name, kind=row.kind, active=True)
        db.session.add(unit)
        by_code[row.code] = unit
        created.append((row, unit))
    db.session.flush()
    pending = list(created)
    while pending:
        ready = [(row, unit) for row, unit in pending
                 if not row.parent_code or by_code[row.parent_code].path]
        if not ready:  # plan_reform refuses cycles; this is the last guard
            raise UnitRuleError("Danh sách đơn vị mới có vòng lặp đơn vị cấp trên.")
        for row, unit in ready:
            unit.set_parent(by_code[row.parent_code] if row.parent_code else None)
        pending = [item for item in pending if item not in ready]
    db.session.flush()
    retirements = []
    for merge in sorted(plan.merges, key=lambda merge: merge.old.depth, reverse=True):
        retirements.append(retire_unit(merge.old, by_code[merge.new_code], actor=actor, now=now, note=note,
                                       address=address))
    result = ReformResult(created=len(created), archived=len(plan.archived), retirements=retirements)
    audit.record("units_imported", now=now, actor=actor, target=(note or "Sắp xếp đơn vị hành chính")[:200],
                 detail=(f"{result.created} đơn vị mới, {len(retirements)} đơn vị sáp nhập, "
                         f"{result.cases_moved} phản ánh và {result.users_moved} tài khoản chuyển sang"),
                 address=address)
    return result
