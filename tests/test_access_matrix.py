"""The access matrix, generated from the URL map: every route and method × every role × a thing of the
user's own unit, of another unit of the same district, of another district (and, for cases, one not yet
routed to any unit).

The policy below is the specification, written out by hand from DESIGN.md rather than read from
portal/domain/access.py: a role without the feature or the right gets 403; a case, unit or roster outside
what the user may see gets 404 (it does not exist for them). Whatever the answer, the body never holds
another unit's case, roster or inspection, nor a citizen's name, phone or email for a role that neither
handles nor looks up cases. Every POST carries a valid CSRF token and a form that some role can use with
success; when the answer is a refusal (any 4xx), not a row of the database has changed. A route that the
policy does not name fails the first test until someone decides who may use it.

The world is built once for the module; a POST that is allowed acts on a copy made for it, so the shared
cases, rosters and records stay as they were and every test reads the same world.

Scopes are named from the ward Văn Chương (the handler's and the lead's unit) in Quận Đống Đa (the chair's):
own = Văn Chương, sibling = Khâm Thiên (same district), far = Trúc Bạch (Quận Ba Đình), unrouted = a case
still waiting for the City Office to route it.
"""
from __future__ import annotations

import hashlib
import io
import itertools
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Callable

import openpyxl
import pytest
from flask import url_for
from sqlalchemy import event

from portal.cases.forms import ACTION_GROUPS
from portal.domain import attachments, calendar_exceptions, inspections
from portal.domain import rosters as roster_rules
from portal.extensions import db
from portal.models import Attachment, Case, Category, Unit, User
from tests.conftest import FIXED_NOW, _app_for, csrf_token_from, fresh_database, signed_in_client
from tests.factory import _PASSWORD_HASH, Factory

ROLES = ("handler", "unit_lead", "chair", "city_office", "inspector", "hotline", "admin")
CASE_SCOPES = ("own", "sibling", "far", "unrouted")
UNIT_SCOPES = ("own", "sibling", "far")
EVERYONE = frozenset(ROLES)
QUEUE = frozenset({"handler", "unit_lead", "city_office"})
COMPLIANCE = frozenset({"unit_lead", "chair", "city_office", "inspector"})
ROSTERS = frozenset({"unit_lead", "chair", "city_office", "inspector"})
HOTLINE = frozenset({"hotline", "city_office", "admin"})
INTAKE = frozenset({"city_office", "admin"})
ADMIN = frozenset({"admin"})
ACTING = frozenset({"handler", "unit_lead", "city_office"})  # the roles that change cases
CONTACT = frozenset({"handler", "unit_lead", "city_office", "hotline"})  # handle or look up: see the citizen
# What each role sees: its unit, the chair its district, the city-wide roles everything.
SEES = {"handler": {"own"}, "unit_lead": {"own"}, "chair": {"own", "sibling"}, "nobody": set()}
ALL_SEEN = set(CASE_SCOPES)

GET_OK = {200, 302}
POST_OK = {200, 201, 302, 303, 409, 422}  # allowed in: done, or refused by the rules of the thing itself
SUCCESS = {200, 201, 302, 303}
SUCCEEDED: set[tuple[str, str | None]] = set()  # (rule, variant) of the POSTs some role got done


def sees(role: str, scope: str) -> bool:
    return scope in SEES.get(role, ALL_SEEN)


@dataclass(frozen=True)
class Policy:
    """Who may use one route with one method."""

    feature: frozenset[str]            # roles that may open it at all; any other role: 403
    target: str | None = None          # "case", "unit" or "roster": the URL names one, in some scope
    acting: frozenset[str] | None = None  # of the roles that see the target, those that may do this; others: 403
    public: bool = False               # answers without signing in


P = Policy
CASE, UNIT, ROSTER = "case", "unit", "roster"

