"""State changes of a case: one table of who may do what in which state, and one function per action.

Every action takes the case, the actor, the form values, `now`, the working calendar and the
version of the case the user saw. It checks, in this order: the version (a stale form is a
conflict, a form posted twice is applied once), the role and state (the table below), the
unit and ownership rules, then the values. Only then does it change the case and add its
events, and flush, so the database's version check (``UPDATE … WHERE version = …``) settles a
race. Refusals raise a `WorkflowError` before anything changes. The caller commits.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Callable, Mapping

from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from portal.domain import access, attachments, codes
from portal.domain.deadlines import handling_due_at
from portal.domain.formatting import LOCAL_TZ, day
from portal.domain.numbers import whole_number
from portal.domain.routing import current_successor
from portal.domain.working_time import WorkingCalendar, due_after_pause
from portal.extensions import db
from portal.models import Case, CaseEvent, Unit, User
from portal.models.case import OPEN_STATES, RATINGS, STATES
from portal.models.user import ROLES

OPEN = frozenset(OPEN_STATES)
WORKING = frozenset({"in_progress", "paused"})
ANY_STATE = frozenset(STATES)
HANDLING_ROLES = frozenset({"handler", "unit_lead"})  # act only on their own unit's cases
MIN_ANSWER_CHARS = 30
MIN_ANSWER_WORDS = 5
MIN_REASON_CHARS = 10


@dataclass(frozen=True)
class Transition:
    """One action: its Vietnamese label, the events it writes, and for each role the states it starts from."""

    name: str
    label: str
    event_types: tuple[str, ...]
    allowed: Mapping[str, frozenset[str]]
    done: str  # the message after success


def _t(name, label, event_types, done, **allowed) -> Transition:
    return Transition(name, label, tuple(event_types), {role: frozenset(states) for role, states in allowed.items()},
                      done)


# The table. A role not listed may never take the action; a state not listed for a role is refused.
TRANSITIONS: dict[str, Transition] = {t.name: t for t in (
    _t("route", "Chuyển đơn vị xử lý", ["routed"], "Đã chuyển phản ánh đến đơn vị xử lý.",
       city_office={"received"}),
    _t("take", "Nhận xử lý", ["taken"], "Bạn đã nhận xử lý phản ánh.",
       handler={"assigned"}),
    _t("assign", "Giao cán bộ xử lý", ["assigned"], "Đã giao cán bộ xử lý.",
       unit_lead={"assigned", "in_progress", "paused"}),
    _t("save_draft", "Lưu dự thảo trả lời", ["answer_drafted"], "Đã lưu dự thảo trả lời.",
       handler={"in_progress"}, unit_lead={"in_progress"}),
    _t("publish_answer", "Trả lời", ["answered", "answer_submitted"], "Đã trả lời và công khai kết quả.",
       handler={"in_progress"}, unit_lead={"in_progress"}),
    _t("approve_answer", "Duyệt và công khai trả lời", ["answered"], "Đã duyệt và công khai trả lời.",
       unit_lead={"in_progress"}),
    _t("return_answer", "Trả lại dự thảo", ["answer_returned"], "Đã trả lại dự thảo cho cán bộ xử lý.",
       unit_lead={"in_progress"}),
    _t("require_approval", "Yêu cầu trình duyệt trả lời", ["approval_required"],
       "Trả lời của phản ánh này sẽ cần lãnh đạo duyệt trước khi công khai.",
       unit_lead={"assigned", "in_progress", "paused"}),
    _t("note", "Ghi chú nội bộ", ["note"], "Đã thêm ghi chú nội bộ.",
       handler=ANY_STATE - {"received"}, unit_lead=ANY_STATE - {"received"}, city_office=ANY_STATE),
    _t("pause", "Tạm dừng", ["paused"], "Đã tạm dừng; thời gian tạm dừng không tính vào hạn xử lý.",
       handler={"in_progress"}, unit_lead={"in_progress"}),
    _t("resume", "Tiếp tục xử lý", ["resumed"], "Đã tiếp tục xử lý; hạn xử lý được lùi tương ứng thời gian tạm dừng.",
       handler={"paused"}, unit_lead={"paused"}),
    _t("request_extension", "Đề nghị gia hạn", ["extension_requested"],
       "Đã gửi đề nghị gia hạn đến Văn phòng UBND Thành phố.",
       handler=WORKING, unit_lead=WORKING),
    _t("grant_extension", "Đồng ý gia hạn", ["extension_granted"], "Đã đồng ý gia hạn; hạn xử lý mới đã được ghi nhận.",
       city_office=WORKING),
    _t("deny_extension", "Không đồng ý gia hạn", ["extension_denied"], "Đã trả lời không đồng ý gia hạn.",
       city_office=WORKING),
    _t("return_case", "Trả lại (không thuộc thẩm quyền)", ["returned"],
       "Đã trả lại phản ánh cho Văn phòng UBND Thành phố để phân loại lại.",
       handler={"assigned", "in_progress"}, unit_lead={"assigned", "in_progress"}),
    _t("transfer", "Chuyển đơn vị khác", ["transferred"], "Đã chuyển phản ánh sang đơn vị khác.",
       city_office={"assigned", "in_progress"}, unit_lead={"assigned", "in_progress"}),
    _t("reject", "Từ chối tiếp nhận", ["rejected"], "Đã từ chối tiếp nhận phản ánh.",
       city_office=OPEN, unit_lead={"assigned", "in_progress", "paused"}),
    _t("rate", "Ghi nhận đánh giá của người dân", ["rated", "reopened"], "Đã ghi nhận đánh giá của người dân.",
       handler={"answered"}, unit_lead={"answered"}, city_office={"answered"}),
    _t("close", "Hoàn thành", ["closed"], "Đã hoàn thành phản ánh.",
       unit_lead={"answered"}, city_office={"answered"}),
)}

# Roles that may take some action on some case; every other role only reads (the hotline, chairs, inspectors).
ACTING_ROLES = frozenset(role for transition in TRANSITIONS.values() for role in transition.allowed)

# A handler acts on the cases given to them; these actions are open to any handler of the unit.
HANDLER_ANY_CASE = frozenset({"take", "note"})


# -- errors ------------------------------------------------------------------------------------

class WorkflowError(Exception):
    """A refused action; `status` is the HTTP status a view answers with, `message` is for the user."""

    status = 409

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class NotAllowed(WorkflowError):
    """The role may not take the action, or not in the case's state: nothing changed."""

    status = 409


