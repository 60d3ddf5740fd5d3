"""Script in every text field a person can write, through the forms they write it in, then every page of the
URL map as every role: no element or attribute comes from the text (no <script>, no on… handler, no htmx
attribute that would fetch on load, no javascript: link), and the text is shown as the literal text it was."""
from __future__ import annotations

import itertools
from datetime import datetime, timezone

import pytest
from flask import current_app, url_for
from lxml import html as lxml_html

from portal.extensions import db
from portal.models import Case, Category, RosterCampaign
from tests.hostile.strategies import FORM, encoded

ROLES = ("handler", "unit_lead", "chair", "city_office", "inspector", "hotline", "admin")
ANSWER = "Phường đã kiểm tra thực tế, bóc xóa toàn bộ quảng cáo rao vặt và nhắc nhở các hộ liên quan."
# htmx shows these with window.confirm()/prompt(): plain text in a dialog, never parsed, so a name in the
# question ("Tạo tài khoản … cho <name>?") is shown as written.
TEXT_ONLY_HTMX = {"hx-confirm", "data-hx-confirm", "hx-prompt", "data-hx-prompt"}
LINK_ATTRIBUTES = {"href", "src", "action", "formaction", "hx-get", "hx-post", "hx-put", "hx-delete", "hx-patch",
                   "data-hx-get", "data-hx-post", "xlink:href", "poster", "background"}


def payload(marker: str) -> str:
    """Script, an event handler, live htmx, a template expression and a way out of a textarea, in ≤ 120 characters
    (the shortest text fields); `marker` finds where it was put."""
    text = (f'{marker}"><script>alert(1)</script><img src=x onerror=alert(1)>'
            f'<i hx-get=/admin?{marker} hx-trigger=load>{{{{7*7}}}}</textarea>')
    assert len(text) <= 120, len(text)
    return text


def link_payload(marker: str) -> str:
    """A javascript: link and an SVG handler, for the fields that are long enough."""
    return f"javascript:alert('{marker}')//<svg onload=alert(1)><div hx-post=/admin data-hx-get=/{marker}>{marker}"


def short_payload(marker: str) -> str:
    """For the 60-character fields (an Open311 first name)."""
    return f"{marker}<script>alert(1)</script><img src=x onerror=alert(1)>"


class Planted:
    """Which text went where: a marker per field, and whether a page has shown it literally."""

    def __init__(self):
        self.texts: dict[str, str] = {}
        self.seen: set[str] = set()
        self.count = 0

    def text(self, field: str, kind=payload) -> str:
        self.count += 1
        marker = f"zqx{self.count:02d}"
        self.texts[marker] = kind(marker)
        self.texts[marker + ":field"] = field
        return self.texts[marker]

    def markers(self) -> list[str]:
        return [key for key in self.texts if not key.endswith(":field")]


def _post(client, url: str, token: str, fields: dict, expect=(200, 201, 302, 303)):
    response = client.post(url, data=encoded([("csrf_token", token), *fields.items()]), content_type=FORM)
    assert response.status_code in expect, (url, response.status_code, response.get_data(as_text=True)[:2000])
    db.session.rollback()
    return response


def _act(world, role: str, case: Case, group: str, intent: str, **values):
    db.session.refresh(case)
    data = {f"{group}-version": str(case.version), "intent": intent, **{f"{group}-{k}": v for k, v in values.items()}}
    return _post(world.clients[role], f"/cases/{case.code}/actions/{group}", world.tokens[role], data, expect=(303,))


