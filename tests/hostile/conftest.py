"""Hostile input: a small city with a case in each state, clients of every role, and one `send` that
every generated request goes through, which counts it and checks the answer.

An answer passes when its status is one the portal means to give (never 5xx, never anything odd),
and when a refusal that a person reads (an HTML 4xx) says what is wrong in Vietnamese. The count of
generated requests is printed at the end of the run and must reach TARGET when the whole package ran.
"""
from __future__ import annotations

import json
import os
import re
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timezone

import pytest
from hypothesis import HealthCheck, Phase, settings
from jinja2 import BytecodeCache
from lxml import html as lxml_html
from sqlalchemy import event

from portal.extensions import db
from tests.conftest import IS_POSTGRES, csrf_token_from

TARGET = 10_000
# Statuses the portal gives on purpose; anything else (5xx above all) is a bug. 308 is the router's own
# answer to a path with "//" in it (an encoded "/" in a case code), pointing at the path with one "/".
EXPECTED = {200, 201, 204, 302, 303, 308, 400, 401, 403, 404, 405, 409, 413, 422, 429}
# Letters only Vietnamese text has: a refusal in English (WTForms' defaults) has none of them.
VIETNAMESE = re.compile("[ăâđêôơưáàảãạấầẩẫậắằẳẵặéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵĂÂĐÊÔƠƯ]")
# Where a page says what went wrong: each error of a form, an error page, an alert.
MESSAGES = ("//ul[contains(concat(' ', normalize-space(@class), ' '), ' errors ')]/li"
            " | //*[contains(concat(' ', normalize-space(@class), ' '), ' errors ')][not(self::ul)]"
            " | //*[contains(concat(' ', normalize-space(@class), ' '), ' error-card ')]"
            " | //*[@role='alert' and not(.//ul[contains(concat(' ', normalize-space(@class), ' '), ' errors ')])]")
GENERAL_OPEN311_ERROR = "Lỗi xử lý chung"


# HOSTILE_SCALE=0.1 runs a tenth of the examples while working on one test; the full count needs 1.
SCALE = float(os.environ.get("HOSTILE_SCALE", "1"))


class _CompiledTemplates(BytecodeCache):
    """Templates compiled once for the whole run, shared by the apps of every test."""

    def __init__(self):
        self.compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket):
        if bucket.key in self.compiled:
            bucket.bytecode_from_string(self.compiled[bucket.key])

    def dump_bytecode(self, bucket):
        self.compiled[bucket.key] = bucket.bytecode_to_string()


COMPILED_TEMPLATES = _CompiledTemplates()


def _no_sync(connection, record) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA synchronous = OFF" if IS_POSTGRES is False else "SET synchronous_commit TO off")
    cursor.close()


def hostile_settings(examples: int):
    """The same examples on every run (CI must be deterministic): derandomized, no example database."""
    return settings(max_examples=max(1, round(examples * SCALE)), deadline=None, derandomize=True, database=None,
                    print_blob=False, phases=(Phase.explicit, Phase.generate, Phase.shrink),
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                           HealthCheck.data_too_large, HealthCheck.filter_too_much,
                                           HealthCheck.large_base_example])


@dataclass
class Tally:
    """Generated requests sent this run, by test, and the seconds they took."""

    requests: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    cpu_by_test: dict[str, float] = field(default_factory=dict)
    statuses: dict[int, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.requests.values())


TALLY = Tally()


@pytest.fixture(scope="session")
def tally():
    return TALLY


@pytest.fixture
def send(request):
    """send(client, method, url, **kwargs): one generated request, counted and checked."""
    name = request.node.originalname

    def send(client, method: str, url: str, **kwargs):
        started, cpu = time.perf_counter(), time.process_time()
        response = client.open(url, method=method, **kwargs)
        body = response.get_data()  # a streamed answer is read to its end, as a browser would
        TALLY.seconds += time.perf_counter() - started
        TALLY.cpu_seconds += time.process_time() - cpu
        TALLY.cpu_by_test[name] = TALLY.cpu_by_test.get(name, 0.0) + time.process_time() - cpu
        TALLY.requests[name] = TALLY.requests.get(name, 0) + 1
        TALLY.statuses[response.status_code] = TALLY.statuses.get(response.status_code, 0) + 1
        db.session.rollback()  # a refused write leaves nothing behind for the next request
        check_answer(response, body, method, url, kwargs)
        return response

    return send