class InvalidInput(WorkflowError):
    """A value is missing or wrong; `field` names the form field it belongs to."""

    status = 422

    def __init__(self, field_name: str, message: str):
        super().__init__(message)
        self.field = field_name


class StaleCase(WorkflowError):
    """Someone else changed the case after the user loaded it."""

    status = 409

    def __init__(self, by: str, at: datetime):
        self.by, self.at = by, at
        local = at.astimezone(LOCAL_TZ)
        super().__init__(f"Phản ánh này vừa được {by} cập nhật lúc {local:%H:%M} ngày {local:%d/%m/%Y}. "
                         "Vui lòng xem lại thông tin mới trước khi gửi lại; nội dung bạn đã nhập vẫn được giữ.")


class AlreadyDone(WorkflowError):
    """The same user's same action arrived twice (a double submit): the first one stands."""

    status = 200


# -- the outcome -------------------------------------------------------------------------------

@dataclass
class Outcome:
    case: Case
    transition: Transition
    events: list[CaseEvent]
    new_files: list[attachments.NewFile] = field(default_factory=list)
    message: str = ""


# -- who may do what ---------------------------------------------------------------------------

def refusal(action: str, actor: User, case: Case) -> str | None:
    """Why `actor` may not take `action` on `case` now (in Vietnamese), or None when they may."""
    transition = TRANSITIONS[action]
    states = transition.allowed.get(actor.role)
    if states is None:
        return f"Vai trò “{ROLES.get(actor.role, actor.role)}” không được thực hiện “{transition.label}”."
    if case.state not in states:
        return (f"Không thể “{transition.label}” khi phản ánh đang ở trạng thái “{case.state_label}”.")
    if actor.role in HANDLING_ROLES and case.unit_id != actor.unit_id:
        return "Phản ánh này không thuộc đơn vị của bạn."
    if actor.role == "handler" and action not in HANDLER_ANY_CASE and case.handler_id not in (actor.id, None):
        return "Phản ánh này đã được giao cho cán bộ khác; chỉ cán bộ được giao hoặc lãnh đạo đơn vị được thực hiện."
    if actor.role == "handler" and action not in HANDLER_ANY_CASE | {"return_case"} and case.handler_id is None:
        return "Vui lòng “Nhận xử lý” phản ánh trước."
    return _condition_refusal(action, actor, case)


