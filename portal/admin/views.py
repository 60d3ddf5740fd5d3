"""The administrator's part of the portal at /admin: accounts, units (and re-organisations), categories,
the working calendar, API clients and the audit log. Views stay thin: the rules live in portal/domain."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, current_app, flash, make_response, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from portal import clock
from portal.admin import forms, queries
from portal.domain import accounts, calendar_exceptions, category_settings, client_keys, units as unit_rules
from portal.domain.deadlines import forget_shown_calendar, load_calendar
from portal.domain.formatting import local
from portal.domain.numbers import whole_number
from portal.errors import abort_with
from portal.extensions import db
from portal.models import ApiClient, AuditEntry, CalendarException, Category, Unit, User
from portal.models.calendar import EXCEPTION_KINDS
from portal.models.unit import UNIT_KINDS
from portal.seed import DATA_DIR
from portal.web import feature_required, render_page_or_part

bp = Blueprint("admin", __name__, url_prefix="/admin")

USERS_PER_PAGE = 25
UNITS_PER_PAGE = 100
AUDIT_PER_PAGE = 50
SAMPLE_REFORM_UNITS = DATA_DIR / "hanoi-units-2025-07.csv"
SAMPLE_REFORM_MAPPING = DATA_DIR / "hanoi-reform-2025-07-dong-da-mapping.csv"
SAMPLE_REFORM_NOTE = "Nghị quyết 1656/NQ-UBTVQH15 (dữ liệu mẫu)"
MAX_ID = 2**31 - 1


def _address() -> str | None:
    return request.remote_addr


def _get(model, ident: int):
    # An id no column can hold is simply not there (PostgreSQL would refuse to compare it).
    found = db.session.get(model, ident) if 0 < ident <= MAX_ID else None
    if found is None:
        abort_with(404, "Không tìm thấy bản ghi này; có thể nó đã bị xóa.")
    return found


def _page(template: str, status: int = 200, *, secret: bool = False, **context):
    response = make_response(render_page_or_part(template, template, status, **context))
    if secret:
        # A one-time password or key: never kept by a cache, a proxy or the back button.
        response.headers["Cache-Control"] = "no-store"
    return response


def _status(form) -> int:
    return 422 if request.method == "POST" else 200


# -- overview ------------------------------------------------------------------------------------


@bp.route("")
@feature_required("admin")
def index():
    now = clock.now()
    year = local(now).year
    count = lambda query: db.session.scalar(select(func.count()).select_from(query.subquery()))  # noqa: E731
    figures = {
        "users": count(select(User.id).where(User.active.is_(True))),
        "locked": count(select(User.id).where(User.active.is_(False))),
        "first_login": count(select(User.id).where(User.active.is_(True), User.must_change_password.is_(True))),
        "units": count(select(Unit.id).where(Unit.active.is_(True))),
        "retired_units": count(select(Unit.id).where(Unit.active.is_(False))),
        "categories": count(select(Category.id).where(Category.active.is_(True))),
        "clients": count(select(ApiClient.id).where(ApiClient.active.is_(True))),
        "exceptions": count(select(CalendarException.id).where(
            CalendarException.day >= date(year, 1, 1), CalendarException.day <= date(year, 12, 31))),
    }
    calendar = load_calendar()
    today = local(now).date()
    upcoming = calendar_exceptions.year_calendar(year, calendar)
    coming = [day for day in upcoming.days_off + upcoming.working_days if day.day >= today]
    coming.sort(key=lambda day: day.day)
    recent = list(db.session.scalars(select(AuditEntry).where(AuditEntry.action.notin_(("login", "logout")))
                                     .order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(8)))
    return _page("admin/index.html", figures=figures, coming=coming[:5], recent=recent, year=year)


# -- users ---------------------------------------------------------------------------------------


@bp.route("/users")
@feature_required("admin")
def users():
    form = forms.UserFilterForm(request.args)
    valid = form.validate()
    unit, unit_problem = queries.resolve_unit(form.unit.data, active_only=False) if valid else (None, None)
    found = queries.filter_users(
        words=(form.q.data or "").strip() if valid else "", unit=unit,
        unit_words=(form.unit.data or "").strip() if valid and unit is None else "",
        role=form.role.data if valid else "", status=form.status.data if valid else "")
    page = queries.paginate_list(found, queries.page_number(request.args.get("page")), USERS_PER_PAGE)
    filters = {key: value for key, value in request.args.items() if key != "page" and value}
    return render_page_or_part("admin/users.html", "admin/_users.html", form=form, listing=page, filters=filters,
                               unit=unit, unit_options=queries.active_units())


@bp.route("/users/new", methods=["GET", "POST"])
@feature_required("admin")
def user_new():
    form = forms.UserCreateForm()
    if form.validate_on_submit():
        unit, problem = queries.resolve_unit(form.unit.data)
        if problem:
            form.add_error("unit", problem)
        else:
            try:
                user, password = accounts.create_account(
                    username=form.username.data, full_name=form.full_name.data, unit=unit, role=form.role.data,
                    email=form.email.data, phone=form.phone.data, actor=current_user, now=clock.now(),
                    address=_address())
                db.session.commit()
            except accounts.AccountError as refused:
                db.session.rollback()
                form.add_error(refused.field, refused.message)
            except IntegrityError:
                db.session.rollback()
                form.add_error("username", f"Tên đăng nhập {form.username.data.strip().lower()} đã có người dùng.")
            else:
                return _page("admin/user_password.html", 201, secret=True, user=user, password=password,
                             created=True)
    elif request.method == "POST" and not form.username.errors:
        # Say a taken name now, not after the other fields are put right.
        problem = accounts.username_problem(accounts.normalize_username(form.username.data))
        if problem:
            form.add_error("username", problem)
    return _page("admin/user_new.html", _status(form), form=form, unit_options=queries.active_units())


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@feature_required("admin")
def user_edit(user_id: int):
    user = _get(User, user_id)
    form = forms.UserEditForm(obj=user if request.method == "GET" else None)
    if request.method == "GET":
        form.unit.data = user.unit.code
    if form.validate_on_submit():
        unit, problem = queries.resolve_unit(form.unit.data) if form.unit.data.strip().upper() != user.unit.code \
            else (user.unit, None)
        if problem:
            form.add_error("unit", problem)
        else:
            try:
                changes = accounts.update_account(
                    user, full_name=form.full_name.data, unit=unit, role=form.role.data, active=form.active.data,
                    email=form.email.data, phone=form.phone.data, actor=current_user, now=clock.now(),
                    address=_address())
                db.session.commit()
            except accounts.AccountError as refused:
                db.session.rollback()
                form.add_error(refused.field, refused.message)
            else:
                if changes:
                    flash(f"Đã lưu tài khoản {user.username}: {'; '.join(changes)}.", "success")
                    handled = accounts.open_cases_handled_by(user)
                    if handled and (not user.active or any(c.startswith("đơn vị") for c in changes)):
                        flash(f"{user.full_name} đang xử lý {handled} phản ánh; lãnh đạo đơn vị cần phân công "
                              "lại.", "warning")
                else:
                    flash("Không có thay đổi nào.", "info")
                return redirect(url_for("admin.user_edit", user_id=user.id))
    return _page("admin/user_edit.html", _status(form), form=form, user=user,
                 handled=accounts.open_cases_handled_by(user), reset_form=forms.ConfirmForm(),
                 unit_options=queries.active_units())


@bp.route("/users/<int:user_id>/password", methods=["POST"])
@feature_required("admin")
def user_reset_password(user_id: int):
    user = _get(User, user_id)
    form = forms.ConfirmForm()
    if not form.validate_on_submit():
        abort_with(400, "Biểu mẫu không hợp lệ; vui lòng tải lại trang.")
    try:
        password = accounts.reset_password(user, actor=current_user, now=clock.now(), address=_address())
        db.session.commit()
    except accounts.AccountError as refused:
        db.session.rollback()
        flash(refused.message, "error")
        return redirect(url_for("admin.user_edit", user_id=user.id))
    return _page("admin/user_password.html", secret=True, user=user, password=password, created=False)


# -- units ---------------------------------------------------------------------------------------


@bp.route("/units")
@feature_required("admin")
def units():
    form = forms.UnitFilterForm(request.args)
    valid = form.validate()
    words = (form.q.data or "").strip() if valid else ""
    show_all = valid and form.show.data == "all"
    parent = None
    parent_id = whole_number(request.args.get("parent"))
    if parent_id is not None and not words:
        parent = _get(Unit, parent_id)
    found = queries.browse_units(parent, words, show_all)
    if parent is None and not words and len(found) == 1:
        # The tree has one root (the city): open it rather than show a list of one.
        parent = found[0]
        found = queries.browse_units(parent, "", show_all)
    page = queries.paginate_list(found, queries.page_number(request.args.get("page")), UNITS_PER_PAGE)
    rows = queries.unit_rows(page.items)
    filters = {key: value for key, value in request.args.items() if key != "page" and value}
    if parent is not None and not words:
        filters["parent"] = str(parent.id)
    return render_page_or_part("admin/units.html", "admin/_units.html", form=form, listing=page, rows=rows,
                               parent=parent, trail=queries.ancestors(parent) if parent else [], words=words,
                               filters=filters)


@bp.route("/units/new", methods=["GET", "POST"])
@feature_required("admin")
def unit_new():
    form = forms.UnitCreateForm()
    parent_id = whole_number(request.args.get("parent"))
    if request.method == "GET" and parent_id:
        parent = db.session.get(Unit, parent_id)
        if parent is not None:
            form.parent.data = parent.code
            form.kind.data = {"city": "district", "district": "ward"}.get(parent.kind, "")
    if form.validate_on_submit():
        parent, problem = queries.resolve_unit(form.parent.data)
        if problem:
            form.add_error("parent", problem)
        else:
            try:
                unit = unit_rules.create_unit(code=form.code.data, name=form.name.data, kind=form.kind.data,
                                              parent=parent, actor=current_user, now=clock.now(),
                                              address=_address())
                db.session.commit()
            except unit_rules.UnitRuleError as refused:
                db.session.rollback()
                form.add_error(refused.field, refused.message)
            except IntegrityError:
                db.session.rollback()
                form.add_error("code", f"Mã đơn vị {form.code.data.strip().upper()} đã được dùng cho đơn vị khác.")
            else:
                flash(f"Đã tạo {unit.name} ({unit.code}).", "success")
                return redirect(url_for("admin.unit_edit", unit_id=unit.id))
    return _page("admin/unit_new.html", _status(form), form=form, unit_options=queries.active_units())


def _unit_page(unit: Unit, status: int = 200, rename_form=None, retire_form=None):
    impact = unit_rules.impact(unit) if unit.active else None
    return _page("admin/unit_edit.html", status, unit=unit, trail=queries.ancestors(unit), impact=impact,
                 rename_form=rename_form or forms.UnitRenameForm(formdata=None, name=unit.name),
                 retire_form=retire_form or forms.UnitRetireForm(formdata=None),
                 unit_options=queries.active_units() if unit.active else [],
                 users=list(db.session.scalars(select(User).where(User.unit_id == unit.id).order_by(User.full_name)
                                               .limit(20))))


@bp.route("/units/<int:unit_id>")
@feature_required("admin")
def unit_edit(unit_id: int):
    return _unit_page(_get(Unit, unit_id))


@bp.route("/units/<int:unit_id>/name", methods=["POST"])
@feature_required("admin")
def unit_rename(unit_id: int):
    unit = _get(Unit, unit_id)
    form = forms.UnitRenameForm()
    if form.validate_on_submit():
        old_name = unit.name
        try:
            changed = unit_rules.rename_unit(unit, form.name.data, actor=current_user, now=clock.now(),
                                             address=_address())
            db.session.commit()
        except unit_rules.UnitRuleError as refused:
            db.session.rollback()
            form.add_error(refused.field, refused.message)
        else:
            flash(f"Đã đổi tên {old_name} thành {unit.name}." if changed else "Tên không thay đổi.",
                  "success" if changed else "info")
            return redirect(url_for("admin.unit_edit", unit_id=unit.id))
    return _unit_page(unit, 422, rename_form=form)


@bp.route("/units/<int:unit_id>/retire", methods=["POST"])
@feature_required("admin")
def unit_retire(unit_id: int):
    """First post: the confirmation, saying what will move. Second post (confirm=yes): the change."""
    unit = _get(Unit, unit_id)
    form = forms.UnitRetireForm()
    if not form.validate_on_submit():
        return _unit_page(unit, 422, retire_form=form)
    successor_text = (form.successor.data or "").strip()
    successor, problem = queries.resolve_unit(successor_text) if successor_text else (None, None)
    if problem:
        form.add_error("successor", problem)
        return _unit_page(unit, 422, retire_form=form)
    impact = unit_rules.impact(unit)
    problem = unit_rules.retire_problem(unit, successor, impact)
    if problem:
        form.add_error("successor", problem)
        return _unit_page(unit, 422, retire_form=form)
    if form.confirm.data != "yes":
        form.confirm.data = "yes"
        return _page("admin/unit_retire.html", unit=unit, successor=successor, impact=impact, form=form)
    try:
        done = unit_rules.retire_unit(unit, successor, actor=current_user, now=clock.now(),
                                      note=(form.note.data or "").strip() or None, address=_address())
        db.session.commit()
    except unit_rules.UnitRuleError as refused:  # the situation changed since the confirmation
        db.session.rollback()
        form.add_error("successor", refused.message)
        return _unit_page(unit, 422, retire_form=form)
    if successor is not None:
        flash(f"Đã sáp nhập {unit.name} vào {successor.name}: {done.cases_moved} phản ánh đang xử lý và "
              f"{done.users_moved} tài khoản đã chuyển sang.", "success")
    else:
        flash(f"Đã giải thể {unit.name}.", "success")
    return redirect(url_for("admin.unit_edit", unit_id=unit.id))


@bp.route("/units/import", methods=["GET", "POST"])
@feature_required("admin")
def units_import():
    form = forms.ReformImportForm()
    if request.method == "GET" or not form.validate_on_submit():
        return _page("admin/units_import.html", _status(form), form=form, plan=None)
    step = request.form.get("step", "preview")
    if step == "sample":
        units_text = SAMPLE_REFORM_UNITS.read_text(encoding="utf-8")
        mapping_text = SAMPLE_REFORM_MAPPING.read_text(encoding="utf-8")
        form.note.data = form.note.data or SAMPLE_REFORM_NOTE
    elif step == "apply":
        units_text, mapping_text = form.units_text.data or "", form.mapping_text.data or ""
    else:
        units_text = _uploaded_text(form, "units_file")
        mapping_text = _uploaded_text(form, "mapping_file")
        if units_text is None or mapping_text is None:
            return _page("admin/units_import.html", 422, form=form, plan=None)
    now = clock.now()
    plan = unit_rules.plan_reform(units_text, mapping_text, now=now)
    if step != "apply" or not plan.ok:
        form.units_text.data, form.mapping_text.data = units_text, mapping_text
        return _page("admin/units_import.html", 200 if plan.ok else 422, form=form, plan=plan)
    try:
        result = unit_rules.apply_reform(plan, actor=current_user, now=now, note=(form.note.data or "").strip() or None,
                                         address=_address())
        db.session.commit()
    except (unit_rules.UnitRuleError, IntegrityError) as refused:
        db.session.rollback()
        current_app.logger.warning("reform import refused: %s", refused)
        form.form_errors.append("Không nhập được vì dữ liệu vừa thay đổi; chưa có gì được lưu. Vui lòng kiểm tra lại.")
        return _page("admin/units_import.html", 409, form=form, plan=None)
    flash(f"Đã nhập sắp xếp đơn vị: {result.created} đơn vị mới, {len(result.retirements)} đơn vị sáp nhập; "
          f"{result.cases_moved} phản ánh đang xử lý và {result.users_moved} tài khoản đã chuyển sang đơn vị mới.",
          "success")
    return redirect(url_for("admin.units"))


def _uploaded_text(form, name: str) -> str | None:
    field = getattr(form, name)
    upload = field.data
    if upload is None or not getattr(upload, "filename", ""):
        form.add_error(name, "Vui lòng chọn tệp CSV.")
        return None
    raw = upload.read()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        form.add_error(name, "Tệp phải là CSV mã hóa UTF-8 (trong Excel: Lưu thành → CSV UTF-8).")
        return None


# -- categories ----------------------------------------------------------------------------------


@bp.route("/categories")
@feature_required("admin")
def categories():
    found = list(db.session.scalars(select(Category).order_by(Category.active.desc(), Category.name)))
    return _page("admin/categories.html", categories=found, unit_kind_labels=UNIT_KINDS)


def _times(form) -> dict:
    return {attribute: getattr(form, attribute).data for attribute, _, _, _ in category_settings.TIMES}


@bp.route("/categories/new", methods=["GET", "POST"])
@feature_required("admin")
def category_new():
    form = forms.CategoryCreateForm()
    if request.method == "GET":
        form.active.data = True
        form.receive_hours.data, form.urgent_hours.data, form.normal_days.data, form.complex_days.data = 8, 4, 10, 15
    if form.validate_on_submit():
        try:
            category = category_settings.create_category(
                code=form.code.data, name=form.name.data, kind=form.kind.data,
                default_unit_kind=form.default_unit_kind.data, default_unit_code=form.default_unit_code.data,
                times=_times(form), actor=current_user, now=clock.now(), address=_address())
            db.session.commit()
        except category_settings.CategoryError as refused:
            db.session.rollback()
            form.add_error(refused.field, refused.message)
        except IntegrityError:
            db.session.rollback()
            form.add_error("code", f"Mã lĩnh vực {form.code.data.strip().upper()} đã có.")
        else:
            flash(f"Đã tạo lĩnh vực {category.name}.", "success")
            return redirect(url_for("admin.categories"))
    return _page("admin/category_form.html", _status(form), form=form, category=None,
                 unit_options=queries.active_units())


@bp.route("/categories/<int:category_id>", methods=["GET", "POST"])
@feature_required("admin")
def category_edit(category_id: int):
    category = _get(Category, category_id)
    form = forms.CategoryForm(obj=category if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            changes = category_settings.update_category(
                category, name=form.name.data, default_unit_kind=form.default_unit_kind.data,
                default_unit_code=form.default_unit_code.data, times=_times(form), active=form.active.data,
                actor=current_user, now=clock.now(), address=_address())
            db.session.commit()
        except category_settings.CategoryError as refused:
            db.session.rollback()
            form.add_error(refused.field, refused.message)
        else:
            flash(f"Đã lưu lĩnh vực {category.name}." if changes else "Không có thay đổi nào.",
                  "success" if changes else "info")
            return redirect(url_for("admin.categories"))
    return _page("admin/category_form.html", _status(form), form=form, category=category,
                 unit_options=queries.active_units())


# -- calendar ------------------------------------------------------------------------------------


def _year(now) -> int:
    text = request.args.get("year", "")
    year = whole_number(text, maximum=999_999) or local(now).year
    return min(max(year, calendar_exceptions.FIRST_YEAR), calendar_exceptions.LAST_YEAR)


def _calendar_page(year: int, form, status: int = 200):
    overview = calendar_exceptions.year_calendar(year, load_calendar())
    return _page("admin/calendar.html", status, year=year, overview=overview, form=form,
                 remove_form=forms.ConfirmForm(), kinds=EXCEPTION_KINDS,
                 weekdays=calendar_exceptions.WEEKDAYS)


@bp.route("/calendar", methods=["GET", "POST"])
@feature_required("admin")
def calendar():
    now = clock.now()
    year = _year(now)
    form = forms.CalendarExceptionForm()
    if request.method == "GET":
        form.kind.data = "day_off"
    if form.validate_on_submit():
        try:
            exception = calendar_exceptions.declare(form.day.data, form.kind.data, form.note.data,
                                                    actor=current_user, now=now, address=_address())
            db.session.commit()
            forget_shown_calendar()
        except calendar_exceptions.CalendarError as refused:
            db.session.rollback()
            form.add_error(refused.field, refused.message)
        else:
            flash(f"Đã khai báo {EXCEPTION_KINDS[exception.kind].lower()} {exception.day:%d/%m/%Y}.", "success")
            return redirect(url_for("admin.calendar", year=exception.day.year))
        if form.day.data and calendar_exceptions.FIRST_YEAR <= form.day.data.year <= calendar_exceptions.LAST_YEAR:
            year = form.day.data.year
    return _calendar_page(year, form, _status(form))


@bp.route("/calendar/<int:exception_id>/delete", methods=["POST"])
@feature_required("admin")
def calendar_remove(exception_id: int):
    exception = _get(CalendarException, exception_id)
    if not forms.ConfirmForm().validate_on_submit():
        abort_with(400, "Biểu mẫu không hợp lệ; vui lòng tải lại trang.")
    day, kind = exception.day, exception.kind
    calendar_exceptions.remove(exception, actor=current_user, now=clock.now(), address=_address())
    db.session.commit()
    forget_shown_calendar()
    flash(f"Đã xóa khai báo {EXCEPTION_KINDS.get(kind, kind).lower()} {day:%d/%m/%Y}.", "success")
    return redirect(url_for("admin.calendar", year=day.year))


# -- API clients ---------------------------------------------------------------------------------


def _clients_page(form, status: int = 200, refused: tuple[ApiClient, object] | None = None):
    """The list of clients with the create form; `refused` keeps one row's rejected limit with its message."""
    clients = list(db.session.scalars(select(ApiClient).order_by(ApiClient.active.desc(), ApiClient.created_at.desc())))
    limit_forms = {client.id: forms.RateLimitForm(formdata=None,
                                                  rate_limit_per_minute=client.rate_limit_per_minute)
                   for client in clients}
    if refused is not None:
        limit_forms[refused[0].id] = refused[1]
    return _page("admin/api_clients.html", status, clients=clients, form=form, limit_forms=limit_forms,
                 revoke_form=forms.ConfirmForm())


