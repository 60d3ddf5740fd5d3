"""Rosters of handlers (`/rosters`): the City Office's overview of a campaign, each unit's roster with
inline row editing, import and export, submission and review, and accounts made from rows."""
from __future__ import annotations

import io
from datetime import timedelta

from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError
from wtforms import SelectChoice

from portal import clock
from portal.domain import audit
from portal.domain import rosters as rules
from portal.domain.numbers import whole_number
from portal.errors import error_response
from portal.extensions import db
from portal.models import Roster, RosterCampaign, RosterRow, RosterVersion, Unit
from portal.rosters import spreadsheets
from portal.rosters.chart import registration_chart
from portal.rosters.forms import (CampaignForm, HeadcountForm, ImportForm, RegistrationForm, ReviewForm, RowForm,
                                  SubmitForm)
from portal.web import feature_required, is_htmx_request, render_page_or_part, wants_part

bp = Blueprint("rosters", __name__, url_prefix="/rosters")


@bp.errorhandler(StaleDataError)
def _changed_meanwhile(error):
    # Two people acted on the same roster at once (a lead submitting while the City Office reviews).
    db.session.rollback()
    return error_response(409, "Danh sách vừa được người khác cập nhật (nộp hoặc duyệt). Vui lòng tải lại trang.")


# --- Loading, with access decided here ---------------------------------------------------------------

def _campaign(campaign_id: int) -> RosterCampaign:
    campaign = db.session.get(RosterCampaign, campaign_id)
    if campaign is None:
        abort(404)
    return campaign


def _roster(campaign_id: int, code: str) -> Roster:
    """The unit's roster if the signed-in user may read it; 404 otherwise (never its content)."""
    roster = db.session.scalar(select(Roster).join(Unit, Roster.unit_id == Unit.id)
                               .where(Roster.campaign_id == campaign_id, Unit.code == code))
    if roster is None or not rules.can_view_roster(current_user, roster):
        abort(404)
    return roster


def _own_roster(campaign_id: int, code: str) -> Roster:
    roster = _roster(campaign_id, code)
    if not rules.can_edit_roster(current_user, roster):
        abort(403)
    return roster


def _row(roster: Roster, row_id: int) -> RosterRow:
    row = next((row for row in roster.rows if row.id == row_id), None)
    if row is None:
        abort(404)
    return row


def _roster_url(roster: Roster, **anchor) -> str:
    return url_for("rosters.roster", campaign_id=roster.campaign_id, code=roster.unit.code, **anchor)


# --- Overview ---------------------------------------------------------------------------------------

@bp.route("")
@feature_required("rosters")
def index():
    """A lead lands on their unit's roster in the latest campaign; everyone else on the latest campaign."""
    if current_user.role == "unit_lead":
        roster = db.session.scalar(select(Roster).join(RosterCampaign).where(Roster.unit_id == current_user.unit_id)
                                   .order_by(RosterCampaign.created_at.desc(), RosterCampaign.id.desc()).limit(1))
        if roster is None:
            return render_template("rosters/none.html", campaign=rules.latest_campaign())
        return redirect(_roster_url(roster))
    campaign = rules.latest_campaign()
    if campaign is None:
        if rules.can_manage_campaigns(current_user):
            return redirect(url_for("rosters.new_campaign"))
        return render_template("rosters/none.html", campaign=None)
    return redirect(url_for("rosters.campaign", campaign_id=campaign.id))


def _overview(campaign: RosterCampaign):
    now = clock.now()
    standings = rules.campaign_standings(campaign, now, rules.roster_filter(current_user))
    return now, standings


