"""Open311 GeoReport v2: categories as services, cases as service requests, and POSTs that are safe to retry.

Field lists and element names follow the specification (wiki.open311.org/GeoReport_v2) exactly;
datetimes are W3C datetimes on Hanoi's clock (+07:00). No Flask request in here: the views hand
over plain mappings, and get back dicts (JSON) or text (XML), or an `Open311Error`.
"""
from __future__ import annotations

import functools
import hashlib
import json
import math
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Iterable, Mapping
from xml.etree import ElementTree

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import Integer, bindparam, select
from sqlalchemy.exc import IntegrityError

from portal.domain import routing
from portal.domain.codes import normalize_code
from portal.domain.formatting import LOCAL_TZ, number
from portal.domain.intake import NewCase, file_case
from portal.domain.phones import phone_digits
from portal.domain.working_time import WorkingCalendar
from portal.extensions import db
from portal.models import ApiClient, Case, Category, IntakeRequest, Unit
from portal.models.case import OPEN_STATES

# The specification's field lists, in its order.
SERVICE_FIELDS = ("service_code", "service_name", "description", "metadata", "type", "keywords", "group")
DEFINITION_FIELDS = ("service_code", "attributes")
ATTRIBUTE_FIELDS = ("variable", "code", "datatype", "required", "datatype_description", "order", "description",
                    "values")
VALUE_FIELDS = ("key", "name")
POSTED_FIELDS = ("service_request_id", "service_notice", "account_id")
REQUEST_FIELDS = ("service_request_id", "status", "status_notes", "service_name", "service_code", "description",
                  "agency_responsible", "service_notice", "requested_datetime", "updated_datetime",
                  "expected_datetime", "address", "address_id", "zipcode", "lat", "long", "media_url")
ERROR_FIELDS = ("code", "description")

MAX_DESCRIPTION = 4000  # "free form text limited to 4,000 characters"
MAX_ROWS = 1000  # "first 1000 requests returned"
# The page and page_size extension (wiki.open311.org/GeoReport_v2/Extensions, as Chicago, Boston, Toronto
# and others serve it): a page of the newest requests by default, any page of the first MAX_ROWS on request.
DEFAULT_PAGE_SIZE = 50
MAX_SPAN = timedelta(days=90)  # "may not span more than 90 days"; the default range is the last 90 days
# Without an Idempotency-Key, the same content from the same client this close together is a retry.
CONTENT_WINDOW_SECONDS = 600
MAX_TITLE = 120


class Open311Error(Exception):
    """A request the API refuses: HTTP status, and the description the citizen's app shows."""

    def __init__(self, status: int, description: str):
        super().__init__(description)
        self.status = status
        self.description = description


# --- Service definitions: the extra questions some categories ask --------------------------------------

@dataclass(frozen=True)
class Attribute:
    code: str
    datatype: str  # string | number | datetime | text | singlevaluelist | multivaluelist
    description: str
    required: bool = False
    datatype_description: str | None = None
    values: tuple[tuple[str, str], ...] = ()  # (key, name) for the value lists

    def value_name(self, key: str) -> str:
        return dict(self.values).get(key, key)


# Keyed by category code. A category listed here has metadata=true in the service list.
SERVICE_ATTRIBUTES: dict[str, tuple[Attribute, ...]] = {
    "GT": (
        Attribute("VI_TRI", "singlevaluelist", "Sự việc nằm ở đâu trên đường?", required=True,
                  values=(("long_duong", "Lòng đường"), ("via_he", "Vỉa hè"), ("nut_giao", "Nút giao, ngã tư"))),
        Attribute("NGUY_HIEM", "singlevaluelist", "Có nguy cơ gây tai nạn ngay không?",
                  values=(("co", "Có"), ("khong", "Không"))),
    ),
    "MT": (
        Attribute("LOAI_RAC", "multivaluelist", "Loại rác, chất thải",
                  datatype_description="Chọn một hoặc nhiều loại",
                  values=(("sinh_hoat", "Rác sinh hoạt"), ("xay_dung", "Phế thải xây dựng"),
                          ("nuoc_thai", "Nước thải"), ("khac", "Loại khác"))),
    ),
    "XD": (
        Attribute("SO_TANG", "number", "Số tầng công trình đang xây", datatype_description="Một số, ví dụ 5"),
    ),
    "ANTT": (
        Attribute("THOI_DIEM", "datetime", "Sự việc xảy ra lúc nào?",
                  datatype_description="Ngày giờ theo ISO 8601, ví dụ 2026-11-16T22:30:00+07:00"),
    ),
    "DIEN": (
        Attribute("MA_KHACH_HANG", "string", "Mã khách hàng trên hóa đơn tiền điện (nếu có)"),
    ),
    "NUOC": (
        Attribute("MA_KHACH_HANG", "string", "Mã khách hàng trên hóa đơn tiền nước (nếu có)"),
    ),
}