@bp.route("/api-clients", methods=["GET", "POST"])
@feature_required("admin")
def api_clients():
    form = forms.ApiClientForm()
    if form.validate_on_submit():
        try:
            client, key = client_keys.create_client(form.name.data, form.rate_limit_per_minute.data,
                                                    actor=current_user, now=clock.now(), address=_address())
            db.session.commit()
        except client_keys.ClientError as refused:
            db.session.rollback()
            form.add_error(refused.field, refused.message)
        else:
            return _page("admin/api_client_key.html", 201, secret=True, client=client, key=key)
    return _clients_page(form, _status(form))


@bp.route("/api-clients/<int:client_id>/limit", methods=["POST"])
@feature_required("admin")
def api_client_limit(client_id: int):
    client = _get(ApiClient, client_id)
    limit_form = forms.RateLimitForm()
    if limit_form.validate_on_submit():
        try:
            changed = client_keys.set_rate_limit(client, limit_form.rate_limit_per_minute.data, actor=current_user,
                                                 now=clock.now(), address=_address())
            db.session.commit()
        except client_keys.ClientError as refused:
            db.session.rollback()
            limit_form.add_error("rate_limit_per_minute", refused.message)
        else:
            flash(f"Đã đặt giới hạn {client.rate_limit_per_minute} lần/phút cho «{client.name}»." if changed
                  else "Giới hạn không thay đổi.", "success" if changed else "info")
            return redirect(url_for("admin.api_clients"))
    return _clients_page(forms.ApiClientForm(formdata=None), 422, refused=(client, limit_form))