@bp.route("/campaigns/<int:campaign_id>")
@feature_required("rosters")
def campaign(campaign_id: int):
    campaign = _campaign(campaign_id)
    if current_user.role == "unit_lead":
        roster = rules.roster_of(campaign, current_user.unit_id)
        if roster is None:
            abort(404)
        return redirect(_roster_url(roster))
    now, standings = _overview(campaign)
    filters = {
        "status": request.args.get("status", "") if request.args.get("status", "") in (*rules.STATUSES, "overdue") else "",
        "group": request.args.get("group", "") if request.args.get("group", "") in rules.UNIT_GROUPS else "",
        "district": whole_number(request.args.get("district")),
        "q": request.args.get("q", "").strip()[:100],
    }
    shown = rules.filter_standings(standings, status=filters["status"], group=filters["group"],
                                   district_id=filters["district"], text=filters["q"])
    districts = sorted({s.unit.id: s.unit for s in standings if s.unit.kind == "district"}.values(),
                       key=lambda unit: rules.fold(unit.name))
    districts += sorted({s.district.id: s.district for s in standings if s.district is not None
                         and s.district.id not in {d.id for d in districts}}.values(),
                        key=lambda unit: rules.fold(unit.name))
    citywide = rules.reported_registration(standings)
    chart = _chart(campaign, now, rules.registered_by_day(s.roster.id for s in standings
                                                          if s.roster.first_submitted_at is not None),
                   citywide.headcount)
    campaigns = db.session.scalars(select(RosterCampaign).order_by(RosterCampaign.created_at.desc())).all()
    return render_page_or_part(
        "rosters/campaign.html", "rosters/_units.html",
        campaign=campaign, campaigns=campaigns, now=now, today=rules.local_today(now), standings=standings, shown=shown, filters=filters,
        counts=rules.status_counts(standings), citywide=citywide, chart=chart, districts=districts,
        statuses=rules.STATUSES, groups=rules.UNIT_GROUPS, scope=_scope_label(),
        can_manage=rules.can_manage_campaigns(current_user),
    )


def _scope_label() -> str:
    if current_user.role == "chair":
        return f"các đơn vị thuộc {current_user.unit.name}"
    return "toàn Thành phố"


def _chart(campaign: RosterCampaign, now, by_day, headcount):
    today = rules.local_today(now)
    start = min(rules.local_today(campaign.created_at), today)
    end = max(today, campaign.due_on)
    if (end - start).days < 7:
        start = end - timedelta(days=7)
    series = rules.registration_series(by_day, headcount, start, end, campaign.due_on)
    return registration_chart(series, today, start, end)


@bp.route("/campaigns/<int:campaign_id>/export.xlsx")
@feature_required("rosters")
def export_campaign(campaign_id: int):
    campaign = _campaign(campaign_id)
    if current_user.role == "unit_lead":
        abort(403)
    now, standings = _overview(campaign)
    audit.record("export", now=now, actor=current_user, target=f"roster_campaign:{campaign.id}",
                 detail=f"Tình hình gửi danh sách cán bộ ({len(standings)} đơn vị)", address=request.remote_addr)
    db.session.commit()
    return _xlsx(spreadsheets.campaign_xlsx(campaign, standings, now), f"tinh-hinh-nop-danh-sach-{campaign.id}.xlsx")


@bp.route("/campaigns/<int:campaign_id>/reminder")
@feature_required("rosters")
def reminder(campaign_id: int):
    """The units that owe their roster, worded for the City Office's reminder letter."""
    campaign = _campaign(campaign_id)
    if current_user.role == "unit_lead":
        abort(403)
    now, standings = _overview(campaign)
    groups = rules.reminder_groups(standings)
    return render_template("rosters/reminder.html", campaign=campaign, now=now, groups=groups,
                           owing=sum(len(members) for _, members in groups), total=len(standings))


@bp.route("/campaigns/new", methods=["GET", "POST"])
@feature_required("rosters")
def new_campaign():
    if not rules.can_manage_campaigns(current_user):
        abort(403)
    form = CampaignForm()
    districts = db.session.scalars(select(Unit).where(Unit.kind == "district", Unit.active)).all()
    districts.sort(key=lambda unit: rules.fold(unit.name))
    form.ward_districts.choices = [SelectChoice(unit.id, unit.name) for unit in districts]
    now = clock.now()
    if request.method == "GET" and form.due_on.data is None:
        form.due_on.data = rules.local_today(now) + timedelta(days=7)
    if form.validate_on_submit():
        units = rules.units_for_groups(form.groups.data or [], form.ward_districts.data or [])
        if form.due_on.data < rules.local_today(now):
            form.due_on.errors.append("Hạn nộp không được trước hôm nay.")
        elif not units:
            form.groups.errors = [*form.groups.errors, "Chọn ít nhất một nhóm đơn vị hoặc một quận, huyện."]
        else:
            campaign = rules.create_campaign(title=form.title.data, legal_basis=form.legal_basis.data,
                                             due_on=form.due_on.data, units=units, actor=current_user, now=now)
            db.session.commit()
            flash(f"Đã tạo đợt “{campaign.legal_basis}” với {len(units)} đơn vị phải gửi danh sách.", "success")
            return redirect(url_for("rosters.campaign", campaign_id=campaign.id))
    status = 422 if request.method == "POST" else 200
    return _page(render_template("rosters/new_campaign.html", form=form), status)