POLICY: dict[tuple[str, str], Policy] = {
    ("GET", "/"): P(EVERYONE),
    ("GET", "/healthz"): P(EVERYONE, public=True),
    ("GET", "/login"): P(EVERYONE, public=True),
    ("POST", "/login"): P(EVERYONE, public=True),
    ("GET", "/account/password"): P(EVERYONE),
    ("POST", "/account/password"): P(EVERYONE),
    # the queue
    ("GET", "/queue"): P(QUEUE),
    ("GET", "/queue.xlsx"): P(QUEUE),
    ("GET", "/queue/register.xlsx"): P(QUEUE),  # the register: the City Office's whole city, a unit's own
    ("POST", "/queue/cases/<code>/<action>"): P(QUEUE, CASE),
    # a case
    ("GET", "/cases/<code>"): P(EVERYONE, CASE),
    ("POST", "/cases/<code>/actions/<group_name>"): P(EVERYONE, CASE, ACTING),
    ("GET", "/cases/<code>/files/<int:attachment_id>"): P(EVERYONE, CASE),
    # compliance
    ("GET", "/compliance"): P(COMPLIANCE),
    ("GET", "/compliance/overdue"): P(COMPLIANCE),
    ("GET", "/compliance/overdue-letter"): P(COMPLIANCE),
    ("GET", "/compliance/overdue-letter.docx"): P(COMPLIANCE),
    ("GET", "/compliance/overdue.xlsx"): P(COMPLIANCE),
    ("GET", "/compliance/table.xlsx"): P(COMPLIANCE),
    ("GET", "/compliance/year-end"): P(COMPLIANCE),
    ("GET", "/compliance/year-end.xlsx"): P(COMPLIANCE),
    ("GET", "/compliance/units/<int:unit_id>"): P(COMPLIANCE, UNIT),
    ("GET", "/compliance/units/<int:unit_id>/overdue"): P(COMPLIANCE, UNIT),
    ("GET", "/compliance/units/<int:unit_id>/overdue.xlsx"): P(COMPLIANCE, UNIT),
    ("GET", "/compliance/units/<int:unit_id>/table.xlsx"): P(COMPLIANCE, UNIT),
    ("GET", "/compliance/units/<int:unit_id>/inspections/new"): P(COMPLIANCE, UNIT, frozenset({"inspector"})),
    ("POST", "/compliance/units/<int:unit_id>/inspections/new"): P(COMPLIANCE, UNIT, frozenset({"inspector"})),
    # rosters
    ("GET", "/rosters"): P(ROSTERS),
    ("GET", "/rosters/template.csv"): P(ROSTERS),
    ("GET", "/rosters/template.xlsx"): P(ROSTERS),
    ("GET", "/rosters/campaigns/new"): P(ROSTERS, acting=frozenset({"city_office"})),
    ("POST", "/rosters/campaigns/new"): P(ROSTERS, acting=frozenset({"city_office"})),
    ("GET", "/rosters/campaigns/<int:campaign_id>"): P(ROSTERS),
    ("GET", "/rosters/campaigns/<int:campaign_id>/export.xlsx"): P(ROSTERS, acting=ROSTERS - {"unit_lead"}),
    ("GET", "/rosters/campaigns/<int:campaign_id>/reminder"): P(ROSTERS, acting=ROSTERS - {"unit_lead"}),
    ("GET", "/rosters/campaigns/<int:campaign_id>/units/<code>"): P(ROSTERS, ROSTER),
    ("GET", "/rosters/campaigns/<int:campaign_id>/units/<code>/export.xlsx"): P(ROSTERS, ROSTER),
    ("GET", "/rosters/campaigns/<int:campaign_id>/units/<code>/versions/<int:number>"): P(ROSTERS, ROSTER),
    ("GET", "/rosters/campaigns/<int:campaign_id>/units/<code>/rows/<int:row_id>"): P(ROSTERS, ROSTER),
    ("GET", "/rosters/campaigns/<int:campaign_id>/units/<code>/rows/new"): P(ROSTERS, ROSTER, frozenset({"unit_lead"})),
    ("GET", "/rosters/campaigns/<int:campaign_id>/units/<code>/rows/slot"): P(ROSTERS, ROSTER, frozenset({"unit_lead"})),
    ("GET", "/rosters/campaigns/<int:campaign_id>/units/<code>/rows/<int:row_id>/edit"):
        P(ROSTERS, ROSTER, frozenset({"unit_lead"})),
    **{("POST", f"/rosters/campaigns/<int:campaign_id>/units/<code>/{tail}"): P(ROSTERS, ROSTER, frozenset({"unit_lead"}))
       for tail in ("rows", "rows/<int:row_id>", "rows/<int:row_id>/delete", "rows/<int:row_id>/registration",
                    "rows/<int:row_id>/account", "headcount", "import", "submit")},
    ("POST", "/rosters/campaigns/<int:campaign_id>/units/<code>/review"): P(ROSTERS, ROSTER, frozenset({"city_office"})),
    # hotline 1022
    ("GET", "/hotline"): P(HOTLINE),
    ("POST", "/hotline/call"): P(HOTLINE),
    ("GET", "/hotline/calls"): P(HOTLINE),
    ("GET", "/hotline/calls/counts.xlsx"): P(HOTLINE),
    ("GET", "/hotline/new-case"): P(HOTLINE),
    ("POST", "/hotline/new-case"): P(HOTLINE),
    ("GET", "/hotline/filed/<code>"): P(HOTLINE, CASE),
    # intake
    ("GET", "/intake"): P(INTAKE),
    ("GET", "/intake/rules"): P(INTAKE),
    ("POST", "/intake/rules"): P(INTAKE),
    ("GET", "/intake/rules/check"): P(INTAKE),
    ("GET", "/intake/rules/<int:rule_id>/edit"): P(INTAKE),
    ("POST", "/intake/rules/<int:rule_id>/edit"): P(INTAKE),
    ("POST", "/intake/rules/<int:rule_id>/toggle"): P(INTAKE),
    ("POST", "/intake/rules/<int:rule_id>/delete"): P(INTAKE),
    ("GET", "/intake/import"): P(INTAKE),
    ("POST", "/intake/import"): P(INTAKE),
    ("GET", "/intake/import/template.csv"): P(INTAKE),
    # administration
    **{("GET", path): P(ADMIN) for path in (
        "/admin", "/admin/users", "/admin/users/new", "/admin/users/<int:user_id>", "/admin/units", "/admin/units/new",
        "/admin/units/<int:unit_id>", "/admin/units/import", "/admin/categories", "/admin/categories/new",
        "/admin/categories/<int:category_id>", "/admin/calendar", "/admin/api-clients", "/admin/audit")},
    **{("POST", path): P(ADMIN) for path in (
        "/admin/users/new", "/admin/users/<int:user_id>", "/admin/users/<int:user_id>/password", "/admin/units/new",
        "/admin/units/<int:unit_id>/name", "/admin/units/<int:unit_id>/retire", "/admin/units/import",
        "/admin/categories/new", "/admin/categories/<int:category_id>", "/admin/calendar",
        "/admin/calendar/<int:exception_id>/delete", "/admin/api-clients", "/admin/api-clients/<int:client_id>/limit",
        "/admin/api-clients/<int:client_id>/revoke")},
}

OPEN311 = "the citizen apps' API (api_key, no staff role): test_open311_never_shows_personal_data below, tests/open311"
EXEMPT: dict[tuple[str, str], str] = {
    ("GET", "/static/<path:filename>"): "public files (css, vendored htmx): no data",
    ("POST", "/logout"): "ends the client's own session, whoever asks: tests/test_auth.py",
    ("GET", "/open311/v2/services.<any(json, xml):fmt>"): OPEN311,
    ("GET", "/open311/v2/services/<service_code>.<any(json, xml):fmt>"): OPEN311,
    ("GET", "/open311/v2/requests.<any(json, xml):fmt>"): OPEN311,
    ("GET", "/open311/v2/requests/<service_request_id>.<any(json, xml):fmt>"): OPEN311,
    ("POST", "/open311/v2/requests.<any(json, xml):fmt>"): OPEN311,
}

# Searches that would find other units' cases or a citizen by name, if a page let them.
GET_QUERIES: dict[str, list[dict]] = {
    "/hotline": [{}, {"q": "tran thi khac"}, {"q": "nguyen van rieng"}, {"q": "pham thi lang gieng"}, {"q": "cong thoat"}],
    "/queue": [{}, {"text": "truc bach"}, {"text": "kham thien"}, {"tab": "all"}],
    "/compliance/overdue": [{}, {"period": "month"}],
    "/admin/users": [{}, {"q": "xa"}],
}
ANSWER = "Phường đã kiểm tra thực tế, bóc xóa toàn bộ quảng cáo rao vặt và nhắc nhở các hộ liên quan."
REASON = "Nội dung cần phối hợp với Sở Xây dựng để kiểm tra hiện trường."
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 200
_serial = itertools.count(1)


# -- the world ---------------------------------------------------------------------------------------

@dataclass
class Scoped:
    """What one scope holds, as plain values (the session is dropped after every request)."""

    unit_id: int | None                # None: a case not yet routed
    unit_code: str | None
    handler_id: int | None
    case_id: int
    case_code: str
    attachment_id: int
    roster_row_id: int | None
    case_secrets: tuple[str, ...]      # the case, and who handles it
    contact: tuple[str, ...]           # the citizen's name, phone and email
    roster_secrets: tuple[str, ...]    # a person on the unit's roster
    inspection_secrets: tuple[str, ...]


