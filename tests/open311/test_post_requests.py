"""POST requests: cases made from the citizen app, bad input refused in the standard's format, retries safe."""
import json
import threading
import urllib.error
import urllib.parse
import urllib.request
from datetime import timedelta
from xml.etree import ElementTree

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict
from werkzeug.serving import make_server

from portal.domain import open311
from portal.extensions import db
from portal.models import ApiRateWindow, Case, IntakeRequest

from tests.conftest import FIXED_NOW

URL = "/open311/v2/requests"
KEY = "test-open311-key"


@pytest.fixture
def city(make):
    district = make.unit("UBND Quận Đống Đa", kind="district", code="Q006")
    ward = make.unit("UBND Phường Văn Chương", parent=district, code="P00193")
    return {
        "district": district, "ward": ward,
        "roads": make.category(code="GT", name="Giao thông"),
        "waste": make.category(code="MT", name="Môi trường, vệ sinh"),
        "other": make.category(code="KHAC", name="Lĩnh vực khác", default_unit_kind="city_office"),
        "client": make.api_client(KEY),
    }


def good_fields(**changes):
    fields = {"api_key": KEY, "service_code": "GT", "address_string": "Số 5 ngõ 40 Văn Chương, P. Văn Chương, Đống Đa",
              "description": "Ổ gà sâu trước số 5, xe máy dễ ngã.\nĐề nghị vá gấp.", "attribute[VI_TRI]": "long_duong",
              "first_name": "Văn An", "last_name": "Nguyễn", "phone": "0912 345 678", "email": "an@example.vn",
              "media_url": "https://anh.ihanoi.vn/p/123.jpg", "jurisdiction_id": "hanoi.gov.vn"}
    fields.update(changes)
    return {name: value for name, value in fields.items() if value is not None}


def case_count() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Case))


def errors_of(response, fmt="json"):
    if fmt == "json":
        body = response.get_json()
        assert isinstance(body, list) and list(body[0]) == ["code", "description"], body
        return body
    root = ElementTree.fromstring(response.data)
    assert root.tag == "errors" and root[0].tag == "error"
    return [{"code": int(error.findtext("code")), "description": error.findtext("description")} for error in root]


def test_a_post_makes_a_routed_case_from_the_app_and_answers_its_code(client, city):
    response = client.post(f"{URL}.json", data=good_fields())
    assert response.status_code == 201
    body = response.get_json()
    assert list(body[0]) == ["service_request_id", "service_notice", "account_id"]
    case = db.session.scalar(select(Case).where(Case.code == body[0]["service_request_id"]))
    assert case.source == "app" and case.state == "assigned"
    assert case.unit == city["ward"] and case.ward == city["ward"]  # found from "P. Văn Chương"
    assert case.title == "Ổ gà sâu trước số 5, xe máy dễ ngã."
    assert "Sự việc nằm ở đâu trên đường? Lòng đường" in case.content
    assert case.citizen_name == "Nguyễn Văn An" and case.citizen_phone_digits == "0912345678"
    assert case.citizen_email == "an@example.vn"
    stored = db.session.scalar(select(IntakeRequest).where(IntakeRequest.case_id == case.id))
    assert stored.attributes == {"VI_TRI": "long_duong"}
    assert stored.media_url == "https://anh.ihanoi.vn/p/123.jpg"


def test_a_post_in_xml_answers_service_requests_with_the_id(client, city):
    response = client.post(f"{URL}.xml", data=good_fields())
    assert response.status_code == 201
    root = ElementTree.fromstring(response.data)
    assert root.tag == "service_requests"
    assert [child.tag for child in root[0]] == ["service_request_id", "service_notice", "account_id"]
    assert case_count() == 1


def test_the_posted_request_reads_back_with_its_media_and_without_contact(client, city):
    code = client.post(f"{URL}.json", data=good_fields()).get_json()[0]["service_request_id"]
    request = client.get(f"/open311/v2/requests/{code}.json").get_json()[0]
    assert request["media_url"] == "https://anh.ihanoi.vn/p/123.jpg"
    assert request["agency_responsible"] == "UBND Phường Văn Chương"
    assert request["requested_datetime"] == "2026-11-16T09:00:00+07:00"
    assert "0912" not in json.dumps(request) and "Nguyễn Văn An" not in json.dumps(request, ensure_ascii=False)


def test_coordinates_alone_are_a_location_and_a_multivaluelist_keeps_every_choice(client, city):
    response = client.post(f"{URL}.json", data=MultiDict([
        ("api_key", KEY), ("service_code", "MT"), ("lat", "21.0201"), ("long", "105.8352"),
        ("description", "Rác tồn đọng"), ("attribute[LOAI_RAC][]", "sinh_hoat"), ("attribute[LOAI_RAC][]", "xay_dung")]))
    assert response.status_code == 201, response.get_data(as_text=True)
    case = db.session.scalar(select(Case))
    assert (case.latitude, case.longitude) == (21.0201, 105.8352)
    assert case.state == "received"  # no address, no ward centroids: the City Office routes it
    assert db.session.scalar(select(IntakeRequest)).attributes == {"LOAI_RAC": ["sinh_hoat", "xay_dung"]}


