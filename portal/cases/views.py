"""The case page `/cases/<code>`: details, contact for those allowed, files, timeline and the actions
the user's role may take in the case's state."""
from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, make_response, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from sqlalchemy import JSON, bindparam, exists, func, select, type_coerce
from sqlalchemy.orm import joinedload, with_expression

from portal import clock
from portal.cases import markup
from portal.cases.forms import ACTION_GROUPS, FILE_HINT, ActionForm, ShownForm
from portal.domain import access, attachments, routing, workflow
from portal.domain.attachments import MAX_FILE_BYTES
from portal.domain.codes import normalize_code
from portal.domain.deadlines import load_calendar, shown_calendar
from portal.domain.formatting import local, moment
from portal.errors import abort_with, error_response
from portal.extensions import db
from portal.models import Attachment, Case, CaseEvent, Unit, User
from portal.models.case import EVENT_TYPES
from portal.models.unit import UNIT_KINDS
from portal.web import feature_required, render_page_or_part, wants_part

bp = Blueprint("cases", __name__, url_prefix="/cases")

TOO_LARGE = (f"Tệp gửi lên quá lớn: mỗi tệp tối đa {MAX_FILE_BYTES // (1024 * 1024)} MB và cả lần gửi không quá "
             "{total} MB. Vui lòng chọn tệp nhỏ hơn (có thể chụp lại ảnh ở độ phân giải thấp hơn).")


def get_case(code: str, *, with_timeline: bool = False) -> Case:
    """The case with this code if the signed-in user may see it; 404 otherwise (never its content).
    `with_timeline`: its events too, in the same statement (`Case.timeline_events`), for the case page."""
    normalized = normalize_code(code)
    statement = _case_page_statement(db.engine.dialect.name) if with_timeline else _CASE_BY_CODE
    case = db.session.scalar(statement, {"code": normalized}) if normalized else None
    if case is None or not access.can_view_case(current_user, case):
        abort(404)
    return case


# Built once (SQLAlchemy keeps the compiled form): the case with its category, unit and handler, which
# the page and the access check always read, and whether it has files, in the same query; its files.
_CASE_BY_CODE = (select(Case).where(Case.code == bindparam("code"))
                 .options(joinedload(Case.category), joinedload(Case.unit), joinedload(Case.handler),
                          with_expression(Case.has_files,
                                          exists().where(Attachment.case_id == Case.id).correlate(Case))))
_FILES = select(Attachment).where(Attachment.case_id == bindparam("case_id")).order_by(Attachment.id)


@functools.cache
def _case_page_statement(dialect: str):
    """_CASE_BY_CODE with the case's events as one JSON array, a round trip fewer than a query of their
    own: [id, type, at, note, actor's name, unit's name] each, the names looked up by key. Built once per
    database kind (PostgreSQL's json_agg, SQLite's json_group_array; the order is restored from the ids)."""
    actor = select(User.full_name).where(User.id == CaseEvent.actor_id).scalar_subquery()
    unit = select(Unit.name).where(Unit.id == CaseEvent.to_unit_id).scalar_subquery()
    fields = (CaseEvent.id, CaseEvent.type, CaseEvent.at, CaseEvent.note, actor, unit)
    events = (func.json_agg(func.json_build_array(*fields)) if dialect == "postgresql"
              else func.json_group_array(func.json_array(*fields)))
    timeline = type_coerce(select(events).where(CaseEvent.case_id == Case.id).correlate(Case).scalar_subquery(), JSON)
    return _CASE_BY_CODE.options(with_expression(Case.timeline_events, timeline))


@bp.route("/<code>")
@feature_required("cases")
def detail(code: str):
    return _render_case(get_case(code, with_timeline=True))


