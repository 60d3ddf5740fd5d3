"""Every Open311 endpoint, in JSON and XML, against the field lists of the GeoReport v2 specification."""
import json
import re
from datetime import datetime, timedelta, timezone
from xml.etree import ElementTree

import pytest
from sqlalchemy import event, insert, text

from portal.extensions import db
from portal.models import Case

from tests.conftest import FIXED_NOW, IS_POSTGRES

# Copied from the specification (wiki.open311.org/GeoReport_v2), not from the code under test.
SPEC_SERVICE = ["service_code", "service_name", "description", "metadata", "type", "keywords", "group"]
SPEC_DEFINITION = ["service_code", "attributes"]
SPEC_ATTRIBUTE = ["variable", "code", "datatype", "required", "datatype_description", "order", "description",
                  "values"]
SPEC_REQUEST = ["service_request_id", "status", "status_notes", "service_name", "service_code", "description",
                "agency_responsible", "service_notice", "requested_datetime", "updated_datetime",
                "expected_datetime", "address", "address_id", "zipcode", "lat", "long", "media_url"]
SPEC_POSTED = ["service_request_id", "service_notice", "account_id"]
SPEC_ERROR = ["code", "description"]
W3C_HANOI = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+07:00$")
BASE = "/open311/v2"


def get_json(client, path, expect=200, **params):
    response = client.get(f"{BASE}/{path}.json", query_string=params)
    assert response.status_code == expect, response.get_data(as_text=True)
    assert response.content_type == "application/json; charset=utf-8"
    return response.get_json()


def get_xml(client, path, expect=200, **params):
    response = client.get(f"{BASE}/{path}.xml", query_string=params)
    assert response.status_code == expect, response.get_data(as_text=True)
    assert response.content_type == "text/xml; charset=utf-8"
    text = response.get_data(as_text=True)
    assert text.startswith('<?xml version="1.0" encoding="utf-8"?>')
    return ElementTree.fromstring(response.data)


def children(element):
    return [child.tag for child in element]


@pytest.fixture
def city(make):
    district = make.unit("UBND Quận Đống Đa", kind="district")
    ward = make.unit("UBND Phường Văn Chương", parent=district)
    roads = make.category(code="GT", name="Giao thông")
    other = make.category(code="KHAC", name="Lĩnh vực khác", default_unit_kind="city_office")
    return {"district": district, "ward": ward, "roads": roads, "other": other}


def test_service_list_in_json_has_the_specification_fields_for_each_category(client, city):
    services = get_json(client, "services")
    assert [service["service_code"] for service in services] == ["GT", "KHAC"]
    for service in services:
        assert list(service) == SPEC_SERVICE
        assert service["type"] == "realtime"
    roads = services[0]
    assert roads["service_name"] == "Giao thông"
    assert roads["group"] == "Hiện trường"
    assert roads["metadata"] is True  # GT asks extra questions
    assert services[1]["metadata"] is False


def test_service_list_in_xml_is_services_of_service_elements(client, city):
    root = get_xml(client, "services")
    assert root.tag == "services"
    assert children(root) == ["service", "service"]
    for service in root:
        assert children(service) == SPEC_SERVICE
    assert root[0].findtext("metadata") == "true"
    assert root[1].findtext("metadata") == "false"


def test_service_definition_in_json_lists_attributes_with_the_specification_fields(client, city):
    definition = get_json(client, "services/GT")
    assert list(definition) == SPEC_DEFINITION
    assert definition["service_code"] == "GT"
    first = definition["attributes"][0]
    assert list(first) == SPEC_ATTRIBUTE
    assert first["datatype"] == "singlevaluelist" and first["required"] is True and first["order"] == 1
    assert {"key": "via_he", "name": "Vỉa hè"} in first["values"]
    assert [attribute["order"] for attribute in definition["attributes"]] == [1, 2]


def test_service_definition_in_xml_nests_attributes_and_values(client, city):
    root = get_xml(client, "services/GT")
    assert root.tag == "service_definition"
    assert children(root) == SPEC_DEFINITION
    attribute = root.find("attributes/attribute")
    assert children(attribute) == SPEC_ATTRIBUTE
    assert children(attribute.find("values")) == ["value", "value", "value"]
    assert children(attribute.find("values/value")) == ["key", "name"]
    assert attribute.findtext("variable") == "true"


def test_service_definition_of_a_category_without_questions_has_no_attributes(client, city):
    assert get_json(client, "services/KHAC") == {"service_code": "KHAC", "attributes": []}


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_unknown_service_definition_is_a_404_in_the_error_format(client, city, fmt):
    response = client.get(f"{BASE}/services/NOPE.{fmt}")
    assert response.status_code == 404
    errors = parse_errors(response, fmt)
    assert errors[0]["code"] == 404 and "NOPE" in errors[0]["description"]