BAD_INPUT = [
    ("unknown service", {"service_code": "NOPE"}, 404, "NOPE"),
    ("missing service", {"service_code": None}, 400, "service_code"),
    ("missing location", {"address_string": None}, 400, "Thiếu vị trí"),
    ("latitude out of range", {"lat": "999", "long": "105.8"}, 400, "lat phải nằm trong khoảng -90 đến 90"),
    ("latitude without longitude", {"lat": "21.02"}, 400, "thiếu long"),
    ("latitude not a number", {"lat": "abc", "long": "105.8"}, 400, "lat phải là một số"),
    ("longitude NaN", {"lat": "21", "long": "nan"}, 400, "long phải nằm trong khoảng"),
    ("description of 10,000 characters", {"description": "a" * 10000}, 400, "tối đa 4.000 ký tự"),
    ("invalid XML character in description", {"description": "Ổ gà\x00 lớn"}, 400, "description chứa ký tự điều khiển"),
    ("invalid XML character in a name", {"first_name": "An\x1b"}, 400, "first_name chứa ký tự điều khiển"),
    ("bad email", {"email": "khong-phai-email"}, 400, "email không hợp lệ"),
    ("bad phone", {"phone": "12ab"}, 400, "phone không phải số điện thoại"),
    ("media_url not a web address", {"media_url": "javascript:alert(1)"}, 400, "media_url"),
    ("required attribute missing", {"attribute[VI_TRI]": None}, 400, "Thiếu attribute[VI_TRI]"),
    ("attribute value not in the list", {"attribute[VI_TRI]": "tren_troi"}, 400, "không có lựa chọn"),
    ("attribute the service does not ask", {"attribute[MAU_SAC]": "do"}, 400, "attribute[MAU_SAC]"),
]


# Every case in JSON; the XML error format for a few (the format does not depend on the problem).
BAD_INPUT_FORMATS = [(*row, "json") for row in BAD_INPUT] + [(*row, "xml") for row in BAD_INPUT[:4]]


@pytest.mark.parametrize("label, changes, status, words, fmt", BAD_INPUT_FORMATS,
                         ids=[f"{row[0]}-{row[4]}" for row in BAD_INPUT_FORMATS])
def test_bad_input_is_a_clear_standard_error_and_makes_no_case(client, city, label, changes, status, words, fmt):
    response = client.post(f"{URL}.{fmt}", data=good_fields(**changes))
    assert response.status_code == status, response.get_data(as_text=True)
    error = errors_of(response, fmt)[0]
    assert error["code"] == status
    assert words in error["description"]
    assert case_count() == 0


def test_several_problems_are_told_at_once(client, city):
    response = client.post(f"{URL}.json", data=good_fields(lat="999", long="1", email="x", description="b" * 4001))
    description = errors_of(response)[0]["description"]
    assert "lat" in description and "email" in description and "description" in description


@pytest.mark.parametrize("content_type", ["application/json", "text/plain", "application/xml"])
def test_a_post_that_is_not_form_encoded_is_refused(client, city, content_type):
    response = client.post(f"{URL}.json", data=json.dumps(good_fields()), content_type=content_type)
    assert response.status_code == 400
    assert "application/x-www-form-urlencoded" in errors_of(response)[0]["description"]
    assert case_count() == 0


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize("key, words", [(None, "Thiếu api_key"), ("wrong-key", "không hợp lệ hoặc đã bị thu hồi")])
def test_a_missing_or_wrong_key_is_403(client, city, fmt, key, words):
    response = client.post(f"{URL}.{fmt}", data=good_fields(api_key=key))
    assert response.status_code == 403
    error = errors_of(response, fmt)[0]
    assert error["code"] == 403 and words in error["description"]
    assert case_count() == 0


@pytest.mark.parametrize("revocation", [{"active": False}, {"revoked_at": FIXED_NOW - timedelta(days=1)}])
def test_a_revoked_key_is_403(client, make, city, revocation):
    make.api_client("revoked-key", name="Ứng dụng cũ", **revocation)
    response = client.post(f"{URL}.json", data=good_fields(api_key="revoked-key"))
    assert response.status_code == 403
    assert "thu hồi" in errors_of(response)[0]["description"]
    assert case_count() == 0


def test_a_wrong_key_on_a_get_is_403_too(client, city):
    response = client.get("/open311/v2/requests.json", query_string={"api_key": "wrong"})
    assert response.status_code == 403