@dataclass
class World:
    app: object
    make: Factory
    scopes: dict[str, Scoped]
    users: dict[str, int]
    clients: dict = field(default_factory=dict)
    tokens: dict = field(default_factory=dict)
    ids: dict = field(default_factory=dict)    # campaign, category, spare unit, admin targets…

    def client(self, role: str):
        """The role's user, signed in once for the module, with a CSRF token for its forms in `tokens`."""
        if role not in self.clients:
            self.clients[role] = signed_in_client(self.app, db.session.get(User, self.users[role]))
            page = self.clients[role].get("/account/password").get_data(as_text=True)
            self.tokens[role] = csrf_token_from(page)
            db.session.remove()
        return self.clients[role]


CASE_DATA = {
    "own": dict(title="Rác thải ngõ 45 Văn Chương chưa thu gom", citizen_name="Nguyễn Văn Riêng",
                citizen_phone="0912000111", citizen_email="rieng.vc@example.vn"),
    "sibling": dict(title="Vỉa hè bị lấn chiếm trên phố Khâm Thiên", citizen_name="Phạm Thị Láng Giềng",
                    citizen_phone="0912000333", citizen_email="langgieng.kt@example.vn"),
    "far": dict(title="Bí mật phường Trúc Bạch: cây đổ", citizen_name="Trần Thị Khác",
                citizen_phone="0987000222", citizen_email="khac.tb@example.vn"),
    "unrouted": dict(title="Cống thoát nước tắc chưa rõ địa bàn", citizen_name="Đỗ Văn Chờ",
                     citizen_phone="0987000444", citizen_email="cho.hn@example.vn"),
}
HANDLER_NAMES = {"own": "Nguyễn Thị Hồng Nhung", "sibling": "Lê Văn Bên Cạnh", "far": "Hoàng Văn Xa Xôi"}
ROSTER_PEOPLE = {"own": ("Vũ Thị Danh Sách", "0913100200", "danhsach.vc@example.vn"),
                 "sibling": ("Đinh Văn Láng Giềng", "0913300400", "dinh.kt@example.vn"),
                 "far": ("Mai Thị Xa Lạ", "0913500600", "maixa.tb@example.vn")}
FINDINGS = {"own": "Phát hiện sổ theo dõi Văn Chương ghi thiếu", "sibling": "Phát hiện Khâm Thiên chậm cập nhật",
            "far": "Phát hiện Trúc Bạch chưa niêm yết"}


def _attach(case: Case, folder: str) -> int:
    stored = Attachment(case_id=case.id, uploaded_at=FIXED_NOW, file_name=f"Ảnh {case.code}.jpg",
                        stored_name=f"{hashlib.sha256(case.code.encode()).hexdigest()[:32]}.jpg",
                        content_type="image/jpeg", size=len(JPEG), sha256=hashlib.sha256(JPEG).hexdigest())
    db.session.add(stored)
    db.session.commit()
    path = attachments.path_of(stored, folder)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(JPEG)
    return stored.id


def _build(app) -> World:
    make = Factory()
    root = make.unit("Ủy ban nhân dân Thành phố Hà Nội", kind="city", code="HN")
    office = make.unit("Văn phòng UBND Thành phố", kind="city_office", parent=root, code="VP-UBND")
    home_affairs = make.unit("Sở Nội vụ", kind="department", parent=root, code="SO-NV")
    it_department = make.unit("Sở Thông tin và Truyền thông", kind="department", parent=root, code="SO-TTTT")
    dong_da = make.unit("UBND Quận Đống Đa", kind="district", parent=root, code="Q006")
    ba_dinh = make.unit("UBND Quận Ba Đình", kind="district", parent=root, code="Q001")
    units = {"own": make.unit("UBND Phường Văn Chương", parent=dong_da, code="P00193"),
             "sibling": make.unit("UBND Phường Khâm Thiên", parent=dong_da, code="P00190"),
             "far": make.unit("UBND Phường Trúc Bạch", parent=ba_dinh, code="P00004")}
    spare = make.unit("UBND Phường Quán Thánh", parent=ba_dinh, code="P00001")
    homes = {"handler": units["own"], "unit_lead": units["own"], "chair": dong_da, "city_office": office,
             "inspector": home_affairs, "hotline": office, "admin": it_department}
    users = {role: make.user(role, homes[role], username=f"matrix.{role}",
                             full_name=HANDLER_NAMES["own"] if role == "handler" else f"Cán bộ {role}")
             for role in ROLES}
    handlers = {"own": users["handler"],
                **{scope: make.user("handler", units[scope], full_name=HANDLER_NAMES[scope])
                   for scope in ("sibling", "far")}}
    category = make.category(code="GT", name="Giao thông")

    campaign = make.roster_campaign(list(units.values()))
    scopes = {}
    for scope in CASE_SCOPES:
        unit = units.get(scope)
        case = make.case(unit=unit, state="received" if unit is None else "in_progress", category=category,
                         handler=handlers.get(scope), due_at=FIXED_NOW - timedelta(days=2),
                         content=f"Nội dung phản ánh {CASE_DATA[scope]['title'].lower()}.", **CASE_DATA[scope])
        attachment_id = _attach(case, app.config["UPLOAD_FOLDER"])
        row_id, roster_secrets, inspection_secrets = None, (), ()
        if unit is not None:
            roster = roster_rules.roster_of(campaign, unit.id)
            name, phone, email = ROSTER_PEOPLE[scope]
            row_id = make.roster_row(roster, full_name=name, phone=phone, email=email).id
            roster_rules.set_headcount(roster, 12, FIXED_NOW)
            roster_rules.submit(roster, users["unit_lead"], FIXED_NOW)
            inspections.record(unit, recorded_by=users["inspector"], now=FIXED_NOW, inspected_on=date(2026, 11, 10),
                               inspectors="Đoàn kiểm tra Sở Nội vụ", findings=FINDINGS[scope],
                               conclusion="Yêu cầu khắc phục trong tháng.", follow_up_due=None)
            db.session.commit()
            roster_secrets, inspection_secrets = ROSTER_PEOPLE[scope], (FINDINGS[scope],)
        data = CASE_DATA[scope]
        scopes[scope] = Scoped(
            unit_id=unit.id if unit else None, unit_code=unit.code if unit else None,
            handler_id=handlers[scope].id if scope in handlers else None, case_id=case.id, case_code=case.code,
            attachment_id=attachment_id, roster_row_id=row_id,
            case_secrets=(case.code, data["title"], *((HANDLER_NAMES[scope],) if scope in ("sibling", "far") else ())),
            contact=(data["citizen_name"], data["citizen_phone"], data["citizen_email"]),
            roster_secrets=roster_secrets, inspection_secrets=inspection_secrets)

    # A caller on the hotline: their phone is the citizen's contact, on the call log as on the case.
    own_case = db.session.get(Case, scopes["own"].case_id)
    make.call(users["hotline"], started_at=FIXED_NOW - timedelta(minutes=30), ended_at=FIXED_NOW - timedelta(minutes=25),
              case=own_case, caller_phone=CASE_DATA["own"]["citizen_phone"], notes="Hỏi tình trạng xử lý.")
    admin = users["admin"]
    spare_user = make.user("handler", spare, username="matrix.spare", full_name="Cán bộ Dự Phòng")
    exception = calendar_exceptions.declare(date(2027, 3, 5), "day_off", "Nghỉ bù (thử quyền)", actor=admin,
                                            now=FIXED_NOW)
    db.session.commit()
    world = World(app=app, make=make, scopes=scopes, users={role: user.id for role, user in users.items()}, ids={
        "campaign": campaign.id, "category": category.id, "spare_unit": spare.id,
        "user": spare_user.id, "unit": spare.id, "client": make.api_client(key="matrix-open311-key").id,
        "exception": exception.id, "rule": make.routing_rule(unit=units["own"], category=category).id,
    })
    db.session.remove()
    return world


def _skip_flushing_to_disk(engine) -> None:
    """A thousand small commits on a throwaway database: durability buys nothing here, speed does."""
    @event.listens_for(engine, "connect")
    def _on_connect(connection, record):
        cursor = connection.cursor()
        cursor.execute("PRAGMA synchronous = OFF" if engine.dialect.name == "sqlite" else "SET synchronous_commit = off")
        cursor.close()
        if engine.dialect.name != "sqlite":
            connection.commit()

    engine.dispose()


@pytest.fixture(scope="module")
def world(database_template, tmp_path_factory):
    directory = tmp_path_factory.mktemp("access-matrix")
    app = _app_for(fresh_database(database_template, directory), directory)
    with app.app_context():
        _skip_flushing_to_disk(db.engine)
        yield _build(app)
        db.session.remove()
        db.engine.dispose()


# -- copies for the POSTs that are allowed -------------------------------------------------------------

FRESH_CASE_STATE: dict[str, dict] = {
    "take": dict(state="assigned", handled=False),
    "route": dict(state="assigned", handled=False),
    "assign": dict(state="assigned", handled=False),
    "answer": dict(state="in_progress"),
    "review": dict(state="in_progress", approval_required=True, answer_pending_approval=True, answer_draft=ANSWER),
    "decision": dict(state="in_progress", extension_requested_at=FIXED_NOW - timedelta(hours=2),
                     extension_proposed_due_at=datetime(2026, 12, 4, 10, tzinfo=timezone.utc),
                     extension_reason=REASON),
    "rate": dict(state="answered", answer=ANSWER, answered_at=FIXED_NOW - timedelta(days=1)),
    "close": dict(state="answered", answer=ANSWER, answered_at=FIXED_NOW - timedelta(days=1)),
    "pause": dict(state="in_progress"),
    "resume": dict(state="paused", paused_at=FIXED_NOW - timedelta(days=1)),
    "extension": dict(state="in_progress"),
    "note": dict(state="in_progress"),
    "approval": dict(state="in_progress"),
    "return": dict(state="in_progress"),
    "transfer": dict(state="in_progress"),
    "reject": dict(state="in_progress"),
}


def _fresh_case(world: World, scope: str, group: str) -> dict:
    """A case of the scope, made for one allowed POST, in a state where the group's action can be taken."""
    fields = dict(FRESH_CASE_STATE[group])
    handled = fields.pop("handled", True)
    target = world.scopes[scope]
    if scope == "unrouted":
        fields = {"state": "received"}
    elif handled:
        fields["handler_id"] = target.handler_id
    case = world.make.case(unit=None if scope == "unrouted" else _unit(target.unit_id), category=_category(world),
                           title=f"Phản ánh thử quyền số {next(_serial)}", **fields)
    return {"code": case.code, "attachment_id": target.attachment_id}


def _unit(unit_id):
    return db.session.get(Unit, unit_id)


def _category(world):
    return db.session.get(Category, world.ids["category"])


def _fresh_roster(world: World, scope: str, submitted: bool = False) -> dict:
    unit = _unit(world.scopes[scope].unit_id)
    campaign = world.make.roster_campaign([unit])
    roster = roster_rules.roster_of(campaign, unit.id)
    row = world.make.roster_row(roster, full_name=f"Người Thử Số {next(_serial)}")
    roster_rules.set_headcount(roster, 12, FIXED_NOW)
    if submitted:
        roster_rules.submit(roster, db.session.get(User, world.users["unit_lead"]), FIXED_NOW)
    db.session.commit()
    return {"campaign_id": campaign.id, "code": unit.code, "row_id": row.id, "number": 1}


def _fresh_admin_target(world: World, name: str) -> dict:
    make = world.make
    n = next(_serial)
    if name == "user_id":
        return {name: make.user("handler", _unit(world.ids["spare_unit"]), username=f"matrix.fresh{n}").id}
    if name == "unit_id":
        return {name: make.unit(f"UBND Phường Thử Quyền {n}", parent=_unit(world.ids["spare_unit"]).parent).id}
    if name == "category_id":
        return {name: make.category(code=f"TQ{n}", name=f"Lĩnh vực thử {n}").id}
    if name == "client_id":
        return {name: make.api_client(key=f"matrix-key-{n}", name=f"Ứng dụng thử {n}").id}
    if name == "exception_id":
        exception = calendar_exceptions.declare(_next_working_day(), "day_off", "Nghỉ thử quyền",
                                                actor=db.session.get(User, world.users["admin"]), now=FIXED_NOW)
        db.session.commit()
        return {name: exception.id}
    if name == "rule_id":
        return {name: make.routing_rule(unit=_unit(world.scopes["own"].unit_id), note=f"Quy tắc thử {n}").id}
    raise KeyError(name)


# -- the URL of a route, for a scope ---------------------------------------------------------------------

