"""Home (each role's landing page) and the health check."""
from flask import Blueprint, current_app, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import text

from portal.domain.access import ROLE_HOME
from portal.extensions import db
from portal.web import NAVIGATION

bp = Blueprint("main", __name__)


@bp.route("/")
@login_required
def home():
    feature = ROLE_HOME.get(current_user.role)
    endpoint = next((endpoint for name, _, endpoint in NAVIGATION if name == feature), None)
    if endpoint and endpoint in current_app.view_functions:
        return redirect(url_for(endpoint))
    return render_template("main/home.html")


@bp.route("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # any failure to reach the database is "not healthy", never a traceback
        db.session.rollback()
        return {"status": "unavailable", "database": "unreachable"}, 503
    return {"status": "ok", "database": "ok"}