@pytest.fixture
def planted(app, world, make):
    """Every field people write, filled with script through its own form (or API), as the role that writes it."""
    p = Planted()
    cases, units, users = world.cases, world.units, world.users
    hotline = world.clients["hotline"]
    # A case told on the phone, and one from the citizen app.
    _post(hotline, "/hotline/new-case", world.tokens["hotline"], {
        "citizen_name": p.text("hotline citizen_name"), "citizen_phone": "0912000333",
        "category": str(world.categories["GT"].id), "priority": "normal", "ward": str(units["van_chuong"].id),
        "address": p.text("hotline address", link_payload), "title": p.text("hotline title"),
        "content": p.text("hotline content", link_payload)})
    _post(app.test_client(), "/open311/v2/requests.json", "", {
        "api_key": world.api_key, "service_code": "GT", "lat": "21.0245", "long": "105.8412",
        "description": p.text("open311 description") + "\n" + p.text("open311 description, more", link_payload),
        "address_string": p.text("open311 address"), "first_name": p.text("open311 first_name", short_payload),
        "last_name": "Nguyễn", "attribute[VI_TRI]": "long_duong"})
    # The case actions that take text.
    _act(world, "handler", cases["in_progress"], "note", "note", note=p.text("case note"))
    _act(world, "handler", cases["in_progress"], "answer", "save_draft", answer=p.text("answer draft", link_payload))
    _act(world, "handler", cases["overdue"], "answer", "publish_answer",
         answer=ANSWER + " " + p.text("published answer"))
    _act(world, "handler", cases["paused"], "resume", "resume", note=p.text("resume note"))
    _act(world, "handler", cases["paused"], "pause", "pause", reason=p.text("pause reason"))
    _act(world, "city_office", cases["extension"], "decision", "deny_extension", reason=p.text("extension denied"))
    _act(world, "handler", cases["extension"], "extension", "request_extension", proposed_date="2026-12-04",
         reason=p.text("extension request"))
    _act(world, "unit_lead", cases["answered"], "close", "close", note=p.text("close note"))
    _act(world, "handler", cases["assigned"], "return", "return_case", reason=p.text("return reason"))
    _act(world, "city_office", cases["assigned"], "route", "route", unit=str(units["hang_bot"].id),
         note=p.text("route note"))
    _act(world, "city_office", cases["received"], "reject", "reject", reason=p.text("reject reason"))
    transferred = make.case(unit=units["van_chuong"], state="in_progress", category=world.categories["MT"],
                                  title="Chuyển đơn vị")
    _act(world, "unit_lead", transferred, "transfer", "transfer", unit=str(units["truc_bach"].id),
         reason=p.text("transfer reason"))
    # A late case, for the compliance lists of overdue cases (lateness needs time, so this one is made directly).
    make.case(unit=units["van_chuong"], state="in_progress", category=world.categories["GT"],
              title=p.text("overdue case title"), due_at=datetime(2026, 11, 11, 10, 0, tzinfo=timezone.utc))
    # The hotline's call notes.
    _post(hotline, "/hotline/call", world.tokens["hotline"], {"action": "save", "caller_phone": "0912000333",
                                                              "notes": p.text("call notes", link_payload)})
    # Rosters: a person on the roster, and a campaign.
    roster_url = f"/rosters/campaigns/{world.campaign.id}/units/P00193"
    _post(world.clients["unit_lead"], roster_url + "/rows", world.tokens["unit_lead"], {
        "full_name": p.text("roster full_name"), "job_title": p.text("roster job_title"), "role": "handler",
        "phone": "0912000444", "email": ""})
    _post(world.clients["city_office"], "/rosters/campaigns/new", world.tokens["city_office"], {
        "title": p.text("campaign title", link_payload), "legal_basis": p.text("campaign legal_basis"),
        "due_on": "2026-12-01", "groups": "department"})
    # The administrator's records.
    admin, token = world.clients["admin"], world.tokens["admin"]
    _post(admin, f"/admin/units/{units['hang_bot'].id}/name", token, {"name": p.text("unit name")})
    _post(admin, "/admin/units/new", token, {"code": "P99001", "name": p.text("new unit name"), "kind": "ward",
                                             "parent": "Q006"})
    _post(admin, "/admin/categories/new", token, {
        "code": "CX", "name": p.text("category name"), "kind": "field", "default_unit_kind": "ward",
        "receive_hours": "8", "urgent_hours": "4", "normal_days": "10", "complex_days": "15", "active": "y"})
    _post(admin, f"/admin/users/{users['handler'].id}", token, {
        "full_name": p.text("user full_name"), "unit": "P00193", "role": "handler", "active": "y", "email": ""})
    _post(admin, "/admin/calendar", token, {"day": "27/11/2026", "kind": "day_off", "note": p.text("calendar note")})
    _post(admin, "/admin/api-clients", token, {"name": p.text("api client name"), "rate_limit_per_minute": "60"})
    # An inspection, and a routing rule.
    _post(world.clients["inspector"], f"/compliance/units/{units['van_chuong'].id}/inspections/new",
          world.tokens["inspector"], {"inspected_on": "2026-11-10", "inspectors": p.text("inspectors"),
                                      "findings": p.text("findings", link_payload), "conclusion": p.text("conclusion"),
                                      "follow_up_due": ""})
    _post(world.clients["city_office"], "/intake/rules", world.tokens["city_office"], {
        "category_id": str(world.categories["MT"].id), "place": "P00196", "unit": "P00196", "position": "50",
        "note": p.text("routing rule note"), "active": "y"})
    return p


