"""Reference data (units, categories) and the deterministic demo: accounts, an API key, two months of cases."""
from __future__ import annotations

import csv
import random
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import func, insert, select, text
from werkzeug.security import generate_password_hash

from portal.domain import codes, formatting
from portal.domain.deadlines import handling_due_at
from portal.domain.phones import phone_digits
from portal.domain.working_time import WorkingCalendar
from portal.extensions import db
from portal.models import ApiClient, Case, CaseEvent, Category, Unit, User
from portal.rosters.demo import seed_demo_rosters

DATA_DIR = Path(__file__).resolve().parent / "data"
UNITS_CSV = DATA_DIR / "hanoi-units-2025-01.csv"

DEMO_PASSWORD = "demo-portal"
DEMO_OPEN311_KEY = "demo-open311-key"
DEMO_HOME_WARD = "P00193"  # UBND Phường Văn Chương, Quận Đống Đa
DEMO_ACCOUNTS = (
    # username, full name, role, unit code
    ("demo.handler", "Nguyễn Thị Hồng Nhung", "handler", DEMO_HOME_WARD),
    ("demo.lead", "Trần Văn Minh", "unit_lead", DEMO_HOME_WARD),
    ("demo.chair", "Lê Quang Huy", "chair", "Q006"),
    ("demo.office", "Phạm Thu Hà", "city_office", "VP-UBND"),
    ("demo.inspector", "Đỗ Mạnh Cường", "inspector", "SO-NV"),
    ("demo.hotline", "Vũ Thị Lan Anh", "hotline", "VP-UBND"),
    ("demo.admin", "Hoàng Đức Thắng", "admin", "SO-TTTT"),
)

# code, name, kind, default unit kind, fixed unit code, urgent hours, normal days, complex days
CATEGORIES = (
    ("GT", "Giao thông", "field", "ward", None, 4, 10, 15),
    ("TTDT", "Trật tự đô thị", "field", "ward", None, 4, 10, 15),
    ("MT", "Môi trường, vệ sinh", "field", "ward", None, 4, 10, 15),
    ("CX", "Cây xanh, công viên", "field", "ward", None, 4, 10, 15),
    ("DIEN", "Điện, chiếu sáng công cộng", "field", "company", "EVN-HN", 4, 7, 10),
    ("NUOC", "Cấp nước, thoát nước", "field", "company", "NS-HN", 4, 7, 10),
    ("XD", "Xây dựng, quản lý công trình", "field", "ward", None, 4, 15, 20),
    ("ANTT", "An ninh trật tự", "field", "ward", None, 4, 10, 15),
    ("YT", "Y tế, an toàn thực phẩm", "field", "ward", None, 4, 10, 15),
    ("GD", "Giáo dục, đào tạo", "procedure", "department", "SO-GDDT", 4, 15, 20),
    ("DD", "Đất đai", "procedure", "district", None, 4, 20, 30),
    ("TTHC", "Thủ tục hành chính", "procedure", "district", None, 4, 15, 20),
    ("LDXH", "Lao động, việc làm, an sinh xã hội", "procedure", "department", "SO-LDTBXH", 4, 15, 20),
    ("KHAC", "Lĩnh vực khác", "field", "city_office", None, 4, 10, 15),
)

SURNAMES = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô",
            "Dương", "Lý", "Đinh", "Trịnh", "Đào", "Mai", "Tạ")
MIDDLE_NAMES = ("Văn", "Thị", "Minh", "Đức", "Thu", "Ngọc", "Quang", "Thanh", "Hữu", "Hoàng", "Thị Thu",
                "Văn Đức", "Kim", "Xuân", "Hồng")
GIVEN_NAMES = ("An", "Bình", "Chi", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hiếu", "Hoa", "Hùng", "Hương",
               "Khánh", "Lan", "Linh", "Long", "Mai", "Minh", "Nam", "Nga", "Ngọc", "Phong", "Phương",
               "Quân", "Sơn", "Tâm", "Thảo", "Thủy", "Trang", "Trung", "Tuấn", "Vân", "Yến", "Đạt", "Đông")