@bp.route("/<code>/actions/<group_name>", methods=["POST"])
@feature_required("cases")
def act(code: str, group_name: str):
    case = get_case(code)
    group = ACTION_GROUPS.get(group_name) or abort(404)
    form = group.form(prefix=group.name)
    action = request.form.get("intent") or group.actions[0]
    if action not in group.actions:
        abort(400)
    if current_user.role not in workflow.ACTING_ROLES:
        # A reading role (hotline, chair, inspector) is refused outright, whatever the form holds.
        abort_with(403, workflow.refusal(action, current_user, case))
    seen_version = form.seen_version()
    try:
        outcome = workflow.perform(action, case, current_user, form.values(), now=clock.now(),
                                   calendar=load_calendar(), seen_version=seen_version)
        written = attachments.write_files(outcome.new_files, current_app.config["UPLOAD_FOLDER"])
        try:
            db.session.commit()
        except Exception:
            attachments.remove_files(written)
            raise
    except workflow.AlreadyDone as done:
        db.session.rollback()
        return _after_success(case, done.message)
    except workflow.InvalidInput as invalid:
        db.session.rollback()
        field = getattr(form, invalid.field, None)
        if field is not None and invalid.field != "version":
            field.errors = list(field.errors or []) + [invalid.message]
        else:
            form.form_errors.append(invalid.message)
        return _render_case(case, kept=(group.name, form), status=422, open_group=group.name)
    except workflow.WorkflowError as refused:  # stale version or not allowed: nothing changed
        db.session.rollback()
        db.session.refresh(case)
        form.version.data = str(case.version)  # they have now seen the latest; their text is kept
        return _render_case(case, kept=(group.name, form), status=refused.status, alert=refused.message,
                            open_group=group.name)
    return _after_success(case, outcome.message)


def _after_success(case: Case, message: str):
    if not access.can_view_case(current_user, case):
        # Returned or transferred away: the case is no longer this unit's, so go back to the queue.
        flash(f"{message} (phản ánh {case.code})", "success")
        target = url_for("queue.index") if access.may_use(current_user, "queue") else url_for("main.home")
        if wants_part():
            response = make_response("", 204)
            response.headers["HX-Redirect"] = target
            return response
        return redirect(target, 303)
    if wants_part():
        return _render_case(case, notice=message)
    flash(message, "success")
    return redirect(url_for("cases.detail", code=case.code), 303)


