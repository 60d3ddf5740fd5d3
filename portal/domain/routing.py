"""Which unit handles a new case, from its category and place; and which ward an address or a point means."""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

from sqlalchemy import select

from portal.domain.text import fold as text_fold
from portal.extensions import db
from portal.models import Category, RoutingRule, Unit, WardCentroid


def default_unit(category: Category, ward: Unit | None) -> Unit | None:
    """The unit a category's cases go to by default, or None when the City Office must route it.

    A category with a fixed unit (a utility, a department) goes there; a ward category goes to
    the case's ward; a district category goes to the ward's district. An inactive unit is
    replaced by its successor (units merged in a re-organisation).
    """
    unit = None
    if category.default_unit_code:
        unit = db.session.scalar(select(Unit).where(Unit.code == category.default_unit_code))
    elif ward is not None and category.default_unit_kind == "ward":
        unit = ward
    elif ward is not None and category.default_unit_kind == "district":
        unit = ward.parent if ward.parent is not None and ward.parent.kind == "district" else ward
    return current_successor(unit)


def current_successor(unit: Unit | None) -> Unit | None:
    """Follow successors from a merged or retired unit to the unit that exists today."""
    seen = set()
    while unit is not None and not unit.active and unit.successor is not None and unit.id not in seen:
        seen.add(unit.id)
        unit = unit.successor
    return unit if unit is None or unit.active else None


# --- Finding the ward a citizen means -------------------------------------------------------------------

# Coordinates farther than this from every known ward centroid are not placed in any ward.
CENTROID_MAX_KM = 3.0

_WARD_PREFIXES = ("phuong", "p", "xa", "x", "thi tran", "tt")
_DISTRICT_PREFIXES = ("quan", "q", "huyen", "h", "thi xa", "tx")
_LEADING_WORDS = ("ubnd", "uy ban nhan dan")


def fold(text: str | None) -> str:
    """Folded words only, punctuation dropped: "P. Văn Chương" → "p van chuong"."""
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text_fold(text)).split())


def _core_name(name: str, prefixes: tuple[str, ...]) -> str:
    """"UBND Phường Văn Chương" → "van chuong": the name people write, without the kind of unit."""
    folded = fold(name)
    for word in _LEADING_WORDS:
        if folded.startswith(word + " "):
            folded = folded[len(word) + 1:]
    for prefix in sorted(prefixes, key=len, reverse=True):
        if len(prefix) > 2 and folded.startswith(prefix + " "):
            return folded[len(prefix) + 1:]
    return folded


@dataclass(frozen=True)
class _Place:
    unit_id: int
    core: str
    parent_id: int | None
    active: bool


@dataclass(frozen=True)
class _Hit:
    place: _Place
    start: int
    end: int
    explicit: bool  # written with its kind ("phường", "P.", "xã"), not just the bare name


def _hits(text: str, places: list[_Place], prefixes: tuple[str, ...]) -> list[_Hit]:
    padded = f" {text} "
    found = []
    for place in places:
        needle = f" {place.core} "
        start = padded.find(needle)
        while start != -1:
            before = padded[:start + 1]
            explicit = any(before.endswith(f" {prefix} ") for prefix in prefixes)
            found.append(_Hit(place, start, start + len(needle) - 1, explicit))
            start = padded.find(needle, start + 1)
    return found


class PlaceIndex:
    """Wards and districts by their folded names, loaded once and used for many addresses (imports)."""

    def __init__(self, units: list[Unit], centroids: list[tuple[int, float, float]] = ()):
        self.units = {unit.id: unit for unit in units}
        self.wards = [_Place(u.id, _core_name(u.name, _WARD_PREFIXES), u.parent_id, u.active)
                      for u in units if u.kind == "ward"]
        self.districts = [_Place(u.id, _core_name(u.name, _DISTRICT_PREFIXES), u.parent_id, u.active)
                          for u in units if u.kind == "district"]
        self.centroids = list(centroids)

    @classmethod
    def load(cls) -> "PlaceIndex":
        units = list(db.session.scalars(select(Unit).where(Unit.kind.in_(("ward", "district")))))
        centroids = db.session.execute(
            select(WardCentroid.unit_id, WardCentroid.latitude, WardCentroid.longitude)).all()
        return cls(units, [tuple(row) for row in centroids])

    def ward_from_address(self, address: str | None) -> Unit | None:
        """The ward an address names ("phuong van chuong", "P. Văn Chương", "Văn Chương, Đống Đa").

        A ward name shared by several districts counts only with its district named too; a ward
        written with its kind ("phường", "P.", "xã") beats a bare name (often a street's); the
        longest name wins over one it contains; an old ward leads to its successor. None when
        nothing, or more than one ward, fits.
        """
        text = fold(address)
        if not text:
            return None
        hits = _hits(text, self.wards, _WARD_PREFIXES)
        if not hits:
            return None
        district_ids = {hit.place.unit_id for hit in _hits(text, self.districts, _DISTRICT_PREFIXES)}
        if district_ids:
            in_district = [hit for hit in hits if hit.place.parent_id in district_ids]
            hits = in_district or hits
        if any(hit.explicit for hit in hits):
            hits = [hit for hit in hits if hit.explicit]
        # A name inside a longer one ("thanh xuan" in "thanh xuan bac") is the longer one.
        hits = [hit for hit in hits if not any(
            other is not hit and other.start <= hit.start and hit.end <= other.end
            and (other.end - other.start) > (hit.end - hit.start) for other in hits)]
        candidates = {hit.place.unit_id: hit.place for hit in hits}
        if len(candidates) > 1:
            active = {uid: place for uid, place in candidates.items() if place.active}
            candidates = active or candidates
        if len(candidates) != 1:
            return None
        return current_successor(self.units[next(iter(candidates))])

    def district_from_address(self, address: str | None) -> Unit | None:
        """The one district an address names, or None."""
        hits = _hits(fold(address), self.districts, _DISTRICT_PREFIXES)
        ids = {hit.place.unit_id for hit in hits}
        return current_successor(self.units[ids.pop()]) if len(ids) == 1 else None

    def ward_from_coordinates(self, latitude: float | None, longitude: float | None) -> Unit | None:
        """The ward whose centroid is nearest, within CENTROID_MAX_KM; None without centroids."""
        if latitude is None or longitude is None or not self.centroids:
            return None
        best = min(self.centroids, key=lambda c: _distance_km(latitude, longitude, c[1], c[2]))
        if _distance_km(latitude, longitude, best[1], best[2]) > CENTROID_MAX_KM:
            return None
        unit = self.units.get(best[0])
        return current_successor(unit) if unit is not None else None

    def place_of(self, address: str | None, latitude: float | None = None,
                 longitude: float | None = None) -> Unit | None:
        """The ward of a report: from the address first, else from the coordinates, else the district."""
        return (self.ward_from_address(address) or self.ward_from_coordinates(latitude, longitude)
                or self.district_from_address(address))


