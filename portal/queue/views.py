"""`/queue`: the signed-in user's work. A unit's open cases by urgency, or the City Office's routing
queue and extension requests; quick actions on a row update the row and the tab counts in place.
The list on screen and the register of a period's received cases export to spreadsheets."""
from __future__ import annotations


from flask import Blueprint, abort, current_app, make_response, render_template, request
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from sqlalchemy import select

from portal import clock
from portal.cases.views import get_case
from portal.domain import audit, workflow
from portal.domain import queue as queue_rules
from portal.domain.deadlines import load_calendar, shown_calendar
from portal.domain.formatting import day, local, moment
from portal.domain.numbers import whole_number
from portal.domain.queue import QueueFilters, is_office_queue, queue_page
from portal.errors import abort_with
from portal.exports import Sheet, local_naive, xlsx_response
from portal.extensions import db
from portal.models import Category, User
from portal.models.case import PRIORITIES, RATINGS, SOURCES, STATES
from portal.models.category import CASE_KINDS
from portal.queue.forms import REGISTER_MAX_DAYS, QueueFilterForm, RegisterForm, read_filters
from portal.queue.rows import rows_html
from portal.web import (case_url_pattern, feature_required, link_with_query, page_url, render_page_or_part,
                        wants_part)

bp = Blueprint("queue", __name__)

ROW_ACTIONS = ("take", "assign")
# The quick action a row offers on an assigned case, by role.
ROW_ACTION_OF_ROLE = {"handler": "take", "unit_lead": "assign"}


@bp.route("/queue")
@feature_required("queue")
def index():
    # The filter form is drawn on the full page only; an htmx part is the results alone.
    filters = read_filters(request.args)
    context = _context(filters)
    if not wants_part():
        context["form"] = _filter_form(request.args)
    context["rows_html"] = _rows_html(context, context["queue"].cases)
    if not wants_part():
        # The register form starts at this month so far (as the export does when given no days).
        today = local(context["now"]).date()
        context.update(register_start=today.replace(day=1), register_end=today, register_max_days=REGISTER_MAX_DAYS)
    response = render_page_or_part("queue/index.html", "queue/_results.html", **context)
    if wants_part():
        # The address bar gets the tidy URL (no empty fields), which reloads as the same page.
        page = context["queue"].page
        response.headers["HX-Push-Url"] = context["queue_url"](**({"page": page} if page > 1 else {}))
    return response


@bp.route("/queue.xlsx")
@feature_required("queue")
def export_xlsx():
    """The list on screen (tab and filters), every row, as a spreadsheet streamed while it is written."""
    filters = read_filters(request.args)
    now = clock.now()
    calendar = load_calendar()
    audit.record("export", now=now, actor=current_user, target="queue",
                 detail=f"Danh sách phản ánh: {current_user.unit.name}", address=request.remote_addr)
    db.session.commit()
    statement = queue_rules.export_statement(current_user, filters, now)

    def rows():
        # Read from the database five hundred at a time and written out as they come.
        for row in db.session.execute(statement.execution_options(yield_per=500)):
            judged = row.paused_at if row.state == "paused" and row.paused_at else now
            yield [row.code, row.title, row.category, PRIORITIES.get(row.priority, row.priority),
                   local_naive(row.received_at), local_naive(row.due_at),
                   calendar.describe_remaining(row.due_at, judged) if row.due_at else "",
                   STATES.get(row.state, row.state), row.handler or "", row.unit or "", row.transfer_count]

    sheet = Sheet(
        title="Phản ánh",
        heading=[f"Danh sách phản ánh, kiến nghị: {current_user.unit.name}", f"Tính đến {moment(now)}"],
        header=["Mã", "Tiêu đề", "Lĩnh vực", "Mức độ", "Tiếp nhận", "Hạn xử lý", "Thời hạn", "Trạng thái",
                "Cán bộ xử lý", "Đơn vị", "Số lần chuyển"],
        rows=rows(), widths=[12, 60, 28, 12, 17, 17, 24, 22, 28, 36, 10],
        formats={4: "dd/mm/yyyy hh:mm", 5: "dd/mm/yyyy hh:mm"})
    return xlsx_response(f"danh-sach-phan-anh-{local(now).date().isoformat()}.xlsx", [sheet])


