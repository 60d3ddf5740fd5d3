"""Request plumbing shared by every feature: sign-in loading, htmx parts, formatting, headers."""
from __future__ import annotations

import time
from functools import lru_cache, wraps
from urllib.parse import urlencode

from flask import Flask, abort, current_app, g, make_response, redirect, render_template, request, session, url_for
from flask_login import current_user
from itsdangerous import URLSafeTimedSerializer
from werkzeug.routing import IntegerConverter

from portal.domain import access, formatting
from portal.domain.numbers import INTEGER_MAX
from portal.errors import abort_with
from portal.extensions import login_manager
from portal.models.user import SignedInUser, signed_in_user

# (feature, label, endpoint): the navigation, filtered by role and by what is installed.
NAVIGATION = (
    ("queue", "Hàng đợi", "queue.index"),
    ("compliance", "Tình hình xử lý", "compliance.index"),
    ("rosters", "Danh sách cán bộ", "rosters.index"),
    ("hotline", "Tổng đài 1022", "hotline.index"),
    ("intake", "Tiếp nhận", "intake.index"),
    ("admin", "Quản trị", "admin.index"),
)


class IdConverter(IntegerConverter):
    """`<int:…>` in a URL: an id the database can hold, so /cases/…/files/99999999999 is a 404 (not a
    database error on PostgreSQL, nor an overflow on SQLite)."""

    def __init__(self, map, fixed_digits: int = 0, min: int | None = None, max: int | None = INTEGER_MAX,
                 signed: bool = False) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def init_app(app: Flask) -> None:
    app.url_map.converters["int"] = IdConverter  # before the blueprints add their rules
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Vui lòng đăng nhập để tiếp tục."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    login_manager.user_loader(_load_user)
    login_manager.unauthorized_handler(_unauthorized)

    app.jinja_env.filters.update(
        number=formatting.number,
        day=formatting.day,
        moment=formatting.moment,
    )
    # Templates ask the one access module whether a citizen's contact may be shown.
    app.jinja_env.globals.update(static_url=static_url, page_url=page_url)
    app.jinja_env.globals.update(percent=formatting.percent, can_see_contact=access.can_see_contact,
                                 can_see_callers=access.can_see_callers)
    app.context_processor(_layout_context)
    app.before_request(_refuse_oversized_form)
    app.before_request(_refuse_nul_characters)
    app.before_request(_keep_session_alive)
    app.before_request(_sign_form_token)
    app.after_request(_security_headers)


def _load_user(user_id: str) -> SignedInUser | None:
    # Every signed-in request reads its user, with the unit: plain columns, no ORM entity (portal.models.user).
    if not user_id.isdigit() or int(user_id) > INTEGER_MAX:
        return None
    return signed_in_user(int(user_id))


def _sign_form_token() -> None:
    # Flask-WTF signs the session's secret token for the forms of every page it draws (generate_csrf, once a
    # request, kept in g). With WTF_CSRF_TIME_LIMIT None the signature's time is never checked, so one token
    # signed per session serves all its pages: put in g before anything draws a form, it is the one the
    # templates' csrf_token() and the forms use. Signing anew on every page was a thirtieth of a queue part.
    if not session:  # no cookie (Open311 clients, /healthz): nothing to sign, and no "Vary: Cookie" either
        return
    secret = session.get("csrf_token")
    if secret is not None and current_app.config["WTF_CSRF_TIME_LIMIT"] is None:
        g.csrf_token = _signed_csrf(current_app.config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key, secret)


@lru_cache(maxsize=4096)
def _signed_csrf(secret_key: str | bytes, secret: str) -> str:
    return URLSafeTimedSerializer(secret_key, salt="wtf-csrf-token").dumps(secret)


def _unauthorized():
    # An htmx request must not swap the login form into a table cell: send the browser there.
    login_url = url_for("auth.login", next=request.full_path if request.method == "GET" else None)
    if is_htmx_request():
        response = make_response("", 401)
        response.headers["HX-Redirect"] = login_url
        return response
    return redirect(login_url)


def _refuse_oversized_form() -> None:
    # A plain form body never needs more than the form-memory limit; say so before anything reads it.
    if request.mimetype == "application/x-www-form-urlencoded":
        limit = request.max_form_memory_size
        if limit is not None and (request.content_length or 0) > limit:
            abort(413)


