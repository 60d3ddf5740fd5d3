"""A small factory of units, users, categories and cases for tests."""
from __future__ import annotations

import itertools
from datetime import datetime, timezone

from werkzeug.security import generate_password_hash

from portal.domain import codes
from portal.domain.phones import phone_digits
from portal.extensions import db
from portal.models import Case, CaseEvent, Category, Unit, User

PASSWORD = "correct-horse-42"
# scrypt is slow by design; one hash serves every test user.
_PASSWORD_HASH = generate_password_hash(PASSWORD, method="scrypt")
_sequence = itertools.count(1)


class Factory:
    def unit(self, name: str | None = None, kind: str = "ward", parent: Unit | None = None,
             code: str | None = None) -> Unit:
        n = next(_sequence)
        unit = Unit(code=code or f"U{n:05d}", name=name or f"UBND Phường Thử {n}", kind=kind, active=True)
        db.session.add(unit)
        db.session.flush()
        unit.set_parent(parent)
        db.session.commit()
        return unit

    def user(self, role: str = "handler", unit: Unit | None = None, username: str | None = None,
             full_name: str | None = None) -> User:
        n = next(_sequence)
        user = User(username=username or f"user{n}", full_name=full_name or f"Cán bộ Số {n}",
                    role=role, unit=unit or self.unit(), password_hash=_PASSWORD_HASH)
        db.session.add(user)
        db.session.commit()
        return user

    def category(self, code: str | None = None, name: str = "Giao thông", kind: str = "field",
                 default_unit_kind: str = "ward", **fields) -> Category:
        n = next(_sequence)
        category = Category(code=code or f"C{n}", name=name, kind=kind, default_unit_kind=default_unit_kind,
                            **fields)
        db.session.add(category)
        db.session.commit()
        return category

    def case(self, unit: Unit | None = None, state: str = "assigned", category: Category | None = None,
             received_at: datetime | None = None, due_at: datetime | None = None, **fields) -> Case:
        received_at = received_at or datetime(2026, 11, 10, 2, 0, tzinfo=timezone.utc)
        case = Case(
            code=fields.pop("code", None) or codes.new_code(),
            source=fields.pop("source", "app"),
            kind=(category.kind if category else "field"),
            category=category or self.category(),
            priority=fields.pop("priority", "normal"),
            title=fields.pop("title", "Ổ gà trên đường Láng"),
            content=fields.pop("content", "Mặt đường có ổ gà lớn gây nguy hiểm cho người đi xe máy."),
            unit=unit,
            state=state,
            received_at=received_at,
            due_at=due_at or datetime(2026, 11, 24, 10, 0, tzinfo=timezone.utc),
            **fields,
        )
        if case.citizen_phone and not case.citizen_phone_digits:
            case.citizen_phone_digits = phone_digits(case.citizen_phone)
        db.session.add(case)
        db.session.flush()
        db.session.add(CaseEvent(case_id=case.id, at=received_at, type="received", to_state="received"))
        db.session.commit()
        return case

    # --- intake (Open311 clients, routing rules) ---

    def api_client(self, key: str = "test-open311-key", name: str = "Ứng dụng thử", **fields):
        from portal.models import ApiClient

        client = ApiClient(name=name, **fields)
        client.set_key(key)
        db.session.add(client)
        db.session.commit()
        return client

    def routing_rule(self, unit: Unit, category: Category | None = None, place: Unit | None = None,
                     position: int = 100, active: bool = True, note: str = ""):
        from portal.models import RoutingRule

        rule = RoutingRule(category=category, place=place, unit=unit, position=position, active=active, note=note)
        db.session.add(rule)
        db.session.commit()
        return rule
    # --- rosters (Công điện 05/CĐ-UBND) ---

    def roster_campaign(self, units, due_on=None, created_at=None, legal_basis: str = "Công điện số 05/CĐ-UBND"):
        """A campaign requiring `units` (each gets an empty draft roster)."""
        from datetime import date

        from portal.domain.rosters import create_campaign

        campaign = create_campaign(title="Danh sách cán bộ tham gia xử lý phản ánh, kiến nghị", legal_basis=legal_basis,
                                   due_on=due_on or date(2026, 11, 20), units=units, actor=None,
                                   now=created_at or datetime(2026, 11, 2, 2, 0, tzinfo=timezone.utc))
        db.session.commit()
        return campaign

    def roster_row(self, roster, full_name: str = "Nguyễn Văn An", role: str = "handler", phone: str | None = None,
                   **fields):
        """A person on a roster, added as the lead would (the roster goes back to draft if it was returned)."""
        from portal.domain.rosters import RowEntry, add_row

        n = next(_sequence)
        entry = RowEntry(full_name=full_name, job_title=fields.pop("job_title", "Chuyên viên"), role=role,
                         phone=phone or f"09{n:08d}", email=fields.pop("email", None),
                         registered_on=fields.pop("registered_on", None))
        row = add_row(roster, entry, fields.pop("now", datetime(2026, 11, 10, 2, 0, tzinfo=timezone.utc)))
        db.session.commit()
        return row

    def call(self, operator: User, started_at: datetime, topic: str | None = "case_status",
             ended_at: datetime | None = None, case: Case | None = None, caller_phone: str | None = None,
             outcome: str | None = "resolved", notes: str = ""):
        """A hotline call as logged; still on the line when ended_at is None."""
        from portal.models import Call

        call = Call(operator_id=operator.id, started_at=started_at, topic=topic, case=case, notes=notes,
                    caller_phone=caller_phone, caller_phone_digits=phone_digits(caller_phone), outcome=outcome,
                    ended_at=ended_at)
        db.session.add(call)
        db.session.commit()
        return call
