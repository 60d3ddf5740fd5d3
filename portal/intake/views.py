"""Intake pages for the City Office and administrators: routing rules, a routing check, bulk import."""
from flask import Blueprint, Response, flash, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from portal import clock
from portal.domain import case_import, routing
from portal.domain.deadlines import load_calendar
from portal.domain.numbers import whole_number
from portal.errors import abort_with
from portal.extensions import db
from portal.intake.forms import ImportForm, RouteTryForm, RuleForm
from portal.models import Case, Category, RoutingRule, Unit
from portal.web import feature_required, render_page_or_part

bp = Blueprint("intake", __name__, url_prefix="/intake")

PLACE_KINDS = ("ward", "district")
SHOWN_IMPORTED = 200


@bp.get("")
@feature_required("intake")
def index():
    return redirect(url_for("intake.rules"))


@bp.route("/rules", methods=["GET", "POST"])
@feature_required("intake")
def rules():
    form = _rule_form()
    if request.method == "POST":
        rule = RoutingRule(created_by_id=current_user.id)
        if form.validate_on_submit() and _read_rule(form, rule):
            db.session.add(rule)
            db.session.commit()
            flash(f"Đã thêm quy tắc số {rule.position}: {_describe(rule)}.", "success")
            return redirect(url_for("intake.rules"))
        return _rules_page(form, status=422)
    return _rules_page(form)


@bp.route("/rules/<int:rule_id>/edit", methods=["GET", "POST"])
@feature_required("intake")
def edit_rule(rule_id: int):
    rule = _get_rule(rule_id)
    form = _rule_form(rule)
    if request.method == "POST":
        if form.validate_on_submit() and _read_rule(form, rule):
            db.session.commit()
            flash(f"Đã cập nhật quy tắc số {rule.position}: {_describe(rule)}.", "success")
            return redirect(url_for("intake.rules"))
        return _rules_page(form, editing=rule, status=422)
    return _rules_page(form, editing=rule)


@bp.post("/rules/<int:rule_id>/toggle")
@feature_required("intake")
def toggle_rule(rule_id: int):
    rule = _get_rule(rule_id)
    rule.active = not rule.active
    db.session.commit()
    flash(f"Quy tắc số {rule.position} {'đang áp dụng' if rule.active else 'đã tạm dừng'}.", "success")
    return redirect(url_for("intake.rules"))


@bp.post("/rules/<int:rule_id>/delete")
@feature_required("intake")
def delete_rule(rule_id: int):
    rule = _get_rule(rule_id)
    described = _describe(rule)
    db.session.delete(rule)
    db.session.commit()
    flash(f"Đã xóa quy tắc: {described}.", "success")
    return redirect(url_for("intake.rules"))


@bp.get("/rules/check")
@feature_required("intake")
def check_route():
    """Which unit a case of this category at this address would go to now, and why."""
    return _rules_page(_rule_form(), check=_check_form(with_result=True))


@bp.route("/import", methods=["GET", "POST"])
@feature_required("intake")
def import_cases():
    form = ImportForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            return render_page_or_part("intake/import.html", "intake/_import.html", form=form, status=422)
        upload = form.file.data
        now = clock.now()
        try:
            planned, errors = case_import.check_rows(case_import.read_table(upload.filename, upload.read()), now=now)
        except case_import.ImportFileError as problem:
            return render_page_or_part("intake/import.html", "intake/_import.html", form=form,
                                       file_error=str(problem), filename=upload.filename, status=422)
        if errors:
            return render_page_or_part("intake/import.html", "intake/_import.html", form=form, errors=errors,
                                       filename=upload.filename, row_count=len(planned) + len({e.row for e in errors}),
                                       status=422)
        try:
            cases = case_import.file_all(planned, calendar=load_calendar(), actor=current_user)
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
        flash(f"Đã nhập {len(cases)} phản ánh từ tệp {upload.filename}.", "success")
        return redirect(url_for("intake.import_cases", first=cases[0].id, last=cases[-1].id))
    return render_page_or_part("intake/import.html", "intake/_import.html", form=form, **_imported())


