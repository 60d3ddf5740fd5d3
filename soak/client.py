"""The soak's clients: handlers, unit leads and City Office staff working the queue through the real
pages, as htmx does it (the same forms, CSRF token and version field, the same `HX-Request` headers).

Each client signs in through the login form, then loops: read its queue, pick a case, open its page,
post one of the actions the page offers. Every write the server acknowledges (the success notice,
“Thao tác này đã được ghi nhận trước đó.” for a repeat, or the redirect away from a case that left the
unit) goes to the write log with what the database must now hold: the case, the event type, the actor
and, for actions with text, a unique token in that text. A write that meets a 503 or a dropped
connection is posted again with the same form, as a user pressing the button again would; now and
then a client double-clicks on purpose. Every request is timed and kept for the downtime figures.
"""
from __future__ import annotations

import http.client
import itertools
import json
import random
import re
import threading
import time
import urllib.parse
import uuid
from dataclasses import dataclass, field

PASSWORD = "demo-portal"
UNAVAILABLE_TITLE = "Hệ thống tạm thời gián đoạn"
ALREADY_DONE = "Thao tác này đã được ghi nhận trước đó."
HX = {"HX-Request": "true"}
RETRY_FOR_SECONDS = 20


@dataclass
class Response:
    status: int  # 0: no answer (connection refused, reset, timed out)
    body: str = ""
    headers: dict = field(default_factory=dict)
    error: str = ""


class Recorder:
    """Every request (start, end, status) and every acknowledged write, shared by the clients."""

    def __init__(self, writes_path):
        self.lock = threading.Lock()
        self.requests: list[tuple[float, float, str, int, bool]] = []
        self.writes_file = open(writes_path, "w", encoding="utf-8")
        self.attempts: dict[str, int] = {}
        self.notes: list[str] = []
        self.in_flight = 0

    def request(self, started: float, ended: float, label: str, status: int, vietnamese_503: bool) -> None:
        with self.lock:
            self.requests.append((started, ended, label, status, vietnamese_503))

    def count(self, what: str) -> None:
        with self.lock:
            self.attempts[what] = self.attempts.get(what, 0) + 1

    def note(self, text: str) -> None:
        with self.lock:
            self.notes.append(text)

    def acknowledged(self, write: dict) -> None:
        with self.lock:
            self.writes_file.write(json.dumps(write, ensure_ascii=False) + "\n")
            self.writes_file.flush()

    def close(self) -> None:
        self.writes_file.close()


class Browser:
    """One person's browser: a cookie jar and a new connection per request (no keep-alive to confuse a
    dropped connection with an idle one)."""

    def __init__(self, port: int, recorder: Recorder, timeout: float = 60):
        self.port, self.recorder, self.timeout = port, recorder, timeout
        self.cookies: dict[str, str] = {}
        self.csrf = ""

    def get(self, path: str, label: str, headers: dict | None = None) -> Response:
        return self._send("GET", path, label, None, headers or {})

    def post(self, path: str, label: str, form: dict, headers: dict | None = None, multipart: bool = False) -> Response:
        headers = dict(headers or {})
        if multipart:
            boundary = f"----soak{uuid.uuid4().hex}"
            body = _multipart(form, boundary)
            headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
        else:
            body = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if self.csrf:
            headers["X-CSRFToken"] = self.csrf  # hx-headers on the page's #app
        return self._send("POST", path, label, body, headers)

    def _send(self, method: str, path: str, label: str, body: bytes | None, headers: dict) -> Response:
        headers = {**headers, "Connection": "close", "Accept": "text/html"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        started = time.monotonic()
        with self.recorder.lock:
            self.recorder.in_flight += 1
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        try:
            connection.request(method, path, body=body, headers=headers)
            answer = connection.getresponse()
            text = answer.read().decode("utf-8", "replace")
            response = Response(answer.status, text, {k.lower(): v for k, v in answer.getheaders()})
            for cookie in answer.headers.get_all("Set-Cookie") or []:
                name, _, rest = cookie.partition("=")
                value = rest.split(";")[0]
                if value and "max-age=0" not in cookie.lower():
                    self.cookies[name] = value
                else:
                    self.cookies.pop(name, None)
        except (OSError, http.client.HTTPException) as failed:
            response = Response(0, error=f"{type(failed).__name__}: {failed}")
        finally:
            connection.close()
            with self.recorder.lock:
                self.recorder.in_flight -= 1
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', response.body)
        if token:
            self.csrf = token.group(1)
        self.recorder.request(started, time.monotonic(), label, response.status,
                              response.status == 503 and UNAVAILABLE_TITLE in response.body)
        return response


def _multipart(form: dict, boundary: str) -> bytes:
    parts = []
    for name, value in form.items():
        if name.endswith("-files"):  # a file input left empty, as a browser sends it
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename=""\r\n'
                         "Content-Type: application/octet-stream\r\n\r\n\r\n")
        else:
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n')
    parts.append(f"--{boundary}--\r\n")
    return "".join(parts).encode()