def parse_errors(response, fmt):
    """The error list in either format, as [{"code": int, "description": str}]."""
    if fmt == "json":
        body = response.get_json()
        assert isinstance(body, list) and all(list(error) == SPEC_ERROR for error in body)
        return body
    root = ElementTree.fromstring(response.data)
    assert root.tag == "errors" and children(root) == ["error"] * len(root)
    return [{"code": int(error.findtext("code")), "description": error.findtext("description")} for error in root]


@pytest.fixture
def answered_case(make, city):
    return make.case(unit=city["ward"], category=city["roads"], state="closed",
                     received_at=FIXED_NOW - timedelta(days=3), answer="Đã vá ổ gà ngày 14/11.",
                     address="Số 5 Văn Chương, Đống Đa", latitude=21.0201, longitude=105.8352,
                     citizen_name="Nguyễn Văn Bí Mật", citizen_phone="0912345678",
                     citizen_email="bimat@example.vn", updated_at=FIXED_NOW - timedelta(days=1))


def test_requests_in_json_have_the_specification_fields_and_public_values_only(client, answered_case):
    requests = get_json(client, "requests")
    assert len(requests) == 1
    request = requests[0]
    assert list(request) == SPEC_REQUEST
    assert request["service_request_id"] == answered_case.code
    assert request["status"] == "closed"
    assert request["status_notes"] == "Đã vá ổ gà ngày 14/11."
    assert request["agency_responsible"] == "UBND Phường Văn Chương"
    assert request["service_code"] == "GT" and request["service_name"] == "Giao thông"
    assert request["lat"] == 21.0201 and request["long"] == 105.8352
    for name in ("requested_datetime", "updated_datetime", "expected_datetime"):
        assert W3C_HANOI.match(request[name]), request[name]
    assert request["requested_datetime"] == "2026-11-13T09:00:00+07:00"
    assert request["expected_datetime"] == "2026-11-24T17:00:00+07:00"  # the case's due_at


def test_requests_never_show_the_citizens_contact(client, answered_case):
    for fmt in ("json", "xml"):
        body = client.get(f"{BASE}/requests.{fmt}").get_data(as_text=True)
        assert answered_case.code in body
        for private in ("Bí Mật", "0912345678", "bimat@example.vn"):
            assert private not in body


def test_requests_in_xml_are_service_requests_of_request_elements(client, answered_case):
    root = get_xml(client, "requests")
    assert root.tag == "service_requests"
    assert children(root) == ["request"]
    assert children(root[0]) == SPEC_REQUEST
    assert root[0].findtext("status") == "closed"
    assert root[0].findtext("address_id") == ""  # present and empty, as the specification shows


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_one_request_is_a_one_element_list(client, answered_case, fmt):
    if fmt == "json":
        body = get_json(client, f"requests/{answered_case.code}")
        assert len(body) == 1 and list(body[0]) == SPEC_REQUEST
        assert body[0]["service_request_id"] == answered_case.code
    else:
        root = get_xml(client, f"requests/{answered_case.code}")
        assert root.tag == "service_requests" and children(root) == ["request"]
        assert root[0].findtext("service_request_id") == answered_case.code


def test_one_request_is_found_however_the_code_is_typed(client, answered_case):
    typed = answered_case.code.replace("-", "").lower()
    assert get_json(client, f"requests/{typed}")[0]["service_request_id"] == answered_case.code


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_unknown_request_is_a_404_in_the_error_format(client, city, fmt):
    response = client.get(f"{BASE}/requests/ZZZZ-ZZZZ.{fmt}")
    assert response.status_code == 404
    assert parse_errors(response, fmt)[0]["code"] == 404


def test_open_cases_have_status_open_and_no_notes(client, make, city):
    case = make.case(unit=city["ward"], category=city["roads"], state="in_progress",
                     received_at=FIXED_NOW - timedelta(days=1))
    request = get_json(client, f"requests/{case.code}")[0]
    assert request["status"] == "open" and request["status_notes"] is None


def test_a_case_waiting_for_routing_has_no_agency(client, make, city):
    case = make.case(unit=None, category=city["other"], state="received", received_at=FIXED_NOW - timedelta(hours=2))
    request = get_json(client, f"requests/{case.code}")[0]
    assert request["status"] == "open" and request["agency_responsible"] is None