def attributes_of(category: Category) -> tuple[Attribute, ...]:
    return SERVICE_ATTRIBUTES.get(category.code, ())


def service_notice(category: Category) -> str:
    """What the citizen can expect, from the category's processing time for a normal case."""
    return f"Phản ánh được xử lý trong {category.normal_days} ngày làm việc kể từ khi tiếp nhận."


def service(category: Category) -> dict:
    """One entry of GET services: a category as a service."""
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": f"Phản ánh, kiến nghị lĩnh vực {category.name} ({category.kind_label.lower()}).",
        "metadata": bool(attributes_of(category)),
        "type": "realtime",
        "keywords": ", ".join(dict.fromkeys((category.name.lower(), routing.fold(category.name)))),
        "group": category.kind_label,
    }


def service_definition(category: Category) -> dict:
    """GET services/{code}: the category's questions (an empty list when it asks none)."""
    return {
        "service_code": category.code,
        "attributes": [
            {
                "variable": True,
                "code": attribute.code,
                "datatype": attribute.datatype,
                "required": attribute.required,
                "datatype_description": attribute.datatype_description,
                "order": order,
                "description": attribute.description,
                "values": [{"key": key, "name": name} for key, name in attribute.values],
            }
            for order, attribute in enumerate(attributes_of(category), start=1)
        ],
    }


def active_services() -> list[Category]:
    return list(db.session.scalars(select(Category).where(Category.active.is_(True)).order_by(Category.code)))


def category_for(service_code: str | None) -> Category:
    """The active category of a service_code, or the specification's 404."""
    code = (service_code or "").strip()
    category = db.session.scalar(select(Category).where(Category.code == code, Category.active.is_(True))) \
        if code else None
    if category is None:
        raise Open311Error(404, f"Không có dịch vụ (lĩnh vực) với service_code \"{_quote(code)}\".")
    return category


# --- Datetimes --------------------------------------------------------------------------------------------

_W3C_RE = re.compile(
    r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2}))?$")


def w3c(moment: datetime | None) -> str | None:
    """A moment as a W3C datetime on Hanoi's clock: 2026-11-16T09:00:00+07:00."""
    if moment is None:
        return None
    return moment.astimezone(LOCAL_TZ).isoformat(timespec="seconds")


def parse_w3c(text: str, name: str) -> datetime:
    """A W3C datetime with its time zone (or a bare date, read as midnight in Hanoi), in UTC."""
    value = text.strip()
    if not _W3C_RE.match(value):
        raise Open311Error(400, f"{name} phải là ngày giờ theo định dạng W3C có múi giờ, "
                                f"ví dụ 2026-11-16T00:00:00+07:00 (nhận được \"{_quote(value)}\").")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise Open311Error(400, f"{name} không phải ngày giờ có thật: \"{_quote(value)}\".") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=LOCAL_TZ)
    return moment.astimezone(timezone.utc)


# --- GET requests -----------------------------------------------------------------------------------------

@dataclass
class RequestFilters:
    codes: list[str] = field(default_factory=list)
    service_codes: list[str] = field(default_factory=list)
    start: datetime | None = None
    end: datetime | None = None
    statuses: list[str] = field(default_factory=list)
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE


@dataclass
class RequestsPage:
    """One page of GET requests, and whether a next page (within the first MAX_ROWS) has any."""

    requests: list[dict]
    more: bool = False


def _comma_list(values: Iterable[str]) -> list[str]:
    """"a,b" and repeated parameters alike, empty items dropped."""
    return [item.strip() for value in values for item in value.split(",") if item.strip()]