def check_answer(response, body: bytes, method: str, url: str, sent: dict) -> None:
    what = f"{method} {url} {_short(sent)}"
    status = response.status_code
    assert status < 500, f"{what} answered {status}:\n{_short(body.decode('utf-8', 'replace'), 600)}"
    assert status in EXPECTED, f"{what} answered an unexpected {status}"
    if url.startswith("/open311/"):
        _check_open311(response, body, what)
    elif response.mimetype == "text/html" and (status >= 400 or b'class="errors"' in body):
        # A refusal says what is wrong, and every message on a form is in Vietnamese (none of WTForms' English).
        page = lxml_html.fromstring(body) if body.strip() else None
        said = [" ".join(" ".join(element.itertext()).split()) for element in page.xpath(MESSAGES)] if page is not None else []
        said = [message for message in said if message]
        if status >= 400 and status not in (401,):
            assert said, f"{what} answered {status} with no message"
        english = [message for message in said if not VIETNAMESE.search(message)]
        assert not english, f"{what} answered {status} with a message not in Vietnamese: {english}"


def _check_open311(response, body: bytes, what: str) -> None:
    text = body.decode("utf-8")
    assert GENERAL_OPEN311_ERROR not in text, f"{what} hit an unexpected error (logged as 'Open311 request failed')"
    if response.status_code < 400:
        return
    if response.mimetype == "application/json":
        errors = json.loads(text)
        descriptions = [error["description"] for error in errors]
        assert errors and all(error["code"] == response.status_code for error in errors), what
    else:
        descriptions = re.findall(r"<description>(.*?)</description>", text, re.S)
    assert descriptions and all(VIETNAMESE.search(d) for d in descriptions), f"{what}: {descriptions!r}"


def _short(value, limit: int = 300) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "…"


def client_as(app, user):
    """A client whose session holds the user (the sign-in form is tested elsewhere; scrypt is slow)."""
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = str(user.id)
        session["_fresh"] = True
    return client


def token_of(client, path: str = "/account/password") -> str:
    return csrf_token_from(client.get(path).get_data(as_text=True))


# What an action may change on a case; put back before each example that acts on it.
CASE_STATE = ("state", "unit_id", "handler_id", "due_at", "paused_at", "answered_at", "closed_at", "answer",
              "answer_draft", "rating", "reject_reason", "approval_required", "answer_pending_approval",
              "extension_requested_at", "extension_requested_by_id", "extension_reason", "extension_proposed_due_at",
              "duplicate_of_id", "transfer_count", "extension_count")


@dataclass
class World:
    units: dict
    users: dict
    clients: dict
    tokens: dict
    categories: dict
    cases: dict
    campaign: object
    rosters: dict
    rule: object
    api_key: str

    snapshots: dict = field(default_factory=dict)

    def __repr__(self) -> str:  # a failing example prints this; the codes are enough
        return f"World(cases={ {name: case.code for name, case in self.cases.items()} })"

    def _repr_pretty_(self, printer, cycle) -> None:  # Hypothesis prints dataclasses field by field otherwise
        printer.text(repr(self))

    def fresh_case(self, name: str):
        """The named case as the world made it (an earlier example may have answered or moved it)."""
        case = self.cases[name]
        kept = self.snapshots.setdefault(name, {column: getattr(case, column) for column in CASE_STATE})
        if any(getattr(case, column) != value for column, value in kept.items()):
            for column, value in kept.items():
                setattr(case, column, value)
            db.session.commit()
        return case