STREETS = ("Đường Láng", "Phố Huế", "Tôn Đức Thắng", "Giải Phóng", "Nguyễn Trãi", "Xã Đàn", "Kim Mã",
           "Láng Hạ", "Thái Hà", "Chùa Bộc", "Trường Chinh", "Lê Duẩn", "Hoàng Quốc Việt", "Phạm Văn Đồng",
           "Nguyễn Văn Cừ", "Văn Chương", "Khâm Thiên", "Tây Sơn", "Nguyễn Lương Bằng", "Đê La Thành",
           "Minh Khai", "Lạc Long Quân", "Âu Cơ", "Nguyễn Chí Thanh", "Trần Duy Hưng", "Quang Trung")
# Per category: (title, content) templates; {street} and {place} are filled in.
STORIES = {
    "GT": (("Ổ gà lớn trên {street}", "Mặt đường {street} đoạn gần số {n} xuất hiện ổ gà sâu, rộng khoảng 1m, "
            "nhiều xe máy bị ngã vào giờ cao điểm. Đề nghị cơ quan chức năng sớm sửa chữa."),
           ("Đèn tín hiệu giao thông hỏng tại {street}", "Đèn tín hiệu tại nút giao {street} không hoạt động "
            "từ sáng nay, giao thông ùn tắc kéo dài. Đề nghị kiểm tra, khắc phục.")),
    "TTDT": (("Lấn chiếm vỉa hè kinh doanh trên {street}", "Nhiều hộ kinh doanh bày hàng, để xe kín vỉa hè "
              "{street}, người đi bộ phải đi xuống lòng đường. Đề nghị phường xử lý dứt điểm."),
             ("Quảng cáo rao vặt dán trái phép tại {place}", "Tờ rơi quảng cáo khoan cắt bê tông, cho vay "
              "dán dày đặc trên cột điện, tường nhà dọc {street}. Đề nghị bóc xóa và xử phạt.")),
    "MT": (("Rác thải tồn đọng nhiều ngày ở {street}", "Điểm tập kết rác đầu ngõ {n} {street} không được thu "
            "gom 3 ngày nay, bốc mùi hôi thối, ảnh hưởng sức khỏe người dân."),
           ("Cống thoát nước bốc mùi tại {place}", "Hố ga trước số nhà {n} {street} bị tắc, nước thải tràn "
            "lên mặt đường, mùi hôi nồng nặc.")),
    "CX": (("Cây xanh có nguy cơ gãy đổ trên {street}", "Cây sấu trước số nhà {n} {street} bị mục gốc, "
            "nghiêng ra lòng đường, rất nguy hiểm khi mưa bão. Đề nghị cắt tỉa, gia cố."),),
    "DIEN": (("Đèn chiếu sáng công cộng không sáng trên {street}", "Cả dãy đèn đường {street} đoạn từ số {n} "
              "không sáng gần một tuần, đi lại buổi tối rất nguy hiểm."),
             ("Mất điện kéo dài tại {place}", "Khu dân cư ngõ {n} {street} mất điện từ 14 giờ, đến tối vẫn "
              "chưa có điện trở lại, không có thông báo trước.")),
    "NUOC": (("Mất nước sinh hoạt tại {place}", "Các hộ dân ngõ {n} {street} mất nước sinh hoạt 2 ngày nay, "
              "chưa có thông báo về thời gian cấp nước trở lại."),
             ("Vỡ đường ống nước trên {street}", "Đường ống cấp nước trước số {n} {street} bị vỡ, nước chảy "
              "tràn ra đường gây lãng phí và trơn trượt.")),
    "XD": (("Công trình xây dựng không che chắn trên {street}", "Công trình tại số {n} {street} thi công "
            "không có lưới che chắn, vật liệu rơi xuống ngõ, bụi bẩn ảnh hưởng các hộ xung quanh."),
           ("Xây dựng sai phép tại {place}", "Nhà số {n} {street} đang xây thêm tầng 6 trong khi giấy phép "
            "chỉ cho 5 tầng. Đề nghị kiểm tra, xử lý.")),
    "ANTT": (("Tụ tập gây mất trật tự ban đêm trên {street}", "Nhóm thanh niên thường xuyên tụ tập, rú ga "
              "xe máy sau 23 giờ tại đoạn {street} gần số {n}."),
             ("Tiếng ồn karaoke sau 22 giờ tại {place}", "Quán karaoke tại số {n} {street} hát to đến 1 giờ "
              "sáng, ảnh hưởng nghỉ ngơi của người dân.")),
    "YT": (("Cơ sở kinh doanh thực phẩm mất vệ sinh trên {street}", "Cơ sở bán đồ ăn tại số {n} {street} "
            "chế biến thực phẩm ngay trên vỉa hè, không đảm bảo vệ sinh an toàn thực phẩm."),),
    "GD": (("Thu các khoản ngoài quy định tại trường học", "Trường gần {street} thu thêm các khoản quỹ "
            "ngoài quy định đầu năm học. Đề nghị Sở kiểm tra."),),
    "DD": (("Chậm cấp giấy chứng nhận quyền sử dụng đất", "Gia đình tôi nộp hồ sơ cấp giấy chứng nhận quyền "
            "sử dụng đất tại {place} đã quá hạn nhưng chưa nhận được kết quả."),),
    "TTHC": (("Hồ sơ đăng ký hộ kinh doanh quá hạn", "Tôi nộp hồ sơ đăng ký hộ kinh doanh tại {place} đã "
              "quá thời hạn giải quyết nhưng chưa được trả kết quả, cũng không có văn bản giải thích."),
             ("Đề nghị hướng dẫn thủ tục cấp bản sao trích lục hộ tịch", "Tôi cần hướng dẫn thủ tục cấp bản "
              "sao trích lục khai sinh tại {place}, cán bộ một cửa hướng dẫn chưa rõ.")),
    "LDXH": (("Chậm chi trả trợ cấp thất nghiệp", "Tôi đã nộp hồ sơ hưởng trợ cấp thất nghiệp hơn một tháng "
              "nhưng chưa được chi trả. Đề nghị Sở xem xét."),),
    "KHAC": (("Đề nghị lắp biển chỉ dẫn tại {place}", "Khu vực {street} thiếu biển chỉ dẫn, người dân từ nơi "
              "khác đến rất khó tìm đường. Đề nghị lắp đặt bổ sung."),),
}
ANSWERS = (
    "Đơn vị đã cử cán bộ kiểm tra thực tế, xác minh nội dung phản ánh đúng. Đã phối hợp các đơn vị liên quan "
    "khắc phục xong, đồng thời nhắc nhở các hộ liên quan. Cảm ơn ông/bà đã phản ánh.",
    "Qua kiểm tra, đơn vị đã lập biên bản, xử lý vi phạm hành chính theo quy định và yêu cầu khắc phục hậu quả. "
    "Đơn vị sẽ tiếp tục theo dõi, kiểm tra thường xuyên.",
    "Nội dung phản ánh đã được tiếp nhận và chuyển bộ phận chuyên môn xử lý; kết quả đã khắc phục xong "
    "trong ngày. Đề nghị người dân tiếp tục phối hợp, thông tin khi có vi phạm.",
)
# Shares of ratings among rated cases, shaped like iHanoi's published figures.
RATING_WEIGHTS = (("satisfied", 0.62), ("accepted", 0.25), ("unsatisfied", 0.13))