# --- A unit's roster --------------------------------------------------------------------------------

# Stands for a row's id in the row links built once per page; a roster of thousands would otherwise
# cost thousands of url_for calls per link.
_ROW_SLOT = 2_147_483_647


def _row_links(roster: Roster) -> dict[str, str]:
    ids = {"campaign_id": roster.campaign_id, "code": roster.unit.code}
    links = {endpoint: url_for(f"rosters.{endpoint}", row_id=_ROW_SLOT, **ids)
             for endpoint in ("mark_registration", "create_account", "edit_row", "delete_row")}
    links["page_edit"] = url_for("rosters.roster", edit=_ROW_SLOT, **ids)
    return links


def _row_context(roster: Roster) -> dict:
    """What a row, its form and the summary need to draw themselves."""
    editor = rules.can_edit_roster(current_user, roster)
    now = clock.now()
    return {
        "roster": roster, "campaign": roster.campaign,
        "row_links": _row_links(roster), "row_slot": str(_ROW_SLOT),
        "can_edit": editor,
        "editable": editor and roster.state in ("draft", "returned"),
        "today": rules.local_today(now), "roles": rules.HANDLING_ROLES,
        "status": rules.roster_status(roster), "overdue": rules.is_overdue(roster, now),
        "registration": rules.registration_of(roster),
    }


def _roster_page(roster: Roster, status: int = 200, **extra):
    now = clock.now()
    versions = list(reversed(roster.versions))
    context = _row_context(roster)
    context.update(
        now=now, review=rules.last_review(roster), versions=versions, compared=rules.COMPARED_FIELDS,
        latest_diff=rules.version_diff(versions[0]) if versions else None,
        draft_diff=rules.draft_diff(roster) if roster.state in ("draft", "returned") else None,
        chart=_chart(roster.campaign, now, _unit_registered_by_day(roster), rules.registration_of(roster).headcount),
        may_review=rules.can_review(current_user) and roster.state == "submitted",
        headcount_form=HeadcountForm(formdata=None, headcount=roster.headcount), import_form=ImportForm(formdata=None),
        submit_form=SubmitForm(formdata=None), review_form=ReviewForm(formdata=None),
        import_result=None, action_error=None, row_forms={}, new_row_form=None, issued=None,
    )
    context.update(extra)
    for shown, name in ((context["may_review"], "review_form"), (context["editable"], "headcount_form")):
        if not shown and name in extra and not context["action_error"]:
            # The form is not on the page in this state of the roster: say what was refused above it instead.
            context["action_error"] = " ".join(error for field in extra[name] for error in field.errors) or None
    return _page(render_template("rosters/roster.html", **context), status)


def _unit_registered_by_day(roster: Roster) -> dict:
    by_day: dict = {}
    for row in roster.rows:
        if row.registered_on is not None:
            by_day[row.registered_on] = by_day.get(row.registered_on, 0) + 1
    return by_day


def _page(html: str, status: int):
    response = make_response(html, status)
    if status >= 400 and is_htmx_request():
        # A boosted form's error page stays at the page's address (the form's own URL is POST-only).
        response.headers["HX-Push-Url"] = "false"
    return response


@bp.route("/campaigns/<int:campaign_id>/units/<code>")
@feature_required("rosters")
def roster(campaign_id: int, code: str):
    roster = _roster(campaign_id, code)
    editable = rules.can_edit_roster(current_user, roster) and roster.state in ("draft", "returned")
    # Without JavaScript, "Thêm người" and "Sửa" open the row's form in the page itself.
    if editable and request.args.get("add"):
        return _roster_page(roster, new_row_form=RowForm(formdata=None))
    editing = next((row for row in roster.rows if row.id == whole_number(request.args.get("edit"))), None)
    if editable and editing is not None:
        return _roster_page(roster, row_forms={editing.id: _row_form_for(editing)})
    return _roster_page(roster)


