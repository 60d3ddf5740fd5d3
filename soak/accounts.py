"""Accounts for the soak's clients, in the demo database: `python -m soak.accounts CLIENTS`.

The demo has one handler and one lead who can sign in. The soak needs one account per client, in a
few busy units, so that handlers take and answer cases their colleagues also want, and leads and the
City Office move cases between those units. The units' existing handlers keep their cases and get the
demo password; more handlers, a lead per unit and City Office staff are added. Prints the plan as
JSON: the clients (username, role, unit), the soak units and the last event id before the soak.
"""
from __future__ import annotations

import json
import random
import sys

from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from portal import create_app
from portal.extensions import db
from portal.models import Case, CaseEvent, Unit, User
from portal.seed import DEMO_PASSWORD, _person

HANDLING_KINDS = ("department", "agency", "company", "district", "ward")


def plan(clients: int) -> dict:
    units_wanted = max(2, min(8, clients // 6))
    busy = db.session.execute(
        select(Unit.id, Unit.code).join(Case, Case.unit_id == Unit.id)
        .where(Case.state.in_(("assigned", "in_progress", "paused")), Unit.kind.in_(HANDLING_KINDS), Unit.active)
        .group_by(Unit.id, Unit.code).order_by(func.count().desc(), Unit.code).limit(units_wanted)
    ).all()
    office_unit = db.session.scalar(select(Unit).where(Unit.kind == "city_office"))
    password_hash = generate_password_hash(DEMO_PASSWORD, method="scrypt")
    office_count = max(1, round(clients * 0.1))
    lead_count = min(len(busy), max(1, clients // 6))
    handler_count = max(0, clients - office_count - lead_count)

    rng = random.Random(20261116)

    def account(username: str, role: str, unit_id: int) -> User:
        user = db.session.scalar(select(User).where(User.username == username))
        if user is None:
            user = User(username=username, full_name=_person(rng), role=role, unit_id=unit_id)
            db.session.add(user)
        user.password_hash, user.active, user.must_change_password = password_hash, True, False
        return user

    chosen: list[tuple[User, str]] = []
    for n in range(office_count):
        name = "demo.office" if n == 0 else f"soak.office{n}"
        chosen.append((account(name, "city_office", office_unit.id), "VP-UBND"))
    for unit_id, code in busy[:lead_count]:
        lead = db.session.scalar(select(User).where(User.unit_id == unit_id, User.role == "unit_lead")
                                 .order_by(User.id).limit(1))
        name = lead.username if lead else f"soak.lead.{code.lower()}"
        chosen.append((account(name, "unit_lead", unit_id), code))
    existing = {unit_id: list(db.session.scalars(
        select(User.username).where(User.unit_id == unit_id, User.role == "handler").order_by(User.id)))
        for unit_id, _ in busy}
    for n in range(handler_count):
        unit_id, code = busy[n % len(busy)]
        names = existing[unit_id]
        index = n // len(busy)
        name = names[index] if index < len(names) else f"soak.cb{index + 1}.{code.lower()}"
        chosen.append((account(name, "handler", unit_id), code))
    db.session.commit()
    return {
        "clients": [{"username": user.username, "role": user.role, "unit_id": user.unit_id, "unit_code": code,
                     "full_name": user.full_name} for user, code in chosen],
        "units": [{"id": unit_id, "code": code} for unit_id, code in busy],
        "last_event_id": db.session.scalar(select(func.max(CaseEvent.id))) or 0,
    }


if __name__ == "__main__":
    app = create_app()
    with app.app_context():
        print(json.dumps(plan(int(sys.argv[1]))))