def test_a_client_past_its_rate_limit_gets_429_in_the_standard_format(client, city):
    city["client"].rate_limit_per_minute = 2
    db.session.commit()
    statuses = [client.post(f"{URL}.json", data=good_fields(description=f"Ổ gà số {n}")).status_code for n in range(3)]
    assert statuses == [201, 201, 429]
    response = client.post(f"{URL}.xml", data=good_fields(description="Ổ gà số 4"))
    assert response.status_code == 429 and response.headers["Retry-After"] == "60"
    assert "2 yêu cầu mỗi phút" in errors_of(response, "xml")[0]["description"]
    assert case_count() == 2
    # Counted in the database, so every worker sees the same count.
    assert db.session.scalar(select(ApiRateWindow.count)) == 4


def test_the_rate_limit_starts_again_the_next_minute(app, client, city):
    city["client"].rate_limit_per_minute = 1
    db.session.commit()
    assert client.post(f"{URL}.json", data=good_fields(description="Một")).status_code == 201
    assert client.post(f"{URL}.json", data=good_fields(description="Hai")).status_code == 429
    app.config["FIXED_NOW"] = FIXED_NOW + timedelta(minutes=1)
    assert client.post(f"{URL}.json", data=good_fields(description="Hai")).status_code == 201


def test_a_retry_with_the_same_idempotency_key_gets_the_same_request(client, city):
    headers = {"Idempotency-Key": "app-7f3a-0001"}
    first = client.post(f"{URL}.json", data=good_fields(), headers=headers)
    again = client.post(f"{URL}.json", data=good_fields(), headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.get_json()[0]["service_request_id"] == again.get_json()[0]["service_request_id"]
    assert case_count() == 1


def test_an_idempotency_key_reused_for_other_content_is_refused(client, city):
    headers = {"Idempotency-Key": "app-7f3a-0002"}
    client.post(f"{URL}.json", data=good_fields(), headers=headers)
    response = client.post(f"{URL}.json", data=good_fields(description="Chuyện khác"), headers=headers)
    assert response.status_code == 400
    assert "Idempotency-Key" in errors_of(response)[0]["description"]
    assert case_count() == 1


def test_different_keys_with_the_same_content_are_two_reports(client, city):
    for key in ("k-1", "k-2"):
        assert client.post(f"{URL}.json", data=good_fields(), headers={"Idempotency-Key": key}).status_code == 201
    assert case_count() == 2


def test_without_a_key_the_same_content_within_10_minutes_is_the_same_request(app, client, city):
    first = client.post(f"{URL}.json", data=good_fields()).get_json()[0]["service_request_id"]
    app.config["FIXED_NOW"] = FIXED_NOW + timedelta(minutes=9)
    again = client.post(f"{URL}.json", data=good_fields())
    assert again.status_code == 200 and again.get_json()[0]["service_request_id"] == first
    assert case_count() == 1


def test_without_a_key_the_same_content_later_is_a_new_report(app, client, city):
    client.post(f"{URL}.json", data=good_fields())
    app.config["FIXED_NOW"] = FIXED_NOW + timedelta(minutes=11)
    assert client.post(f"{URL}.json", data=good_fields()).status_code == 201
    assert case_count() == 2


def test_the_same_content_from_another_client_is_another_report(client, make, city):
    make.api_client("other-key", name="Ứng dụng khác")
    client.post(f"{URL}.json", data=good_fields())
    assert client.post(f"{URL}.json", data=good_fields(api_key="other-key")).status_code == 201
    assert case_count() == 2


@pytest.fixture
def served(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.mark.parametrize("idempotency_key", [None, "app-concurrent-1"])
def test_two_identical_posts_at_the_same_moment_make_one_case(served, city, monkeypatch, idempotency_key):
    # Hold each thread after its "was this filed already?" look-up until both have looked and found
    # nothing: both then race to file, and the database's unique constraint must let only one win.
    both_looked = threading.Barrier(2, timeout=10)
    first_look = threading.local()
    real_existing = open311._existing

    def existing_after_both_looked(*args, **kwargs):
        found = real_existing(*args, **kwargs)
        if not getattr(first_look, "done", False):
            first_look.done = True
            both_looked.wait()
        return found

    monkeypatch.setattr(open311, "_existing", existing_after_both_looked)
    body = urllib.parse.urlencode(good_fields()).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if idempotency_key:
        headers["Idempotency-Key"] = idempotency_key
    answers = []

    def post():
        request = urllib.request.Request(f"{served}{URL}.json", data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=20) as response:
                answers.append((response.status, json.loads(response.read())))
        except urllib.error.HTTPError as refused:
            answers.append((refused.code, json.loads(refused.read())))

    threads = [threading.Thread(target=post) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(status for status, _ in answers) == [200, 201], answers
    codes = {body[0]["service_request_id"] for _, body in answers}
    assert len(codes) == 1
    assert case_count() == 1
    assert db.session.scalar(select(func.count()).select_from(IntakeRequest)) == 1