@bp.route("/queue/register.xlsx")
@feature_required("queue")
def register_xlsx():
    """The register: every case received in a period that the user may see (the City Office: the whole
    city; a unit: its own), in the order received, streamed from the database while the file is written."""
    now = clock.now()
    today = local(now).date()
    if "start" in request.args or "end" in request.args:
        form = RegisterForm(formdata=request.args)
        if not form.validate():
            abort_with(422, " ".join(error for field in form for error in field.errors))
        first, last = form.start.data, form.end.data
    else:
        first, last = today.replace(day=1), today  # as the form starts: this month so far
    user = current_user._get_current_object()
    scope_name = "toàn Thành phố" if is_office_queue(user) else user.unit.name
    title = f"Sổ theo dõi phản ánh, kiến nghị tiếp nhận từ {day(first)} đến {day(last)}: {scope_name}"
    audit.record("export", now=now, actor=user, target="queue.register", detail=title, address=request.remote_addr)
    db.session.commit()
    statement = queue_rules.register_statement(user, first, last)
    standing = queue_rules.deadline_standing

    def rows():
        # Plain column rows read a thousand at a time (a server-side cursor on PostgreSQL), written as
        # they come: memory stays flat however long the period.
        for (code, case_title, kind, category, priority, source, received_at, due_at, state, paused_at, answered_at,
             unit, handler, rating, transfers, extensions) in db.session.execute(statement.execution_options(yield_per=1000)):
            yield [code, case_title, CASE_KINDS.get(kind, kind), category, PRIORITIES.get(priority, priority),
                   SOURCES.get(source, source), local_naive(received_at), local_naive(due_at),
                   STATES.get(state, state), unit or "", handler or "", local_naive(answered_at),
                   standing(state, due_at, paused_at, answered_at, now), RATINGS.get(rating, "") if rating else "",
                   transfers, extensions]

    sheet = Sheet(
        title="Sổ theo dõi",
        heading=[title, f"Tính đến {moment(now)}"],
        header=["Mã", "Tiêu đề", "Loại", "Lĩnh vực", "Mức độ", "Nguồn", "Tiếp nhận", "Hạn xử lý", "Trạng thái",
                "Đơn vị xử lý", "Cán bộ xử lý", "Trả lời lúc", "Thời hạn", "Đánh giá", "Số lần chuyển",
                "Số lần gia hạn"],
        rows=rows(), widths=[12, 60, 12, 28, 12, 18, 17, 17, 22, 36, 28, 17, 11, 14, 10, 10],
        formats={6: "dd/mm/yyyy hh:mm", 7: "dd/mm/yyyy hh:mm", 11: "dd/mm/yyyy hh:mm"})
    return xlsx_response(f"so-theo-doi-phan-anh-{first.isoformat()}-{last.isoformat()}.xlsx", [sheet])


@bp.route("/queue/cases/<code>/<action>", methods=["POST"])
@feature_required("queue")
def act(code: str, action: str):
    """Take or assign from the list; answers the row and the tabs (out of band) with fresh counts."""
    if action not in ROW_ACTIONS:
        abort(404)
    case = get_case(code)
    values = {"handler": request.form.get("handler")}
    alert, status = None, 200
    try:
        outcome = workflow.perform(action, case, current_user, values, now=clock.now(), calendar=load_calendar(),
                                   seen_version=whole_number(request.form.get("version")))
        db.session.commit()
        notice = outcome.message
    except workflow.AlreadyDone as done:
        db.session.rollback()
        notice = done.message
    except workflow.WorkflowError as refused:
        db.session.rollback()
        db.session.refresh(case)
        notice, alert, status = None, refused.message, refused.status
    context = _context(read_filters(request.form))  # the row's form includes the queue's filters
    row = queue_rules.row_of_case(case, context["now"], context["calendar"])
    context["rows_html"] = _rows_html(context, [row], notice=notice, alert=alert)
    return make_response(render_template("queue/_row_update.html", **context), status)


def _filter_form(source) -> QueueFilterForm:
    """The filter form as the full page draws it, with the active categories to choose from."""
    form = QueueFilterForm(formdata=source)
    form.category.choices = [("", "Tất cả lĩnh vực")] + [
        (str(category_id), name) for category_id, name in db.session.execute(
            select(Category.id, Category.name).where(Category.active).order_by(Category.name))
    ]
    return form


def _context(filters: QueueFilters) -> dict:
    now = clock.now()
    calendar = shown_calendar()
    user = current_user._get_current_object()
    page = queue_page(user, filters, now, current_app.config["PAGE_SIZE"], calendar)
    handlers = []
    if user.role == "unit_lead":
        handlers = db.session.execute(
            select(User.id, User.full_name).where(User.unit_id == user.unit_id, User.active,
                                                  User.role.in_(("handler", "unit_lead")))
            .order_by(User.role, User.full_name)
        ).all()
    # Asked once here rather than on every row: the role's quick action and the form token.
    row_action = ROW_ACTION_OF_ROLE.get(user.role)
    query = _query(filters, page.tab)
    base = page_url("queue.index")
    return {"filters": filters, "queue": page, "now": now, "calendar": calendar,
            "office": is_office_queue(user), "handlers": handlers, "query": query,
            # This list with other query args (a tab, a page): one address for all its links.
            "queue_url": lambda **changes: link_with_query(base, {**query, **changes}),
            "export_url": link_with_query(page_url("queue.export_xlsx"), query),
            "row_action": row_action, "token": generate_csrf() if row_action else "",
            "case_url": case_url_pattern("cases.detail"),
            "action_url": case_url_pattern("queue.act", action=row_action) if row_action else ""}


def _rows_html(context: dict, rows: list, notice: str | None = None, alert: str | None = None):
    """The rows' markup with the page's links, quick action and token (portal.queue.rows)."""
    return rows_html(rows, office=context["office"], case_url=context["case_url"], row_action=context["row_action"],
                     action_url=context["action_url"], token=context["token"], handlers=context["handlers"],
                     notice=notice, alert=alert)


def _query(filters: QueueFilters, tab: str) -> dict:
    """The filters as URL arguments (empty ones left out), for tab and page links."""
    query = {"tab": tab, "text": filters.text, "kind": filters.kind, "category": filters.category_id or "",
             "priority": filters.priority, "overdue": "y" if filters.overdue else "", "mine": "y" if filters.mine else ""}
    return {key: value for key, value in query.items() if value}