def _values(world: World, rule, scope: str | None, variant: str | None, fresh: dict | None) -> dict:
    """The rule's arguments: the scope's case, unit or roster (or a fresh copy), and the world's records."""
    target = world.scopes[scope] if scope else None
    values = {}
    for name in rule.arguments - set(rule.defaults or ()):
        if fresh and name in fresh:
            values[name] = fresh[name]
        elif name == "code":
            values[name] = target.unit_code if rule.rule.startswith("/rosters") else target.case_code
        elif name == "unit_id":
            values[name] = target.unit_id if target else world.ids["unit"]
        elif name == "attachment_id":
            values[name] = target.attachment_id
        elif name == "row_id":
            values[name] = target.roster_row_id
        elif name == "number":
            values[name] = 1
        elif name == "campaign_id":
            values[name] = world.ids["campaign"]
        elif name in ("group_name", "action"):
            values[name] = variant
        else:
            values[name] = world.ids[name.removesuffix("_id")]
    return values


def _variants(rule) -> list[str | None]:
    if "group_name" in rule.arguments:
        return list(ACTION_GROUPS)
    if "action" in rule.arguments:
        return ["take", "assign"]
    return [None]


def _scopes(policy: Policy) -> tuple:
    return {CASE: CASE_SCOPES, UNIT: UNIT_SCOPES, ROSTER: UNIT_SCOPES}.get(policy.target, (None,))


def expected(policy: Policy, role: str, scope: str | None) -> int | None:
    """403 or 404 for a refusal; None when the role may go in (and the thing's own rules decide)."""
    if role not in policy.feature:
        return 403
    if scope is not None and not sees(role, scope):
        return 404
    if policy.acting is not None and role not in policy.acting:
        return 403
    return None


# -- plausible forms -------------------------------------------------------------------------------------

Form = Callable[[World, str, str | None, dict], dict]  # world, role, scope, URL values → fields


def _case_form(group: str) -> Form:
    def form(world, role, scope, values):
        fields = {
            "take": {}, "approval": {},
            "route": {"unit": world.scopes["own"].unit_id, "note": "Chuyển về phường theo địa bàn."},
            "assign": {"handler": world.scopes[scope].handler_id or world.users["handler"]},
            "answer": {"answer": ANSWER, "intent": "publish_answer"},
            "review": {"answer": ANSWER, "reason": "", "intent": "approve_answer"},
            "decision": {"due_date": "2026-12-04", "note": "Đồng ý gia hạn.", "intent": "grant_extension"},
            "rate": {"rating": "satisfied"},
            "close": {"note": "Hết thời hạn đánh giá."},
            "pause": {"reason": "Chờ người dân bổ sung hình ảnh hiện trường."},
            "resume": {"note": "Người dân đã bổ sung."},
            "extension": {"proposed_date": "2026-12-01", "reason": REASON},
            "note": {"note": "Kiểm tra kỹ hiện trường trước khi trả lời."},
            "return": {"reason": "Nội dung thuộc thẩm quyền của Sở Xây dựng."},
            "transfer": {"unit": world.ids["spare_unit"],  # Quán Thánh: no case of the world is there
                         "reason": "Địa điểm thuộc phường khác quản lý."},
            "reject": {"reason": "Nội dung trùng với phản ánh đã xử lý trước đó.", "duplicate_of": ""},
        }[group]
        data = {f"{group}-{name}": value for name, value in fields.items() if name != "intent"}
        data[f"{group}-version"] = "1"
        if "intent" in fields:
            data["intent"] = fields["intent"]
        return data
    return form


def _roster_csv() -> bytes:
    return ("STT,Họ và tên,Chức vụ,Vai trò xử lý,Số điện thoại,Thư điện tử,Đã tạo tài khoản iHanoi,Ngày tạo tài khoản\n"
            f"1,Người Nhập Số {next(_serial)},Chuyên viên,Cán bộ xử lý,0914{next(_serial):06d},,Không,\n").encode()


def _import_csv() -> bytes:
    return ("Lĩnh vực,Tiêu đề,Nội dung\n"
            "GT,Ổ gà nhập từ tệp thử quyền,Mặt đường có ổ gà sâu trước số 3 phố Thử Quyền.\n").encode()


def _n() -> int:
    return next(_serial)


# Weekdays of June to August 2027, when Vietnam has no public holiday: each declared once.
_working_days = (day for day in (date(2027, 6, 1) + timedelta(days=n) for n in range(92)) if day.weekday() < 5)


def _next_working_day() -> date:
    return next(_working_days)


def _password_form(world: World, role: str) -> dict:
    """Change one's password from the one the user has now (an earlier test may have changed it)."""

    db.session.get(User, world.users[role]).password_hash = _PASSWORD_HASH
    db.session.commit()
    new = f"Ha-Noi-2026-moi-{_n()}"
    return {"current_password": "correct-horse-42", "new_password": new, "confirm": new}