def _distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    # Equirectangular: exact enough within a city.
    x = math.radians(lon2 - lon1) * math.cos(math.radians((lat1 + lat2) / 2))
    y = math.radians(lat2 - lat1)
    return 6371.0 * math.hypot(x, y)


# --- Rules by category and place ---------------------------------------------------------------------------

@dataclass(frozen=True)
class RoutingDecision:
    unit: Unit | None
    rule: RoutingRule | None
    reason: str


def active_rules() -> list[RoutingRule]:
    return list(db.session.scalars(
        select(RoutingRule).where(RoutingRule.active.is_(True)).order_by(RoutingRule.position, RoutingRule.id)))


def rule_matches(rule: RoutingRule, category: Category, place: Unit | None) -> bool:
    """Same category (or the rule says any), and the place is the rule's place or lies under it (or any)."""
    if rule.category_id is not None and rule.category_id != category.id:
        return False
    if rule.place_id is None:
        return True
    return place is not None and place.is_within(rule.place)


def decide(category: Category, place: Unit | None, rules: list[RoutingRule] | None = None) -> RoutingDecision:
    """Where a new case goes, and why.

    1. The first active rule, in position order, whose category and place match (its unit, or
       the unit's successor when it was merged);
    2. else the category's default unit for the ward (routing.default_unit), or for a district
       place the district itself when the category is handled by districts;
    3. else nobody: the case waits in the City Office's routing queue (state "received").
    """
    for rule in active_rules() if rules is None else rules:
        if rule_matches(rule, category, place):
            unit = current_successor(rule.unit)
            if unit is not None:
                return RoutingDecision(unit, rule, f"Theo quy tắc phân loại số {rule.position}")
    ward = place if place is not None and place.kind == "ward" else None
    unit = default_unit(category, ward)
    if unit is None and place is not None and place.kind == "district" and category.default_unit_kind == "district":
        unit = current_successor(place)
    if unit is not None:
        return RoutingDecision(unit, None, "Theo đơn vị mặc định của lĩnh vực")
    return RoutingDecision(None, None, "Chờ Văn phòng UBND Thành phố phân loại")


def route(category: Category, place: Unit | None) -> Unit | None:
    """The unit a new case goes to (see `decide`), or None for the City Office's routing queue."""
    return decide(category, place).unit


def find_unit(text: str | None, kinds: tuple[str, ...] | None = None) -> Unit | None:
    """The unit a person typed or picked: "Tên (MÃ)", a code, or a name (accents and case ignored).

    For wards and districts a looser address-like text works too ("Văn Chương, Đống Đa").
    None when nothing, or more than one unit, fits.
    """
    text = (text or "").strip()
    if not text:
        return None
    found = re.search(r"\(([A-Za-z0-9\-_.]+)\)\s*$", text)
    code = found.group(1) if found else text
    query = select(Unit).where(Unit.active.is_(True))
    if kinds:
        query = query.where(Unit.kind.in_(kinds))
    unit = db.session.scalar(query.where(Unit.code == code.upper()))
    if unit is not None:
        return unit
    name = fold(re.sub(r"\([^)]*\)\s*$", "", text))
    matches = [u for u in db.session.scalars(query) if fold(u.name) == name]
    if len(matches) == 1:
        return matches[0]
    if kinds and set(kinds) <= {"ward", "district"}:
        index = PlaceIndex.load()
        place = index.ward_from_address(text) if "ward" in kinds else None
        if place is None and "district" in kinds:
            place = index.district_from_address(text)
        return place
    return None