@bp.route("/campaigns/<int:campaign_id>/units/<code>/export.xlsx")
@feature_required("rosters")
def export_roster(campaign_id: int, code: str):
    roster = _roster(campaign_id, code)
    now = clock.now()
    audit.record("export", now=now, actor=current_user, target=f"roster:{roster.id}",
                 detail=f"Danh sách cán bộ {roster.unit.name} ({len(roster.rows)} người)", address=request.remote_addr)
    db.session.commit()
    return _xlsx(spreadsheets.roster_xlsx(roster, now), f"danh-sach-can-bo-{roster.unit.code}.xlsx")


@bp.route("/template.xlsx")
@feature_required("rosters")
def template_xlsx():
    return _xlsx(spreadsheets.template_xlsx(), "mau-danh-sach-can-bo.xlsx")


@bp.route("/template.csv")
@feature_required("rosters")
def template_csv():
    return send_file(io.BytesIO(spreadsheets.template_csv()), mimetype="text/csv; charset=utf-8",
                     as_attachment=True, download_name="mau-danh-sach-can-bo.csv")


def _xlsx(content: bytes, filename: str):
    response = send_file(io.BytesIO(content), mimetype=spreadsheets.XLSX_MIMETYPE, as_attachment=True,
                         download_name=filename)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/campaigns/<int:campaign_id>/units/<code>/versions/<int:number>")
@feature_required("rosters")
def version(campaign_id: int, code: str, number: int):
    roster = _roster(campaign_id, code)
    found = db.session.scalar(select(RosterVersion).where(RosterVersion.roster_id == roster.id,
                                                          RosterVersion.number == number))
    if found is None:
        abort(404)
    reviews = [review for review in roster.reviews if review.version_id == found.id]
    return render_template("rosters/version.html", roster=roster, campaign=roster.campaign, version=found,
                           diff=rules.version_diff(found), reviews=reviews, roles=rules.HANDLING_ROLES,
                           compared=rules.COMPARED_FIELDS)


# --- Rows, inline ------------------------------------------------------------------------------------

def _refused(roster: Roster, error: rules.RosterError):
    """A step the roster's state does not allow: said in the flash area, nothing changed."""
    db.session.rollback()
    if is_htmx_request():
        response = make_response(render_template("rosters/_notice.html", message=str(error), category="error"), 409)
        response.headers["HX-Retarget"] = "#flashes"
        response.headers["HX-Reswap"] = "innerHTML"
        return response
    flash(str(error), "error")
    return redirect(_roster_url(roster))


def _row_form_response(roster: Roster, form: RowForm, row: RosterRow | None, status: int):
    if wants_part():
        return make_response(render_template("rosters/_row_form.html", form=form, row=row, **_row_context(roster)),
                             status)
    if row is None:
        return _roster_page(roster, status, new_row_form=form)
    return _roster_page(roster, status, row_forms={row.id: form})


def _row_saved(roster: Roster, row: RosterRow | None, message: str, *, created: bool = False, issued=None):
    if wants_part():
        return render_template("rosters/_row_saved.html", row=row, created=created, issued=issued,
                               **_row_context(roster))
    if issued:
        return _roster_page(roster, issued=issued)
    flash(message, "success")
    return redirect(_roster_url(roster, _anchor="rows"))


def _checked(roster: Roster, form: RowForm, row: RosterRow | None):
    entry, errors = rules.check_row(form.row_values(), rules.local_today(clock.now()))
    if entry is not None:
        errors = rules.duplicate_problems(roster, entry, except_row=row)
    if errors:
        form.show_errors(errors)
        return None
    return entry


@bp.route("/campaigns/<int:campaign_id>/units/<code>/rows/new")
@feature_required("rosters")
def new_row(campaign_id: int, code: str):
    roster = _own_roster(campaign_id, code)
    return _row_form_response(roster, RowForm(formdata=None), None, 200)


@bp.route("/campaigns/<int:campaign_id>/units/<code>/rows/slot")
@feature_required("rosters")
def row_slot(campaign_id: int, code: str):
    """The empty place where a new row's form opens (what "Hủy" puts back)."""
    roster = _own_roster(campaign_id, code)
    if not wants_part():
        return redirect(_roster_url(roster))
    return render_template("rosters/_row_slot.html", **_row_context(roster))