def load_units(path: Path = UNITS_CSV) -> int:
    """Create the units of a CSV (code, name, kind, parent_code) that do not exist yet; return how many."""
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    existing = {unit.code: unit for unit in db.session.scalars(select(Unit))}
    created = 0
    for row in rows:
        if row["code"] in existing:
            continue
        unit = Unit(code=row["code"], name=row["name"], kind=row["kind"], active=True)
        db.session.add(unit)
        existing[row["code"]] = unit
        created += 1
    db.session.flush()
    # Parents first, whatever the file's order: repeat until every path is set.
    pending = [row for row in rows if not existing[row["code"]].path]
    while pending:
        ready = [row for row in pending if not row["parent_code"] or existing[row["parent_code"]].path]
        if not ready:
            raise ValueError("units file has a parent_code that is missing or circular")
        for row in ready:
            existing[row["code"]].set_parent(existing[row["parent_code"]] if row["parent_code"] else None)
        pending = [row for row in pending if row not in ready]
    return created


def load_categories() -> int:
    existing = set(db.session.scalars(select(Category.code)))
    created = 0
    for code, name, kind, unit_kind, unit_code, urgent_hours, normal_days, complex_days in CATEGORIES:
        if code in existing:
            continue
        db.session.add(Category(code=code, name=name, kind=kind, default_unit_kind=unit_kind,
                                default_unit_code=unit_code, receive_hours=8, urgent_hours=urgent_hours,
                                normal_days=normal_days, complex_days=complex_days))
        created += 1
    db.session.flush()
    return created


