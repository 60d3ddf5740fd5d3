"""Is every case's event log consistent with the case? The rules the workflow keeps, checked on the rows.

A case's events, in id order, start with `received`; each event starts from the state the one before
ended in, and moves only where the workflow's table lets its type move; the last one ends in the
case's state. Replaying the events gives the case's unit, handler and transfer count, and the state's
own columns (an answer for an answered case, a pause moment for a paused one …) are filled.
A write half done (the case changed without its event, or an event without the case) breaks one of these.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select

from portal.domain.workflow import TRANSITIONS
from portal.models import Case, CaseEvent, User
from portal.models.case import OPEN_STATES, STATES

# Where each event type may start from: the states of the transitions that write it (any role).
FROM_STATES: dict[str, set[str]] = defaultdict(set)
for _transition in TRANSITIONS.values():
    for _type in _transition.event_types:
        for _states in _transition.allowed.values():
            FROM_STATES[_type] |= _states
FROM_STATES["unit_merged"] = set(OPEN_STATES)  # an administrator merging units moves open cases

# Where each event type ends: a fixed state, or None for "the state it started from".
TO_STATE: dict[str, str | None] = {
    "routed": "assigned", "taken": "in_progress", "answered": "answered", "paused": "paused",
    "resumed": "in_progress", "returned": "received", "transferred": "assigned", "rejected": "rejected",
    "reopened": "in_progress", "closed": "closed",
}
# The lead's "assigned" starts a case waiting in the unit (assigned → in_progress), else keeps the state;
# a rating closes the case unless the citizen is unsatisfied (then `reopened` follows).
TO_STATE_CHOICES = {"assigned": {"assigned": {"in_progress"}}, "rated": {"answered": {"closed", "answered"}}}
UNIT_SETTERS = ("routed", "transferred", "unit_merged")
UNIT_LEAVERS = ("transferred", "returned")  # each counts as one transfer (đùn đẩy)
HANDLER_CLEARERS = ("routed", "transferred", "returned")


@dataclass(frozen=True)
class Problem:
    code: str
    message: str

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


def check_all(session) -> tuple[int, list[Problem]]:
    """Check every case in the database; returns how many cases were checked and what is wrong."""
    names = dict(session.execute(select(User.id, User.full_name)).all())
    events = defaultdict(list)
    for event in session.execute(select(CaseEvent.__table__).order_by(CaseEvent.id)).mappings():
        events[event["case_id"]].append(event)
    problems: list[Problem] = []
    checked = 0
    for case in session.execute(select(Case.__table__)).mappings():
        checked += 1
        problems.extend(check_case(case, events.get(case["id"], []), names))
    return checked, problems


def check_case(case, events, names: dict[int, str]) -> list[Problem]:
    """What is wrong with one case (a mapping of its columns) and its events (mappings, in id order)."""
    code = case["code"]
    found: list[str] = []
    if not events:
        return [Problem(code, "no events at all (no `received` event)")]
    first = events[0]
    if first["type"] != "received" or first["from_state"] is not None or first["to_state"] != "received":
        found.append(f"first event #{first['id']} is {first['type']} {first['from_state']}→{first['to_state']}, "
                     "not received (→received)")
    state, unit, handler, handler_name, transfers = "received", None, None, None, 0
    for previous, event in zip([first] + events, events):
        type_, from_state, to_state = event["type"], event["from_state"], event["to_state"]
        where = f"event #{event['id']} {type_}"
        if event is not first:
            if from_state != previous["to_state"]:
                found.append(f"{where} starts from {from_state} but the event before ends in {previous['to_state']}")
            if from_state not in FROM_STATES.get(type_, set(STATES)):
                found.append(f"{where} is not allowed from {from_state}")
            allowed = TO_STATE_CHOICES.get(type_, {}).get(from_state) or {TO_STATE.get(type_) or from_state}
            if to_state not in allowed:
                found.append(f"{where} goes {from_state}→{to_state}; the workflow allows only {sorted(allowed)}")
        if to_state not in STATES:
            found.append(f"{where} ends in an unknown state {to_state}")
        state = to_state
        if type_ in UNIT_LEAVERS or type_ == "unit_merged":
            if event["from_unit_id"] != unit:
                found.append(f"{where} leaves unit {event['from_unit_id']} but the case was at {unit}")
        if type_ in UNIT_LEAVERS:
            transfers += 1
        if type_ in UNIT_SETTERS:
            unit = event["to_unit_id"]
        elif type_ == "returned":
            unit = None
        if type_ in HANDLER_CLEARERS:
            handler, handler_name = None, None
        elif type_ == "taken":
            handler, handler_name = event["actor_id"], None
        elif type_ == "assigned":
            handler, handler_name = None, event["note"]  # the lead's choice is written by name
    if state != case["state"]:
        found.append(f"state is {case['state']} but the last event ends in {state}")
    if unit != case["unit_id"]:
        found.append(f"unit is {case['unit_id']} but the events put it at {unit}")
    if handler_name is not None:
        if names.get(case["handler_id"]) != handler_name:
            found.append(f"handler is {names.get(case['handler_id'])} but the events gave it to {handler_name}")
    elif handler != case["handler_id"]:
        found.append(f"handler is #{case['handler_id']} but the events give #{handler}")
    if transfers != case["transfer_count"]:
        found.append(f"transfer_count is {case['transfer_count']} but there are {transfers} transferred/returned events")
    found.extend(_columns(case))
    return [Problem(code, message) for message in found]


def _columns(case) -> list[str]:
    """The columns the case's state implies."""
    state, found = case["state"], []
    if state == "answered" and not (case["answer"] and case["answered_at"]):
        found.append("answered without an answer or answered_at")
    if state == "closed" and case["closed_at"] is None:
        found.append("closed without closed_at")
    if state == "rejected" and not case["reject_reason"]:
        found.append("rejected without reject_reason")
    if state == "paused" and case["paused_at"] is None:
        found.append("paused without paused_at")
    if state in ("received", "assigned", "in_progress") and case["paused_at"] is not None:
        found.append(f"{state} with paused_at set")
    if state in ("received", "assigned") and case["handler_id"] is not None:
        found.append(f"{state} with a handler")
    if state in ("in_progress", "paused") and case["handler_id"] is None:
        found.append(f"{state} without a handler")
    if case["answer_pending_approval"] and not (case["approval_required"] and state == "in_progress"):
        found.append("answer pending approval but approval not required or not in_progress")
    if case["extension_requested_at"] is not None and state not in ("in_progress", "paused"):
        found.append(f"extension request pending while {state}")
    return found
