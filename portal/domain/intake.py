"""Filing a new case, whatever its source: the app (Open311), the hotline, the web, an import."""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from portal.domain import codes, routing
from portal.domain.deadlines import handling_due_at
from portal.domain.phones import phone_digits
from portal.domain.working_time import WorkingCalendar
from portal.extensions import db
from portal.models import Case, CaseEvent, Category, Unit, User


@dataclass
class NewCase:
    """What a citizen (or someone for them) tells us; everything else the portal decides."""

    source: str
    category: Category
    title: str
    content: str
    priority: str = "normal"
    address: str | None = None
    ward: Unit | None = None
    latitude: float | None = None
    longitude: float | None = None
    citizen_name: str | None = None
    citizen_phone: str | None = None
    citizen_email: str | None = None


def unused_code(rng: random.Random | None = None) -> str:
    """A case code no case has yet."""
    while True:
        code = codes.new_code(rng)
        if db.session.scalar(select(Case.id).where(Case.code == code)) is None:
            return code


def file_case(new: NewCase, *, now: datetime, calendar: WorkingCalendar, actor: User | None = None,
              unit: Unit | None = None) -> Case:
    """Create the case with its code and deadline, and route it.

    Routed to `unit` when given, else to the category's default unit for the ward; with no unit
    it waits in the City Office's routing queue (state "received"). Adds the events; the caller commits.
    """
    target = unit or routing.default_unit(new.category, new.ward)
    case = Case(
        code=unused_code(),
        source=new.source,
        kind=new.category.kind,
        category=new.category,
        priority=new.priority,
        title=new.title.strip(),
        content=new.content.strip(),
        address=new.address,
        ward=new.ward,
        latitude=new.latitude,
        longitude=new.longitude,
        citizen_name=new.citizen_name,
        citizen_phone=new.citizen_phone,
        citizen_phone_digits=phone_digits(new.citizen_phone),
        citizen_email=new.citizen_email,
        unit=target,
        state="assigned" if target is not None else "received",
        received_at=now,
        assigned_at=now if target is not None else None,
        due_at=handling_due_at(calendar, new.category, new.priority, now),
        updated_at=now,
    )
    db.session.add(case)
    db.session.flush()
    db.session.add(CaseEvent(case_id=case.id, at=now, actor_id=actor.id if actor else None, type="received",
                             to_state="received", note=case.source_label))
    if target is not None:
        db.session.add(CaseEvent(case_id=case.id, at=now, actor_id=actor.id if actor else None, type="routed",
                                 from_state="received", to_state="assigned", to_unit_id=target.id,
                                 note="Tự động chuyển theo lĩnh vực và địa bàn"))
    return case