# -- reading the pages ---------------------------------------------------------------------------

def queue_rows(html: str) -> list[dict]:
    """The rows of a queue page: code, state label, and the take/assign form if the row has one."""
    rows = []
    for chunk in html.split('<tr id="row-')[1:]:
        chunk = chunk.split("</tr>")[0]
        row = {"code": chunk.split('"')[0], "state": _first(r'<span class="badge[^"]*">([^<]+)</span>', chunk)}
        for action in ("take", "assign"):
            if f"/{action}\"" in chunk:
                row[action] = _first(r'name="version" value="(\d+)"', chunk)
                if action == "assign":
                    row["handlers"] = re.findall(r'<option value="(\d+)">', chunk)
        rows.append(row)
    return rows


def case_forms(html: str) -> dict[str, dict]:
    """The action forms of a case page by group: version, the intents its buttons offer, select options."""
    forms = {}
    for match in re.finditer(r'<form method="post" action="/cases/[^/]+/actions/([a-z_]+)"(.*?)</form>', html, re.S):
        group, body = match.group(1), match.group(2)
        version = re.search(rf'<input[^>]*name="{group}-version"[^>]*>', body)
        forms[group] = {
            "version": _first(r'value="(\d*)"', version.group(0)) if version else "",
            "intents": re.findall(r'name="intent" value="([a-z_]+)"', body),
            "options": re.findall(r'<option value="(\d+)"', body),
        }
    return forms


def _first(pattern: str, text: str) -> str | None:
    found = re.search(pattern, text)
    return found.group(1) if found else None


# -- the people ----------------------------------------------------------------------------------

