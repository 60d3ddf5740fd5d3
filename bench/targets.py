"""`python -m bench.targets`: the endpoints the benchmark drives, found in the seeded database (JSON).

Each endpoint: a name, the account whose session it uses, the path, and whether it is an htmx part.
"""
import json

from sqlalchemy import func, select

from portal import create_app
from portal.extensions import db
from portal.models import Case, Unit
from portal.models.case import OPEN_STATES


def targets() -> dict:
    ward = db.session.scalar(select(Unit).where(Unit.code == "P00193"))
    # An open case of the demo ward (any case at a small scale, where the ward may have none open).
    case = db.session.scalar(select(Case).where(Case.unit_id == ward.id, Case.state.in_(OPEN_STATES))
                             .order_by(Case.id).limit(1)) or db.session.scalar(
        select(Case).where(Case.unit_id == ward.id).order_by(Case.id).limit(1))
    busiest = db.session.execute(
        select(Case.unit_id, func.count()).where(Case.state.in_(OPEN_STATES)).group_by(Case.unit_id)
        .order_by(func.count().desc()).limit(1)).one()
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
        "export": {"account": "bench.department", "path": "/queue.xlsx", "rows": busiest[1]},
    }


if __name__ == "__main__":
    app = create_app()
    with app.app_context():
        print(json.dumps(targets()))