@bp.route("/campaigns/<int:campaign_id>/units/<code>/rows", methods=["POST"])
@feature_required("rosters")
def create_row(campaign_id: int, code: str):
    roster = _own_roster(campaign_id, code)
    form = RowForm()
    entry = _checked(roster, form, None) if form.validate_on_submit() else None
    if entry is None:
        return _row_form_response(roster, form, None, 422)
    try:
        row = rules.add_row(roster, entry, clock.now())
    except rules.RosterError as refused:
        return _refused(roster, refused)
    db.session.commit()
    return _row_saved(roster, row, f"Đã thêm {row.full_name} vào danh sách.", created=True)


@bp.route("/campaigns/<int:campaign_id>/units/<code>/rows/<int:row_id>", methods=["GET", "POST"])
@feature_required("rosters")
def row(campaign_id: int, code: str, row_id: int):
    roster = _roster(campaign_id, code)
    found = _row(roster, row_id)
    if request.method == "GET":
        if not wants_part():
            return redirect(_roster_url(roster, _anchor=f"row-{found.id}"))
        return render_template("rosters/_row.html", row=found, **_row_context(roster))
    if not rules.can_edit_roster(current_user, roster):
        abort(403)
    form = RowForm()
    entry = _checked(roster, form, found) if form.validate_on_submit() else None
    if entry is None:
        return _row_form_response(roster, form, found, 422)
    try:
        rules.update_row(found, entry, clock.now())
    except rules.RosterError as refused:
        return _refused(roster, refused)
    db.session.commit()
    return _row_saved(roster, found, f"Đã lưu thông tin của {found.full_name}.")


@bp.route("/campaigns/<int:campaign_id>/units/<code>/rows/<int:row_id>/edit")
@feature_required("rosters")
def edit_row(campaign_id: int, code: str, row_id: int):
    roster = _own_roster(campaign_id, code)
    return _row_form_response(roster, _row_form_for(_row(roster, row_id)), _row(roster, row_id), 200)


def _row_form_for(row: RosterRow) -> RowForm:
    return RowForm(formdata=None, obj=row, registered=row.registered_on is not None,
                   registered_on=row.registered_on.isoformat() if row.registered_on else "")


@bp.route("/campaigns/<int:campaign_id>/units/<code>/rows/<int:row_id>/delete", methods=["POST"])
@feature_required("rosters")
def delete_row(campaign_id: int, code: str, row_id: int):
    roster = _own_roster(campaign_id, code)
    found = _row(roster, row_id)
    name = found.full_name
    try:
        rules.remove_row(found, clock.now())
    except rules.RosterError as refused:
        return _refused(roster, refused)
    db.session.commit()
    return _row_saved(roster, None, f"Đã xóa {name} khỏi danh sách.")


@bp.route("/campaigns/<int:campaign_id>/units/<code>/rows/<int:row_id>/registration", methods=["POST"])
@feature_required("rosters")
def mark_registration(campaign_id: int, code: str, row_id: int):
    """Mark that the person has created their iHanoi account (allowed in every state of the roster)."""
    roster = _own_roster(campaign_id, code)
    found = _row(roster, row_id)
    form = RegistrationForm()
    now = clock.now()
    today = rules.local_today(now)
    if not form.validate_on_submit():
        return _refused(roster, rules.RosterError("Ngày tạo tài khoản không hợp lệ (dd/mm/yyyy)."))
    try:
        rules.mark_registered(found, form.registered_on.data or today, today, now)
    except rules.RosterError as refused:
        return _refused(roster, refused)
    db.session.commit()
    return _row_saved(roster, found, f"Đã ghi nhận {found.full_name} đã tạo tài khoản iHanoi.")


@bp.route("/campaigns/<int:campaign_id>/units/<code>/rows/<int:row_id>/account", methods=["POST"])
@feature_required("rosters")
def create_account(campaign_id: int, code: str, row_id: int):
    """A portal account for the person (cán bộ xử lý); the one-time password is shown in this answer only."""
    roster = _own_roster(campaign_id, code)
    found = _row(roster, row_id)
    if not SubmitForm().validate_on_submit():
        abort(400)
    try:
        user, password = rules.create_account_for_row(found, current_user, clock.now(), request.remote_addr)
    except rules.RosterError as refused:
        return _refused(roster, refused)
    db.session.commit()
    response = make_response(_row_saved(roster, found, "", issued={"username": user.username, "password": password,
                                                                   "full_name": user.full_name}))
    response.headers["Cache-Control"] = "no-store"
    return response


