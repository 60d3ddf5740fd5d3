"""The queue's filters and row actions, whatever the address or the form holds: a page, never a 500."""
from hypothesis import given
from hypothesis import strategies as st

from tests.hostile.conftest import hostile_settings
from tests.hostile.strategies import (FORM, csrf, encoded, fields, headers, hostile_text, once, path_segment, weighted,
                                      value_or_hostile)

QUEUE_ROLES = ("handler", "unit_lead", "city_office")


def filters(world) -> dict:
    return {
        "tab": value_or_hostile("", "open", "assigned", "in_progress", "paused", "answered", "received", "extensions"),
        "text": value_or_hostile("", "Ổ gà", "ổ gà", "láng", world.cases["assigned"].code, "van chuong"),
        "kind": value_or_hostile("", "field", "procedure"),
        "category": value_or_hostile("", str(world.categories["GT"].id)),
        "priority": value_or_hostile("", "urgent", "complex", "normal"),
        "overdue": value_or_hostile("", "y"),
        "mine": value_or_hostile("", "y"),
        "page": value_or_hostile("", "1", "2"),
    }


def filter_requests(world):
    return st.tuples(st.sampled_from(QUEUE_ROLES), st.sampled_from(["/queue"] * 30 + ["/queue.xlsx"]),
                     fields(filters(world), extra_names=("q", "sort", "dir")), headers())


@hostile_settings(600)
@given(data=st.data())
def test_any_queue_filter_in_the_address_gets_a_page(app, world, send, data):
    role, path, query, sent_headers = data.draw(once(world, "filters", lambda: filter_requests(world)))
    send(world.clients[role], "GET", path, query_string=encoded(query), headers=sent_headers)


def row_actions(world):
    users = world.users

    def for_role(role):
        spec = {"version": value_or_hostile("1", "2", "0", weight=3),
                "handler": value_or_hostile(str(users["handler"].id), str(users["unit_lead"].id)), **filters(world)}
        return st.tuples(st.just(role), st.sampled_from(sorted(world.cases)),
                         value_or_hostile("take", "assign", weight=3), csrf(world.tokens[role]), fields(spec),
                         weighted((5, st.none()), (1, hostile_text())), headers())

    return st.one_of(*(for_role(role) for role in QUEUE_ROLES))


@hostile_settings(250)
@given(data=st.data())
def test_any_row_action_form_gets_a_row_or_a_refusal(app, world, send, data):
    role, case_name, action, token, body, odd_code, sent_headers = data.draw(
        once(world, "row_actions", lambda: row_actions(world)))
    code = world.cases[case_name].code if odd_code is None else odd_code
    send(world.clients[role], "POST", f"/queue/cases/{path_segment(code)}/{path_segment(action)}",
         data=encoded(token + body), content_type=FORM, headers=sent_headers)