@bp.route("/<code>/files/<int:attachment_id>")
@feature_required("cases")
def attachment(code: str, attachment_id: int):
    case = get_case(code)
    stored = db.session.get(Attachment, attachment_id)
    if stored is None or stored.case_id != case.id:
        abort(404)
    path = attachments.path_of(stored, current_app.config["UPLOAD_FOLDER"])
    if not path.is_file():
        abort(404)
    response = send_file(path, mimetype=stored.content_type, download_name=stored.file_name,
                         as_attachment=not stored.is_image, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.errorhandler(413)
def too_large(error):
    total = (current_app.config.get("MAX_CONTENT_LENGTH") or 0) // (1024 * 1024)
    message = TOO_LARGE.format(total=total)
    if wants_part():
        # Say it where the form is, rather than replacing the case with an error page.
        response = make_response(render_template("cases/_alert.html", alert=message), 413)
        response.headers["HX-Retarget"] = "#case-alert"
        response.headers["HX-Reswap"] = "outerHTML"
        return response
    return error_response(413, message)


# -- rendering ---------------------------------------------------------------------------------

def _render_case(case: Case, *, kept: tuple[str, ActionForm] | None = None, status: int = 200,
                 alert: str | None = None, notice: str | None = None, open_group: str | None = None):
    now = clock.now()
    user = current_user._get_current_object()
    show_contact = access.can_see_contact(user, case)
    # has_files is None after a refresh (a refused POST): then ask.
    files = db.session.scalars(_FILES, {"case_id": case.id}).all() if case.has_files is not False else []
    available = set(workflow.available_actions(user, case))
    forms = {}
    for group in ACTION_GROUPS.values():
        if not available.intersection(group.actions):
            continue
        if kept and kept[0] == group.name:
            form = ShownForm.kept(group, kept[1])
        else:
            form = ShownForm.fresh(group, case.version, _defaults(group.name, case))
        forms[group.name] = form
    _choices(forms, case)
    if kept and kept[0] not in forms and alert is None:
        # The form sent is not one this user has on the page now: say what was wrong above the case.
        kept_form = kept[1]
        alert = " ".join([*kept_form.form_errors, *(error for f in kept_form for error in f.errors)]) or None
    return render_page_or_part(
        "cases/detail.html", "cases/_case.html", status=status,
        case=case, timeline=_timeline(case, show_contact), files=files, now=now, calendar=_calendar_if_running(case),
        show_contact=show_contact,
        forms=forms, groups=ACTION_GROUPS, available=available, alert=alert, notice=notice,
        open_group=open_group, file_hint=FILE_HINT, back_url=_back_to_queue(),
        field=markup.field, unit_select=markup.unit_select, act_url=_act_url_pattern(case.code),
    )


def _act_url_pattern(code: str) -> str:
    """The address of the case's action forms, "{}" standing for the group: one url_for for them all."""
    url = url_for("cases.act", code=code, group_name="GROUP")
    head, _, tail = url.rpartition("GROUP")
    return head.replace("{", "{{").replace("}", "}}") + "{}" + tail


def _calendar_if_running(case: Case):
    """The working calendar when the page counts the time left (an open case with a deadline, not
    paused); other pages never read it, so they skip its query."""
    if case.is_open and case.due_at and case.state != "paused":
        return shown_calendar()
    return None


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """One line of the case's timeline, as it reads."""
    label: str
    unit: str | None  # where a routing or transfer sent the case
    moment: str
    actor: str | None
    note: str | None


# Events whose line names the unit the case went to.
_SENT_TO_UNIT = frozenset({"routed", "transferred", "unit_merged"})
# The names are looked up by key for each event (a case has a handful): cheaper to plan and to run
# than joins, which PostgreSQL answers by hashing every user and unit.
_TIMELINE = (select(CaseEvent.type, CaseEvent.at, CaseEvent.note,
                    select(User.full_name).where(User.id == CaseEvent.actor_id).scalar_subquery(),
                    select(Unit.name).where(Unit.id == CaseEvent.to_unit_id).scalar_subquery())
             .where(CaseEvent.case_id == bindparam("case_id"))
             .order_by(CaseEvent.id))


def _timeline(case: Case, show_contact: bool) -> list[TimelineEntry]:
    """The case's events with who did them and where they sent it; an internal note's text only for those
    who see the citizen's contact. Read with the case when the page loaded it so (`get_case(…,
    with_timeline=True)`); after an action (the case changed, or was refreshed) in a query of its own."""
    loaded = case.__dict__.get("timeline_events")  # not an attribute read: that would load it again
    if loaded is not None:
        events = [(kind, _utc(at), note, actor, unit) for _, kind, at, note, actor, unit in sorted(loaded)]
    else:
        # On the session's connection: plain rows, past the ORM's handling of results.
        events = db.session.connection().execute(_TIMELINE, {"case_id": case.id})
    return [
        TimelineEntry(label=EVENT_TYPES.get(kind, kind), unit=unit if kind in _SENT_TO_UNIT else None,
                      moment=moment(at), actor=actor,
                      note=note if note and (kind != "note" or show_contact) else None)
        for kind, at, note, actor, unit in events
    ]


def _utc(text: str) -> datetime:
    """A moment as JSON carries it (ISO 8601, UTC without an offset, as the column keeps it)."""
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


def _back_to_queue() -> str | None:
    """The queue the user came from (with its filters), or their queue; None for roles without one."""
    if not access.may_use(current_user, "queue"):
        return None
    queue_url = url_for("queue.index")
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc == request.host and referrer.path == queue_url:
        return queue_url + (f"?{referrer.query}" if referrer.query else "")
    return queue_url


def _defaults(name: str, case: Case) -> dict | None:
    """What a group's fields start with on a new view of the case."""
    if name in ("answer", "review"):
        return {"answer": case.answer_draft}
    if name == "decision" and case.extension_proposed_due_at:
        return {"due_date": local(case.extension_proposed_due_at).date()}
    if name == "route":
        suggested = routing.default_unit(case.category, case.ward)
        return {"unit": str(suggested.id) if suggested else ""}
    return None


def _choices(forms: dict[str, ShownForm], case: Case) -> None:
    """The options of the select fields of the forms shown."""
    if "route" in forms or "transfer" in forms:
        units = _unit_choices(exclude=case.unit_id)
        for name in ("route", "transfer"):
            if name in forms:
                forms[name].unit.choices = units
    if "assign" in forms:
        staff = db.session.scalars(
            select(User).where(User.unit_id == case.unit_id, User.active, User.role.in_(("handler", "unit_lead")))
            .order_by(User.role, User.full_name)
        ).all()
        forms["assign"].handler.choices = [("", "— Chọn cán bộ —")] + [
            (str(user.id), f"{user.full_name} ({user.role_label})") for user in staff if user.id != case.handler_id
        ]


def _unit_choices(exclude: int | None) -> dict:
    """Active handling units grouped by kind, for a select with option groups."""
    rows = db.session.execute(
        select(Unit.id, Unit.name, Unit.kind).where(Unit.active, Unit.kind.notin_(("city", "city_office")))
        .order_by(Unit.name)
    ).all()
    grouped: dict[str, list] = {"": [("", "— Chọn đơn vị —")]}
    for kind in ("department", "agency", "company", "district", "ward"):
        options = [(str(unit_id), name) for unit_id, name, unit_kind in rows if unit_kind == kind and unit_id != exclude]
        if options:
            grouped[UNIT_KINDS[kind]] = options
    return grouped
