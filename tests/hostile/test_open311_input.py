"""Open311 GeoReport v2, GET and POST, with any parameter a client could send: an answer in the
specification's shape (errors as [{"code", "description"}], in Vietnamese), never a 500 nor the
"general service error" that stands for one. There is no OpenAPI description of this API in the
repository, so the requests are generated with Hypothesis rather than Schemathesis."""
from hypothesis import given
from hypothesis import strategies as st

from tests.hostile.conftest import hostile_settings
from tests.hostile.strategies import FORM, encoded, fields, hostile_text, once, path_segment, value_or_hostile, weighted

SERVICE_CODES = ("GT", "MT", "XD", "ANTT", "HT", "gt", "GT,MT", "")
W3C = ("2026-11-16T00:00:00+07:00", "2026-11-01T00:00:00Z", "2026-08-01", "2026-11-16T09:00:00.5+07:00",
       "2025-01-01T00:00:00+07:00", "2026-11-16T09:00:00", "2026-02-30T00:00:00+07:00", "16/11/2026", "")
KEYS = ("hostile-open311-key", "hostile-open311-key", "hostile-slow-key", "sai-khoa", "")


def get_requests(world):
    codes = [case.code for case in world.cases.values()]
    spec = {
        "start_date": value_or_hostile(*W3C, weight=2), "end_date": value_or_hostile(*W3C, weight=2),
        "status": value_or_hostile("open", "closed", "open,closed", "OPEN", ""),
        "service_code": value_or_hostile(*SERVICE_CODES),
        "service_request_id": value_or_hostile(*codes, ",".join(codes), "K7QX-4M9R", ""),
        "jurisdiction_id": value_or_hostile("hanoi.gov.vn", ""), "api_key": value_or_hostile(*KEYS),
        "page": value_or_hostile("1", "2"), "page_size": value_or_hostile("10", "1001"),
        "lat": value_or_hostile("21.0245", "91"), "long": value_or_hostile("105.8412", "-181"),
        "agency_responsible": value_or_hostile("UBND Phường Văn Chương"),
    }
    request_id = weighted((3, st.sampled_from(codes)), (1, hostile_text()))
    path = weighted(
        (6, st.sampled_from(["/open311/v2/requests.json", "/open311/v2/requests.xml"])),
        (2, st.tuples(request_id, st.sampled_from(["json", "xml"])).map(
            lambda t: f"/open311/v2/requests/{path_segment(t[0])}.{t[1]}")),
        (1, st.tuples(value_or_hostile(*SERVICE_CODES), st.sampled_from(["json", "xml"])).map(
            lambda t: f"/open311/v2/services/{path_segment(t[0])}.{t[1]}")),
        (1, st.sampled_from(["/open311/v2/services.json", "/open311/v2/services.xml", "/open311/v2/requests.html",
                             "/open311/v2/requests", "/open311/v2/discovery.json", "/open311/v2/"])),
    )
    return st.tuples(path, fields(spec, extra_names=("format", "callback", "service_request_id[]")),
                     st.sampled_from([{}, {"Accept": "application/json"}, {"Accept": "text/html"}]))


@hostile_settings(2000)
@given(data=st.data())
def test_any_get_gets_the_standards_answer(app, world, send, data):
    path, query, sent_headers = data.draw(once(world, "open311_get", lambda: get_requests(world)))
    send(world.clients["admin"], "GET", path, query_string=encoded(query), headers=sent_headers)


def post_requests(world):
    attribute = st.sampled_from(["attribute[VI_TRI]", "attribute[NGUY_HIEM]", "attribute[LOAI_RAC][]",
                                 "attribute[SO_TANG]", "attribute[THOI_DIEM]", "attribute[MA_KHACH_HANG]",
                                 "attribute[]", "attribute[X]", "attribute[VI_TRI][]", "attribute"])
    spec = {
        "api_key": value_or_hostile(*KEYS, weight=4), "service_code": value_or_hostile(*SERVICE_CODES, weight=3),
        "description": value_or_hostile("Ổ gà lớn trước số 5 ngõ 45 Văn Chương", "", "a" * 4001),
        "lat": value_or_hostile("21.0245", "21,0245", "NaN", "1e309", "-90", ""),
        "long": value_or_hostile("105.8412", "inf", "180.0001", ""),
        "address_string": value_or_hostile("Số 5 ngõ 45 Văn Chương, Đống Đa", "", "a" * 301),
        "email": value_or_hostile("an@example.vn", "an@", ""), "first_name": value_or_hostile("An", ""),
        "last_name": value_or_hostile("Nguyễn Văn", ""), "phone": value_or_hostile("0912345678", "12", ""),
        "media_url": value_or_hostile("https://anh.example.vn/1.jpg", "javascript:alert(1)", "ftp://x", ""),
        "jurisdiction_id": value_or_hostile("hanoi.gov.vn"), "device_id": value_or_hostile("abc"),
        "account_id": value_or_hostile("42"),
    }
    attributes = weighted((2, st.just([])), (1, st.lists(st.tuples(attribute, value_or_hostile("long_duong", "co", "sinh_hoat", "5",
                                                                "2026-11-16T22:30:00+07:00", "PD123")), max_size=4)))
    valid = {"api_key": "hostile-open311-key", "service_code": "GT", "description": "Ổ gà lớn trước số 5 ngõ 45",
             "lat": "21.0245", "long": "105.8412", "attribute[VI_TRI]": "long_duong"}
    # A valid request with one field changed reaches the checks a wholly random one never passes.
    one_changed = st.tuples(st.sampled_from(sorted(valid)), weighted((3, hostile_text()), (1, st.none()))).map(
        lambda change: [(name, change[1] if name == change[0] else value) for name, value in valid.items()
                        if not (name == change[0] and change[1] is None)])
    body = weighted((1, fields(spec)), (1, one_changed))
    shape = st.sampled_from([FORM] * 8 + ["multipart/form-data", "application/json", "text/plain", ""])
    idempotency = weighted((3, st.just({})), (1, value_or_hostile("k-1", "k-2", "x" * 256).map(
        lambda key: {"Idempotency-Key": _header_value(key)})))
    return st.tuples(body, attributes, shape, idempotency, st.sampled_from(["json", "xml"]))


def _header_value(text: str) -> str:
    """What can travel in an HTTP header: bytes of any kind but the line breaks that would end it."""
    return text.encode("utf-8", "surrogatepass").decode("latin-1").replace("\r", " ").replace("\n", " ")


@hostile_settings(1100)
@given(data=st.data())
def test_any_post_files_a_request_or_says_what_is_wrong(app, world, send, data):
    body, attributes, content_type, sent_headers, fmt = data.draw(once(world, "open311_post", lambda: post_requests(world)))
    pairs = body + attributes
    url = f"/open311/v2/requests.{fmt}"
    if content_type == "multipart/form-data":
        form = {}
        for name, value in pairs:
            form.setdefault(name.encode("utf-8", "replace").decode(), []).append(value.encode("utf-8", "replace").decode())
        send(world.clients["admin"], "POST", url, data=form, content_type=content_type, headers=sent_headers)
    else:
        send(world.clients["admin"], "POST", url, data=encoded(pairs), content_type=content_type or None,
             headers=sent_headers)
