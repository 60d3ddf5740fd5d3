"""Inspections of units by the Department of Home Affairs (Sở Nội vụ): who may record one, and recording it."""
from __future__ import annotations

from datetime import date, datetime

from portal.extensions import db
from portal.models import Inspection, Unit, User

# Inspections are Home Affairs' findings: only its inspectors record them; everyone with compliance reads them.
RECORDING_ROLES = frozenset({"inspector"})


def may_record(user: User) -> bool:
    """True when the user may record an inspection of a unit."""
    return user.is_authenticated and user.role in RECORDING_ROLES


def record(unit: Unit, *, recorded_by: User, now: datetime, inspected_on: date, inspectors: str, findings: str,
           conclusion: str, follow_up_due: date | None) -> Inspection:
    """Add an inspection of a unit to the session (the caller commits)."""
    if not may_record(recorded_by):
        raise PermissionError("only inspectors record inspections")
    if follow_up_due is not None and follow_up_due < inspected_on:
        raise ValueError("the follow-up is due before the inspection")
    inspection = Inspection(unit_id=unit.id, inspected_on=inspected_on, inspectors=inspectors.strip(),
                            findings=findings.strip(), conclusion=conclusion.strip(), follow_up_due=follow_up_due,
                            recorded_by_id=recorded_by.id, recorded_at=now)
    db.session.add(inspection)
    return inspection