@bp.get("/import/template.csv")
@feature_required("intake")
def import_template():
    return Response(case_import.template_csv(), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=mau-nhap-phan-anh.csv"})


def _imported() -> dict:
    """The cases of the import just made (ids first..last in the query string), to show and link."""
    first, last = whole_number(request.args.get("first")), whole_number(request.args.get("last"))
    if not first or not last or last < first:
        return {}
    where = (Case.id >= first, Case.id <= last, Case.source == "import")
    count = db.session.scalar(select(func.count()).select_from(Case).where(*where))
    cases = db.session.scalars(select(Case).where(*where).options(selectinload(Case.unit), selectinload(Case.category))
                               .order_by(Case.id).limit(SHOWN_IMPORTED)).all()
    return {"imported": cases, "imported_count": count}


def _get_rule(rule_id: int) -> RoutingRule:
    rule = db.session.get(RoutingRule, rule_id)
    if rule is None:
        abort_with(404, "Không tìm thấy quy tắc phân loại này (có thể đã bị xóa).")
    return rule


def _categories() -> list[Category]:
    return list(db.session.scalars(select(Category).where(Category.active.is_(True)).order_by(Category.name)))


def _rule_form(rule: RoutingRule | None = None) -> RuleForm:
    if rule is not None and request.method == "GET":
        form = RuleForm(category_id=str(rule.category_id or ""), place=_unit_label(rule.place),
                        unit=_unit_label(rule.unit), position=rule.position, note=rule.note, active=rule.active)
    else:
        form = RuleForm()
    form.category_id.choices = [("", "Mọi lĩnh vực")] + [(str(c.id), c.name) for c in _categories()]
    return form


def _check_form(with_result: bool = False):
    form = RouteTryForm(request.args, prefix="check")
    form.category_id.choices = [(str(c.id), c.name) for c in _categories()]
    if not with_result:
        return {"form": form}
    category_id = whole_number(form.category_id.data)
    category = db.session.get(Category, category_id) if category_id else None
    if category is None:
        return {"form": form, "problem": "Vui lòng chọn lĩnh vực."}
    place = routing.PlaceIndex.load().place_of(form.address.data)
    return {"form": form, "place": place, "decision": routing.decide(category, place), "category": category}


def _read_rule(form: RuleForm, rule: RoutingRule) -> bool:
    """Copy the form into the rule; False (with the field's error) when a unit cannot be found."""
    ok = True
    place = None
    if (form.place.data or "").strip():
        place = routing.find_unit(form.place.data, PLACE_KINDS)
        if place is None:
            form.place.errors.append("Không tìm thấy đúng một phường, xã hoặc quận, huyện với tên này; "
                                     "hãy chọn trong danh sách gợi ý.")
            ok = False
    unit = routing.find_unit(form.unit.data)
    if unit is None:
        form.unit.errors.append("Không tìm thấy đơn vị này; hãy chọn trong danh sách gợi ý.")
        ok = False
    category_id = whole_number(form.category_id.data)
    if not ok:
        return False
    rule.category_id = category_id
    rule.place = place
    rule.unit = unit
    rule.position = form.position.data
    rule.note = (form.note.data or "").strip()
    rule.active = form.active.data
    return True


def _unit_label(unit: Unit | None) -> str:
    return f"{unit.name} ({unit.code})" if unit is not None else ""


def _describe(rule: RoutingRule) -> str:
    category = rule.category.name if rule.category_id and rule.category else "mọi lĩnh vực"
    place = rule.place.name if rule.place is not None else "mọi địa bàn"
    return f"{category}, {place} → {rule.unit.name}"


def _rules_page(form: RuleForm, *, editing: RoutingRule | None = None, check: dict | None = None, status: int = 200):
    rules = db.session.scalars(
        select(RoutingRule).options(selectinload(RoutingRule.category), selectinload(RoutingRule.place),
                                    selectinload(RoutingRule.unit))
        .order_by(RoutingRule.active.desc(), RoutingRule.position, RoutingRule.id)).all()
    units = db.session.execute(
        select(Unit.name, Unit.code, Unit.kind).where(Unit.active.is_(True)).order_by(Unit.kind, Unit.name)).all()
    parents = dict(db.session.execute(select(Unit.id, Unit.name).where(Unit.kind == "district")).all())
    places = db.session.execute(
        select(Unit.name, Unit.code, Unit.parent_id).where(Unit.active.is_(True), Unit.kind.in_(PLACE_KINDS))
        .order_by(Unit.name)).all()
    # Only the routing check is an htmx region; the rule forms are boosted and get the whole page.
    return render_page_or_part(
        "intake/rules.html", "intake/_route_check.html" if check else "intake/rules.html", status=status,
        form=form, rules=rules, editing=editing, check=check or _check_form(), units=units,
        places=[(name, code, parents.get(parent_id, "")) for name, code, parent_id in places],
    )