def parse_filters(args: Mapping[str, list[str]], now: datetime) -> RequestFilters:
    """The filters of GET requests; service_request_id overrides all others, as the standard says.

    The range is the last 90 days by default; one end given, the other is 90 days away; a range
    longer than 90 days, or backwards, is refused. page_size (1 to 1000, default 50) and page (from 1)
    choose a page of the first 1000 requests of the range, newest first.
    """
    filters = RequestFilters()
    filters.codes = _comma_list(args.get("service_request_id", []))
    if filters.codes:
        if len(filters.codes) > MAX_ROWS:
            raise Open311Error(400, f"Tối đa {MAX_ROWS} service_request_id trong một lần tra cứu.")
        return filters
    filters.page_size = _whole_number(args, "page_size", DEFAULT_PAGE_SIZE, MAX_ROWS,
                                      f"page_size phải là số nguyên từ 1 đến {MAX_ROWS}")
    filters.page = _whole_number(args, "page", 1, None, "page phải là số nguyên từ 1 trở lên")
    filters.service_codes = _comma_list(args.get("service_code", []))
    filters.statuses = _comma_list(args.get("status", []))
    for status in filters.statuses:
        if status not in ("open", "closed"):
            raise Open311Error(400, f"status chỉ nhận open hoặc closed (nhận được \"{_quote(status)}\").")
    start_text = next((v for v in args.get("start_date", []) if v.strip()), None)
    end_text = next((v for v in args.get("end_date", []) if v.strip()), None)
    start = parse_w3c(start_text, "start_date") if start_text else None
    end = parse_w3c(end_text, "end_date") if end_text else None
    if start is None and end is None:
        end = now
    if start is None:
        start = end - MAX_SPAN
    if end is None:
        end = start + MAX_SPAN
    if end < start:
        raise Open311Error(400, "end_date phải sau start_date.")
    if end - start > MAX_SPAN:
        raise Open311Error(400, "Khoảng thời gian từ start_date đến end_date không được quá 90 ngày.")
    filters.start, filters.end = start, end
    return filters


def _whole_number(args: Mapping[str, list[str]], name: str, default: int, highest: int | None, rule: str) -> int:
    """A positive whole number parameter (the first given), or its default when absent or empty."""
    text = next((v.strip() for v in args.get(name, []) if v.strip()), None)
    if text is None:
        return default
    if (not (text.isascii() and text.isdigit()) or len(text) > 9 or int(text) < 1
            or (highest is not None and int(text) > highest)):
        raise Open311Error(400, f"{rule} (nhận được \"{_quote(text)}\").")
    return int(text)


# What a service request shows, and only that, as plain columns (no ORM objects: a page builds its dicts
# straight from the rows). The names are looked up beside each row rather than joined: PostgreSQL plans
# the statement anew on every request (the closing ROLLBACK drops psycopg's prepared statements), and a
# four-table join takes it longer to plan than to run. Made once: compiled once, its cached form reused.
_cases, _categories = Case.__table__.c, Category.__table__.c  # the tables' own columns: no ORM step on execute
_REQUESTS = select(
    _cases.code, _cases.state, _cases.answer, _cases.reject_reason, _cases.content, _cases.address,
    _cases.latitude, _cases.longitude, _cases.received_at, _cases.updated_at, _cases.due_at,
    select(_categories.code).where(_categories.id == _cases.category_id).scalar_subquery().label("service_code"),
    select(_categories.name).where(_categories.id == _cases.category_id).scalar_subquery().label("service_name"),
    select(Unit.__table__.c.name).where(Unit.__table__.c.id == _cases.unit_id).scalar_subquery().label("unit_name"),
    select(IntakeRequest.__table__.c.media_url).where(IntakeRequest.__table__.c.case_id == _cases.id)
    .scalar_subquery().label("media_url"),
)
_NEWEST_FIRST = (_cases.received_at.desc(), _cases.id.desc())