FORMS: dict[str, Form] = {
    "/login": lambda w, r, s, v: {"username": "matrix.handler", "password": "correct-horse-42"},
    "/account/password": lambda w, r, s, v: _password_form(w, r),
    "/queue/cases/<code>/<action>": lambda w, r, s, v: {"version": "1", "handler": str(w.scopes[s].handler_id or "")},
    "/compliance/units/<int:unit_id>/inspections/new": lambda w, r, s, v: {
        "inspected_on": "10/11/2026", "inspectors": "Đoàn kiểm tra Sở Nội vụ", "findings": "Sổ theo dõi đầy đủ.",
        "conclusion": "Đạt yêu cầu.", "follow_up_due": ""},
    "/rosters/campaigns/new": lambda w, r, s, v: {"title": "Danh sách cán bộ đợt thử quyền", "legal_basis": "Công văn thử",
                                               "due_on": "2026-11-30", "groups": "department"},
    "/rosters/campaigns/<int:campaign_id>/units/<code>/rows": lambda w, r, s, v: {
        "full_name": f"Người Thêm Số {_n()}", "job_title": "Chuyên viên", "role": "handler",
        "phone": f"0915{_n():06d}", "email": ""},
    "/rosters/campaigns/<int:campaign_id>/units/<code>/rows/<int:row_id>": lambda w, r, s, v: {
        "full_name": f"Người Sửa Số {_n()}", "job_title": "Phó Chủ tịch", "role": "leader",
        "phone": f"0916{_n():06d}", "email": ""},
    "/rosters/campaigns/<int:campaign_id>/units/<code>/rows/<int:row_id>/delete": lambda w, r, s, v: {},
    "/rosters/campaigns/<int:campaign_id>/units/<code>/rows/<int:row_id>/registration":
        lambda w, r, s, v: {"registered_on": "2026-11-12"},
    "/rosters/campaigns/<int:campaign_id>/units/<code>/rows/<int:row_id>/account": lambda w, r, s, v: {},
    "/rosters/campaigns/<int:campaign_id>/units/<code>/headcount": lambda w, r, s, v: {"headcount": "15"},
    "/rosters/campaigns/<int:campaign_id>/units/<code>/import":
        lambda w, r, s, v: {"file": (io.BytesIO(_roster_csv()), "danh-sach.csv")},
    "/rosters/campaigns/<int:campaign_id>/units/<code>/submit": lambda w, r, s, v: {},
    "/rosters/campaigns/<int:campaign_id>/units/<code>/review":
        lambda w, r, s, v: {"decision": "accepted", "comment": "Danh sách đầy đủ."},
    "/hotline/call": lambda w, r, s, v: {"action": "start", "caller_phone": "0904123456", "q": ""},
    "/hotline/new-case": lambda w, r, s, v: {
        "citizen_name": "Người Gọi Thử", "citizen_phone": "0904654321", "citizen_email": "",
        "category": str(w.ids["category"]), "priority": "normal", "ward": "", "address": "Số 1 phố Thử",
        "title": "Phản ánh qua tổng đài thử quyền", "content": "Đèn đường hỏng trước số 1 phố Thử."},
    "/intake/rules": lambda w, r, s, v: {"category_id": "", "place": "", "unit": f"UBND Phường Văn Chương (P00193)",
                                      "position": "50", "note": "Quy tắc thêm thử quyền", "active": "y"},
    "/intake/rules/<int:rule_id>/edit": lambda w, r, s, v: {"category_id": "", "place": "",
                                                          "unit": "UBND Phường Văn Chương (P00193)", "position": "60",
                                                          "note": "Quy tắc sửa thử quyền", "active": "y"},
    "/intake/rules/<int:rule_id>/toggle": lambda w, r, s, v: {},
    "/intake/rules/<int:rule_id>/delete": lambda w, r, s, v: {},
    "/intake/import": lambda w, r, s, v: {"file": (io.BytesIO(_import_csv()), "phan-anh.csv")},
    "/admin/users/new": lambda w, r, s, v: {"username": f"matrix.new{_n()}", "full_name": "Cán bộ Mới Tạo",
                                         "unit": "P00001", "role": "handler", "email": "", "phone": ""},
    "/admin/users/<int:user_id>": lambda w, r, s, v: {"full_name": "Cán bộ Đã Sửa", "unit": "P00001", "role": "handler",
                                                   "active": "y", "email": "", "phone": ""},
    "/admin/users/<int:user_id>/password": lambda w, r, s, v: {},
    "/admin/units/new": lambda w, r, s, v: {"code": f"PTQ{_n()}", "name": f"UBND Phường Mới {_n()}", "kind": "ward",
                                         "parent": "Q001"},
    "/admin/units/<int:unit_id>/name": lambda w, r, s, v: {"name": f"UBND Phường Đổi Tên {_n()}"},
    "/admin/units/<int:unit_id>/retire": lambda w, r, s, v: {"successor": "P00001", "note": "Nghị quyết thử",
                                                              "confirm": ""},
    "/admin/units/import": lambda w, r, s, v: {  # a preview: nothing is applied
        "step": "preview", "note": "",
        "units_file": (io.BytesIO("code,name,kind,parent_code\nP09001,UBND Phường Mới Thử,ward,Q001\n".encode()),
                       "don-vi.csv"),
        "mapping_file": (io.BytesIO("old_code,old_name,new_code\nP00001,UBND Phường Quán Thánh,P09001\n".encode()),
                         "anh-xa.csv")},
    "/admin/categories/new": lambda w, r, s, v: {"code": f"MOI{_n()}", "name": "Lĩnh vực mới thử", "kind": "field",
                                              "default_unit_kind": "ward", "default_unit_code": "",
                                              "receive_hours": "8", "urgent_hours": "4", "normal_days": "10",
                                              "complex_days": "15", "active": "y"},
    "/admin/categories/<int:category_id>": lambda w, r, s, v: {"name": "Lĩnh vực đã sửa", "default_unit_kind": "ward",
                                                             "default_unit_code": "", "receive_hours": "8",
                                                             "urgent_hours": "4", "normal_days": "12",
                                                             "complex_days": "15", "active": "y"},
    "/admin/calendar": lambda w, r, s, v: {"day": f"{_next_working_day():%d/%m/%Y}", "kind": "day_off",
                                           "note": "Nghỉ thử quyền"},
    "/admin/calendar/<int:exception_id>/delete": lambda w, r, s, v: {},
    "/admin/api-clients": lambda w, r, s, v: {"name": f"Ứng dụng mới {_n()}", "rate_limit_per_minute": "60"},
    "/admin/api-clients/<int:client_id>/limit": lambda w, r, s, v: {"rate_limit_per_minute": "90"},
    "/admin/api-clients/<int:client_id>/revoke": lambda w, r, s, v: {},
}


def _form(world: World, role: str, rule, scope, variant, values) -> dict:
    if "group_name" in rule.arguments:
        return _case_form(variant)(world, role, scope, values)
    return FORMS[rule.rule](world, role, scope, values)


def _fresh(world: World, rule, scope, variant) -> dict:
    """A copy of the target for an allowed POST, so that acting on it leaves the shared world as it was."""
    if rule.rule.startswith("/cases/"):
        return _fresh_case(world, scope, variant)
    if rule.rule.startswith("/queue/cases/"):
        return _fresh_case(world, scope, "take" if variant == "take" else "assign")
    if rule.rule.startswith("/rosters/campaigns/<int:campaign_id>/units/"):
        return _fresh_roster(world, scope, submitted=rule.rule.endswith("/review"))
    fresh = {}
    for name in rule.arguments:
        if rule.rule.startswith(("/admin/", "/intake/")) and name.endswith("_id"):
            fresh.update(_fresh_admin_target(world, name))
    return fresh


# -- reading answers and the database ------------------------------------------------------------------

def _text_of(response) -> str:
    """What a person could read: the page, every cell of a spreadsheet, the words of a Word letter."""
    data = response.get_data()  # a streamed file is read to its end inside its request
    if response.mimetype.endswith("spreadsheetml.sheet") and response.status_code == 200:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
        return " ".join(str(cell) for sheet in book for row in sheet.iter_rows(values_only=True) for cell in row)
    if response.mimetype.endswith("wordprocessingml.document") and response.status_code == 200:
        with zipfile.ZipFile(io.BytesIO(data)) as document:
            return document.read("word/document.xml").decode()
    if response.mimetype.startswith("image/"):
        return ""
    return data.decode("utf-8", "replace")


