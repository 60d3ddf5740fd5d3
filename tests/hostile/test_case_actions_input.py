"""Every action form of the case page, with any field missing, repeated, of the wrong type or hostile, as
every role: the case page (or a refusal that says why in Vietnamese), never a 500."""
from hypothesis import given
from hypothesis import strategies as st
from wtforms.fields.core import UnboundField

from portal.cases.forms import ACTION_GROUPS
from portal.models.case import RATINGS
from tests.hostile.conftest import hostile_settings
from tests.hostile.strategies import (FORM, csrf, encoded, fields, headers, hostile_text, once, path_segment,
                                      value_or_hostile, weighted)

ACTING = ("handler", "unit_lead", "city_office")
READING = ("chair", "inspector", "hotline", "admin")
VERSION = "{version}"  # replaced by the case's version when the request is sent
REASON = "Cần phối hợp với Công an phường để xác minh chủ phương tiện."
ANSWER = "Phường đã kiểm tra thực tế, bóc xóa toàn bộ quảng cáo rao vặt và nhắc nhở các hộ liên quan."


def field_names(form_class) -> list[str]:
    return sorted(name for name in dir(form_class) if isinstance(getattr(form_class, name), UnboundField))


def value_for(world, name: str):
    """What a person could put in the field: the expected kinds of value, or anything hostile."""
    units = world.units
    good = {
        "version": (VERSION, VERSION, VERSION, "0", "1"),
        "unit": tuple(str(units[key].id) for key in ("hang_bot", "truc_bach", "department", "office", "van_chuong")),
        "handler": tuple(str(world.users[key].id) for key in ("handler", "unit_lead", "chair")),
        "answer": (ANSWER, "Đã xử lý.", ""),
        "reason": (REASON, "ngắn", ""),
        "note": (REASON, ""),
        "due_date": ("2026-12-04", "2026-12-05", "2026-11-10", "04/12/2026", ""),
        "proposed_date": ("2026-12-04", "2026-12-05", "2026-11-10", "04/12/2026", ""),
        "rating": tuple(RATINGS),
        "duplicate_of": (world.cases["assigned"].code, world.cases["other"].code, "K7QX-4M9R", ""),
        "files": ("",),
    }[name]
    return value_or_hostile(*good, weight=3)


def action_requests(world):
    groups = sorted(ACTION_GROUPS) + ["", "x", "..", "take%00"]

    def for_role(role):
        def for_group(name):
            group = ACTION_GROUPS.get(name)
            spec = {}
            if group is not None:
                spec["intent"] = value_or_hostile(*group.actions, weight=2)
                spec.update({f"{name}-{field}": value_for(world, field) for field in field_names(group.form)})
            return st.tuples(st.just(name), fields(spec, extra_names=("intent", "version", "note")))

        return st.tuples(st.just(role), st.sampled_from(sorted(world.cases)), csrf(world.tokens[role]),
                         st.one_of(*(for_group(name) for name in groups)), headers(),
                         weighted((6, st.none()), (1, hostile_text())))

    return weighted(*((4, for_role(role)) for role in ACTING), *((1, for_role(role)) for role in READING))


@hostile_settings(1300)
@given(data=st.data())
def test_any_case_action_form_gets_the_case_or_a_refusal(app, world, send, data):
    role, case_name, token, (group, body), sent_headers, odd_code = data.draw(
        once(world, "case_actions", lambda: action_requests(world)))
    case = world.fresh_case(case_name)
    version = str(case.version)
    body = [(name, value.replace(VERSION, version)) for name, value in token + body]
    code = case.code if odd_code is None else odd_code
    send(world.clients[role], "POST", f"/cases/{path_segment(code)}/actions/{path_segment(group)}",
         data=encoded(body), content_type=FORM, headers=sent_headers)


@hostile_settings(600)
@given(data=st.data())
def test_any_case_address_gets_the_case_or_not_found(app, world, send, data):
    role = data.draw(st.sampled_from(ACTING + READING))
    code = data.draw(st.one_of(st.sampled_from([case.code for case in world.cases.values()]).map(
        lambda code: code.lower().replace("-", " ")), hostile_text()))
    tail = data.draw(st.sampled_from(["", "", "/files/1", "/files/99999999999", "/files/0", "/actions"]))
    send(world.clients[role], "GET", f"/cases/{path_segment(code)}{tail}", headers=data.draw(headers()))