def _condition_refusal(action: str, actor: User, case: Case) -> str | None:
    pending = case.answer_pending_approval
    if action in ("save_draft", "publish_answer") and actor.role == "handler" and pending:
        return "Dự thảo trả lời đang chờ lãnh đạo duyệt."
    if action in ("approve_answer", "return_answer") and not pending:
        return "Không có dự thảo trả lời nào đang chờ duyệt."
    if action == "require_approval" and case.approval_required:
        return "Phản ánh này đã được yêu cầu trình duyệt trả lời."
    if action == "request_extension" and case.has_pending_extension:
        return "Đã có đề nghị gia hạn đang chờ Văn phòng UBND Thành phố xem xét."
    if action in ("grant_extension", "deny_extension") and not case.has_pending_extension:
        return "Phản ánh này không có đề nghị gia hạn nào đang chờ."
    if action == "pause" and pending:
        return "Không thể tạm dừng khi dự thảo trả lời đang chờ duyệt."
    return None


def may(action: str, actor: User, case: Case) -> bool:
    return refusal(action, actor, case) is None


def available_actions(actor: User, case: Case) -> list[str]:
    """The actions the actor may take on the case now, in the table's order."""
    return [name for name in TRANSITIONS if may(name, actor, case)]


# -- running an action -------------------------------------------------------------------------

Action = Callable[..., Outcome]
ACTIONS: dict[str, Action] = {}


def perform(action: str, case: Case, actor: User, values: Mapping, *, now: datetime, calendar: WorkingCalendar,
            seen_version: int) -> Outcome:
    """Run the named action (see the module docstring); raises a WorkflowError when refused."""
    if action not in ACTIONS:
        raise NotAllowed("Thao tác không tồn tại.")
    return ACTIONS[action](case, actor, values, now, calendar, seen_version)


def action(name: str):
    """Register an action: the wrapper runs every check before the body, and flushes after it."""
    transition = TRANSITIONS[name]

    def decorator(body):
        def run(case: Case, actor: User, values: Mapping, now: datetime, calendar: WorkingCalendar,
                seen_version: int) -> Outcome:
            _check_version(transition, case, actor, seen_version)
            reason = refusal(name, actor, case)
            if reason:
                raise NotAllowed(reason)
            outcome = Outcome(case, transition, [], message=transition.done)
            body(outcome, actor, values, now, calendar)
            case.updated_at = now
            for new in outcome.new_files:
                db.session.add(new.attachment)
            try:
                db.session.flush()
            except StaleDataError:
                # Another session saved first: the UPDATE matched no row of our version.
                db.session.rollback()
                db.session.refresh(case)
                # The same form posted twice at once: the copy that lost is "already done", not a conflict.
                _check_version(transition, case, actor, seen_version)
                raise _stale(case) from None
            return outcome

        run.__name__ = run.__qualname__ = name
        run.__doc__ = body.__doc__
        ACTIONS[name] = run
        return run

    return decorator