def find_requests(filters: RequestFilters) -> RequestsPage:
    """A page of service requests for GET requests: one query, newest first, within the first 1,000.

    The range filters received_at (ix_cases_received_at), so the query reads an index range
    backwards and stops after the page (one row more, to know whether another page follows),
    even on millions of cases. service_request_id lists are answered whole (at most 1,000 codes).
    """
    query = _REQUESTS
    if filters.codes:
        codes = [code for code in (normalize_code(text) for text in filters.codes) if code]
        rows = db.session.execute(query.where(_cases.code.in_(codes)).order_by(*_NEWEST_FIRST).limit(MAX_ROWS)).all()
        return RequestsPage([_service_request(row) for row in rows])
    offset = (filters.page - 1) * filters.page_size
    if offset >= MAX_ROWS:
        return RequestsPage([])
    size = min(filters.page_size, MAX_ROWS - offset)
    values = {"start": filters.start, "end": filters.end, "offset": offset, "limit": size + 1}
    if filters.service_codes:
        # The categories' ids, so that one service reads its own index (ix_cases_category_received) backwards.
        values["category_ids"] = list(db.session.scalars(
            select(Category.id).where(Category.code.in_(filters.service_codes))))
        if not values["category_ids"]:
            return RequestsPage([])
    status = filters.statuses[0] if filters.statuses in (["open"], ["closed"]) else None
    rows = db.session.execute(_page_statement(bool(filters.service_codes), status), values).all()
    more = len(rows) > size and offset + size < MAX_ROWS
    return RequestsPage([_service_request(row) for row in rows[:size]], more=more)


@functools.cache
def _page_statement(by_service: bool, status: str | None):
    """A page of requests received in [start, end], newest first, of some services and of one status or
    both: six statements, each built once with bound values (a statement built per request cost a tenth
    of the request, most of it SQLAlchemy working out the cache key of its compiled form)."""
    query = _REQUESTS.where(_cases.received_at >= bindparam("start"), _cases.received_at <= bindparam("end"))
    if by_service:
        query = query.where(_cases.category_id.in_(bindparam("category_ids", expanding=True)))
    if status == "open":
        query = query.where(_cases.state.in_(OPEN_STATES))
    elif status == "closed":
        query = query.where(_cases.state.not_in(OPEN_STATES))
    return (query.order_by(*_NEWEST_FIRST)
            .offset(bindparam("offset", type_=Integer)).limit(bindparam("limit", type_=Integer)))


def find_request(code_text: str) -> dict | None:
    code = normalize_code(code_text)
    if code is None:
        return None
    row = db.session.execute(_REQUESTS.where(_cases.code == code)).first()
    return _service_request(row) if row is not None else None


def status_of(state: str) -> str:
    """open while the portal works on it; closed once answered, closed or rejected."""
    return "open" if state in OPEN_STATES else "closed"


def _service_request(row) -> dict:
    """A case as a service request: public fields only, never the citizen's contact."""
    # Unpacked in _REQUESTS' order: a page makes up to a thousand of these, and a tuple unpacks at once.
    (code, state, answer, reject_reason, content, address, latitude, longitude, received_at, updated_at, due_at,
     service_code, service_name, unit_name, media_url) = row
    notes = answer if state in ("answered", "closed") else None
    if state == "rejected":
        notes = reject_reason
    return {
        "service_request_id": code,
        "status": status_of(state),
        "status_notes": notes,
        "service_name": service_name,
        "service_code": service_code,
        "description": content,
        "agency_responsible": unit_name,
        "service_notice": None,
        "requested_datetime": w3c(received_at),
        "updated_datetime": w3c(updated_at),
        "expected_datetime": w3c(due_at),
        "address": address,
        "address_id": None,
        "zipcode": None,
        "lat": latitude,
        "long": longitude,
        "media_url": media_url,
    }


# --- Serialisation ----------------------------------------------------------------------------------------

# Characters XML 1.0 cannot carry at all (controls but tab, LF, CR; lone surrogates; U+FFFE, U+FFFF).
_NOT_XML_RE = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_CHILD = {"services": "service", "service_requests": "request", "errors": "error", "attributes": "attribute",
          "values": "value"}


def xml_text(text: str) -> str:
    """Text with the characters XML 1.0 cannot carry removed."""
    return _NOT_XML_RE.sub("", text)


def has_invalid_xml_characters(text: str) -> bool:
    return bool(_NOT_XML_RE.search(text))


def _append(parent: ElementTree.Element, name: str, value) -> None:
    element = ElementTree.SubElement(parent, name)
    _fill(element, name, value)