@bp.route("/api-clients/<int:client_id>/revoke", methods=["POST"])
@feature_required("admin")
def api_client_revoke(client_id: int):
    client = _get(ApiClient, client_id)
    if not forms.ConfirmForm().validate_on_submit():
        abort_with(400, "Biểu mẫu không hợp lệ; vui lòng tải lại trang.")
    try:
        client_keys.revoke_client(client, actor=current_user, now=clock.now(), address=_address())
        db.session.commit()
    except client_keys.ClientError as refused:
        db.session.rollback()
        flash(refused.message, "info")
    else:
        flash(f"Đã thu hồi khóa của «{client.name}»; ứng dụng này không gửi được phản ánh nữa.", "success")
    return redirect(url_for("admin.api_clients"))


# -- audit log -----------------------------------------------------------------------------------


@bp.route("/audit")
@feature_required("admin")
def audit():
    form = forms.AuditFilterForm(request.args)
    valid = form.validate()
    for field in (form.date_from, form.date_to):
        if field.data and not calendar_exceptions.FIRST_YEAR <= field.data.year <= calendar_exceptions.LAST_YEAR:
            field.errors = [*field.errors, f"Chọn ngày trong các năm {calendar_exceptions.FIRST_YEAR}–"
                                           f"{calendar_exceptions.LAST_YEAR}."]
            valid = False
    page = queries.audit_page(
        action=form.action.data if valid else "", words=(form.q.data or "").strip() if valid else "",
        date_from=form.date_from.data if valid else None, date_to=form.date_to.data if valid else None,
        page=queries.page_number(request.args.get("page")), per_page=AUDIT_PER_PAGE)
    filters = {key: value for key, value in request.args.items() if key != "page" and value}
    return render_page_or_part("admin/audit.html", "admin/_audit.html", form=form, listing=page, filters=filters)
