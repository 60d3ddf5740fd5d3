"""The hotline's one search box takes anything an operator (or a script) types, SQL and full-text syntax
included; the call log and a case filed for a caller take any form. A page, never a 500."""
from hypothesis import given
from hypothesis import strategies as st

from tests.hostile.conftest import hostile_settings
from tests.hostile.strategies import (FORM, NASTY, SYNTAX, csrf, encoded, fields, headers, hostile_text, once,
                                      value_or_hostile, weighted)

HOTLINE_ROLES = ("hotline", "city_office", "admin")
WORDS = ["nguyen", "van", "an", "dong", "da", "Đống Đa", "o ga", "ổ gà", "lang", "0912345678", "0912 345 678",
         "+84912345678", "ngõ 45", "van chuong"]


def queries(world):
    codes = [case.code for case in world.cases.values()]
    word = st.sampled_from(WORDS + codes + [code.lower().replace("-", "") for code in codes])
    syntax = st.sampled_from(SYNTAX)
    # Words and operators mixed as FTS5 and tsquery would read them: "dong NEAR(da", "van:* & !an", …
    mixed = st.lists(st.one_of(word, syntax, hostile_text(8)), min_size=1, max_size=6).map(" ".join)
    glued = st.lists(st.one_of(word, syntax), min_size=2, max_size=5).map("".join)
    return weighted((3, mixed), (2, glued), (2, hostile_text(60)), (1, word), (1, st.sampled_from(NASTY)))


def search_requests(world):
    return st.tuples(st.sampled_from(HOTLINE_ROLES), queries(world), headers(),
                     weighted((6, st.just([])), (1, fields({"q": hostile_text(), "page": hostile_text()}))))


@hostile_settings(1500)
@given(data=st.data())
def test_any_search_gets_results_or_none(app, world, send, data):
    role, query, sent_headers, more = data.draw(once(world, "search", lambda: search_requests(world)))
    send(world.clients[role], "GET", "/hotline", query_string=encoded([("q", query), *more]), headers=sent_headers)


def call_requests(world):
    spec = {
        "caller_phone": value_or_hostile("0912345678", "024 3825 1234", "+84 912 345 678", "", "12345"),
        "topic": value_or_hostile("app_account", "case_status", "new_case", "other", ""),
        "case_code": value_or_hostile(world.cases["assigned"].code, world.cases["other"].code, "K7QX-4M9R", ""),
        "link_case": value_or_hostile(world.cases["assigned"].code, ""),
        "notes": value_or_hostile("Người dân hỏi tiến độ xử lý", "", "a" * 4001),
        "outcome": value_or_hostile("resolved", "case_filed", "call_back", "referred", "dropped", ""),
        "action": value_or_hostile("start", "save", "end", weight=3),
        "q": value_or_hostile("", "nguyen van"),
    }
    return st.tuples(st.sampled_from(HOTLINE_ROLES), csrf(world.tokens["hotline"]), fields(spec), headers())


@hostile_settings(350)
@given(data=st.data())
def test_any_call_form_is_saved_or_refused_with_a_message(app, world, send, data):
    role, token, body, sent_headers = data.draw(once(world, "calls", lambda: call_requests(world)))
    token = [(name, world.tokens[role]) if value == world.tokens["hotline"] else (name, value) for name, value in token]
    send(world.clients[role], "POST", "/hotline/call", data=encoded(token + body), content_type=FORM,
         headers=sent_headers)


def new_case_requests(world):
    categories = [str(category.id) for category in world.categories.values()]
    spec = {
        "citizen_name": value_or_hostile("Nguyễn Văn An", "", "a" * 121),
        "citizen_phone": value_or_hostile("0912345678", "", "091234"),
        "citizen_email": value_or_hostile("an@example.vn", "", "khong-phai-thu"),
        "category": value_or_hostile(*categories, "", "0", "99999"),
        "priority": value_or_hostile("normal", "urgent", "complex", ""),
        "ward": value_or_hostile(str(world.units["van_chuong"].id), str(world.units["dong_da"].id), ""),
        "address": value_or_hostile("Số 5 ngõ 45 Văn Chương", "", "a" * 301),
        "title": value_or_hostile("Ổ gà trên đường Láng", "", "a" * 301),
        "content": value_or_hostile("Mặt đường có ổ gà lớn, nguy hiểm cho xe máy.", ""),
    }
    return st.tuples(csrf(world.tokens["hotline"]), fields(spec), headers())


@hostile_settings(350)
@given(data=st.data())
def test_any_new_case_form_files_a_case_or_says_what_is_missing(app, world, send, data):
    token, body, sent_headers = data.draw(once(world, "new_case", lambda: new_case_requests(world)))
    send(world.clients["hotline"], "POST", "/hotline/new-case", data=encoded(token + body), content_type=FORM,
         headers=sent_headers)


def period_requests():
    day = value_or_hostile("16/11/2026", "2026-11-16", "01/01/2000", "31/12/2100", "", "01/01/1900", weight=2)
    return st.tuples(st.sampled_from(["/hotline/calls", "/hotline/calls", "/hotline/calls/counts.xlsx"]),
                     fields({"start": day, "end": day, "day": day}), headers())


@hostile_settings(250)
@given(data=st.data())
def test_any_call_log_period_gets_a_page(app, world, send, data):
    path, query, sent_headers = data.draw(once(world, "periods", period_requests))
    send(world.clients["hotline"], "GET", path, query_string=encoded(query), headers=sent_headers)
