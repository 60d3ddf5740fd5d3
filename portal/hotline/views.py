"""Hotline 1022: find any case while the citizen waits, log the call, file a case for a caller."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from portal import clock
from portal.domain import access, audit, calls, intake, search
from portal.domain.codes import normalize_code
from portal.domain.deadlines import load_calendar
from portal.domain.formatting import local
from portal.domain.phones import phone_digits
from portal.domain.text import fold
from portal.errors import abort_with
from portal.extensions import db
from portal.hotline.forms import CallForm, NewCaseForm, PeriodForm
from portal.models import Case, Category, Unit
from portal.web import feature_required, is_htmx_request, render_page_or_part, wants_part

bp = Blueprint("hotline", __name__, url_prefix="/hotline")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.route("")
@feature_required("hotline")
def index():
    query = request.args.get("q", "")
    outcome = search.search_cases(query, current_user)
    if outcome.exact_case is not None:
        # The operator typed a whole code: open the case, as a full page even from the active search.
        target = url_for("cases.detail", code=outcome.exact_case.code)
        if is_htmx_request():
            response = make_response("", 200)
            response.headers["HX-Redirect"] = target
            return response
        return redirect(target)
    if wants_part():
        # The results alone, as the operator types: the call panel and today's calls are not redrawn, and
        # whether a call is on the line matters only to offer one with the phone number typed.
        on_a_call = calls.has_open_call(current_user) if outcome.phone else False
        return render_page_or_part("hotline/index.html", "hotline/_results.html", outcome=outcome, query=query,
                                   current_call=on_a_call, now=clock.now())
    return render_page_or_part("hotline/index.html", "hotline/_results.html", outcome=outcome,
                               **_call_context(query))


@bp.route("/call", methods=["POST"])
@feature_required("hotline")
def call():
    """Start the operator's call, or save it, link a case to it, or end it (action=start|save|end)."""
    form = CallForm()
    query = request.form.get("q", "")
    action = request.form.get("action", "save")
    # A result's "link to the call" button sends link_case; it wins over the code typed in the form.
    if request.form.get("link_case"):
        form.case_code.data = request.form["link_case"]
    valid = form.validate_on_submit()
    if valid and action == "end":
        valid = form.validate_for_end()
    linked = calls.KEEP
    if valid and ("case_code" in request.form or "link_case" in request.form):
        linked = None
        if (form.case_code.data or "").strip():
            linked = _visible_case(form.case_code.data)
            if linked is None:
                form.case_code.errors = ["Không tìm thấy phản ánh có mã này."]
                valid = False
    if valid:
        fields = {name: (getattr(form, name).data or None) if name in request.form else calls.KEEP
                  for name in ("caller_phone", "topic", "notes", "outcome")}
        try:
            recorded = calls.record_call(current_user, now=clock.now(), case=linked, end=action == "end", **fields)
        except calls.CallError as refused:
            form.form_errors.append(str(refused))
            valid = False
    if not valid:
        db.session.rollback()
        if not is_htmx_request():
            outcome = search.search_cases(query, current_user)
            return render_template("hotline/index.html", outcome=outcome,
                                   **_call_context(query, form)), 422
        return render_template("hotline/_call.html", **_call_context(query, form)), 422
    db.session.commit()
    if action == "end":
        message = f"Đã lưu cuộc gọi bắt đầu lúc {local(recorded.started_at):%H:%M}."
    else:
        message = f"Đã lưu lúc {local(clock.now()):%H:%M}."
    if not is_htmx_request():
        flash(message, "success")
        return redirect(url_for("hotline.index", q=query or None))
    return render_template("hotline/_call.html", saved_message=message, refresh_today=True,
                           **_call_context(query))


@bp.route("/new-case", methods=["GET", "POST"])
@feature_required("hotline")
def new_case():
    form = NewCaseForm()
    categories, wards = _fill_case_choices(form)
    current = calls.open_call(current_user)
    if request.method == "GET":
        form.citizen_phone.data = request.args.get("phone") or (current.caller_phone if current else None)
    if form.validate_on_submit():
        now = clock.now()
        case = intake.file_case(
            intake.NewCase(
                source="hotline", category=categories[form.category.data], priority=form.priority.data,
                title=form.title.data, content=form.content.data, address=(form.address.data or "").strip() or None,
                ward=wards.get(form.ward.data), citizen_name=form.citizen_name.data.strip(),
                citizen_phone=form.citizen_phone.data.strip(),
                citizen_email=(form.citizen_email.data or "").strip() or None,
            ),
            now=now, calendar=load_calendar(), actor=current_user,
        )
        if current is not None:
            # The call on the line is the one that made this case.
            calls.record_call(current_user, now=now, case=case, topic=current.topic or "new_case",
                              outcome=current.outcome or "case_filed",
                              caller_phone=current.caller_phone or case.citizen_phone)
        db.session.commit()
        return redirect(url_for("hotline.filed", code=case.code))
    status = 422 if request.method == "POST" else 200
    return render_template("hotline/new_case.html", form=form, current_call=current), status