def _check_version(transition: Transition, case: Case, actor: User, seen_version) -> None:
    if not isinstance(seen_version, int):
        raise InvalidInput("version", "Biểu mẫu thiếu thông tin phiên bản; vui lòng tải lại trang.")
    if seen_version == case.version:
        return
    last = latest_event(case)
    if (last is not None and case.version == seen_version + 1 and last.actor_id == actor.id
            and last.type in transition.event_types):
        raise AlreadyDone("Thao tác này đã được ghi nhận trước đó.")
    raise _stale(case, last)


def _stale(case: Case, last: CaseEvent | None = None) -> StaleCase:
    last = last or latest_event(case)
    by = last.actor.full_name if last is not None and last.actor is not None else "hệ thống"
    return StaleCase(by, last.at if last is not None else case.updated_at)


def latest_event(case: Case) -> CaseEvent | None:
    return db.session.scalar(select(CaseEvent).where(CaseEvent.case_id == case.id)
                             .order_by(CaseEvent.id.desc()).limit(1))


def _event(outcome: Outcome, actor: User, now: datetime, type_: str, *, to_state: str | None = None,
           from_unit_id: int | None = None, to_unit_id: int | None = None, note: str | None = None) -> CaseEvent:
    case = outcome.case
    event = CaseEvent(case_id=case.id, at=now, actor_id=actor.id, type=type_, from_state=case.state,
                      to_state=to_state or case.state, from_unit_id=from_unit_id, to_unit_id=to_unit_id, note=note)
    db.session.add(event)
    outcome.events.append(event)
    if to_state:
        case.state = to_state
    return event


# -- values ------------------------------------------------------------------------------------

def _text(values: Mapping, name: str) -> str:
    return (values.get(name) or "").strip()


def _reason(values: Mapping, name: str = "reason", what: str = "lý do") -> str:
    text = _text(values, name)
    if not text:
        raise InvalidInput(name, f"Vui lòng nhập {what}.")
    if len(text) < MIN_REASON_CHARS:
        raise InvalidInput(name, f"{what.capitalize()} quá ngắn: vui lòng ghi rõ (tối thiểu {MIN_REASON_CHARS} ký tự).")
    return text


def _answer_text(values: Mapping, name: str = "answer") -> str:
    text = _text(values, name)
    if not text:
        raise InvalidInput(name, "Vui lòng nhập nội dung trả lời.")
    words = [word for word in text.split() if any(ch.isalpha() for ch in word)]
    if len(text) < MIN_ANSWER_CHARS or len(words) < MIN_ANSWER_WORDS:
        raise InvalidInput(name, "Nội dung trả lời phải là ít nhất một câu hoàn chỉnh gửi người dân "
                                 f"(tối thiểu {MIN_ANSWER_WORDS} từ, {MIN_ANSWER_CHARS} ký tự).")
    return text


def _unit(values: Mapping, name: str = "unit") -> Unit:
    unit_id = whole_number(values.get(name))
    unit = db.session.get(Unit, unit_id) if unit_id else None
    if unit is None:
        raise InvalidInput(name, "Vui lòng chọn đơn vị xử lý.")
    successor = current_successor(unit)
    if successor is None:
        raise InvalidInput(name, f"{unit.name} đã giải thể, không nhận phản ánh.")
    if successor.kind in ("city", "city_office"):
        raise InvalidInput(name, "Vui lòng chọn đơn vị xử lý cụ thể (không chọn Văn phòng UBND Thành phố).")
    return successor


