"""Compliance pages: the figures of the user's scope and drill-down, overdue lists, the overdue letter,
exports, inspections and the year-end list. Every number comes from portal.domain.figures."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from portal import clock
from portal.compliance import cache, report
from portal.compliance.chart import weekly_chart
from portal.exports import Letter, LetterLine, Sheet, docx_response, local_naive, xlsx_response
from portal.compliance.forms import PERIODS, FilterForm, InspectionForm, LetterForm, YearForm
from portal.domain import access, audit, figures, freshness, inspections, rosters, unit_tree
from portal.domain.deadlines import load_calendar
from portal.domain.formatting import LOCAL_TZ, day, moment, number
from portal.domain.numbers import whole_number
from portal.domain.unit_tree import UnitRow, UnitTree
from portal.errors import abort_with
from portal.extensions import db
from portal.models import Case, Inspection, Unit, User
from portal.models.case import STATES
from portal.web import feature_required, render_page_or_part

bp = Blueprint("compliance", __name__, url_prefix="/compliance")
bp.record_once(lambda state: cache.init_app(state.app))

OVERDUE_PAGE_SIZE = 50


def units_missing_roster(year: int, now: datetime) -> set[int]:
    """The ids of the units that have not submitted their roster of handlers (Công điện 05/CĐ-UBND)
    in a campaign due that year: the year-end list's "missing roster" column."""
    return rosters.units_missing_roster_in_year(year, now)


# -- scope and the query string -----------------------------------------------------------------


def _parent_name(unit_id: int) -> str:
    """The name of the unit above this one (the letter's superior), or "" at the top."""
    parent = db.session.get(Unit, unit_id).parent
    return parent.name if parent is not None else ""


def _visible_unit(unit_id: int) -> Unit:
    """The unit if the user may see it; 404 otherwise (a unit outside the scope does not exist for them)."""
    unit = db.session.get(Unit, unit_id)
    if unit is None or not access.can_see_unit(current_user, unit):
        abort(404)
    return unit


def _scope(unit_id: int | None) -> Unit | None:
    return _visible_unit(unit_id) if unit_id is not None else access.scope_root(current_user)


@dataclass
class Query:
    """The period and order of a report, as read from (and written back to) the URL."""

    preset: str
    period: figures.Period
    sort: str
    descending: bool
    start: date | None = None
    end: date | None = None

    def args(self, **changes) -> dict:
        values = {"period": self.preset, "start": self.start.isoformat() if self.start else None,
                  "end": self.end.isoformat() if self.end else None, "sort": self.sort,
                  "dir": "desc" if self.descending else "asc"}
        values.update(changes)
        if values["period"] != "custom":
            values["start"] = values["end"] = None
        if values["sort"] == report.DEFAULT_SORT and values["dir"] == "asc":
            values["sort"] = values["dir"] = None
        if values["period"] == "launch":
            values["period"] = None
        return {key: value for key, value in values.items() if value}

    def period_args(self) -> dict:
        return {key: value for key, value in self.args().items() if key in ("period", "start", "end")}

    def sort_args(self, key: str) -> dict:
        """The URL args that sort by a column: flip the order when it is already sorted by it."""
        if key == self.sort:
            return self.args(sort=key, dir="asc" if self.descending else "desc")
        return self.args(sort=key, dir="asc" if key == "name" else "desc")


def _today(now: datetime) -> date:
    return now.astimezone(LOCAL_TZ).date()


def _read_query(form: FilterForm, today: date) -> Query:
    sort = request.args.get("sort") or report.DEFAULT_SORT
    if sort not in report.COLUMN_KEYS and sort != "name":
        sort = report.DEFAULT_SORT
    descending = request.args.get("dir", "desc" if sort != "name" else "asc") == "desc"
    preset = form.period.data if form.period.data in PERIODS else "launch"
    period = report.chosen_period(preset, form.start.data, form.end.data, today)
    return Query(preset, period, sort, descending, form.start.data if preset == "custom" else None,
                 form.end.data if preset == "custom" else None)