def database_is_empty() -> bool:
    return db.session.scalar(select(func.count()).select_from(Unit)) == 0


def seed_demo(now: datetime, *, cases: int = 5700, seed: int = 20250701) -> dict:
    """Load everything the demo needs into an empty database; return counts of what was made.

    Deterministic: the same `now`, `cases` and `seed` give the same data. Cases span the two
    months before `now`.
    """
    rng = random.Random(seed)
    units, handlers = load_reference_and_accounts(rng)
    made = _demo_cases(rng, now, cases, units, handlers)
    seed_demo_rosters(rng, now, units)
    db.session.commit()
    return made


def load_reference_and_accounts(rng: random.Random) -> tuple[dict[str, Unit], dict[int, list[int]]]:
    """Units, categories, the demo accounts, the demo API client and named handlers for every unit.

    Returns the units by code and the handler ids by unit id.
    """
    load_units()
    load_categories()
    units = {unit.code: unit for unit in db.session.scalars(select(Unit))}
    demo_hash = generate_password_hash(DEMO_PASSWORD, method="scrypt")
    for username, full_name, role, unit_code in DEMO_ACCOUNTS:
        db.session.add(User(username=username, full_name=full_name, role=role, unit=units[unit_code],
                            password_hash=demo_hash, email=f"{username}@hanoi.gov.vn"))
    client = ApiClient(name="Ứng dụng iHanoi (demo)")
    client.set_key(DEMO_OPEN311_KEY)
    db.session.add(client)
    db.session.flush()
    return units, _staff_handlers(rng, units)


def _person(rng: random.Random) -> str:
    return f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE_NAMES)} {rng.choice(GIVEN_NAMES)}"


def _staff_handlers(rng: random.Random, units: dict[str, Unit]) -> dict[int, list[int]]:
    """One or two named handlers per handling unit (not able to sign in: their password is random)."""
    locked_hash = generate_password_hash(codes.new_code() + codes.new_code(), method="scrypt")
    demo = db.session.scalar(select(User).where(User.username == "demo.handler"))
    handlers: dict[int, list[int]] = {units[DEMO_HOME_WARD].id: [demo.id]}
    rows = []
    for unit in units.values():
        if unit.kind in ("city", "city_office") or unit.code == DEMO_HOME_WARD:
            continue
        for n in range(1 if unit.kind == "ward" else 2):
            rows.append({"username": f"cb{n + 1}.{unit.code.lower()}", "full_name": _person(rng),
                         "unit_id": unit.id, "role": "handler", "password_hash": locked_hash, "active": True,
                         "must_change_password": False, "created_at": datetime(2025, 7, 1, tzinfo=timezone.utc)})
    db.session.execute(insert(User), rows)
    for user_id, unit_id in db.session.execute(select(User.id, User.unit_id).where(User.username.like("cb%"))):
        handlers.setdefault(unit_id, []).append(user_id)
    return handlers


def _demo_cases(rng, now, count, units, handlers) -> dict:
    calendar = WorkingCalendar()
    categories = list(db.session.scalars(select(Category).order_by(Category.id)))
    wards = [unit for unit in units.values() if unit.kind == "ward"]
    home_ward = units[DEMO_HOME_WARD]
    office = units["VP-UBND"]
    start = now - timedelta(days=61)
    used_codes: set[str] = set()
    case_rows, event_rows = [], []
    for index in range(count):
        category = rng.choices(categories, weights=[14, 12, 12, 5, 8, 8, 9, 8, 4, 3, 5, 6, 3, 3])[0]
        # The demo ward gets a visible share so its queue is alive.
        ward = home_ward if rng.random() < 0.012 else rng.choice(wards)
        # Use grew after launch: arrivals ramp up over the two months.
        received = start + timedelta(seconds=61 * 86400 * rng.random() ** 0.72)
        received = received.replace(microsecond=0)
        priority = rng.choices(("normal", "complex", "urgent"), weights=(85, 10, 5))[0]
        unit = _handling_unit(category, ward, units)
        due = handling_due_at(calendar, category, priority, received)
        code = codes.new_code(rng)
        while code in used_codes:
            code = codes.new_code(rng)
        used_codes.add(code)
        street = rng.choice(STREETS)
        place = ward.name.removeprefix("UBND ")
        title, content = rng.choice(STORIES[category.code])
        fill = {"street": street, "place": place, "n": rng.randint(2, 180)}
        phone = rng.choice(("09", "03", "08", "07")) + "".join(str(rng.randint(0, 9)) for _ in range(8))
        district = ward.parent.name.removeprefix("UBND ") if ward.parent else ""
        case = {
            "id": index + 1, "code": code, "source": rng.choices(("app", "hotline", "web"), (80, 15, 5))[0],
            "kind": category.kind, "category_id": category.id, "priority": priority,
            "title": title.format(**fill), "content": content.format(**fill),
            "address": f"Số {fill['n']} {street}, {place}, {district}".strip(", "), "ward_id": ward.id,
            "latitude": round(21.0 + rng.uniform(-0.08, 0.08), 6), "longitude": round(105.83 + rng.uniform(-0.1, 0.1), 6),
            "citizen_name": _person(rng), "citizen_phone": phone, "citizen_phone_digits": phone_digits(phone),
            "citizen_email": None, "unit_id": None, "handler_id": None, "state": "received",
            "received_at": received, "assigned_at": None, "due_at": due, "paused_at": None,
            "answered_at": None, "closed_at": None, "answer": None, "rating": None, "reject_reason": None,
            "transfer_count": 0, "extension_count": 0, "updated_at": received, "version": 1,
        }
        if rng.random() < 0.3:
            case["citizen_email"] = f"nguoidan{index + 1}@example.vn"
        events = _story(rng, now, calendar, case, category, unit, office, units, handlers)
        # Measured as the workflow measures an answer (bulk inserts skip the model's own hook).
        case["handling_seconds"] = max(0, int(calendar.working_seconds_between(case["received_at"], case["answered_at"]))) \
            if case["answered_at"] else None
        case_rows.append(case)
        event_rows.extend(events)
    db.session.execute(insert(Case), case_rows)
    db.session.execute(insert(CaseEvent), event_rows)
    if db.session.get_bind().dialect.name == "postgresql":
        # The ids above were given explicitly: move the sequence past them, or the next new case collides.
        db.session.execute(text("SELECT setval(pg_get_serial_sequence('cases', 'id'), (SELECT max(id) FROM cases))"))
    states = {}
    for row in case_rows:
        states[row["state"]] = states.get(row["state"], 0) + 1
    return {"cases": len(case_rows), "events": len(event_rows), "states": states}


def _handling_unit(category, ward, units):
    if category.default_unit_code:
        return units[category.default_unit_code]
    if category.default_unit_kind == "ward":
        return ward
    if category.default_unit_kind == "district":
        return ward.parent
    return None