# --- Headcount, import, submission, review -----------------------------------------------------------

@bp.route("/campaigns/<int:campaign_id>/units/<code>/headcount", methods=["POST"])
@feature_required("rosters")
def headcount(campaign_id: int, code: str):
    roster = _own_roster(campaign_id, code)
    form = HeadcountForm()
    if not form.validate_on_submit():
        return _roster_page(roster, 422, headcount_form=form)
    try:
        rules.set_headcount(roster, form.headcount.data, clock.now())
    except rules.RosterError as refused:
        db.session.rollback()
        form.headcount.errors = [str(refused)]
        return _roster_page(roster, 422, headcount_form=form)
    db.session.commit()
    flash(f"Đã lưu tổng số cán bộ, công chức: {form.headcount.data}.", "success")
    return redirect(_roster_url(roster))


@bp.route("/campaigns/<int:campaign_id>/units/<code>/import", methods=["POST"])
@feature_required("rosters")
def import_rows(campaign_id: int, code: str):
    """Replace the rows with a file's, all or nothing; every problem listed by row and column."""
    roster = _own_roster(campaign_id, code)
    form = ImportForm()
    upload = request.files.get("file")
    if not form.validate_on_submit() or upload is None or not upload.filename:
        result = rules.ImportResult()
        result.add(None, None, "Chưa chọn tệp. Chọn tệp .xlsx hoặc .csv theo mẫu rồi bấm “Nhập từ tệp”.")
        return _roster_page(roster, 422, import_result=result)
    upload.stream.seek(0, io.SEEK_END)
    size = upload.stream.tell()
    upload.stream.seek(0)
    now = clock.now()
    if size > rules.MAX_FILE_BYTES:
        return _roster_page(roster, 413, import_result=rules.oversized_file(upload.filename, size))
    result = rules.read_roster_file(upload.filename, upload.stream.read(), rules.local_today(now))
    if not result.ok:
        return _roster_page(roster, 422, import_result=result)
    try:
        rules.replace_rows(roster, [entry for _, entry in result.entries], now)
    except rules.RosterError as refused:
        return _refused(roster, refused)
    db.session.commit()
    flash(f"Đã nhập {len(result.entries)} người từ tệp “{upload.filename}”; danh sách đã được thay bằng nội dung tệp.",
          "success")
    return redirect(_roster_url(roster))


@bp.route("/campaigns/<int:campaign_id>/units/<code>/submit", methods=["POST"])
@feature_required("rosters")
def submit(campaign_id: int, code: str):
    roster = _own_roster(campaign_id, code)
    if not SubmitForm().validate_on_submit():
        abort(400)
    try:
        version = rules.submit(roster, current_user, clock.now())
    except rules.RosterError as refused:
        db.session.rollback()
        return _roster_page(roster, 422, action_error=str(refused))
    db.session.commit()
    flash(f"Đã nộp danh sách (lần {version.number}) cho Văn phòng UBND Thành phố.", "success")
    return redirect(_roster_url(roster))


@bp.route("/campaigns/<int:campaign_id>/units/<code>/review", methods=["POST"])
@feature_required("rosters")
def review(campaign_id: int, code: str):
    roster = _roster(campaign_id, code)
    if not rules.can_review(current_user):
        abort(403)
    form = ReviewForm()
    if not form.validate_on_submit():
        return _roster_page(roster, 422, review_form=form)
    now = clock.now()
    try:
        if form.decision.data == "accepted":
            rules.accept(roster, current_user, now, form.comment.data)
        else:
            rules.return_for_changes(roster, current_user, now, form.comment.data)
    except rules.RosterError as refused:
        db.session.rollback()
        form.comment.errors = [str(refused)]
        return _roster_page(roster, 422, review_form=form)
    db.session.commit()
    flash(f"Đã {'duyệt' if form.decision.data == 'accepted' else 'trả lại'} danh sách của {roster.unit.name}.",
          "success")
    return redirect(_roster_url(roster))
