"""The case page `/cases/<code>`: details, contact for those allowed, timeline."""
from flask import Blueprint, abort
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal import clock
from portal.domain import access
from portal.domain.codes import normalize_code
from portal.domain.deadlines import load_calendar
from portal.extensions import db
from portal.models import Case, CaseEvent
from portal.web import feature_required, render_page_or_part

bp = Blueprint("cases", __name__, url_prefix="/cases")


def get_case(code: str) -> Case:
    """The case with this code if the signed-in user may see it; 404 otherwise (never its content)."""
    normalized = normalize_code(code)
    case = db.session.scalar(select(Case).where(Case.code == normalized)) if normalized else None
    if case is None or not access.can_view_case(current_user, case):
        abort(404)
    return case


@bp.route("/<code>")
@feature_required("cases")
def detail(code: str):
    case = get_case(code)
    events = db.session.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case.id)
        .options(selectinload(CaseEvent.actor), selectinload(CaseEvent.to_unit), selectinload(CaseEvent.from_unit))
        .order_by(CaseEvent.id)
    ).all()
    now = clock.now()
    return render_page_or_part(
        "cases/detail.html", "cases/_timeline.html",
        case=case, events=events, now=now, calendar=load_calendar(),
        show_contact=access.can_see_contact(current_user, case),
    )