class Client(threading.Thread):
    """One member of staff. `step` is one thing they do; the loop runs until the soak ends."""

    def __init__(self, number: int, account: dict, plan: dict, port: int, recorder: Recorder,
                 stop: threading.Event, seed: int):
        super().__init__(name=f"client-{number}", daemon=True)
        self.number, self.account, self.plan = number, account, plan
        self.recorder, self.stop = recorder, stop
        self.browser = Browser(port, recorder)
        self.rng = random.Random(seed)
        self.sequence = itertools.count(1)
        self.soak_units = [str(unit["id"]) for unit in plan["units"]]
        self.signed_in = False
        self.remembered: list[str] = []  # cases this person routed or touched, to come back to

    # sign-in, through the real form
    def sign_in(self) -> bool:
        for _ in range(5):
            page = self.browser.get("/login", "login")
            if page.status != 200:
                time.sleep(1)
                continue
            answer = self.browser.post("/login", "login", {
                "csrf_token": self.browser.csrf, "username": self.account["username"], "password": PASSWORD})
            if answer.status == 302 and "/login" not in answer.headers.get("location", ""):
                self.signed_in = True
                return True
            time.sleep(1)
        return False

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                self.step()
            except Exception as failed:  # a fault in the client itself, reported, never silent
                self.recorder.count("client_exception")
                self.recorder.note(f"{self.name} ({self.account['username']}): {type(failed).__name__}: {failed}")
            self.stop.wait(self.rng.uniform(0.05, 0.4))  # reading the page, typing

    def step(self) -> None:
        raise NotImplementedError

    # helpers shared by the roles
    def token(self) -> str:
        return f"[soak-{self.number}-{next(self.sequence)}-{uuid.uuid4().hex[:6]}]"

    def queue(self, query: str = "") -> list[dict]:
        page = self.browser.get(f"/queue{query}", "queue")
        return queue_rows(page.body) if page.status == 200 else []

    def open_case(self, code: str) -> dict[str, dict] | None:
        page = self.browser.get(f"/cases/{code}", "case")
        return case_forms(page.body) if page.status == 200 else None

    def case_action(self, code: str, forms: dict, group: str, intent: str, fields: dict, *, types: tuple,
                    token: str | None = None, text: str | None = None, target_unit: str | None = None,
                    double: bool = False) -> str:
        form = {"csrf_token": self.browser.csrf, f"{group}-version": forms[group]["version"], "intent": intent}
        form.update({f"{group}-{name}": value for name, value in fields.items()})
        return self.write(f"/cases/{code}/actions/{group}", form, {**HX, "HX-Target": "case"},
                          dict(code=code, action=intent, types=types, token=token, text=text,
                               target_unit=target_unit), multipart=(group == "answer"), double=double)

    def row_action(self, code: str, action: str, version: str, handler: str | None = None, *,
                   types: tuple, note: str | None = None, query: dict | None = None, double: bool = False) -> str:
        form = {"csrf_token": self.browser.csrf, "version": version, **(query or {})}
        if handler:
            form["handler"] = handler
        return self.write(f"/queue/cases/{code}/{action}", form, {**HX, "HX-Target": f"row-{code}"},
                          dict(code=code, action=action, types=types, token=None, text=note, target_unit=None),
                          double=double)

    def write(self, path: str, form: dict, headers: dict, expect: dict, multipart: bool = False,
              double: bool = False) -> str:
        """Post a write; on 503 or a dropped connection post the same form again (the user's retry).
        Returns ok, already, conflict, invalid, gone, unavailable, failed or error_5xx."""
        action = expect["action"]
        self.recorder.count(f"write:{action}")
        deadline = time.monotonic() + RETRY_FOR_SECONDS
        attempts = 0
        while True:
            attempts += 1
            response = self.browser.post(path, f"write:{action}", form, headers, multipart)
            outcome = _outcome(response)
            if outcome in ("unavailable", "failed") and time.monotonic() < deadline and not self.stop.is_set():
                self.recorder.count(f"retry_after_{outcome}")
                self.stop.wait(0.5)
                continue
            break
        self.recorder.count(f"outcome:{outcome}")
        if outcome == "invalid":
            self.recorder.note(f"422 on {action} {expect['code']}: {_alert(response.body)[:200]}")
        if outcome not in ("ok", "already"):
            return outcome
        self.recorder.acknowledged({
            **expect, "client": self.number, "username": self.account["username"], "outcome": outcome,
            "attempts": attempts, "at": time.monotonic(),
        })
        if double:
            self.double_click(path, form, headers, multipart, expect)
        return outcome

    def double_click(self, path: str, form: dict, headers: dict, multipart: bool, expect: dict) -> None:
        """The same form again, as a second click: it must be the repeat notice or a conflict, never a
        second success (which would be a second event)."""
        self.recorder.count("double_click")
        again = self.browser.post(path, f"write:{expect['action']}", form, headers, multipart)
        outcome = _outcome(again)
        self.recorder.count(f"double_click:{outcome}")
        if outcome == "ok":
            self.recorder.note(f"double click applied twice? {expect['action']} {expect['code']} answered "
                               f"{again.status}: {_alert(again.body)[:160]}")
        if outcome in ("ok", "already") and expect.get("token"):
            # The log says once; the database check finds whether the token is there once or twice.
            self.recorder.acknowledged({**expect, "client": self.number, "username": self.account["username"],
                                        "outcome": f"double_{outcome}", "attempts": 1, "at": time.monotonic(),
                                        "repeat": True})


