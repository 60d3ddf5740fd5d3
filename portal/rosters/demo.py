"""Demo rosters: the Công điện 05/CĐ-UBND campaign a week past its due day, with the mix of answers the
City Office saw (some accepted, some awaiting review, some returned, many not sent, some late) and about
40% of staff city-wide with an iHanoi account. Deterministic for a given rng and `now`; bulk inserts."""
from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from sqlalchemy import insert, select

from portal.domain.formatting import LOCAL_TZ
from portal.domain.rosters import fold
from portal.extensions import db
from portal.models import Roster, RosterCampaign, RosterReview, RosterRow, RosterVersion, Unit, User

DEMO_WARD_DISTRICTS = ("Q006", "Q001", "Q002", "Q005")  # Đống Đa, Ba Đình, Hoàn Kiếm, Cầu Giấy
DEMO_HOME_WARD = "P00193"
CITYWIDE_REGISTERED = 0.405
# (status, weight, share of rows registered: low, high)
OUTCOMES = (
    ("accepted", 24, 0.25, 0.75),
    ("submitted", 12, 0.15, 0.65),
    ("late", 10, 0.10, 0.45),
    ("returned", 8, 0.10, 0.50),
    ("not_submitted", 46, 0.0, 0.0),
)
RETURN_COMMENTS = (
    "Danh sách chưa có lãnh đạo phụ trách; đề nghị bổ sung và ghi rõ chức vụ.",
    "Nhiều cán bộ chưa có số điện thoại di động; đề nghị bổ sung đầy đủ để liên hệ khi cần.",
    "Tổng số cán bộ, công chức chưa khớp với báo cáo biên chế của đơn vị; đề nghị rà soát lại.",
    "Chưa có cán bộ đầu mối tiếp nhận phản ánh; đề nghị phân công và bổ sung vào danh sách.",
)
HANDLER_TITLES = {
    "ward": ("Công chức Địa chính - Xây dựng", "Công chức Tư pháp - Hộ tịch", "Công chức Văn hóa - Xã hội",
             "Công chức Văn phòng - Thống kê", "Phó Trưởng Công an phường", "Cán bộ Đội trật tự đô thị"),
    "district": ("Chuyên viên Phòng Quản lý đô thị", "Chuyên viên Phòng Tài nguyên và Môi trường",
                 "Chuyên viên Phòng Kinh tế", "Chuyên viên Thanh tra quận", "Chuyên viên Phòng Tư pháp",
                 "Cán bộ Đội Thanh tra trật tự xây dựng"),
    "department": ("Chuyên viên Phòng Quản lý", "Chuyên viên Văn phòng Sở", "Chuyên viên Thanh tra Sở",
                   "Chuyên viên Phòng Kế hoạch - Tài chính"),
}