def _fill(element: ElementTree.Element, name: str, value) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _append(element, key, item)
    elif isinstance(value, list):
        for item in value:
            _append(element, _CHILD[name], item)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = xml_text(str(value))


def to_xml(root: str, value) -> str:
    """The XML document the specification shows: declaration, schemaless, no namespace."""
    element = ElementTree.Element(root)
    _fill(element, root, value)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ElementTree.tostring(element, encoding="unicode")


def to_json(value) -> str:
    return json.dumps(value, ensure_ascii=False)


def errors(status: int, *descriptions: str) -> list[dict]:
    """The specification's error list: [{"code": 400, "description": "…"}]."""
    return [{"code": status, "description": description} for description in descriptions]


# --- POST requests ----------------------------------------------------------------------------------------

@dataclass
class PostedRequest:
    """A validated POST requests: what the citizen's app sent, ready to become a case."""

    category: Category
    latitude: float | None
    longitude: float | None
    address: str | None
    description: str
    email: str | None
    first_name: str | None
    last_name: str | None
    phone: str | None
    media_url: str | None
    attributes: dict[str, str | list[str]]

    @property
    def citizen_name(self) -> str | None:
        # Vietnamese order: family name, then given name.
        name = " ".join(part for part in (self.last_name, self.first_name) if part)
        return name or None

    def content_hash(self) -> str:
        """What makes two posts "the same request" when no Idempotency-Key says so."""
        fields = [self.category.code, self.latitude, self.longitude, self.address, self.description, self.email,
                  self.first_name, self.last_name, self.phone, self.media_url,
                  sorted((code, value if isinstance(value, str) else sorted(value))
                         for code, value in self.attributes.items())]
        return hashlib.sha256(json.dumps(fields, ensure_ascii=False).encode()).hexdigest()

    def title(self) -> str:
        """A case title from the description's first line, or from the service and the place."""
        first_line = next((line.strip() for line in self.description.splitlines() if line.strip()), "")
        if not first_line:
            return f"{self.category.name} tại {self.address}"[:MAX_TITLE] if self.address else self.category.name
        if len(first_line) <= MAX_TITLE:
            return first_line
        cut = first_line[:MAX_TITLE - 1].rsplit(" ", 1)[0]
        return cut + "…"

    def content(self) -> str:
        """The description, and the answers to the service's questions, for staff to read."""
        text = self.description or f"Phản ánh lĩnh vực {self.category.name} gửi từ ứng dụng (không có mô tả)."
        answers = []
        for attribute in attributes_of(self.category):
            value = self.attributes.get(attribute.code)
            if value is None:
                continue
            shown = ", ".join(attribute.value_name(v) for v in value) if isinstance(value, list) \
                else attribute.value_name(value)
            answers.append(f"- {attribute.description} {shown}")
        return text + ("\n\nThông tin bổ sung:\n" + "\n".join(answers) if answers else "")


_TEXT_LIMITS = {"address_string": 300, "email": 120, "first_name": 60, "last_name": 60, "phone": 32,
                "media_url": 2000, "jurisdiction_id": 255, "device_id": 255, "account_id": 255,
                "service_code": 32}
_ATTRIBUTE_RE = re.compile(r"^attribute\[([^\[\]]+)\](\[\])?$")


def _quote(text: str, limit: int = 60) -> str:
    text = xml_text(text)
    return text if len(text) <= limit else text[:limit] + "…"


