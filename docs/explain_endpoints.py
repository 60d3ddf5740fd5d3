"""`python docs/explain_endpoints.py NAME|PATH ...`: EXPLAIN (ANALYZE, BUFFERS) of every statement the named
benchmark endpoints (bench/targets.py) or hotline/Open311 paths issue, as Markdown, for the performance notes.

Runs in-process against DATABASE_URL (the benchmark's PostgreSQL database by default) with the production
configuration; each request is made twice and the statements of the second are explained (three times,
the last kept, so the figures are warm). Each is explained as the portal runs it: a statement psycopg has
prepared, whose plan PostgreSQL may make once without the parameters' values (the generic plan) and keep;
that is the plan shown (PREPARE and EXPLAIN EXECUTE under plan_cache_mode = force_generic_plan), since a
plan that seeks an index only for known values is not the one a busy portal runs. Signs in as the endpoint's account (paths: demo.hotline), as the
benchmark does. The users lookup every signed-in request makes is left out.
"""
from __future__ import annotations

import os
import re
import secrets
import sys

os.environ.setdefault("DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/portal_bench")
os.environ.setdefault("PORTAL_ENV", "production")
os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(32))
os.environ.setdefault("SESSION_COOKIE_SECURE", "0")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from sqlalchemy import event  # noqa: E402

from bench.targets import targets  # noqa: E402
from portal import create_app  # noqa: E402
from portal.extensions import db  # noqa: E402


def _client(app, account):
    client = app.test_client()
    if account:
        page = client.get("/login").get_data(as_text=True)
        token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
        client.post("/login", data={"username": account, "password": "demo-portal", "csrf_token": token})
    return client


def _shown(value) -> str:
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    if hasattr(value, "year"):
        return f"'{value:%Y-%m-%d %H:%M:%S}'"
    return repr(value)


def _generic_plan(connection, statement: str, params: dict) -> list:
    """EXPLAIN (ANALYZE, BUFFERS) of the statement prepared, under its generic plan."""
    names: list[str] = []

    def placeholder(match: re.Match) -> str:
        if match.group(1) not in names:
            names.append(match.group(1))
        return f"${names.index(match.group(1)) + 1}"

    connection.exec_driver_sql("SET plan_cache_mode = force_generic_plan")
    connection.exec_driver_sql("PREPARE explained AS " + re.sub(r"%\((\w+)\)s", placeholder, statement))
    try:
        arguments = f"({', '.join(_shown(params[name]) for name in names)})" if names else ""
        return connection.exec_driver_sql(f"EXPLAIN (ANALYZE, BUFFERS) EXECUTE explained{arguments}").all()
    finally:
        connection.exec_driver_sql("DEALLOCATE explained")
        connection.exec_driver_sql("RESET plan_cache_mode")


def main(names: list[str]) -> None:
    app = create_app()
    with app.app_context():
        endpoints = targets()["endpoints"]
        engine = db.engine
    endpoints += [{"name": path, "account": None if path.startswith("/open311") else "demo.hotline", "path": path,
                   "part": path.startswith("/hotline")} for path in names if path.startswith("/")]
    seen = []
    event.listen(engine, "before_cursor_execute", lambda conn, cursor, statement, params, *rest: seen.append(
        (statement, params)))
    for endpoint in (e for e in endpoints if e["name"] in names):
        client = _client(app, endpoint["account"])
        headers = {"HX-Request": "true"} if endpoint.get("part") else {}
        client.get(endpoint["path"], headers=headers)
        seen.clear()
        client.get(endpoint["path"], headers=headers)
        print(f"### {endpoint['name']}: `{endpoint['path']}`\n")
        with engine.connect() as connection:
            for statement, params in [(s, p) for s, p in seen if "FROM users" not in s]:
                for _ in range(3):
                    plan = _generic_plan(connection, statement, params or {})
                sql = statement.replace("%%", "%")
                for key, value in sorted((params or {}).items(), key=lambda item: -len(item[0])):
                    sql = sql.replace(f"%({key})s", _shown(value))
                print("```sql\n" + " ".join(sql.split()) + "\n```\n```\n" + "\n".join(row[0] for row in plan) + "\n```\n")


if __name__ == "__main__":
    main(sys.argv[1:])
