"""Error pages in Vietnamese, and JSON for clients that ask for it."""
from __future__ import annotations

from flask import Flask, g, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException, default_exceptions

from portal.domain import transactions
from portal.extensions import db, login_manager

MESSAGES = {
    400: ("Yêu cầu không hợp lệ", "Yêu cầu gửi lên không đúng định dạng."),
    401: ("Chưa đăng nhập", "Vui lòng đăng nhập để tiếp tục."),
    403: ("Không có quyền truy cập", "Tài khoản của bạn không được phép xem hoặc thực hiện nội dung này."),
    404: ("Không tìm thấy", "Trang hoặc phản ánh bạn tìm không tồn tại, hoặc đã được chuyển đi."),
    405: ("Thao tác không được hỗ trợ", "Địa chỉ này không nhận thao tác bạn vừa gửi."),
    409: ("Xung đột dữ liệu", "Dữ liệu vừa được người khác cập nhật. Vui lòng tải lại trang."),
    413: ("Dữ liệu quá lớn", "Dữ liệu hoặc tệp gửi lên vượt quá dung lượng cho phép."),
    422: ("Dữ liệu chưa hợp lệ", "Vui lòng kiểm tra lại thông tin đã nhập."),
    429: ("Thao tác quá nhiều", "Bạn đã thao tác quá nhiều lần. Vui lòng thử lại sau ít phút."),
    500: ("Lỗi hệ thống", "Đã có lỗi xảy ra. Bộ phận kỹ thuật đã được ghi nhận; vui lòng thử lại."),
    503: ("Hệ thống tạm thời gián đoạn", "Không kết nối được cơ sở dữ liệu. Vui lòng thử lại sau ít giây."),
}


def init_app(app: Flask) -> None:
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(OperationalError, _database_unavailable)
    app.register_error_handler(DBAPIError, _database_error)
    app.register_error_handler(Exception, _unexpected_error)
    # Registered after Flask-SQLAlchemy's own teardown, so it runs first (teardowns run in reverse).
    app.teardown_appcontext(_close_session)
    with app.app_context():
        transactions.watch_writes(db.engine, db.session)


def abort_with(status: int, message: str):
    """Stop the request with a status and a Vietnamese message that says what is wrong."""
    error = default_exceptions[status](description=message)
    error.portal_message = True
    raise error


def error_response(status: int, detail: str | None = None):
    title, message = MESSAGES.get(status, MESSAGES[500])
    message = detail or message
    if _wants_json():
        return jsonify({"error": title, "message": message, "status": status}), status
    return render_template("errors/error.html", status=status, title=title, message=message), status


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def _csrf_error(error: CSRFError):
    return error_response(400, "Phiên làm việc đã hết hạn hoặc biểu mẫu không hợp lệ (thiếu mã CSRF). "
                               "Vui lòng tải lại trang và thử lại.")


def _http_error(error: HTTPException):
    status = error.code or 500
    detail = error.description if getattr(error, "portal_message", False) else None
    response = error_response(status, detail)
    if status == 405 and hasattr(error, "valid_methods") and error.valid_methods:
        response = (response[0], status, {"Allow": ", ".join(error.valid_methods)})
    return response


def _database_unavailable(error: OperationalError):
    from flask import current_app

    # Say why in the log: an outage, or a lock conflict (deadlock, serialization) with the database up.
    current_app.logger.warning("database unavailable (503): %s", str(error.orig or error).split("\n", 1)[0][:300])
    return _unavailable()


def _database_error(error: DBAPIError):
    from flask import current_app

    if error.connection_invalidated:
        return _unavailable()
    db.session.rollback()
    current_app.logger.exception("database error")
    return error_response(500)


def _unavailable():
    """503 while the database is down (restart, failover). The page must not read the database, so
    it is drawn for an anonymous visitor: loading the signed-in user would fail again and give a 500."""
    g._login_user = login_manager.anonymous_user()  # where Flask-Login keeps the request's user
    try:
        db.session.rollback()
    except DBAPIError:
        pass  # the connection is gone; the pool replaces it (checked at checkout) once the database is back
    return error_response(503)


def _close_session(error: BaseException | None) -> None:
    """End the request's session. A request that only read ends its transaction with COMMIT (on
    PostgreSQL a GET that read in autocommit has none to end); any other is rolled back by closing (what
    it meant to keep, it committed itself). When the database dropped the connection meanwhile (a
    restart), that ending fails after the page was already answered: let the connection go (the pool
    opens a new one) rather than turn the answer into a 500."""
    session = db.session()  # the request's Session (the scoped proxy does not offer invalidate)
    try:
        if error is None and transactions.ends_with_commit(session):
            session.commit()
        session.close()
    except DBAPIError:
        session.invalidate()


def _unexpected_error(error: Exception):
    from flask import current_app

    if isinstance(error, HTTPException):
        return _http_error(error)
    current_app.logger.exception("unhandled error")
    db.session.rollback()
    return error_response(500)