def _crumbs(scope: Unit | UnitRow | None, tree: UnitTree | None = None) -> list[tuple[str, str | None]]:
    """Where the page sits: the city (for city-wide roles), then each unit down to this one."""
    crumbs: list[tuple[str, str | None]] = []
    tree = tree or unit_tree.current()
    home = tree.get(access.scope_root_id(current_user))
    if home is None:
        crumbs.append(("Toàn Thành phố", url_for("compliance.index")))
    if scope is None:
        return crumbs
    city_root = figures.table_root(None, tree)
    ids = [int(part) for part in scope.path.strip("/").split("/") if part]
    for unit_id in ids:
        unit = tree.get(unit_id)
        if unit is None or not access.can_see_unit(current_user, unit, home):
            continue
        if home is None and city_root is not None and unit.id == city_root.id:
            continue  # the city's top unit is the city view itself
        endpoint = url_for("compliance.index") if home is not None and unit.id == home.id else \
            url_for("compliance.unit", unit_id=unit.id)
        crumbs.append((unit.name, endpoint))
    return crumbs


def _scope_name(scope: Unit | None) -> str:
    return scope.name if scope is not None else "Toàn Thành phố"


# -- the report: /compliance and /compliance/units/<id> ------------------------------------------


@bp.route("")
@feature_required("compliance")
def index():
    return _report(None)


@bp.route("/units/<int:unit_id>")
@feature_required("compliance")
def unit(unit_id: int):
    if unit_id == access.scope_root_id(current_user):
        return redirect(url_for("compliance.index", **request.args))
    return _report(unit_id)


@dataclass(frozen=True)
class ScopeRef:
    """The scope as the kept report names it: plain values, no database session behind them."""

    id: int
    name: str


def _report(unit_id: int | None):
    """The report of a unit the URL names, or (None) of the user's scope. What it computes and draws
    (figures, table, trend, a unit's months and inspections) is kept per worker (`cache`) under all it
    depends on, and served again while the freshness mark says nothing it read has changed."""
    now = clock.now()
    today = _today(now)
    form = FilterForm(formdata=request.args)
    common = dict(form=form, presets=PERIODS, columns=report.COLUMNS, groups=report.header_groups(), today=today,
                  now=now)
    if not form.validate():
        scope = _visible_unit(unit_id) if unit_id is not None else access.scope_root(current_user)
        query = _read_query(FilterForm(formdata=None), today)
        return render_page_or_part("compliance/report.html", "compliance/_report.html", status=422,
                                   query=query, total=None, **_page_context(scope, now, today, figures.launch_day()),
                                   **common)
    query = _read_query(form, today)
    mark = freshness.read()
    # Everything the drawn report depends on besides the database: the page and unit (links), who
    # asks (scope, crumbs, who may record inspections; access to the unit was checked when it was
    # kept, and only a change to the units, which moves the mark, could change it), the period and
    # order, and the day (presets, weeks ended, inspections due).
    key = (request.endpoint, unit_id, current_user.role, current_user.unit_id, query.preset, query.period.first,
           query.period.last, query.sort, query.descending, today)
    kept = cache.current()
    content = kept.get(key, mark, now)
    tree = None
    if content is None:
        tree = unit_tree.current(mark.units_version)
        scope = _visible_row(tree, unit_id) if unit_id is not None else tree.get(access.scope_root_id(current_user))
        content, size = _report_content(scope, query, now, today, tree)
        kept.put(key, mark, now, content, size, until=freshness.next_deadline(scope, now))
    context = dict(content)
    if context["is_leaf"]:
        # The overdue cases of a ward, with the time each is past due: read on every request.
        scope = (tree or unit_tree.current(mark.units_version)).get(context["scope"].id)
        context["overdue"] = db.session.scalars(figures.overdue_cases(scope, query.period, now=now)
                                                .options(selectinload(Case.unit), selectinload(Case.handler))
                                                .limit(OVERDUE_PAGE_SIZE)).all()
        context["calendar"] = load_calendar()
    return render_page_or_part("compliance/report.html", "compliance/_report.html", query=query, **context,
                               **common)


def _visible_row(tree: UnitTree, unit_id: int) -> UnitRow:
    """`_visible_unit` from the unit tree: the unit's row if the user may see it; 404 otherwise."""
    unit = tree.get(unit_id)
    if unit is None or not access.can_see_unit(current_user, unit, tree.get(current_user.unit_id)):
        abort(404)
    return unit