@pytest.fixture
def world(app, make) -> World:
    """Hanoi in small: the city, its office, a department, Đống Đa with two wards, Ba Đình with one;
    a user of each role; a case in each state; a roster campaign; a routing rule; an Open311 client."""
    root = make.unit("Ủy ban nhân dân Thành phố Hà Nội", kind="city", code="HN")
    office = make.unit("Văn phòng UBND Thành phố", kind="city_office", parent=root, code="VP-UBND")
    department = make.unit("Sở Nội vụ", kind="department", parent=root, code="SO-NV")
    it = make.unit("Sở Thông tin và Truyền thông", kind="department", parent=root, code="SO-TTTT")
    dong_da = make.unit("UBND Quận Đống Đa", kind="district", parent=root, code="Q006")
    van_chuong = make.unit("UBND Phường Văn Chương", parent=dong_da, code="P00193")
    hang_bot = make.unit("UBND Phường Hàng Bột", parent=dong_da, code="P00196")
    ba_dinh = make.unit("UBND Quận Ba Đình", kind="district", parent=root, code="Q001")
    truc_bach = make.unit("UBND Phường Trúc Bạch", parent=ba_dinh, code="P00004")
    units = {"root": root, "office": office, "department": department, "it": it, "dong_da": dong_da,
             "van_chuong": van_chuong, "hang_bot": hang_bot, "ba_dinh": ba_dinh, "truc_bach": truc_bach}
    users = {
        "handler": make.user("handler", van_chuong, username="can.bo", full_name="Nguyễn Thị Hồng Nhung"),
        "unit_lead": make.user("unit_lead", van_chuong, username="lanh.dao", full_name="Trần Văn Hùng"),
        "chair": make.user("chair", dong_da, username="chu.tich", full_name="Lê Minh Quang"),
        "city_office": make.user("city_office", office, username="van.phong", full_name="Phạm Thu Trang"),
        "inspector": make.user("inspector", department, username="thanh.tra", full_name="Đỗ Văn Kiên"),
        "hotline": make.user("hotline", office, username="tong.dai", full_name="Vũ Thị Mai"),
        "admin": make.user("admin", it, username="quan.tri", full_name="Hoàng Đức Thắng"),
    }
    categories = {code: make.category(code=code, name=name, kind=kind, default_unit_kind=unit_kind)
                  for code, name, kind, unit_kind in (
                      ("GT", "Giao thông", "field", "ward"), ("MT", "Môi trường", "field", "ward"),
                      ("XD", "Trật tự xây dựng", "field", "ward"), ("ANTT", "An ninh trật tự", "field", "ward"),
                      ("HT", "Hộ tịch", "procedure", "department"))}
    received = datetime(2026, 11, 10, 2, 0, tzinfo=timezone.utc)
    handler = users["handler"]
    cases = {
        "received": make.case(unit=None, state="received", category=categories["GT"],
                              citizen_name="Nguyễn Văn An", citizen_phone="0912345678", address="Số 5 ngõ 45 Văn Chương"),
        "assigned": make.case(unit=van_chuong, state="assigned", category=categories["MT"]),
        "in_progress": make.case(unit=van_chuong, state="in_progress", handler=handler, category=categories["GT"],
                                 citizen_name="Trần Thị Bình", citizen_phone="0987654321"),
        "paused": make.case(unit=van_chuong, state="paused", handler=handler, category=categories["XD"],
                            paused_at=datetime(2026, 11, 12, 3, 0, tzinfo=timezone.utc)),
        "extension": make.case(unit=van_chuong, state="in_progress", handler=handler, category=categories["GT"],
                               extension_requested_at=datetime(2026, 11, 13, 3, 0, tzinfo=timezone.utc),
                               extension_requested_by_id=handler.id, extension_reason="Cần khảo sát thêm hiện trường",
                               extension_proposed_due_at=datetime(2026, 12, 4, 10, 0, tzinfo=timezone.utc)),
        "answered": make.case(unit=van_chuong, state="answered", handler=handler, category=categories["MT"],
                              answer="Phường đã thu dọn rác và nhắc nhở các hộ dân.", answered_at=received),
        "overdue": make.case(unit=van_chuong, state="in_progress", handler=handler, category=categories["GT"],
                             due_at=datetime(2026, 11, 12, 10, 0, tzinfo=timezone.utc)),
        "other": make.case(unit=truc_bach, state="assigned", category=categories["GT"]),
    }
    campaign = make.roster_campaign([van_chuong, hang_bot, truc_bach], due_on=date(2026, 11, 20))
    rosters = {roster.unit.code: roster for roster in campaign.rosters}
    make.roster_row(rosters["P00193"], full_name="Nguyễn Văn Lâm")
    rule = make.routing_rule(unit=van_chuong, category=categories["GT"], place=van_chuong, note="Đường Văn Chương")
    make.api_client(key="hostile-open311-key", rate_limit_per_minute=10_000)
    make.api_client(key="hostile-slow-key", name="Ứng dụng chậm", rate_limit_per_minute=1)
    db.session.commit()
    app.jinja_env.bytecode_cache = COMPILED_TEMPLATES  # each test's app would compile every template again
    # Thousands of small commits to a throw-away database: none needs to wait for the disk.
    event.listen(db.engine, "connect", _no_sync)
    db.engine.dispose()
    clients = {role: client_as(app, user) for role, user in users.items()}
    tokens = {role: token_of(client) for role, client in clients.items()}
    return World(units=units, users=users, clients=clients, tokens=tokens, categories=categories, cases=cases,
                 campaign=campaign, rosters=rosters, rule=rule, api_key="hostile-open311-key")


def pytest_collection_modifyitems(session, config, items):
    # The count is checked after every generated test of this package, wherever it was collected.
    last = [item for item in items if item.name == "test_the_run_sent_at_least_ten_thousand_generated_requests"]
    for item in last:
        items.remove(item)
        items.append(item)


def pytest_terminal_summary(terminalreporter):
    if TALLY.total:
        database = "PostgreSQL" if IS_POSTGRES else "SQLite"
        terminalreporter.write_line(
            f"hostile input ({database}): {TALLY.total:,} generated requests, {TALLY.seconds:.1f} s in the app "
            f"({TALLY.cpu_seconds:.1f} s of CPU); "
            "by status: " + ", ".join(f"{status}: {count}" for status, count in sorted(TALLY.statuses.items()))
            + "; by test: " + ", ".join(f"{name}={count}" for name, count in sorted(TALLY.requests.items())))
        if os.environ.get("HOSTILE_TIMING"):
            for name, count in sorted(TALLY.requests.items()):
                terminalreporter.write_line(f"  {name}: {1000 * TALLY.cpu_by_test[name] / count:.1f} ms CPU per request")