def test_filters_by_status_service_code_and_several_ids(client, make, city):
    open_case = make.case(unit=city["ward"], category=city["roads"], state="assigned",
                          received_at=FIXED_NOW - timedelta(days=2))
    closed_case = make.case(unit=city["ward"], category=city["roads"], state="closed",
                            received_at=FIXED_NOW - timedelta(days=2))
    other_case = make.case(unit=None, category=city["other"], state="received",
                           received_at=FIXED_NOW - timedelta(days=2))
    ids = lambda body: {request["service_request_id"] for request in body}
    assert ids(get_json(client, "requests", status="open")) == {open_case.code, other_case.code}
    assert ids(get_json(client, "requests", status="closed")) == {closed_case.code}
    assert ids(get_json(client, "requests", status="open,closed")) == {open_case.code, closed_case.code, other_case.code}
    assert ids(get_json(client, "requests", service_code="KHAC")) == {other_case.code}
    # service_request_id overrides every other filter, as the standard says.
    assert ids(get_json(client, "requests", service_request_id=f"{open_case.code},{closed_case.code}",
                        status="closed")) == {open_case.code, closed_case.code}


def test_default_range_is_the_last_90_days(client, make, city):
    recent = make.case(unit=city["ward"], category=city["roads"], received_at=FIXED_NOW - timedelta(days=89))
    make.case(unit=city["ward"], category=city["roads"], received_at=FIXED_NOW - timedelta(days=91))
    assert [request["service_request_id"] for request in get_json(client, "requests")] == [recent.code]