def _page_context(scope: Unit | UnitRow | None, now: datetime, today: date, launch: date | None,
                  tree: UnitTree | None = None) -> dict:
    """What the page shows around the report: the scope, the crumbs, a unit's months and inspections."""
    context = dict(scope=ScopeRef(scope.id, scope.name) if scope is not None else None,
                   scope_name=_scope_name(scope), crumbs=_crumbs(scope, tree), unit_sections="")
    if scope is not None:
        context["unit_sections"] = Markup(render_template(
            "compliance/_unit_sections.html", scope=context["scope"], today=today,
            **_unit_history(scope, now, today, launch)))
    return context


def _report_content(scope: UnitRow | None, query: Query, now: datetime, today: date,
                    tree: UnitTree) -> tuple[dict, int]:
    """The report computed and drawn, as plain values and HTML (kept across requests and sessions),
    and its size in bytes."""
    launch = figures.launch_day()
    table = figures.table(scope, query.period, now=now, tree=tree)
    lines = report.sort_lines(table.lines, query.sort, query.descending)
    is_leaf = scope is not None and not any(line.kind == "unit" for line in table.lines)
    # Since launch, the table's total is every open overdue case of the scope: the week in progress.
    trend = figures.weekly_trend(scope, report.trend_weeks(query.period, launch), now=now,
                                 open_overdue_now=table.total.open_overdue if query.period.first is None else None)
    content = _page_context(scope, now, today, launch, tree)
    content.update(
        total=table.total, headline=report.headline(table.total), period_label=report.period_label(query.period, launch),
        is_leaf=is_leaf, trend_html=Markup(render_template("compliance/_trend.html", chart=weekly_chart(trend))),
        table_html=Markup("") if is_leaf else Markup(render_template(
            "compliance/_table.html", query=query, lines=lines, cells=[report.cells(line.figures) for line in lines],
            total_cells=report.cells(table.total), columns=report.COLUMNS, groups=report.header_groups(), scope_name=content["scope_name"])))
    size = sum(len(value.encode()) for value in (content["unit_sections"], content["trend_html"], content["table_html"]))
    return content, size + 2048  # the figures, the names and the crumbs


def _unit_history(scope: Unit, now: datetime, today: date, launch: date | None) -> dict:
    """A unit's page: its figures month by month, and its inspections."""
    periods = report.history_months(today, launch)
    months = list(zip(periods, figures.monthly_figures(scope, periods, now=now)))
    history = db.session.scalars(Inspection.history_of(scope).options(selectinload(Inspection.recorded_by))).all()
    return {"history": months, "inspections": history, "may_record": inspections.may_record(current_user)}


# -- the overdue case list -----------------------------------------------------------------------