def _close_of(calendar: WorkingCalendar, value, name: str) -> datetime:
    """The close of business of a chosen day, which must be a working day."""
    if isinstance(value, datetime):
        value = value.astimezone(LOCAL_TZ).date()
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value.strip())
        except ValueError:
            value = None
    if not isinstance(value, date):
        raise InvalidInput(name, "Vui lòng chọn ngày theo dạng ngày/tháng/năm.")
    if not calendar.is_working_day(value):
        reason = calendar.holiday_name(value) or "ngày nghỉ cuối tuần"
        raise InvalidInput(name, f"Ngày {day(value)} không phải ngày làm việc ({reason}).")
    return datetime.combine(value, calendar.hours.periods[-1][1], LOCAL_TZ)


def _new_deadline(calendar: WorkingCalendar, case: Case, values: Mapping, name: str) -> datetime:
    due = _close_of(calendar, values.get(name), name)
    if case.due_at is not None and due <= case.due_at:
        raise InvalidInput(name, f"Hạn mới phải sau hạn hiện tại ({day(case.due_at)}).")
    return due


def _uploads(outcome: Outcome, actor: User, values: Mapping, now: datetime) -> None:
    try:
        outcome.new_files = attachments.new_files(outcome.case, actor, list(values.get("files") or []), now)
    except attachments.UploadRejected as rejected:
        raise InvalidInput("files", rejected.message) from None


# -- the actions -------------------------------------------------------------------------------

@action("route")
def route(outcome, actor, values, now, calendar):
    """City Office: send a case from the routing queue to the unit that handles it."""
    unit = _unit(values)
    case = outcome.case
    _event(outcome, actor, now, "routed", to_state="assigned", to_unit_id=unit.id, note=_text(values, "note") or None)
    case.unit_id, case.handler_id, case.assigned_at = unit.id, None, now


@action("take")
def take(outcome, actor, values, now, calendar):
    """A handler takes a case of the unit's queue into their own work."""
    _event(outcome, actor, now, "taken", to_state="in_progress")
    outcome.case.handler_id = actor.id


@action("assign")
def assign(outcome, actor, values, now, calendar):
    """The lead gives the case to one of the unit's handlers (or takes it over)."""
    case = outcome.case
    handler_id = whole_number(values.get("handler"))
    handler = db.session.get(User, handler_id) if handler_id else None
    if handler is None or not handler.active or handler.unit_id != case.unit_id or handler.role not in HANDLING_ROLES:
        raise InvalidInput("handler", "Vui lòng chọn một cán bộ xử lý của đơn vị.")
    if handler.id == case.handler_id:
        raise InvalidInput("handler", f"Phản ánh đã được giao cho {handler.full_name}.")
    _event(outcome, actor, now, "assigned", to_state="in_progress" if case.state == "assigned" else None,
           note=handler.full_name)
    case.handler_id = handler.id


@action("save_draft")
def save_draft(outcome, actor, values, now, calendar):
    """Keep the answer being written (with its files) without sending it to the citizen."""
    text = _text(values, "answer")
    _uploads(outcome, actor, values, now)
    if not text and not outcome.new_files:
        raise InvalidInput("answer", "Vui lòng nhập nội dung trả lời hoặc chọn tệp đính kèm để lưu dự thảo.")
    _event(outcome, actor, now, "answer_drafted")
    if text:
        outcome.case.answer_draft = text


@action("publish_answer")
def publish_answer(outcome, actor, values, now, calendar):
    """Answer the citizen; when the lead requires approval, a handler's answer goes to the lead first."""
    case = outcome.case
    text = _answer_text(values)
    _uploads(outcome, actor, values, now)
    if case.approval_required and actor.role == "handler":
        _event(outcome, actor, now, "answer_submitted")
        case.answer_draft, case.answer_pending_approval = text, True
        outcome.message = "Đã trình lãnh đạo đơn vị duyệt dự thảo trả lời."
        return
    _publish(outcome, actor, now, text)