def _outcome(response: Response) -> str:
    status, body = response.status, response.body
    if status == 0:
        return "failed"
    if status == 503:
        return "unavailable"
    if status >= 500:
        return "error_5xx"
    if status == 204 and response.headers.get("hx-redirect"):
        return "ok"  # the case left the unit (transferred, returned): back to the queue
    if status == 200:
        if ALREADY_DONE in body:
            return "already"
        if 'class="alert alert-success"' in body or 'class="row-notice"' in body:
            return "ok"
        return "unknown_200"
    if status == 409:
        return "conflict"
    if status == 422:
        return "invalid"
    if status == 404:
        return "gone"
    return f"status_{status}"


def _alert(body: str) -> str:
    found = re.search(r'class="(?:alert alert-error|row-alert|errors)"[^>]*>(.*?)</(?:div|ul)>', body, re.S)
    return re.sub(r"<[^>]+>", " ", found.group(1)).strip() if found else body[:200]


ANSWER = ("{unit} đã kiểm tra thực tế, xử lý dứt điểm nội dung phản ánh và thông báo kết quả đến người dân "
          "theo quy định {token}.")


class Handler(Client):
    """A handler: takes cases from the unit's queue, works their own (notes, drafts, answers, pauses,
    resumes), now and then returns one that is not the unit's to the City Office."""

    def step(self) -> None:
        if self.rng.random() < 0.4:
            rows = self.queue("?tab=assigned")
            takeable = [row for row in rows if row.get("take")]
            if takeable:
                row = self.rng.choice(takeable[:10])
                self.row_action(row["code"], "take", row["take"], types=("taken",), query={"tab": "assigned"},
                                double=self.rng.random() < 0.1)
                return
        rows = self.queue("?mine=y") or self.queue()
        if not rows:
            return
        code = self.rng.choice(rows)["code"]
        forms = self.open_case(code)
        if not forms:
            return
        choices = []
        if "note" in forms:
            choices += ["note"] * 4
        if "publish_answer" in forms.get("answer", {}).get("intents", []):
            choices += ["answer"] * 2 + ["draft"]
        if "pause" in forms:
            choices.append("pause")
        if "resume" in forms:
            choices += ["resume"] * 3
        if "return" in forms and self.rng.random() < 0.15:
            choices.append("return")
        if not choices:
            return
        self.act(code, forms, self.rng.choice(choices))

    def act(self, code: str, forms: dict, choice: str) -> None:
        token = self.token()
        double = self.rng.random() < 0.08
        if choice == "note":
            text = f"Đã liên hệ người dân và tổ dân phố để xác minh thêm {token}"
            self.case_action(code, forms, "note", "note", {"note": text}, types=("note",), token=token, text=text,
                             double=double)
        elif choice == "answer":
            text = ANSWER.format(unit=self.account["unit_code"], token=token)
            self.case_action(code, forms, "answer", "publish_answer", {"answer": text, "files": ""},
                             types=("answered", "answer_submitted"), token=token, text=text, double=double)
        elif choice == "draft":
            text = ANSWER.format(unit=self.account["unit_code"], token=token)
            self.case_action(code, forms, "answer", "save_draft", {"answer": text, "files": ""},
                             types=("answer_drafted",), token=token, text=text, double=double)
        elif choice == "pause":
            text = f"Chờ người dân bổ sung hình ảnh, giấy tờ liên quan {token}"
            self.case_action(code, forms, "pause", "pause", {"reason": text}, types=("paused",), token=token,
                             text=text, double=double)
        elif choice == "resume":
            text = f"Người dân đã bổ sung đủ thông tin {token}"
            self.case_action(code, forms, "resume", "resume", {"note": text}, types=("resumed",), token=token,
                             text=text, double=double)
        elif choice == "return":
            text = f"Nội dung không thuộc thẩm quyền của đơn vị, đề nghị phân loại lại {token}"
            self.case_action(code, forms, "return", "return_case", {"reason": text}, types=("returned",),
                             token=token, text=text)


