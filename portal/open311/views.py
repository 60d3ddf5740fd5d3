"""Open311 GeoReport v2 at /open311/v2: services, service definitions, service requests (GET and POST).

Every answer, errors included, is in the format the URL asks for (.json or .xml) and in the
specification's shape; never an HTML page. CSRF does not apply: clients prove who they are
with their api_key.
"""
from urllib.parse import urlencode

from flask import Blueprint, current_app, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound

from portal import clock
from portal.domain import open311, rate_limit
from portal.domain.deadlines import load_calendar
from portal.domain.open311 import Open311Error
from portal.extensions import csrf, db

bp = Blueprint("open311", __name__, url_prefix="/open311/v2")
csrf.exempt(bp)

FORMATS = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
HTTP_MESSAGES = {
    404: "Không có tài nguyên Open311 tại địa chỉ này.",
    405: "Địa chỉ này không nhận phương thức {method}.",
    413: "Dữ liệu gửi lên vượt quá dung lượng cho phép.",
}


@bp.get("/services.<any(json, xml):fmt>")
def services(fmt):
    return _answer(fmt, "services", [open311.service(category) for category in open311.active_services()])


@bp.get("/services/<service_code>.<any(json, xml):fmt>")
def service_definition(service_code, fmt):
    category = open311.category_for(service_code)
    return _answer(fmt, "service_definition", open311.service_definition(category))


@bp.get("/requests.<any(json, xml):fmt>")
def service_requests(fmt):
    _client(required=False)
    filters = open311.parse_filters(request.args.to_dict(flat=False), clock.now())
    page = open311.find_requests(filters)
    response = _answer(fmt, "service_requests", page.requests)
    if page.more:
        # The body is the standard's bare list, so the next page is announced in a header (RFC 8288).
        kept = [(name, value) for name, value in request.args.items(multi=True) if name not in ("page", "api_key")]
        following = f"{request.script_root}{request.path}?{urlencode([*kept, ('page', filters.page + 1)])}"
        response.headers["Link"] = f'<{following}>; rel="next"'
    return response


@bp.get("/requests/<service_request_id>.<any(json, xml):fmt>")
def service_request(service_request_id, fmt):
    _client(required=False)
    found = open311.find_request(service_request_id)
    if found is None:
        raise Open311Error(404, f"Không có phản ánh với service_request_id \"{open311.xml_text(service_request_id)[:40]}\".")
    return _answer(fmt, "service_requests", [found])


@bp.post("/requests.<any(json, xml):fmt>")
def create_request(fmt):
    if request.mimetype not in FORM_TYPES:
        raise Open311Error(400, "POST requests phải gửi dạng application/x-www-form-urlencoded "
                                f"(nhận được {request.mimetype or 'không có Content-Type'}).")
    client = _client(required=True)
    posted = open311.parse_post(request.form.to_dict(flat=False))
    case, made = open311.file_request(client, posted, idempotency_key=request.headers.get("Idempotency-Key"),
                                      now=clock.now(), calendar=load_calendar())
    return _answer(fmt, "service_requests", open311.posted(case), status=201 if made else 200)


def _client(required: bool):
    """The calling client by api_key (form or query); 403 for a wrong or revoked key, 429 past its limit."""
    key = request.form.get("api_key") if request.method == "POST" else None
    key = key or request.args.get("api_key")
    if not key and not required:
        return None
    if not key:
        raise Open311Error(403, "Thiếu api_key: ứng dụng phải gửi khóa API được cấp.")
    client = rate_limit.client_for_key(key)
    if client is None:
        raise Open311Error(403, "api_key không hợp lệ hoặc đã bị thu hồi.")
    if rate_limit.is_over_limit(client, clock.now()):
        raise Open311Error(429, f"Vượt quá {client.rate_limit_per_minute} yêu cầu mỗi phút; "
                                "vui lòng thử lại sau một phút.")
    return client


def _answer(fmt: str, root: str, value, status: int = 200):
    body = open311.to_json(value) if fmt == "json" else open311.to_xml(root, value)
    return current_app.response_class(body, status=status, content_type=FORMATS[fmt])


def _format_of_request() -> str:
    fmt = (request.view_args or {}).get("fmt")
    if fmt in FORMATS:
        return fmt
    return "json" if request.path.endswith(".json") else "xml"


def _error(status: int, description: str):
    response = _answer(_format_of_request(), "errors", open311.errors(status, description), status=status)
    if status == 429:
        response.headers["Retry-After"] = "60"
    return response


@bp.errorhandler(Open311Error)
def _open311_error(error: Open311Error):
    db.session.rollback()
    return _error(error.status, error.description)


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException):
    # The standard knows 404 (no such thing), 403 (key) and 400 (anything else).
    status = error.code if error.code in (403, 404) else 400
    message = HTTP_MESSAGES.get(error.code, "Yêu cầu không hợp lệ.").format(method=request.method)
    if getattr(error, "portal_message", False):
        message = error.description  # the portal's own refusal (a NUL character…) says what is wrong
    return _error(status, message)


@bp.errorhandler(Exception)
def _unexpected_error(error: Exception):
    # "400 - General service error": the client is told, the fault is logged for us.
    current_app.logger.exception("Open311 request failed")
    db.session.rollback()
    return _error(400, "Lỗi xử lý chung của hệ thống tiếp nhận; vui lòng thử lại sau hoặc báo cho quản trị.")


def _routing_error():
    """Unknown paths and methods under /open311/v2 answer in the standard format too.

    Runs before every other before_request (CSRF included), because a URL that matched no rule
    belongs to no blueprint and would otherwise get the portal's HTML error page.
    """
    error = request.routing_exception
    if error is None or not (request.path + "/").startswith(bp.url_prefix + "/"):
        return None
    if isinstance(error, MethodNotAllowed):
        return _error(400, HTTP_MESSAGES[405].format(method=request.method))
    if isinstance(error, NotFound) and error.code == 404:
        return _error(404, HTTP_MESSAGES[404])
    return None


@bp.record_once
def _answer_routing_errors_first(state):
    state.app.before_request_funcs.setdefault(None, []).insert(0, _routing_error)