def test_a_range_of_more_than_90_days_is_refused_in_both_formats(client, city):
    params = {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-04-02T00:00:00Z"}  # 91 days
    for fmt in ("json", "xml"):
        response = client.get(f"{BASE}/requests.{fmt}", query_string=params)
        assert response.status_code == 400
        assert "90 ngày" in parse_errors(response, fmt)[0]["description"]


def test_a_range_of_exactly_90_days_with_offsets_is_accepted(client, make, city):
    case = make.case(unit=city["ward"], category=city["roads"],
                     received_at=datetime(2026, 3, 1, 3, 0, tzinfo=timezone.utc))
    body = get_json(client, "requests", start_date="2026-01-01T00:00:00+07:00", end_date="2026-04-01T00:00:00+07:00")
    assert [request["service_request_id"] for request in body] == [case.code]


def test_start_date_alone_covers_the_90_days_after_it(client, make, city):
    inside = make.case(unit=city["ward"], category=city["roads"], received_at=datetime(2026, 3, 1, tzinfo=timezone.utc))
    make.case(unit=city["ward"], category=city["roads"], received_at=datetime(2026, 5, 10, tzinfo=timezone.utc))
    body = get_json(client, "requests", start_date="2026-02-01T00:00:00Z")
    assert [request["service_request_id"] for request in body] == [inside.code]


@pytest.mark.parametrize("params, words", [
    ({"start_date": "01/02/2026"}, "start_date"),
    ({"end_date": "2026-02-01T10:00:00"}, "end_date"),  # no time zone
    ({"start_date": "2026-02-30T00:00:00Z"}, "start_date"),
    ({"start_date": "2026-03-01T00:00:00Z", "end_date": "2026-02-01T00:00:00Z"}, "end_date phải sau"),
    ({"status": "pending"}, "status"),
    ({"page_size": "0"}, "page_size phải là số nguyên từ 1 đến 1000"),
    ({"page_size": "1001"}, "page_size phải là số nguyên từ 1 đến 1000"),
    ({"page_size": "ba mươi"}, "page_size"),
    ({"page": "-1"}, "page phải là số nguyên từ 1 trở lên"),
    ({"page": "9" * 5000}, "page phải là số nguyên"),
])
def test_bad_filters_are_400_with_a_description_naming_the_parameter(client, city, params, words):
    response = client.get(f"{BASE}/requests.json", query_string=params)
    assert response.status_code == 400
    assert words in parse_errors(response, "json")[0]["description"]


@pytest.fixture
def many_requests(city):
    """1,005 requests over the last ten days; 1004-TEST is the newest."""
    start = FIXED_NOW - timedelta(days=10)
    rows = [{"code": f"{index:04d}-TEST", "source": "app", "kind": "field",
             "category_id": city["roads"].id, "priority": "normal", "title": "Ổ gà", "content": "Ổ gà",
             "state": "assigned", "unit_id": city["ward"].id, "received_at": start + timedelta(minutes=index),
             "updated_at": start + timedelta(minutes=index), "due_at": FIXED_NOW + timedelta(days=5),
             "transfer_count": 0, "extension_count": 0, "version": 1} for index in range(1005)]
    db.session.execute(insert(Case), rows)
    db.session.commit()


def codes(body):
    return [request["service_request_id"] for request in body]


def test_the_list_is_a_page_of_the_50_newest_with_a_link_to_the_next(client, many_requests):
    response = client.get(f"{BASE}/requests.json")
    assert codes(response.get_json()) == [f"{index:04d}-TEST" for index in range(1004, 954, -1)]
    assert response.headers["Link"] == f'<{BASE}/requests.json?page=2>; rel="next"'
    second = client.get(response.headers["Link"][1:].split(">")[0])
    assert codes(second.get_json())[0] == "0954-TEST" and len(second.get_json()) == 50


def test_page_size_up_to_1000_gives_the_first_1000_requests_in_both_formats(client, many_requests):
    response = client.get(f"{BASE}/requests.json", query_string={"page_size": "1000"})
    body = response.get_json()
    assert len(body) == 1000
    assert body[0]["service_request_id"] == "1004-TEST"  # the newest
    assert body[-1]["service_request_id"] == "0005-TEST"
    assert "Link" not in response.headers  # the standard's 1,000 are all a client gets: narrow the dates for more
    assert len(get_xml(client, "requests", page_size="1000")) == 1000


def test_pages_stop_at_the_1000th_request(client, many_requests):
    last = client.get(f"{BASE}/requests.xml", query_string={"page_size": "300", "page": "4", "status": "open"})
    root = ElementTree.fromstring(last.data)
    assert [request.findtext("service_request_id") for request in root][-1] == "0005-TEST" and len(root) == 100
    assert "Link" not in last.headers
    assert get_json(client, "requests", page="21") == []  # 20 pages of 50 are the first 1,000
    paged = client.get(f"{BASE}/requests.json", query_string={"page": "19", "status": "open"})
    assert paged.headers["Link"] == f'<{BASE}/requests.json?status=open&page=20>; rel="next"'
    # Whatever else a client sends is carried along as it came, never read as an instruction.
    odd = client.get(f"{BASE}/requests.json", query_string={"fmt": "xml", "_external": "1", "x": "<a>\r\n"})
    assert odd.status_code == 200 and len(odd.get_json()) == 50
    assert odd.headers["Link"] == f'<{BASE}/requests.json?fmt=xml&_external=1&x=%3Ca%3E%0D%0A&page=2>; rel="next"'


@pytest.mark.skipif(not IS_POSTGRES, reason="query plans are checked on PostgreSQL, the production database")
def test_the_list_reads_a_date_index_backwards_and_no_filter_reads_the_table(client, many_requests):
    captured = []
    listener = lambda conn, cursor, statement, params, context, many: captured.append((statement, params))  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        for params in ({}, {"status": "open", "service_code": "GT", "page": "3"}, {"status": "closed"}):
            assert client.get(f"{BASE}/requests.json", query_string=params).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    with db.engine.connect() as connection:
        connection.execute(text("SET enable_seqscan = off"))  # a tiny test table would be read whole otherwise
        plans = ["\n".join(row[0] for row in connection.exec_driver_sql("EXPLAIN " + statement, params))
                 for statement, params in captured if "FROM cases" in statement]
    assert len(plans) == 3
    assert "Index Scan Backward using ix_cases_received_at on cases" in plans[0], plans[0]
    assert "Index Scan Backward using ix_cases_category_received on cases" in plans[1], plans[1]
    for plan in plans:
        assert "Seq Scan" not in plan, plan


def test_answers_to_clients_carry_no_session_cookie(client, many_requests):
    response = client.get(f"{BASE}/requests.json")
    assert response.status_code == 200 and "Set-Cookie" not in response.headers


def test_text_with_characters_invalid_in_xml_is_served_as_well_formed_xml(client, make, city):
    case = make.case(unit=city["ward"], category=city["roads"], received_at=FIXED_NOW - timedelta(days=1),
                     content="Ổ gà\x0b lớn\x01 trước nhà\ufffe", source="hotline")
    root = get_xml(client, f"requests/{case.code}")
    assert root[0].findtext("description") == "Ổ gà lớn trước nhà"
    assert json.loads(client.get(f"{BASE}/requests/{case.code}.json").data)[0]["description"].startswith("Ổ gà")


@pytest.mark.parametrize("path, method, status", [
    ("nothing.json", "get", 404),
    ("services.html", "get", 404),
    ("services.xml", "post", 400),
    ("requests.json", "delete", 400),
])
def test_unknown_paths_and_methods_get_the_standard_error_not_a_page(client, city, path, method, status):
    response = getattr(client, method)(f"{BASE}/{path}")
    assert response.status_code == status
    fmt = "json" if path.endswith(".json") else "xml"
    assert parse_errors(response, fmt)[0]["code"] == status
    assert b"<html" not in response.data


def test_an_unexpected_failure_is_a_general_400_error_not_a_500(client, city, monkeypatch):
    from portal.domain import open311

    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(open311, "active_services", broken)
    response = client.get(f"{BASE}/services.json")
    assert response.status_code == 400
    assert "Lỗi xử lý chung" in parse_errors(response, "json")[0]["description"]


def test_jurisdiction_id_is_accepted_and_ignored(client, city):
    assert len(get_json(client, "services", jurisdiction_id="hanoi.gov.vn")) == 2