def _snapshot() -> dict:
    """Every row of every table: a refused POST must leave all of them as they were."""
    connection = db.engine.raw_connection()
    try:
        cursor = connection.cursor()
        state = {}
        for table in db.metadata.sorted_tables:
            cursor.execute(f'SELECT * FROM "{table.name}" ORDER BY 1')
            state[table.name] = cursor.fetchall()
        cursor.close()
        connection.rollback()
    finally:
        connection.close()
    return state


def _changes(before: dict, after: dict) -> list[str]:
    changed = []
    for table, rows in before.items():
        if rows != after[table]:
            added = [row for row in after[table] if row not in rows]
            removed = [row for row in rows if row not in after[table]]
            changed.append(f"{table}: +{len(added)} -{len(removed)} {(added or removed)[:1]}")
    return changed


def _forbidden(world: World, role: str) -> dict[str, str]:
    """Texts this role must never read, with what they are."""
    found = {}
    for scope, target in world.scopes.items():
        if not sees(role, scope):
            found.update({text: f"{scope} case" for text in target.case_secrets + target.contact})
        if role not in CONTACT:
            found.update({text: f"{scope} citizen's contact" for text in target.contact})
        if role not in ROSTERS or not sees(role, scope):
            found.update({text: f"{scope} roster" for text in target.roster_secrets})
        if role not in COMPLIANCE or not sees(role, scope):
            found.update({text: f"{scope} inspection" for text in target.inspection_secrets})
    return found


def _digits(text: str) -> str:
    return re.sub(r"(?<=\d)[ .\-](?=\d)", "", text)


def _leaks(body: str, forbidden: dict[str, str], sent: str) -> list[str]:
    plain = _digits(body)
    return [f"{what} {text!r}" for text, what in forbidden.items()
            if text not in sent and (text in body or (text.isdigit() and text in plain))]


def _call(world, client, method, path, data=None, headers=None):
    if method == "GET":
        response = client.get(path, headers=headers or {})
    else:
        multipart = any(isinstance(value, tuple) for value in (data or {}).values())
        response = client.post(path, data=data, headers=headers or {},
                               content_type="multipart/form-data" if multipart else None)
    status, location, body = response.status_code, response.headers.get("Location", ""), _text_of(response)
    response.close()
    db.session.remove()  # as at the end of a real request: nothing a view left unsaved carries over
    return status, location, body


def _routes(world, methods):
    with world.app.test_request_context():
        for rule in sorted(world.app.url_map.iter_rules(), key=lambda rule: rule.rule):
            for method in sorted(rule.methods & methods):
                if (method, rule.rule) in POLICY:
                    yield method, rule, POLICY[(method, rule.rule)]


def _url(world, rule, values, query=None) -> str:
    with world.app.test_request_context():
        return url_for(rule.endpoint, **values, **(query or {}))


# -- the tests -----------------------------------------------------------------------------------------