def _pages(world) -> list[str]:
    """Every GET page of the URL map with its arguments filled, and the searches that show cases."""
    campaigns = list(db.session.scalars(db.select(RosterCampaign.id)))
    values = {
        "unit_id": [world.units[key].id for key in ("van_chuong", "hang_bot", "dong_da")],
        "campaign_id": campaigns, "code": [], "user_id": [world.users["handler"].id],
        "category_id": [c.id for c in db.session.scalars(db.select(Category))],
        "rule_id": [world.rule.id], "number": [1], "row_id": [], "attachment_id": [], "exception_id": [],
        "client_id": [], "service_request_id": [], "service_code": [], "fmt": [],
    }
    codes = [case.code for case in db.session.scalars(db.select(Case).order_by(Case.id))]
    pages = []
    for rule in current_app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in ("static", "main.healthz") or rule.endpoint.startswith("open311."):
            continue
        if rule.rule.endswith((".xlsx", ".docx", ".csv")):
            continue  # exports are not pages
        arguments = sorted(rule.arguments)
        options = {**values, "code": ["P00193"] if rule.rule.startswith("/rosters") else codes}
        if any(not options.get(name) for name in arguments):
            continue
        with current_app.test_request_context():
            pages += [url_for(rule.endpoint, **dict(zip(arguments, chosen)))
                      for chosen in itertools.product(*(options[name] for name in arguments))]
    queries = ["zqx", "zqx03", "zqx05", "0912000333", "nguyen"]
    pages += [f"/hotline?q={q}" for q in queries] + [f"/queue?text={q}" for q in ("zqx", "chuyển")]
    pages += ["/queue?tab=paused", "/queue?tab=answered", "/queue?tab=extensions", "/compliance/overdue",
              "/hotline/calls", "/admin/calendar?year=2026", "/admin/audit", "/admin/units?q=zqx",
              f"/admin/units?parent={world.units['dong_da'].id}", "/admin/users?q=zqx",
              f"/rosters/campaigns/{world.campaign.id}/units/P00193?add=1"]
    return pages


def assert_inert(page: str, html: str, planted: Planted) -> None:
    """Nothing on the page came alive from user text; the user text that is on it is literal."""
    document = lxml_html.document_fromstring(html)
    for element in document.iter():
        if not isinstance(element.tag, str):
            continue
        if element.tag == "script":
            assert element.get("src", "").startswith("/static/") and not (element.text or "").strip(), \
                f"{page}: a script that is not the portal's own: {lxml_html.tostring(element)[:200]!r}"
        for name, value in element.attrib.items():
            name = name.lower()
            assert not name.startswith("on"), f"{page}: <{element.tag} {name}={value!r}> (an event handler)"
            if name.startswith(("hx-", "data-hx-")) and "zqx" in value and name not in TEXT_ONLY_HTMX:
                # Only a link back to this page with the typed filter in its query string (the queue's tabs and
                # pages keep the search) may carry user text; anything else is htmx made from user text.
                path, _, query = value.partition("?")
                assert path == page.partition("?")[0] and "zqx" not in path, \
                    f"{page}: <{element.tag} {name}={value!r}> (htmx from user text)"
            if name in LINK_ATTRIBUTES:
                assert not value.strip().lower().startswith(("javascript:", "vbscript:", "data:text")), \
                    f"{page}: <{element.tag} {name}={value!r}>"
        assert not (element.tag == "img" and element.get("src") == "x"), f"{page}: an <img> from user text"
    shown = document.text_content() + " ".join(
        value for element in document.iter() if isinstance(element.tag, str) for value in element.attrib.values())
    for marker in planted.markers():
        if planted.texts[marker] in shown:
            planted.seen.add(marker)


def test_script_in_every_text_field_stays_text_on_every_page(app, world, planted):
    checked, parts = 0, set()
    for page in _pages(world):
        for role in ROLES:
            client = world.clients[role]
            response = client.get(page)
            if response.status_code != 200 or response.mimetype != "text/html":
                continue
            assert_inert(page, response.get_data(as_text=True), planted)
            checked += 1
            if page not in parts:  # the region an htmx request gets, once per page
                parts.add(page)
                part = client.get(page, headers={"HX-Request": "true"})
                if part.status_code == 200 and part.mimetype == "text/html" and part.data.strip():
                    assert_inert(page + " (htmx part)", part.get_data(as_text=True), planted)
    assert checked > 100, f"only {checked} pages were checked"
    unseen = {planted.texts[m + ":field"]: m for m in planted.markers() if m not in planted.seen}
    assert not unseen, f"these fields were never shown as the literal text written: {unseen}"
