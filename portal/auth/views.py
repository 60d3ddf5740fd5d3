"""Sign in, sign out, change password."""
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from portal.auth.forms import ChangePasswordForm, LoginForm
from portal import clock
from portal.domain import audit, throttle
from portal.extensions import db
from portal.models import User

bp = Blueprint("auth", __name__)

THROTTLED = "Đăng nhập tạm thời bị khóa do nhập sai nhiều lần. Vui lòng thử lại sau 15 phút."
BAD_CREDENTIALS = "Tên đăng nhập hoặc mật khẩu không đúng."


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if not form.validate_on_submit():
        status = 422 if request.method == "POST" else 200
        return render_template("auth/login.html", form=form), status

    username = form.username.data.strip().lower()
    address = request.remote_addr or "unknown"
    now = clock.now()
    config = current_app.config
    if throttle.is_throttled(
        username, address, now,
        window_seconds=config["LOGIN_THROTTLE_WINDOW_SECONDS"],
        max_per_username=config["LOGIN_THROTTLE_MAX_PER_USERNAME"],
        max_per_address=config["LOGIN_THROTTLE_MAX_PER_ADDRESS"],
    ):
        form.form_errors.append(THROTTLED)
        return render_template("auth/login.html", form=form), 429

    user = db.session.scalar(db.select(User).filter_by(username=username))
    if user is not None and user.active:
        valid = user.check_password(form.password.data)
    else:
        valid = User.check_unknown_password(form.password.data)
    throttle.record_attempt(username, address, now, succeeded=valid)
    audit.record("login" if valid else "login_failed", now=now, actor=user if valid else None,
                 username=username, address=address)
    if not valid:
        db.session.commit()
        form.form_errors.append(BAD_CREDENTIALS)
        return render_template("auth/login.html", form=form), 422

    user.last_login_at = now
    db.session.commit()
    login_user(user)
    if user.must_change_password:
        return redirect(url_for("auth.change_password"))
    return redirect(_safe_next(request.args.get("next")) or url_for("main.home"))


@bp.route("/logout", methods=["POST"])
def logout():
    if current_user.is_authenticated:
        audit.record("logout", now=clock.now(), actor=current_user, address=request.remote_addr)
        db.session.commit()
    logout_user()
    flash("Bạn đã đăng xuất.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    form.username_for_policy = current_user.username
    if form.validate_on_submit():
        account = current_user.account()  # the signed-in user is read only; this is the row to change
        if not account.check_password(form.current_password.data):
            form.current_password.errors.append("Mật khẩu hiện tại không đúng.")
        else:
            account.set_password(form.new_password.data)
            account.must_change_password = False
            audit.record("password_changed", now=clock.now(), actor=account, address=request.remote_addr)
            db.session.commit()
            flash("Đã đổi mật khẩu.", "success")
            return redirect(url_for("main.home"))
    status = 422 if request.method == "POST" else 200
    return render_template("auth/change_password.html", form=form), status


@bp.before_app_request
def _require_new_password():
    # A one-time password is good for one thing only: choosing a new one.
    if (
        current_user.is_authenticated
        and current_user.must_change_password
        and request.endpoint not in ("auth.change_password", "auth.logout", "static", "main.healthz")
    ):
        return redirect(url_for("auth.change_password"))


def _safe_next(target: str | None) -> str | None:
    """Only a path on this site: never an open redirect to another host."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target
