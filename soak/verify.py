"""After the soak: is every acknowledged write in the database, and every case's event log consistent?

`python -m soak.verify WRITES.jsonl LAST_EVENT_ID` prints one JSON object. A write with text (a note,
a reason, an answer) carries a unique token: its event (or, for an answer, the case's answer) must hold
that token, exactly once. A write without text (take, assign) must have its own event on that case by
that person, one event per acknowledged write. The consistency check looks at every case.
"""
from __future__ import annotations

import json
import sys
from collections import defaultdict

from sqlalchemy import select

from portal import create_app
from portal.extensions import db
from portal.models import Case, CaseEvent, User
from soak.consistency import check_all

TOKEN_IN_NOTE = {"note", "pause", "resume", "return_case", "transfer", "route"}
TOKEN_IN_ANSWER = {"publish_answer", "save_draft"}


def verify(writes: list[dict], last_event_id: int) -> dict:
    users = dict(db.session.execute(select(User.username, User.id)).all())
    events_by_code: dict[str, list] = defaultdict(list)
    for event, code in db.session.execute(
            select(CaseEvent, Case.code).join(Case, Case.id == CaseEvent.case_id)
            .where(CaseEvent.id > last_event_id).order_by(CaseEvent.id)).all():
        events_by_code[code].append(event)
    codes = {write["code"] for write in writes}
    cases = {case.code: case for case in db.session.scalars(select(Case).where(Case.code.in_(codes)))} if codes else {}
    used: set[int] = set()
    lost, duplicated = [], []
    logical = [write for write in writes if not write.get("repeat")]

    def first_unused(write: dict, test) -> CaseEvent | None:
        for event in events_by_code.get(write["code"], []):
            if event.id not in used and event.type in write["types"] and event.actor_id == users.get(write["username"]) \
                    and test(event):
                return event
        return None

    for write in logical:
        action, token = write["action"], write.get("token")
        if action in TOKEN_IN_NOTE:
            holding = [event for event in events_by_code.get(write["code"], []) if token in (event.note or "")]
            if len(holding) > 1:
                duplicated.append(_describe(write, f"{len(holding)} events hold its text"))
            event = first_unused(write, lambda event: token in (event.note or "") and (
                write.get("target_unit") is None or str(event.to_unit_id) == write["target_unit"]))
        else:
            event = first_unused(write, lambda event: True)
            if event is not None and action == "publish_answer":
                case = cases.get(write["code"])
                answers = [e for e in events_by_code[write["code"]] if e.type in ("answered", "answer_submitted")]
                if answers and answers[-1].id == event.id and case is not None:
                    text = case.answer if event.type == "answered" else case.answer_draft
                    if token not in (text or ""):
                        lost.append(_describe(write, "the event is there but the case's answer is another text"))
                        continue
        if event is None:
            lost.append(_describe(write, "no matching event"))
            continue
        used.add(event.id)
    soak_users = {users.get(write["username"]) for write in writes}
    unacknowledged = sum(1 for events in events_by_code.values() for event in events
                         if event.id not in used and event.actor_id in soak_users)
    checked, problems = check_all(db.session)
    return {
        "writes_acknowledged": len(logical), "writes_found": len(logical) - len(lost),
        "lost": lost[:50], "lost_count": len(lost), "duplicated": duplicated[:50], "duplicated_count": len(duplicated),
        "events_written_unacknowledged": unacknowledged,
        "cases_checked": checked, "inconsistent": [str(problem) for problem in problems[:50]],
        "inconsistent_count": len(problems),
        "inconsistent_cases": len({problem.code for problem in problems}),
    }


def _describe(write: dict, why: str) -> str:
    return f"{write['username']} {write['action']} {write['code']} {write.get('token') or ''}: {why}"


if __name__ == "__main__":
    with open(sys.argv[1], encoding="utf-8") as log:
        logged = [json.loads(line) for line in log if line.strip()]
    app = create_app()
    with app.app_context():
        print(json.dumps(verify(logged, int(sys.argv[2])), ensure_ascii=False))