@bp.route("/filed/<code>")
@feature_required("hotline")
def filed(code: str):
    """The code of a case just filed, big, for the operator to read back to the caller."""
    case = _visible_case(code)
    if case is None:
        abort_with(404, "Không tìm thấy phản ánh có mã này.")
    return render_template("hotline/filed.html", case=case, now=clock.now(), calendar=load_calendar())


@bp.route("/calls")
@feature_required("hotline")
def calls_log():
    today = local(clock.now()).date()
    period_form = PeriodForm(formdata=request.args)
    status = 200
    day = _requested_day(today)
    problem, counts = None, []
    first, last = today.replace(day=1), today
    if period_form.validate():
        first, last = period_form.period(today)
        try:
            counts = calls.topic_counts(first, last)
        except calls.CallError as refused:
            problem = str(refused)
    else:
        problem = "Ngày không đúng định dạng (ngày/tháng/năm)."
    if problem:
        status = 422
    return render_template("hotline/calls.html", day=day, today=today, day_calls=calls.calls_on(day),
                           period_form=period_form, first=first, last=last, counts=counts,
                           totals=calls.totals(counts), labels=calls.topic_labels(), problem=problem), status


@bp.route("/calls/counts.xlsx")
@feature_required("hotline")
def export_counts():
    today = local(clock.now()).date()
    period_form = PeriodForm(formdata=request.args)
    if not period_form.validate():
        abort_with(422, "Ngày không đúng định dạng (ngày/tháng/năm).")
    first, last = period_form.period(today)
    try:
        counts = calls.topic_counts(first, last)
    except calls.CallError as refused:
        abort_with(422, str(refused))
    workbook = calls.topic_counts_workbook(counts, first, last)
    audit.record("export", now=clock.now(), actor=current_user, target="hotline_call_counts",
                 detail=f"Số cuộc gọi theo chủ đề {first:%d/%m/%Y}–{last:%d/%m/%Y}", address=request.remote_addr)
    db.session.commit()
    response = make_response(workbook)
    response.headers["Content-Type"] = XLSX
    response.headers["Content-Disposition"] = (
        f'attachment; filename="cuoc-goi-1022-{first:%Y%m%d}-{last:%Y%m%d}.xlsx"')
    return response


def _call_context(query: str, form: CallForm | None = None) -> dict:
    """What the call panel shows: the call on the line (a form filled from it, or the one just submitted
    with its errors), or a start form with the phone prefilled when the query is one; and today's calls."""
    current = calls.open_call(current_user)
    if form is None:
        form = CallForm(formdata=None)
        if current is not None:
            form.caller_phone.data = current.caller_phone
            form.topic.data = current.topic
            form.case_code.data = current.case.code if current.case else ""
            form.notes.data = current.notes
            form.outcome.data = current.outcome or ""
        elif phone_digits(query):
            form.caller_phone.data = query.strip()
    today = local(clock.now()).date()
    return {"call_form": form, "current_call": current, "query": query, "now": clock.now(),
            "todays_calls": calls.calls_on(today, operator=current_user)}


def _visible_case(code: str) -> Case | None:
    normalized = normalize_code(code)
    case = db.session.scalar(select(Case).where(Case.code == normalized)) if normalized else None
    return case if case is not None and access.can_view_case(current_user, case) else None


def _fill_case_choices(form: NewCaseForm) -> tuple[dict[int, Category], dict[int, Unit]]:
    categories = {c.id: c for c in db.session.scalars(select(Category).where(Category.active.is_(True))
                                                      .order_by(Category.name))}
    form.category.choices = [SelectChoice("", "— Chọn lĩnh vực —"),
                             *(SelectChoice(c.id, c.name) for c in categories.values())]
    wards = {u.id: u for u in db.session.scalars(select(Unit).where(Unit.kind == "ward", Unit.active.is_(True)))}
    parents = {u.id: u for u in db.session.scalars(
        select(Unit).where(Unit.id.in_({ward.parent_id for ward in wards.values() if ward.parent_id})))}
    choices = []
    for ward in wards.values():
        parent = parents.get(ward.parent_id)
        group = parent.name.removeprefix("UBND ") if parent is not None and parent.kind == "district" else "Phường, xã"
        choices.append(SelectChoice(ward.id, ward.name.removeprefix("UBND "), optgroup=group))
    choices.sort(key=lambda choice: (fold(choice.optgroup), fold(choice.label)))
    form.ward.choices = [SelectChoice("", "— Chưa rõ —"), *choices]
    return categories, wards


def _requested_day(today: date) -> date:
    try:
        return date.fromisoformat(request.args.get("day", "")) if request.args.get("day") else today
    except ValueError:
        return today

