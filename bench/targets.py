"""`python -m bench.targets`: the endpoints the benchmark drives, found in the seeded database (JSON).

Each endpoint: a name, the account whose session it uses, the path, and whether it is an htmx part.
"""
import json
from datetime import datetime, time, timedelta

from sqlalchemy import func, select

from portal import create_app
from portal.domain.formatting import LOCAL_TZ, local
from portal.extensions import db
from portal.models import Case, Unit
from portal.models.case import OPEN_STATES


def targets() -> dict:
    ward = db.session.scalar(select(Unit).where(Unit.code == "P00193"))
    # An open case of the demo ward (any case at a small scale, where the ward may have none open).
    case = db.session.scalar(select(Case).where(Case.unit_id == ward.id, Case.state.in_(OPEN_STATES))
                             .order_by(Case.id).limit(1)) or db.session.scalar(
        select(Case).where(Case.unit_id == ward.id).order_by(Case.id).limit(1))
    phone = case.citizen_phone
    spaced_phone = f"{phone[:4]} {phone[4:7]} {phone[7:]}"
    return {
        "endpoints": [
            {"name": "healthz", "account": None, "path": "/healthz"},
            {"name": "queue_ward", "account": "demo.handler", "path": "/queue", "part": True},
            {"name": "queue_department", "account": "bench.department", "path": "/queue", "part": True},
            {"name": "case_page", "account": "demo.handler", "path": f"/cases/{case.code}"},
            {"name": "compliance_city", "account": "demo.office", "path": "/compliance"},
            # The chairman of the district opens his own table: /compliance is his district's.
            {"name": "compliance_district", "account": "demo.chair", "path": "/compliance"},
            {"name": "hotline_code", "account": "demo.hotline", "path": f"/hotline?q={case.code}", "part": True},
            {"name": "hotline_phone", "account": "demo.hotline",
             "path": "/hotline?q=" + spaced_phone.replace(" ", "+"), "part": True},
            {"name": "hotline_text", "account": "demo.hotline", "path": "/hotline?q=rac+thai+ton+dong", "part": True},
            {"name": "open311_requests", "account": None, "path": "/open311/v2/requests.json"},
        ],
        "export": _register_export(),
    }


def _register_export() -> dict:
    """The City Office's register of the cases received in the latest days holding a tenth of all cases
    (100,000 of a million): /queue/register.xlsx for that period, and how many rows it holds."""
    total = db.session.scalar(select(func.count()).select_from(Case))
    wanted = max(1, round(total / 10))
    newest = db.session.scalar(select(func.max(Case.received_at)))
    nth = db.session.scalar(select(Case.received_at).order_by(Case.received_at.desc()).offset(wanted - 1).limit(1))
    first, last = local((nth or newest)).date(), local(newest).date()
    start = datetime.combine(first, time(0), tzinfo=LOCAL_TZ)
    end = datetime.combine(last + timedelta(days=1), time(0), tzinfo=LOCAL_TZ)
    rows = db.session.scalar(select(func.count()).select_from(Case).where(Case.received_at >= start,
                                                                          Case.received_at < end))
    return {"account": "demo.office", "path": f"/queue/register.xlsx?start={first:%d/%m/%Y}&end={last:%d/%m/%Y}",
            "rows": rows}


if __name__ == "__main__":
    app = create_app()
    with app.app_context():
        print(json.dumps(targets()))