def parse_post(form: Mapping[str, list[str]]) -> PostedRequest:
    """Validate the fields of POST requests (form-encoded, as the specification sends them).

    Every problem is found, not just the first: one 400 lists them all. An unknown service is
    the specification's 404.
    """
    problems: list[str] = []

    def text(name: str) -> str | None:
        values = form.get(name) or []
        value = values[0].strip() if values else ""
        if not value:
            return None
        if has_invalid_xml_characters(value):
            problems.append(f"{name} chứa ký tự điều khiển không hợp lệ (không được phép trong XML 1.0).")
            return None
        limit = _TEXT_LIMITS.get(name)
        if limit and len(value) > limit:
            problems.append(f"{name} dài {number(len(value))} ký tự, tối đa {number(limit)} ký tự.")
            return None
        return value

    service_code = text("service_code")
    if service_code is None and not problems:
        raise Open311Error(400, "Thiếu service_code (mã dịch vụ lấy từ services.xml hoặc services.json).")
    category = category_for(service_code) if service_code else None

    description = (form.get("description") or [""])[0].replace("\r\n", "\n").strip()
    if has_invalid_xml_characters(description):
        problems.append("description chứa ký tự điều khiển không hợp lệ (không được phép trong XML 1.0).")
    elif len(description) > MAX_DESCRIPTION:
        problems.append(f"description dài {number(len(description))} ký tự, tối đa {number(MAX_DESCRIPTION)} ký tự.")

    lat_text, long_text = text("lat"), text("long")
    latitude = _coordinate(lat_text, "lat", 90, problems)
    longitude = _coordinate(long_text, "long", 180, problems)
    address = text("address_string")
    lat_given, long_given = lat_text is not None, long_text is not None
    if lat_given != long_given:
        problems.append("Phải gửi cả lat và long (thiếu " + ("long" if lat_given else "lat") + ").")
    elif not lat_given and address is None and not any("address_string" in p for p in problems):
        problems.append("Thiếu vị trí: gửi lat và long, hoặc address_string.")

    email = text("email")
    if email is not None:
        try:
            email = validate_email(email, check_deliverability=False).normalized
        except EmailNotValidError:
            problems.append(f"email không hợp lệ: \"{_quote(email)}\".")
    phone = text("phone")
    if phone is not None and phone_digits(phone) is None:
        problems.append(f"phone không phải số điện thoại Việt Nam hợp lệ: \"{_quote(phone)}\".")
    media_url = text("media_url")
    if media_url is not None and not re.match(r"^https?://[^\s/]+\S*$", media_url):
        problems.append("media_url phải là địa chỉ http:// hoặc https://.")
    first_name, last_name = text("first_name"), text("last_name")
    for name in ("jurisdiction_id", "device_id", "account_id"):
        text(name)  # accepted and checked, not used

    attributes = _attributes(form, category, problems) if category is not None else {}
    if problems:
        raise Open311Error(400, " ".join(problems))
    return PostedRequest(category=category, latitude=latitude, longitude=longitude, address=address,
                         description=description, email=email, first_name=first_name, last_name=last_name,
                         phone=phone, media_url=media_url, attributes=attributes)


def _coordinate(value: str | None, name: str, bound: int, problems: list[str]) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)
    except ValueError:
        problems.append(f"{name} phải là một số (độ, WGS84), nhận được \"{_quote(value)}\".")
        return None
    if not math.isfinite(number) or not -bound <= number <= bound:
        problems.append(f"{name} phải nằm trong khoảng -{bound} đến {bound} độ (nhận được {_quote(value)}).")
        return None
    return number


def _attributes(form: Mapping[str, list[str]], category: Category, problems: list[str]) -> dict:
    """attribute[code]=value (and attribute[code][]=v1&attribute[code][]=v2 for a multivaluelist)."""
    given: dict[str, list[str]] = {}
    for name, values in form.items():
        found = _ATTRIBUTE_RE.match(name)
        if found:
            given.setdefault(found.group(1), []).extend(v.strip() for v in values if v.strip())
    known = {attribute.code: attribute for attribute in attributes_of(category)}
    answers: dict[str, str | list[str]] = {}
    for code in given:
        if code not in known:
            problems.append(f"Dịch vụ {category.code} không có câu hỏi attribute[{_quote(code)}].")
    for code, attribute in known.items():
        values = given.get(code, [])
        if not values:
            if attribute.required:
                problems.append(f"Thiếu attribute[{code}]: {attribute.description}")
            continue
        if any(has_invalid_xml_characters(v) for v in values):
            problems.append(f"attribute[{code}] chứa ký tự điều khiển không hợp lệ.")
            continue
        if attribute.datatype == "multivaluelist":
            wrong = [v for v in values if v not in dict(attribute.values)]
            if wrong:
                problems.append(f"attribute[{code}] không có lựa chọn \"{_quote(wrong[0])}\".")
            else:
                answers[code] = list(dict.fromkeys(values))
            continue
        value = values[0]
        if len(values) > 1:
            problems.append(f"attribute[{code}] chỉ nhận một giá trị.")
        elif attribute.datatype == "singlevaluelist" and value not in dict(attribute.values):
            problems.append(f"attribute[{code}] không có lựa chọn \"{_quote(value)}\".")
        elif attribute.datatype == "number" and not re.match(r"^-?\d+([.,]\d+)?$", value):
            problems.append(f"attribute[{code}] phải là một số.")
        elif attribute.datatype == "datetime" and not _W3C_RE.match(value):
            problems.append(f"attribute[{code}] phải là ngày giờ ISO 8601, ví dụ 2026-11-16T22:30:00+07:00.")
        elif attribute.datatype == "string" and ("\n" in value or len(value) > 300):
            problems.append(f"attribute[{code}] phải là một dòng, tối đa 300 ký tự.")
        elif len(value) > MAX_DESCRIPTION:
            problems.append(f"attribute[{code}] tối đa 4.000 ký tự.")
        else:
            answers[code] = value
    return answers