def seed_demo_rosters(rng: random.Random, now: datetime, units: dict[str, Unit]) -> dict:
    """The demo campaign and its rosters; returns how many of each were made."""
    from portal.seed import GIVEN_NAMES, MIDDLE_NAMES, SURNAMES  # here: portal.seed imports this module

    today = now.astimezone(LOCAL_TZ).date()
    office = db.session.scalar(select(User).where(User.username == "demo.office"))
    campaign = RosterCampaign(
        title="Danh sách cán bộ tham gia xử lý phản ánh, kiến nghị trên ứng dụng iHanoi",
        legal_basis="Công điện số 05/CĐ-UBND", due_on=today - timedelta(days=7),
        created_by=office, created_at=now - timedelta(days=30),
    )
    db.session.add(campaign)
    db.session.flush()
    deadline = campaign.deadline
    required = [unit for unit in units.values() if unit.kind in ("district", "department")]
    district_ids = {units[code].id for code in DEMO_WARD_DISTRICTS}
    required += [unit for unit in units.values() if unit.kind == "ward" and unit.parent_id in district_ids]
    required.sort(key=lambda unit: unit.code)

    plans = []
    for unit in required:
        if unit.code == DEMO_HOME_WARD:
            continue
        status, _, low, high = rng.choices(OUTCOMES, weights=[weight for _, weight, _, _ in OUTCOMES])[0]
        plans.append((unit, status, rng.uniform(low, high)))
    roster_rows = [{"campaign_id": campaign.id, "unit_id": unit.id, "state": "draft", "updated_at": campaign.created_at}
                   for unit, _, _ in plans]
    roster_rows.append({"campaign_id": campaign.id, "unit_id": units[DEMO_HOME_WARD].id, "state": "draft",
                        "headcount": 21, "updated_at": now - timedelta(days=2)})
    for row in roster_rows:
        row.setdefault("headcount", None)
    db.session.execute(insert(Roster), roster_rows)
    roster_ids = dict(db.session.execute(select(Roster.unit_id, Roster.id).where(Roster.campaign_id == campaign.id)).all())

    people, rosters_update, reported = [], [], []
    start = campaign.created_at
    names = (SURNAMES, MIDDLE_NAMES, GIVEN_NAMES)
    for unit, status, registered_share in plans:
        if status == "not_submitted":
            # A few started a draft and never sent it.
            if rng.random() < 0.25:
                people += _people(rng, unit, roster_ids[unit.id], rng.randint(2, 5), start, names)
            continue
        count = {"ward": rng.randint(6, 14), "district": rng.randint(12, 28)}.get(unit.kind, rng.randint(8, 20))
        rows = _people(rng, unit, roster_ids[unit.id], count, start, names)
        people += rows
        if status == "late":
            first = deadline + timedelta(hours=rng.uniform(4, 6 * 24 - 6))
        else:
            first = start + timedelta(hours=rng.uniform(48, (deadline - start).total_seconds() / 3600 - 2))
        headcount = count + rng.randint(0, count // 2)
        rosters_update.append((roster_ids[unit.id], status, first.replace(microsecond=0), headcount))
        reported.append([rows, headcount, round(count * registered_share)])
    _register(rng, reported, start, now)
    people += _home_ward_people(units[DEMO_HOME_WARD], roster_ids[units[DEMO_HOME_WARD].id], today)
    db.session.execute(insert(RosterRow), people)

    rows_by_roster: dict[int, list[dict]] = {}
    for row in db.session.execute(select(RosterRow).where(RosterRow.roster_id.in_(list(roster_ids.values())))
                                  .order_by(RosterRow.id)).scalars():
        rows_by_roster.setdefault(row.roster_id, []).append(
            {"row_id": row.id, "full_name": row.full_name, "job_title": row.job_title, "role": row.role,
             "phone": row.phone, "email": row.email,
             "registered_on": row.registered_on.isoformat() if row.registered_on else None})

    versions, decisions, updates = [], [], []
    for roster_id, status, first, headcount in rosters_update:
        snapshot = rows_by_roster.get(roster_id, [])
        update = {"id": roster_id, "headcount": headcount, "first_submitted_at": first, "submitted_at": first,
                  "updated_at": first, "state": "submitted"}
        if status == "accepted" and rng.random() < 0.3:
            # Returned once for a missing person, then sent again with them and accepted.
            returned_at = first + timedelta(hours=rng.uniform(20, 60))
            again = returned_at + timedelta(hours=rng.uniform(6, 40))
            versions.append({"roster_id": roster_id, "number": 1, "submitted_at": first, "headcount": headcount,
                             "rows": snapshot[:-1]})
            decisions.append((roster_id, 1, "returned", rng.choice(RETURN_COMMENTS), returned_at))
            versions.append({"roster_id": roster_id, "number": 2, "submitted_at": again, "headcount": headcount,
                             "rows": snapshot})
            accepted_at = again + timedelta(hours=rng.uniform(4, 48))
            decisions.append((roster_id, 2, "accepted", "", accepted_at))
            update.update(submitted_at=again, state="accepted", reviewed_at=accepted_at, accepted_at=accepted_at,
                          updated_at=accepted_at)
        else:
            versions.append({"roster_id": roster_id, "number": 1, "submitted_at": first, "headcount": headcount,
                             "rows": snapshot})
            decided_at = first + timedelta(hours=rng.uniform(8, 72))
            if status == "accepted":
                decisions.append((roster_id, 1, "accepted", "", decided_at))
                update.update(state="accepted", reviewed_at=decided_at, accepted_at=decided_at, updated_at=decided_at)
            elif status == "returned":
                decisions.append((roster_id, 1, "returned", rng.choice(RETURN_COMMENTS), decided_at))
                update.update(state="returned", reviewed_at=decided_at, updated_at=decided_at)
        updates.append(update)
    db.session.execute(insert(RosterVersion), [{**version, "submitted_by_id": None} for version in versions])
    for update in updates:
        db.session.execute(Roster.__table__.update().where(Roster.__table__.c.id == update["id"]).values(
            **{key: value for key, value in update.items() if key != "id"}))
    version_ids = {(roster_id, number): version_id for version_id, roster_id, number in db.session.execute(
        select(RosterVersion.id, RosterVersion.roster_id, RosterVersion.number)
        .where(RosterVersion.roster_id.in_(list(roster_ids.values()))))}
    if decisions:
        db.session.execute(insert(RosterReview), [
            {"roster_id": roster_id, "version_id": version_ids[(roster_id, number)], "decision": decision,
             "comment": comment, "decided_by_id": office.id if office else None, "decided_at": at}
            for roster_id, number, decision, comment, at in decisions])
    return {"rosters": len(roster_rows), "roster_rows": len(people), "versions": len(versions)}


def _phone(rng: random.Random, taken: set[str]) -> str:
    while True:
        phone = rng.choice(("09", "03", "08", "07")) + "".join(str(rng.randint(0, 9)) for _ in range(8))
        if phone not in taken:
            taken.add(phone)
            return phone


def _registered_on(rng: random.Random, start: datetime, now: datetime) -> date:
    # Registrations picked up as the due day neared: later days are likelier.
    moment = start - timedelta(days=10) + (now - start + timedelta(days=10)) * rng.random() ** 0.55
    return min(moment.astimezone(LOCAL_TZ).date(), now.astimezone(LOCAL_TZ).date())


def _register(rng: random.Random, reported: list[list], start: datetime, now: datetime) -> None:
    """Mark accounts made so that city-wide registered / headcount is 40.5%, as on 23/7, spread unevenly."""
    target = round(CITYWIDE_REGISTERED * sum(headcount for _, headcount, _ in reported))
    total = sum(wanted for _, _, wanted in reported)
    while total != target and reported:
        entry = rng.choice(reported)
        if total > target and entry[2] > 0:
            entry[2] -= 1
            total -= 1
        elif total < target and entry[2] < len(entry[0]):
            entry[2] += 1
            total += 1
    for rows, _, wanted in reported:
        for row in rng.sample(rows, wanted):
            row["registered_on"] = _registered_on(rng, start, now)


def _people(rng, unit, roster_id, count, start, names) -> list[dict]:
    surnames, middles, givens = names
    kind = unit.kind if unit.kind in HANDLER_TITLES else "department"
    place = unit.name.removeprefix("UBND ")
    phones: set[str] = set()
    emails: set[str] = set()
    rows = []
    for n in range(count):
        full_name = f"{rng.choice(surnames)} {rng.choice(middles)} {rng.choice(givens)}"
        if n == 0:
            role = "leader"
            title = f"Phó Chủ tịch UBND {place}" if kind != "department" else f"Phó Giám đốc {unit.name}"
        elif n == 1:
            role = "focal"
            title = "Chuyên viên Văn phòng HĐND và UBND" if kind != "department" else "Phó Chánh Văn phòng Sở"
        else:
            role = "handler"
            title = rng.choice(HANDLER_TITLES[kind])
        words = fold(full_name).split()
        local = f"{words[-1]}{''.join(word[0] for word in words[:-1])}"
        email = f"{local}.{unit.code.lower()}@hanoi.gov.vn"
        while email in emails:
            local += str(rng.randint(1, 9))
            email = f"{local}.{unit.code.lower()}@hanoi.gov.vn"
        emails.add(email)
        rows.append({"roster_id": roster_id, "position": n + 1, "full_name": full_name, "job_title": title,
                     "role": role, "phone": _phone(rng, phones), "email": email if rng.random() < 0.85 else None,
                     "registered_on": None, "user_id": None,
                     "updated_at": start})
    return rows


def _home_ward_people(unit: Unit, roster_id: int, today: date) -> list[dict]:
    """Phường Văn Chương's draft: the demo lead and handler, and two more, for demo.lead to finish."""
    handler = db.session.scalar(select(User).where(User.username == "demo.handler"))
    moment = datetime.combine(today - timedelta(days=2), time(9), tzinfo=LOCAL_TZ)
    return [
        {"roster_id": roster_id, "position": 1, "full_name": "Trần Văn Minh", "job_title": "Chủ tịch UBND phường",
         "role": "leader", "phone": "0912460193", "email": "demo.lead@hanoi.gov.vn",
         "registered_on": today - timedelta(days=12), "user_id": None, "updated_at": moment},
        {"roster_id": roster_id, "position": 2, "full_name": "Phạm Thị Thu Trang",
         "job_title": "Công chức Văn phòng - Thống kê", "role": "focal", "phone": "0983217745",
         "email": "trangptt.p00193@hanoi.gov.vn", "registered_on": today - timedelta(days=9), "user_id": None,
         "updated_at": moment},
        {"roster_id": roster_id, "position": 3, "full_name": "Nguyễn Thị Hồng Nhung",
         "job_title": "Công chức Địa chính - Xây dựng", "role": "handler", "phone": "0904558201",
         "email": "demo.handler@hanoi.gov.vn", "registered_on": None,
         "user_id": handler.id if handler else None, "updated_at": moment},
        {"roster_id": roster_id, "position": 4, "full_name": "Đỗ Văn Hải", "job_title": "Cán bộ Đội trật tự đô thị",
         "role": "handler", "phone": "0367112908", "email": None, "registered_on": None, "user_id": None,
         "updated_at": moment},
    ]