def _publish(outcome: Outcome, actor: User, now: datetime, text: str, note: str | None = None) -> None:
    case = outcome.case
    _event(outcome, actor, now, "answered", to_state="answered", note=note)
    case.answer, case.answer_draft, case.answer_pending_approval = text, None, False
    case.answered_at = now
    _clear_extension_request(case)


@action("approve_answer")
def approve_answer(outcome, actor, values, now, calendar):
    """The lead approves the submitted draft (possibly edited) and publishes it."""
    text = _answer_text(values) if _text(values, "answer") else outcome.case.answer_draft
    _publish(outcome, actor, now, text, note="Lãnh đạo đơn vị duyệt")


@action("return_answer")
def return_answer(outcome, actor, values, now, calendar):
    """The lead sends the draft back to the handler with what to change."""
    _event(outcome, actor, now, "answer_returned", note=_reason(values, what="nội dung cần sửa"))
    outcome.case.answer_pending_approval = False


@action("require_approval")
def require_approval(outcome, actor, values, now, calendar):
    """The lead asks to approve this case's answer before the citizen sees it."""
    _event(outcome, actor, now, "approval_required")
    outcome.case.approval_required = True


@action("note")
def note(outcome, actor, values, now, calendar):
    """An internal note for colleagues; never shown to the citizen."""
    _event(outcome, actor, now, "note", note=_reason(values, "note", "nội dung ghi chú"))


@action("pause")
def pause(outcome, actor, values, now, calendar):
    """Stop the deadline clock while waiting for the citizen or another body."""
    _event(outcome, actor, now, "paused", to_state="paused", note=_reason(values))
    outcome.case.paused_at = now


@action("resume")
def resume(outcome, actor, values, now, calendar):
    """Start the clock again; the deadline moves by the working time spent paused."""
    case = outcome.case
    old_due = case.due_at
    if case.due_at is not None and case.paused_at is not None:
        case.due_at = due_after_pause(calendar, case.due_at, case.paused_at, max(now, case.paused_at))
    moved = f"Hạn xử lý: {_moment(old_due)} → {_moment(case.due_at)}" if old_due != case.due_at else None
    _event(outcome, actor, now, "resumed", to_state="in_progress",
           note="; ".join(filter(None, [_text(values, "note"), moved])) or None)
    case.paused_at = None


@action("request_extension")
def request_extension(outcome, actor, values, now, calendar):
    """Ask the City Office for more time: a reason and a proposed new deadline."""
    case = outcome.case
    reason = _reason(values)
    proposed = _new_deadline(calendar, case, values, "proposed_date")
    _event(outcome, actor, now, "extension_requested", note=f"Đề nghị gia hạn đến {day(proposed)}: {reason}")
    case.extension_requested_at, case.extension_requested_by_id = now, actor.id
    case.extension_reason, case.extension_proposed_due_at = reason, proposed


@action("grant_extension")
def grant_extension(outcome, actor, values, now, calendar):
    """The City Office grants the extension: the deadline moves and the extension is counted."""
    case = outcome.case
    if not values.get("due_date"):
        values = {**values, "due_date": case.extension_proposed_due_at}
    due = _new_deadline(calendar, case, values, "due_date")
    old_due = case.due_at
    comment = _text(values, "note")
    _event(outcome, actor, now, "extension_granted",
           note=f"Gia hạn từ {day(old_due)} đến {day(due)}" + (f": {comment}" if comment else ""))
    case.due_at = due
    case.extension_count += 1
    _clear_extension_request(case)


@action("deny_extension")
def deny_extension(outcome, actor, values, now, calendar):
    """The City Office refuses the extension, saying why; the deadline stays."""
    _event(outcome, actor, now, "extension_denied", note=_reason(values))
    _clear_extension_request(outcome.case)


def _clear_extension_request(case: Case) -> None:
    case.extension_requested_at = case.extension_requested_by_id = None
    case.extension_reason = case.extension_proposed_due_at = None