@bp.route("/overdue", defaults={"unit_id": None})
@bp.route("/units/<int:unit_id>/overdue")
@feature_required("compliance")
def overdue(unit_id: int | None):
    scope = _scope(unit_id)
    now = clock.now()
    today = _today(now)
    form = FilterForm(formdata=request.args)
    valid = form.validate()
    query = _read_query(form if valid else FilterForm(formdata=None), today)
    where = figures.overdue_cases_where(scope, query.period, now=now)
    total = db.session.scalar(select(func.count(Case.id)).where(where))
    page = request.args.get("page", "1")
    page_number = whole_number(page) or 1
    cases = db.session.scalars(figures.overdue_cases(scope, query.period, now=now)
                               .options(selectinload(Case.unit), selectinload(Case.handler))
                               .offset((page_number - 1) * OVERDUE_PAGE_SIZE).limit(OVERDUE_PAGE_SIZE)).all()
    pages = max(1, -(-total // OVERDUE_PAGE_SIZE))
    return render_page_or_part(
        "compliance/overdue.html", "compliance/_overdue.html", status=200 if valid else 422,
        scope=scope, scope_name=_scope_name(scope), crumbs=_crumbs(scope), form=form, query=query,
        presets=PERIODS, cases=cases, total=total, page_number=page_number, pages=pages, now=now, calendar=load_calendar(),
        period_label=report.period_label(query.period, figures.launch_day()))


# -- exports -------------------------------------------------------------------------------------


def _record_export(target: str, detail: str, now: datetime) -> None:
    audit.record("export", now=now, actor=current_user, target=target, detail=detail, address=request.remote_addr)
    db.session.commit()


def _valid_query_or_422(form: FilterForm, today: date) -> Query:
    if not form.validate():
        messages = [error for field in form for error in field.errors]
        abort_with(422, " ".join(messages))
    return _read_query(form, today)


@bp.route("/table.xlsx", defaults={"unit_id": None})
@bp.route("/units/<int:unit_id>/table.xlsx")
@feature_required("compliance")
def table_xlsx(unit_id: int | None):
    scope = _scope(unit_id)
    now = clock.now()
    query = _valid_query_or_422(FilterForm(formdata=request.args), _today(now))
    label = report.period_label(query.period, figures.launch_day())
    scope_name = _scope_name(scope)
    _record_export("compliance.table", f"Bảng tình hình xử lý: {scope_name}, {label}", now)
    table = figures.table(scope, query.period, now=now, calendar=load_calendar())
    lines = report.sort_lines(table.lines, query.sort, query.descending)
    # Plain values now: the rows are written after this request's session is gone.
    rows = [[line.label] + [column.raw(line.figures) for column in report.COLUMNS] for line in lines]
    rows.append(["Tổng cộng"] + [column.raw(table.total) for column in report.COLUMNS])

    share_index = 1 + [column.key for column in report.COLUMNS].index("satisfied_share")
    sheet = Sheet(
        title="Tình hình xử lý",
        heading=[f"Tình hình tiếp nhận, xử lý phản ánh, kiến nghị: {scope_name}",
                 f"Kỳ báo cáo: {label}; số liệu tính đến {moment(now)}",
                 report.headline(table.total)],
        header=["Đơn vị"] + [report.full_label(column) for column in report.COLUMNS],
        rows=rows, widths=[48] + [12] * len(report.COLUMNS), formats={share_index: "0.0%"})
    return xlsx_response(f"tinh-hinh-xu-ly-{_today(now).isoformat()}.xlsx", [sheet])


@bp.route("/overdue.xlsx", defaults={"unit_id": None})
@bp.route("/units/<int:unit_id>/overdue.xlsx")
@feature_required("compliance")
def overdue_xlsx(unit_id: int | None):
    scope = _scope(unit_id)
    now = clock.now()
    query = _valid_query_or_422(FilterForm(formdata=request.args), _today(now))
    calendar = load_calendar()
    label = report.period_label(query.period, figures.launch_day())
    scope_name = _scope_name(scope)
    _record_export("compliance.overdue", f"Danh sách phản ánh quá hạn: {scope_name}, {label}", now)
    statement = (select(Case.code, Case.title, Unit.name, Case.received_at, Case.due_at, Case.state,
                        Case.paused_at, User.full_name, Case.transfer_count, Case.extension_count)
                 .outerjoin(Unit, Unit.id == Case.unit_id).outerjoin(User, User.id == Case.handler_id)
                 .where(figures.overdue_cases_where(scope, query.period, now=now))
                 .order_by(Case.due_at, Case.id))

    def rows():
        # Streamed from the database five hundred at a time, written out as they come.
        for row in db.session.execute(statement.execution_options(yield_per=500)):
            judged = row.paused_at if row.state == "paused" and row.paused_at else now
            yield [row.code, row.title, row.name, local_naive(row.received_at), local_naive(row.due_at),
                   calendar.describe_remaining(row.due_at, judged), STATES.get(row.state, row.state),
                   row.full_name or "", row.transfer_count, row.extension_count]

    sheet = Sheet(
        title="Phản ánh quá hạn",
        heading=[f"Phản ánh, kiến nghị quá hạn chưa xử lý: {scope_name}",
                 f"Tiếp nhận {label}; tính đến {moment(now)}"],
        header=["Mã", "Tiêu đề", "Đơn vị đang xử lý", "Tiếp nhận", "Hạn xử lý", "Quá hạn", "Trạng thái",
                "Cán bộ xử lý", "Số lần chuyển", "Số lần gia hạn"],
        rows=rows(), widths=[12, 60, 40, 17, 17, 26, 22, 28, 10, 10],
        formats={3: "dd/mm/yyyy hh:mm", 4: "dd/mm/yyyy hh:mm"})
    return xlsx_response(f"phan-anh-qua-han-{_today(now).isoformat()}.xlsx", [sheet])


# -- the overdue letter --------------------------------------------------------------------------


def _letter(scope: Unit | None, form: LetterForm, now: datetime) -> tuple[Letter, date]:
    today = _today(now)
    chosen = form.date.data or today
    at = None if chosen >= today else figures.day_start(chosen + timedelta(days=1))
    listed = figures.overdue_units(scope, at, now=now)
    lines = [LetterLine(item.unit.name, item.unit.parent.name if item.unit.parent else "", item.open_overdue)
             for item in listed]
    total = sum(line.count for line in lines)
    when = f"{now.astimezone(LOCAL_TZ):%H} giờ {now.astimezone(LOCAL_TZ):%M} ngày {day(today)}" if at is None \
        else f"hết ngày {day(chosen)}"
    where = "" if scope is None else f" trong phạm vi {scope.name}"
    issuer = current_user.unit.name
    if lines:
        named = ", ".join(f"{line.name} ({number(line.count)})" for line in lines)
        opening = (f"Qua theo dõi trên Hệ thống tiếp nhận, xử lý phản ánh, kiến nghị của Thành phố (ứng dụng iHanoi), "
                   f"tính đến {when}{where}, còn {number(len(lines))} đơn vị để phản ánh, kiến nghị quá hạn chưa "
                   f"xử lý gồm: {named} (tổng cộng {number(total)} phản ánh, kiến nghị; chi tiết tại danh sách kèm theo).")
    else:
        opening = (f"Qua theo dõi trên Hệ thống tiếp nhận, xử lý phản ánh, kiến nghị của Thành phố (ứng dụng iHanoi), "
                   f"tính đến {when}{where}, không còn đơn vị nào để phản ánh, kiến nghị quá hạn chưa xử lý.")
    request_text = (f"{issuer} đề nghị Thủ trưởng các đơn vị nêu trên khẩn trương chỉ đạo xử lý dứt điểm các phản ánh, "
                    "kiến nghị quá hạn, trả lời và công khai kết quả cho người dân trên ứng dụng iHanoi; kiểm điểm, "
                    "làm rõ trách nhiệm của tập thể, cá nhân để phản ánh, kiến nghị quá hạn.")
    local_today = now.astimezone(LOCAL_TZ)
    letter = Letter(
        issuer=issuer, superior=_parent_name(current_user.unit_id),
        place_date=f"Hà Nội, ngày {local_today:%d} tháng {local_today:%m} năm {local_today:%Y}",
        title="Danh sách đơn vị để phản ánh, kiến nghị quá hạn chưa xử lý",
        opening=opening, request=request_text, lines=lines, total=total)
    return letter, chosen


def _letter_form(now: datetime) -> LetterForm:
    form = LetterForm(formdata=request.args)
    valid = form.validate()
    if valid and form.date.data and form.date.data > _today(now):
        form.date.errors.append(f"Ngày ở ô “Tính đến ngày” không được sau ngày hôm nay ({day(_today(now))}).")
        valid = False
    form.is_valid = valid
    return form


@bp.route("/overdue-letter")
@feature_required("compliance")
def overdue_letter():
    now = clock.now()
    scope = access.scope_root(current_user)
    form = _letter_form(now)
    if not form.is_valid:
        return render_page_or_part("compliance/overdue_letter.html", "compliance/_letter.html", status=422,
                                   form=form, letter=None, scope=scope)
    letter, chosen = _letter(scope, form, now)
    return render_page_or_part("compliance/overdue_letter.html", "compliance/_letter.html", form=form,
                               letter=letter, chosen=chosen, scope=scope)


@bp.route("/overdue-letter.docx")
@feature_required("compliance")
def overdue_letter_docx():
    now = clock.now()
    scope = access.scope_root(current_user)
    form = _letter_form(now)
    if not form.is_valid:
        abort_with(422, " ".join(form.date.errors))
    letter, chosen = _letter(scope, form, now)
    _record_export("compliance.overdue_letter", f"Thông báo đơn vị quá hạn: {_scope_name(scope)}, đến {day(chosen)}", now)
    return docx_response(f"thong-bao-don-vi-qua-han-{chosen.isoformat()}.docx", letter)


# -- inspections ---------------------------------------------------------------------------------


@bp.route("/units/<int:unit_id>/inspections/new", methods=["GET", "POST"])
@feature_required("compliance")
def new_inspection(unit_id: int):
    scope = _visible_unit(unit_id)
    if not inspections.may_record(current_user):
        abort(403)
    now = clock.now()
    form = InspectionForm(today=_today(now))
    if form.validate_on_submit():
        inspections.record(scope, recorded_by=current_user, now=now, inspected_on=form.inspected_on.data,
                           inspectors=form.inspectors.data, findings=form.findings.data,
                           conclusion=form.conclusion.data, follow_up_due=form.follow_up_due.data)
        db.session.commit()
        flash(f"Đã ghi nhận kết quả kiểm tra {scope.name} ngày {day(form.inspected_on.data)}.", "success")
        return redirect(url_for("compliance.unit", unit_id=scope.id) + "#inspections")
    status = 422 if request.method == "POST" else 200
    return render_page_or_part("compliance/inspection_form.html", "compliance/_inspection_form.html",
                               status=status, form=form, scope=scope, crumbs=_crumbs(scope))


# -- the year-end list ---------------------------------------------------------------------------


def _year_end(scope: Unit | None, year: int, now: datetime):
    missing = units_missing_roster(year, now)
    units = figures.year_end_units(scope, year, now=now, missing_roster=missing)
    handlers = figures.year_end_handlers(scope, year, now=now)
    return units, handlers, missing is not None


@bp.route("/year-end")
@feature_required("compliance")
def year_end():
    now = clock.now()
    scope = access.scope_root(current_user)
    form = YearForm(formdata=request.args)
    if not form.validate():
        return render_page_or_part("compliance/year_end.html", "compliance/_year_end.html", status=422,
                                   form=form, units=None, scope=scope, scope_name=_scope_name(scope))
    year = form.chosen_year(_today(now).year)
    units, handlers, roster_known = _year_end(scope, year, now)
    return render_page_or_part("compliance/year_end.html", "compliance/_year_end.html", form=form, year=year,
                               units=units, handlers=handlers, roster_known=roster_known, scope=scope,
                               scope_name=_scope_name(scope))


@bp.route("/year-end.xlsx")
@feature_required("compliance")
def year_end_xlsx():
    now = clock.now()
    scope = access.scope_root(current_user)
    form = YearForm(formdata=request.args)
    if not form.validate():
        abort_with(422, " ".join(form.year.errors))
    year = form.chosen_year(_today(now).year)
    scope_name = _scope_name(scope)
    _record_export("compliance.year_end", f"Danh sách cuối năm {year}: {scope_name}", now)
    units, handlers, roster_known = _year_end(scope, year, now)
    unit_header = ["Đơn vị", "Trực thuộc", "Trả lời trễ hạn", "Quá hạn chưa xử lý", "Tổng quá hạn"]
    if roster_known:
        unit_header.append("Chưa gửi danh sách cán bộ")
    unit_rows = [[line.unit.name, line.unit.parent.name if line.unit.parent else "", line.answered_late,
                  line.open_overdue, line.overdue] + (["Có" if line.missing_roster else ""] if roster_known else [])
                 for line in units]
    handler_rows = [[line.handler.full_name, line.handler.unit.name, line.answered_late, line.open_overdue,
                     line.overdue] for line in handlers]
    heading = [f"Danh sách cuối năm {year}: {scope_name}", f"Số liệu tính đến {moment(now)}"]
    return xlsx_response(f"danh-sach-cuoi-nam-{year}.xlsx", [
        Sheet("Đơn vị", heading, unit_header, unit_rows, [48, 36, 14, 14, 14, 16]),
        Sheet("Cán bộ", heading, ["Cán bộ", "Đơn vị", "Trả lời trễ hạn", "Quá hạn chưa xử lý", "Tổng quá hạn"],
              handler_rows, [32, 48, 14, 14, 14]),
    ])


@bp.app_template_global("compliance_here")
def here(**args) -> str:
    """This page's URL with other query args (the same unit, another period or order)."""
    return url_for(request.endpoint, **dict(request.view_args or {}), **args)
