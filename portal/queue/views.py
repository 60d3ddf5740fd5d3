"""`/queue`: the signed-in user's work. A unit's open cases by urgency, or the City Office's routing
queue and extension requests; quick actions on a row update the row and the tab counts in place."""
from __future__ import annotations


from flask import Blueprint, abort, current_app, make_response, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from portal import clock
from portal.cases.views import get_case
from portal.domain import audit, workflow
from portal.domain import queue as queue_rules
from portal.domain.deadlines import load_calendar
from portal.domain.formatting import local, moment
from portal.domain.numbers import whole_number
from portal.domain.queue import QueueFilters, is_office_queue, queue_page
from portal.exports import Sheet, local_naive, xlsx_response
from portal.extensions import db
from portal.models import Category, User
from portal.models.case import PRIORITIES, STATES
from portal.queue.forms import QueueFilterForm
from portal.web import feature_required, render_page_or_part, wants_part

bp = Blueprint("queue", __name__)

ROW_ACTIONS = ("take", "assign")


@bp.route("/queue")
@feature_required("queue")
def index():
    form, filters = _filters(request.args)
    context = _context(form, filters)
    response = render_page_or_part("queue/index.html", "queue/_results.html", **context)
    if wants_part():
        # The address bar gets the tidy URL (no empty fields), which reloads as the same page.
        page = context["queue"].page
        response.headers["HX-Push-Url"] = url_for("queue.index", **context["query"], **({"page": page} if page > 1 else {}))
    return response


@bp.route("/queue.xlsx")
@feature_required("queue")
def export_xlsx():
    """The list on screen (tab and filters), every row, as a spreadsheet streamed while it is written."""
    form, filters = _filters(request.args)
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
    form, filters = _filters(request.form)  # the row's form includes the queue's filters
    context = _context(form, filters)
    response = make_response(render_template("queue/_row_update.html", case=case, notice=notice, alert=alert,
                                             **context), status)
    return response


def _filters(source) -> tuple[QueueFilterForm, QueueFilters]:
    form = QueueFilterForm(formdata=source)
    form.category.choices = [("", "Tất cả lĩnh vực")] + [
        (str(category.id), category.name)
        for category in db.session.scalars(select(Category).where(Category.active).order_by(Category.name))
    ]
    filters = QueueFilters(
        tab=source.get("tab", "") or "", kind=form.kind.data or "",
        category_id=whole_number(form.category.data), priority=form.priority.data or "",
        overdue=bool(form.overdue.data), mine=bool(form.mine.data), text=(form.text.data or "")[:200],
        page=whole_number(source.get("page")) or 1,
    )
    return form, filters


def _context(form: QueueFilterForm, filters: QueueFilters) -> dict:
    now = clock.now()
    page = queue_page(current_user, filters, now, current_app.config["PAGE_SIZE"])
    handlers = []
    if current_user.role == "unit_lead":
        handlers = db.session.scalars(
            select(User).where(User.unit_id == current_user.unit_id, User.active,
                               User.role.in_(("handler", "unit_lead")))
            .order_by(User.role, User.full_name)
        ).all()
    return {"form": form, "filters": filters, "queue": page, "now": now, "calendar": load_calendar(),
            "office": is_office_queue(current_user), "handlers": handlers, "query": _query(filters, page.tab)}


def _query(filters: QueueFilters, tab: str) -> dict:
    """The filters as URL arguments (empty ones left out), for tab and page links."""
    query = {"tab": tab, "text": filters.text, "kind": filters.kind, "category": filters.category_id or "",
             "priority": filters.priority, "overdue": "y" if filters.overdue else "", "mine": "y" if filters.mine else ""}
    return {key: value for key, value in query.items() if value}