def posted(case: Case) -> list[dict]:
    """The answer to POST requests: a one-element list with the new (or retried) request's id."""
    return [{"service_request_id": case.code, "service_notice": service_notice(case.category), "account_id": None}]


def _existing(client: ApiClient, idempotency_key: str | None, content_hash: str, now: datetime):
    if idempotency_key:
        query = select(IntakeRequest).where(IntakeRequest.client_id == client.id,
                                            IntakeRequest.idempotency_key == idempotency_key)
    else:
        query = select(IntakeRequest).where(
            IntakeRequest.client_id == client.id, IntakeRequest.content_hash == content_hash,
            IntakeRequest.idempotency_key.is_(None),
            IntakeRequest.created_at >= now - timedelta(seconds=CONTENT_WINDOW_SECONDS))
    return db.session.scalar(query.order_by(IntakeRequest.id).limit(1))


def file_request(client: ApiClient, request: PostedRequest, *, idempotency_key: str | None, now: datetime,
                 calendar: WorkingCalendar, places: routing.PlaceIndex | None = None) -> tuple[Case, bool]:
    """Make the case for a POST, or find the one an earlier identical POST made: (case, made now?).

    The same Idempotency-Key from the same client, or without a key the same content within
    CONTENT_WINDOW_SECONDS, is the same request. Two identical posts at the same moment race to
    insert the IntakeRequest row; its unique constraints let one win, and the loser rolls back
    (its case with it) and answers with the winner's case. Commits.
    """
    content_hash = request.content_hash()
    if idempotency_key is not None and (has_invalid_xml_characters(idempotency_key) or len(idempotency_key) > 255):
        raise Open311Error(400, "Idempotency-Key tối đa 255 ký tự, không chứa ký tự điều khiển.")
    for attempt in range(3):
        earlier = _existing(client, idempotency_key, content_hash, now)
        if earlier is not None:
            if earlier.content_hash != content_hash:
                raise Open311Error(400, "Idempotency-Key này đã dùng cho một phản ánh khác nội dung; "
                                        "hãy dùng khóa mới cho phản ánh mới.")
            return earlier.case, False
        places = places or routing.PlaceIndex.load()
        place = places.place_of(request.address, request.latitude, request.longitude)
        case = file_case(
            NewCase(source="app", category=request.category, title=request.title(), content=request.content(),
                    address=request.address, ward=place if place is not None and place.kind == "ward" else None,
                    latitude=request.latitude, longitude=request.longitude, citizen_name=request.citizen_name,
                    citizen_phone=request.phone, citizen_email=request.email),
            now=now, calendar=calendar, unit=routing.route(request.category, place))
        db.session.add(IntakeRequest(
            client_id=client.id, idempotency_key=idempotency_key, content_hash=content_hash,
            content_window=None if idempotency_key else int(now.timestamp()) // CONTENT_WINDOW_SECONDS,
            case_id=case.id, attributes_json=json.dumps(request.attributes, ensure_ascii=False),
            media_url=request.media_url, created_at=now))
        try:
            db.session.commit()
            return case, True
        except IntegrityError:
            # Another worker filed the same request first (or, rarely, took the same case code).
            db.session.rollback()
    raise Open311Error(400, "Không lưu được phản ánh do xung đột dữ liệu; vui lòng gửi lại.")