def _story(rng, now, calendar, case, category, unit, office, units, handlers) -> list[dict]:
    """The case's life up to `now`, as events; sets the case's columns to match the last one."""
    events = []

    def add(at, type_, from_state=None, to_state=None, from_unit=None, to_unit=None, note=None, actor=None):
        events.append({"case_id": case["id"], "at": at, "actor_id": actor, "type": type_, "from_state": from_state,
                       "to_state": to_state, "from_unit_id": from_unit, "to_unit_id": to_unit, "note": note})
        case["updated_at"] = at
        if to_state:
            case["state"] = to_state

    received = case["received_at"]
    add(received, "received", to_state="received", note="Ứng dụng iHanoi" if case["source"] == "app" else None)
    if rng.random() < 0.006:  # spam or duplicates, rejected at the door
        at = calendar.add_working_hours(received, rng.uniform(0.5, 6))
        if at <= now:
            case["reject_reason"] = "Nội dung trùng lặp với phản ánh đã tiếp nhận."
            add(at, "rejected", "received", "rejected", note=case["reject_reason"])
        return events
    routed_at = calendar.add_working_hours(received, rng.uniform(0.2, 6) if unit else rng.uniform(1, 7))
    if routed_at > now:
        return events  # still in the City Office's routing queue
    target = unit or units[rng.choice(("SO-XD", "SO-TNMT", "SO-GTVT"))]
    case["unit_id"], case["assigned_at"] = target.id, routed_at
    add(routed_at, "routed", "received", "assigned", to_unit=target.id,
        actor=None, note="Chuyển theo lĩnh vực và địa bàn")
    moment = routed_at
    if rng.random() < 0.03:  # not their competence: passed on, sometimes more than once
        for _ in range(2 if rng.random() < 0.2 else 1):
            moment = calendar.add_working_hours(moment, rng.uniform(2, 12))
            if moment > now:
                return events
            other = units[rng.choice(("SO-XD", "SO-TNMT", "SO-GTVT", "SO-CT", "URENCO"))]
            add(moment, "transferred", "assigned", "assigned", from_unit=case["unit_id"], to_unit=other.id,
                note="Không thuộc thẩm quyền, chuyển đơn vị phù hợp")
            case["unit_id"] = other.id
            case["transfer_count"] += 1
    taken_at = calendar.add_working_hours(moment, rng.uniform(0.5, 7))
    if taken_at > now:
        return events
    staff = handlers.get(case["unit_id"]) or [None]
    case["handler_id"] = rng.choice(staff)
    add(taken_at, "taken", "assigned", "in_progress", actor=case["handler_id"])
    moment = taken_at
    if rng.random() < 0.05:  # waiting for the citizen to add papers; the clock stops
        paused_at = calendar.add_working_hours(moment, rng.uniform(1, 8))
        if paused_at > now:
            return events
        add(paused_at, "paused", "in_progress", "paused", actor=case["handler_id"],
            note="Chờ người dân bổ sung thông tin, hình ảnh")
        resumed_at = calendar.add_working_hours(paused_at, rng.uniform(4, 40))
        if resumed_at > now:
            case["paused_at"] = paused_at
            return events
        case["due_at"] = calendar.add_working_seconds(
            case["due_at"], calendar.working_seconds_between(paused_at, resumed_at))
        add(resumed_at, "resumed", "paused", "in_progress", actor=case["handler_id"])
        moment = resumed_at
    if rng.random() < 0.03:
        asked = calendar.add_working_hours(moment, rng.uniform(2, 16))
        if asked > now:
            return events
        # No state change, so from and to are the state it is in, as the workflow writes them.
        add(asked, "extension_requested", case["state"], case["state"],
            note="Cần phối hợp nhiều đơn vị, đề nghị gia hạn 5 ngày làm việc", actor=case["handler_id"])
        granted = calendar.add_working_hours(asked, rng.uniform(1, 8))
        if granted > now:
            return events
        case["due_at"] = calendar.add_working_days(case["due_at"], 5)
        case["extension_count"] += 1
        add(granted, "extension_granted", case["state"], case["state"],
            note=f"Gia hạn đến {formatting.day(case['due_at'])}")
        moment = granted
    # Most answers well inside the deadline; a few late.
    total = calendar.working_seconds_between(moment, case["due_at"])
    if rng.random() < 0.035:
        answer_at = calendar.add_working_seconds(case["due_at"], int(rng.uniform(1, 40) * 3600))
    else:
        answer_at = calendar.add_working_seconds(moment, int(max(total, 3600) * rng.uniform(0.62, 0.99)))
    if answer_at > now:
        return events
    case["answer"] = rng.choice(ANSWERS)
    case["answered_at"] = answer_at
    add(answer_at, "answered", "in_progress", "answered", actor=case["handler_id"])
    rated_at = answer_at + timedelta(hours=rng.uniform(2, 96))
    if rng.random() < 0.62 and rated_at <= now:
        rating = rng.choices([r for r, _ in RATING_WEIGHTS], [w for _, w in RATING_WEIGHTS])[0]
        case["rating"] = rating
        if rating == "unsatisfied" and rng.random() < 0.3:
            add(rated_at, "rated", "answered", "answered", note="Chưa hài lòng")
            case["due_at"] = calendar.add_working_days(rated_at, 5)
            case["answered_at"] = None
            add(rated_at, "reopened", "answered", "in_progress", note="Người dân chưa hài lòng, xử lý lại")
            return events
        case["closed_at"] = rated_at
        add(rated_at, "rated", "answered", "closed", note={"satisfied": "Hài lòng", "accepted": "Chấp nhận",
                                                            "unsatisfied": "Chưa hài lòng"}[rating])
    elif answer_at + timedelta(days=7) <= now:
        # No rating within the window: closed without one.
        case["closed_at"] = answer_at + timedelta(days=7)
        add(case["closed_at"], "closed", "answered", "closed", note="Hết thời hạn đánh giá")
    return events