def test_every_route_of_the_url_map_has_an_access_decision(world):
    decided = set(POLICY) | set(EXEMPT)
    routes = {(method, rule.rule) for rule in world.app.url_map.iter_rules()
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    undecided = sorted(routes - decided)
    assert not undecided, ("routes without an access decision: add each to POLICY (who may use it) or EXEMPT "
                           f"(why not): {undecided}")
    assert not sorted(decided - routes), f"decisions for routes that no longer exist: {sorted(decided - routes)}"
    missing_forms = [path for method, path in POLICY if method == "POST" and path not in FORMS
                     and "<group_name>" not in path]
    assert not missing_forms, f"POST routes without a plausible form in FORMS: {missing_forms}"
    assert set(ACTION_GROUPS) == set(FRESH_CASE_STATE), "every form of the case page needs a case state to act on"


@pytest.mark.parametrize("role", ROLES)
def test_every_page_answers_each_role_as_the_policy_says_and_never_shows_what_it_may_not_see(world, role):
    client = world.client(role)
    forbidden = _forbidden(world, role)
    failures, checked = [], 0
    for method, rule, policy in _routes(world, {"GET"}):
        for scope in _scopes(policy):
            refusal = expected(policy, role, scope)
            for query in GET_QUERIES.get(rule.rule, [{}]):
                path = _url(world, rule, _values(world, rule, scope, None, None), query)
                for htmx in (False, True):
                    status, location, body = _call(world, client, "GET", path,
                                                   headers={"HX-Request": "true"} if htmx else None)
                    checked += 1
                    where = f"GET {path}{' (htmx)' if htmx else ''} as {role} [{scope or '-'}]"
                    if refusal is not None and status != refusal:
                        failures.append(f"{where}: {status}, expected {refusal}")
                    elif refusal is None and status not in GET_OK:
                        failures.append(f"{where}: {status}, expected the page (200 or a redirect)")
                    if status == 302 and "/login" in location:
                        failures.append(f"{where}: sent to the login page")
                    failures += [f"{where} showed {leak}" for leak in _leaks(body, forbidden, path)]
                    if htmx or not (refusal is None and status == 302):
                        break  # a page that redirects a browser may answer htmx with a part: that is read too
    assert checked > 100
    assert not failures, f"{len(failures)} of {checked} answers broke the policy:\n" + "\n".join(failures[:60])


@pytest.mark.parametrize("role", ROLES)
def test_every_post_answers_each_role_as_the_policy_says_and_a_refusal_changes_nothing(world, role):
    client = world.client(role)
    token = world.tokens[role]
    forbidden = _forbidden(world, role)
    failures, checked = [], 0
    state = _snapshot()  # the database as the last answer left it
    for method, rule, policy in _routes(world, {"POST", "PUT", "PATCH", "DELETE"}):
        for scope in _scopes(policy):
            refusal = expected(policy, role, scope)
            for variant in _variants(rule):
                fresh = _fresh(world, rule, scope, variant) if refusal is None else None
                values = _values(world, rule, scope, variant, fresh)
                path = _url(world, rule, values)
                data = {"csrf_token": token, **_form(world, role, rule, scope, variant, values)}
                before = _snapshot() if refusal is None else state  # a copy or a form may have written
                status, location, body = _call(world, client, method, path, data=data)
                state = _snapshot()
                checked += 1
                where = f"{method} {path} as {role} [{scope or '-'}{'/' + variant if variant else ''}]"
                if refusal is not None and status != refusal:
                    failures.append(f"{where}: {status}, expected {refusal}")
                elif refusal is None and status not in POST_OK:
                    failures.append(f"{where}: {status}, expected it to be let in (2xx, 3xx, 409 or 422)")
                if status >= 400:
                    changed = _changes(before, state)
                    if changed:
                        failures.append(f"{where}: refused with {status} yet changed {changed}")
                if status in SUCCESS:
                    SUCCEEDED.add((rule.rule, variant))
                sent = path + " " + " ".join(str(value) for value in data.values())
                failures += [f"{where} showed {leak}" for leak in _leaks(body, forbidden, sent)]
    assert checked > 60
    assert not failures, f"{len(failures)} of {checked} answers broke the policy:\n" + "\n".join(failures[:60])


def test_every_post_form_here_is_plausible_some_role_gets_it_done(world):
    """A refusal only proves something if the same form, from the right person, would have worked."""
    done, never = SUCCEEDED, []  # what the tests above saw succeed need not be tried again
    for role in ROLES:
        client = world.client(role)
        for method, rule, policy in _routes(world, {"POST"}):
            for scope in _scopes(policy):
                if expected(policy, role, scope) is not None:
                    continue
                for variant in _variants(rule):
                    if (rule.rule, variant) in done:
                        continue
                    fresh = _fresh(world, rule, scope, variant)
                    values = _values(world, rule, scope, variant, fresh)
                    data = {"csrf_token": world.tokens[role], **_form(world, role, rule, scope, variant, values)}
                    status, _, _ = _call(world, client, method, _url(world, rule, values), data=data)
                    if status in SUCCESS:
                        done.add((rule.rule, variant))
    for method, rule, policy in _routes(world, {"POST"}):
        never += [f"{rule.rule} [{variant}]" for variant in _variants(rule) if (rule.rule, variant) not in done]
    assert not never, f"no role succeeded with these forms, so their refusals prove nothing: {never}"


def test_signed_out_visitors_are_sent_to_the_login_page_and_change_nothing(world):
    client = world.app.test_client()
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    failures = []
    for method, rule, policy in _routes(world, {"GET", "POST"}):
        if policy.public:
            continue
        scope = _scopes(policy)[0]
        variant = _variants(rule)[0]
        values = _values(world, rule, scope, variant, None)
        path = _url(world, rule, values)
        data = {"csrf_token": token, **_form(world, "handler", rule, scope, variant, values)} if method == "POST" else None
        before = _snapshot() if method == "POST" else None
        status, location, body = _call(world, client, method, path, data=data)
        if status != 302 or "/login" not in location:
            failures.append(f"{method} {path}: {status} {location}")
        if before is not None and _changes(before, _snapshot()):
            failures.append(f"{method} {path}: changed {_changes(before, _snapshot())}")
        failures += [f"{method} {path} showed {leak}" for leak in _leaks(body, _forbidden(world, "nobody"), path)]
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_open311_never_shows_a_citizens_name_phone_or_email(world, fmt):
    client = world.app.test_client()
    contact = {text for target in world.scopes.values() for text in target.contact}
    # page_size=1000: every case of the world, not the newest page of 50 alone.
    paths = [f"/open311/v2/requests.{fmt}?page_size=1000",
             f"/open311/v2/requests.{fmt}?api_key=matrix-open311-key&page_size=1000",
             f"/open311/v2/requests.{fmt}?status=open&page_size=1000"]
    paths += [f"/open311/v2/requests/{target.case_code}.{fmt}" for target in world.scopes.values()]
    paths += [f"/open311/v2/requests.{fmt}?service_request_id=" + ",".join(t.case_code for t in world.scopes.values())]
    for path in paths:
        response = client.get(path)
        body = response.get_data(as_text=True)
        assert response.status_code == 200, f"{path}: {response.status_code} {body[:200]}"
        assert any(target.case_code in body for target in world.scopes.values()), f"{path} listed no case"
        leaked = [text for text in contact if text in body or text in _digits(body)]
        assert not leaked, f"{path} showed personal data: {leaked}"


def test_a_url_or_form_that_mixes_ones_own_things_with_another_units_reaches_nothing_of_theirs(world):
    """Own case or roster in the URL, another unit's file, row or case in the rest: still nothing of theirs."""
    own, far = world.scopes["own"], world.scopes["far"]
    campaign = world.ids["campaign"]
    roster = f"/rosters/campaigns/{campaign}/units/{own.unit_code}"
    case_form = {"reject-version": "1", "reject-reason": "Nội dung trùng với phản ánh đã xử lý trước đó.",
                 "reject-duplicate_of": far.case_code}
    assign_form = {"assign-version": "1", "assign-handler": str(far.handler_id)}
    probes = [
        ("handler", "GET", f"/cases/{own.case_code}/files/{far.attachment_id}", None, {404}),
        ("unit_lead", "GET", f"{roster}/rows/{far.roster_row_id}", None, {404}),
        ("unit_lead", "GET", f"{roster}/rows/{far.roster_row_id}/edit", None, {404}),
        ("unit_lead", "POST", f"{roster}/rows/{far.roster_row_id}",
         {"full_name": "Người Đổi Tên", "job_title": "Chuyên viên", "role": "handler", "phone": "0917000111"}, {404}),
        ("unit_lead", "POST", f"{roster}/rows/{far.roster_row_id}/delete", {}, {404}),
        ("unit_lead", "POST", f"{roster}/rows/{far.roster_row_id}/registration", {"registered_on": "2026-11-12"}, {404}),
        ("unit_lead", "POST", f"{roster}/rows/{far.roster_row_id}/account", {}, {404}),
        # A lead may not name, as the case this one duplicates, a case their unit cannot see.
        ("unit_lead", "POST", f"/cases/{own.case_code}/actions/reject", case_form, {422}),
        ("unit_lead", "POST", f"/cases/{own.case_code}/actions/assign", assign_form, {422}),
        ("unit_lead", "POST", f"/queue/cases/{own.case_code}/assign", {"version": "1", "handler": str(far.handler_id)},
         {422}),
    ]
    failures = []
    for role, method, path, form, statuses in probes:
        client = world.client(role)
        data = {"csrf_token": world.tokens[role], **(form or {})} if method == "POST" else None
        before = _snapshot()
        status, _, body = _call(world, client, method, path, data=data)
        if status not in statuses:
            failures.append(f"{method} {path} as {role}: {status}, expected {sorted(statuses)}")
        if _changes(before, _snapshot()):
            failures.append(f"{method} {path} as {role} changed {_changes(before, _snapshot())}")
        shown = [text for text in far.case_secrets[1:] + far.contact + far.roster_secrets if text in body]
        if shown:
            failures.append(f"{method} {path} as {role} showed {shown}")
    assert not failures, "\n".join(failures)