@action("return_case")
def return_case(outcome, actor, values, now, calendar):
    """Not this unit's competence: back to the City Office's routing queue; counts as a transfer."""
    case = outcome.case
    _event(outcome, actor, now, "returned", to_state="received", from_unit_id=case.unit_id, note=_reason(values))
    _leave_unit(case)
    case.unit_id = None


@action("transfer")
def transfer(outcome, actor, values, now, calendar):
    """Pass the case to another unit (City Office or the lead), with the reason."""
    case = outcome.case
    unit = _unit(values)
    if unit.id == case.unit_id:
        raise InvalidInput("unit", "Vui lòng chọn một đơn vị khác đơn vị đang xử lý.")
    reason = _reason(values)
    _event(outcome, actor, now, "transferred", to_state="assigned", from_unit_id=case.unit_id, to_unit_id=unit.id,
           note=reason)
    _leave_unit(case)
    case.unit_id, case.assigned_at = unit.id, now


def _leave_unit(case: Case) -> None:
    case.handler_id = None
    case.transfer_count += 1
    case.answer_pending_approval = case.approval_required = False
    _clear_extension_request(case)


@action("reject")
def reject(outcome, actor, values, now, calendar):
    """Refuse the case (duplicate, spam, not a PAKN), with the reason and the code it duplicates."""
    case = outcome.case
    reason = _reason(values)
    duplicate = None
    typed = _text(values, "duplicate_of")
    if typed:
        code = codes.normalize_code(typed)
        duplicate = db.session.scalar(select(Case).where(Case.code == code)) if code else None
        # A case the actor may not see does not exist for them (nor does its code on this case's page).
        if duplicate is None or not access.can_view_case(actor, duplicate):
            raise InvalidInput("duplicate_of", f"Không tìm thấy phản ánh có mã “{typed}”.")
        if duplicate.id == case.id:
            raise InvalidInput("duplicate_of", "Phản ánh không thể trùng với chính nó.")
        reason = f"{reason} (trùng với phản ánh {duplicate.code})"
    _event(outcome, actor, now, "rejected", to_state="rejected", note=reason)
    case.reject_reason = reason
    case.duplicate_of_id = duplicate.id if duplicate else None
    _clear_extension_request(case)


@action("rate")
def rate(outcome, actor, values, now, calendar):
    """Record the citizen's rating; "chưa hài lòng" reopens the case with a new deadline."""
    case = outcome.case
    rating = values.get("rating")
    if rating not in RATINGS:
        raise InvalidInput("rating", "Vui lòng chọn mức đánh giá của người dân.")
    case.rating = rating
    if rating != "unsatisfied":
        _event(outcome, actor, now, "rated", to_state="closed", note=RATINGS[rating])
        case.closed_at = now
        return
    _event(outcome, actor, now, "rated", note=RATINGS[rating])
    new_due = handling_due_at(calendar, case.category, case.priority, now)
    _event(outcome, actor, now, "reopened", to_state="in_progress",
           note=f"Người dân chưa hài lòng, xử lý lại; hạn xử lý mới {_moment(new_due)}")
    case.due_at, case.answered_at = new_due, None
    outcome.message = "Đã ghi nhận “Chưa hài lòng”: phản ánh được mở lại với hạn xử lý mới."


@action("close")
def close(outcome, actor, values, now, calendar):
    """Close an answered case (the rating window passed, or no rating is coming)."""
    _event(outcome, actor, now, "closed", to_state="closed", note=_text(values, "note") or None)
    outcome.case.closed_at = now


def _moment(value: datetime | None) -> str:
    if value is None:
        return "–"
    local = value.astimezone(LOCAL_TZ)
    return f"{local:%H:%M} {local:%d/%m/%Y}"


# Every transition in the table has its action, and nothing else is an action.
assert set(ACTIONS) == set(TRANSITIONS), set(TRANSITIONS) ^ set(ACTIONS)