class Lead(Handler):
    """A unit lead: gives waiting cases to handlers, transfers cases to another unit, notes, answers."""

    def step(self) -> None:
        rows = self.queue("?tab=assigned" if self.rng.random() < 0.5 else "")
        if not rows:
            return
        assignable = [row for row in rows if row.get("assign") and row.get("handlers")]
        if assignable and self.rng.random() < 0.3:
            row = self.rng.choice(assignable[:10])
            handler = self.rng.choice(row["handlers"])
            self.row_action(row["code"], "assign", row["assign"], handler, types=("assigned",),
                            double=self.rng.random() < 0.1)
            return
        code = self.rng.choice(rows)["code"]
        forms = self.open_case(code)
        if not forms:
            return
        targets = [unit for unit in forms.get("transfer", {}).get("options", []) if unit in self.soak_units]
        if targets and self.rng.random() < 0.35:
            token = self.token()
            text = f"Nội dung thuộc lĩnh vực của đơn vị khác, chuyển để xử lý đúng thẩm quyền {token}"
            target = self.rng.choice(targets)
            self.case_action(code, forms, "transfer", "transfer", {"unit": target, "reason": text},
                             types=("transferred",), token=token, text=text, target_unit=target)
            return
        choices = ["note"] * 3 if "note" in forms else []
        if "publish_answer" in forms.get("answer", {}).get("intents", []):
            choices.append("answer")
        if "pause" in forms:
            choices.append("pause")
        if "resume" in forms:
            choices.append("resume")
        if choices:
            self.act(code, forms, self.rng.choice(choices))


class Office(Client):
    """City Office staff: route new cases to a unit, transfer cases between units, write notes."""

    def step(self) -> None:
        roll = self.rng.random()
        if self.remembered and roll < 0.35:
            code = self.rng.choice(self.remembered[-20:])
            forms = self.open_case(code)
            if not forms:
                return
            targets = [unit for unit in forms.get("transfer", {}).get("options", []) if unit in self.soak_units]
            token = self.token()
            if targets and roll < 0.2:
                text = f"Văn phòng UBND Thành phố điều chỉnh đơn vị xử lý cho phù hợp {token}"
                target = self.rng.choice(targets)
                self.case_action(code, forms, "transfer", "transfer", {"unit": target, "reason": text},
                                 types=("transferred",), token=token, text=text, target_unit=target)
            elif "note" in forms:
                text = f"Đề nghị đơn vị khẩn trương xử lý, báo cáo kết quả {token}"
                self.case_action(code, forms, "note", "note", {"note": text}, types=("note",), token=token,
                                 text=text, double=self.rng.random() < 0.08)
            return
        rows = self.queue("?tab=received")
        if not rows:
            return
        code = self.rng.choice(rows[:10])["code"]
        forms = self.open_case(code)
        if not forms or "route" not in forms:
            return
        targets = [unit for unit in forms["route"]["options"] if unit in self.soak_units]
        if not targets:
            return
        token = self.token()
        text = f"Chuyển đơn vị xử lý theo lĩnh vực {token}"
        target = self.rng.choice(targets)
        outcome = self.case_action(code, forms, "route", "route", {"unit": target, "note": text}, types=("routed",),
                                   token=token, text=text, target_unit=target)
        if outcome in ("ok", "already"):
            self.remembered.append(code)


ROLES = {"handler": Handler, "unit_lead": Lead, "city_office": Office}