NUL_REFUSED = ("Dữ liệu gửi lên có ký tự không hợp lệ (ký tự NUL, mã 0). Vui lòng xóa ký tự đó "
               "(thường do sao chép từ tệp khác) rồi gửi lại.")


def _refuse_nul_characters() -> None:
    # No one types a NUL, and PostgreSQL refuses it in any text (a query would fail with a database error):
    # refuse it here, with a message, wherever it is (address, query string or form field). The administrator's
    # forms and filters, and Open311's POST, name the field that holds one themselves.
    if request.blueprint == "admin":
        return
    sent = [*(request.view_args or {}).values(), *request.args.keys(), *request.args.values()]
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data") \
            and request.endpoint != "open311.create_request":
        sent += [*request.form.keys(), *request.form.values()]
    if any(isinstance(text, str) and "\x00" in text for text in sent):
        abort_with(422, NUL_REFUSED)


# The session cookie is signed and sent again at most this often, not with every answer: a session still
# ends after PERMANENT_SESSION_LIFETIME without activity, give or take this minute.
SESSION_RENEW_SECONDS = 60


def _keep_session_alive() -> None:
    # A permanent session is renewed while it is used, so it expires after inactivity only. A request
    # that brought no session (Open311 clients, /healthz) is given none: no cookie to sign and send.
    if not session:
        return
    if not session.permanent:
        session.permanent = True
    now = int(time.time())
    if not 0 <= now - session.get("_renewed", 0) < SESSION_RENEW_SECONDS:
        session["_renewed"] = now


def _layout_context() -> dict:
    # Asked by the templates that draw it (the page layout, the home page), not by every render: an htmx
    # part has no navigation, and working it out was a tenth of a list part's drawing.
    return {"navigation": _navigation}


def static_url(filename: str) -> str:
    """url_for("static", filename=…), worked out once per file: every page links the same few."""
    return _address(request.script_root, "static", (("filename", filename),))


def page_url(endpoint: str) -> str:
    """url_for(endpoint) of a page that takes no arguments (the layout's links), worked out once."""
    return _address(request.script_root, endpoint, ())


@lru_cache(maxsize=256)
def _address(script_root: str, endpoint: str, values: tuple) -> str:
    # The address depends on the endpoint, its values and where the portal is mounted (the script root).
    return url_for(endpoint, **dict(values))


def _navigation() -> list[tuple[str, str]]:
    """(label, endpoint) of the features the signed-in user may use, in the navigation's order."""
    if not current_user.is_authenticated:
        return []
    from flask import current_app

    return [(label, endpoint) for feature, label, endpoint in NAVIGATION
            if endpoint in current_app.view_functions and access.may_use(current_user, feature)]


def _security_headers(response):
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
    )
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response


def is_htmx_request() -> bool:
    return request.headers.get("HX-Request") == "true"


def wants_part() -> bool:
    """An htmx request that swaps a region (not a boosted navigation, not a history restore)."""
    return (
        is_htmx_request()
        and request.headers.get("HX-Boosted") != "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


def case_url_pattern(endpoint: str, **values) -> str:
    """The address of `endpoint` for any case, "{}" standing for its code: a list links each of its rows
    with `pattern.format(code)`, not a url_for per row (25 of them were a twentieth of a queue page).
    Codes are letters, digits and a hyphen (`portal.domain.codes`), the same in a URL. Worked out once
    per endpoint and values (and where the portal is mounted)."""
    return _address(request.script_root, endpoint, tuple(sorted({**values, "code": "CODE"}.items()))).replace(
        "CODE", "{}")


def link_with_query(base: str, args: dict) -> str:
    """`base` with `args` as its query string (None values left out), encoded as url_for encodes them:
    links that differ only in their query (a list's tabs and pages) need one url_for between them."""
    query = urlencode([(key, value) for key, value in args.items() if value is not None], safe="!$'()*,/:;?@")
    return f"{base}?{query}" if query else base


def render_page_or_part(page: str, part: str, status: int = 200, **context):
    """The part for an htmx region request, the whole page otherwise; cached apart by HX-Request."""
    response = make_response(render_template(part if wants_part() else page, **context), status)
    response.headers["Vary"] = "HX-Request"
    return response


def feature_required(feature: str):
    """Signed in, and the role may use the feature; otherwise the login page or 403."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not access.may_use(current_user, feature):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator
