"""`python -m bench.profile [name ...] [--profile]`: time the benchmark's endpoints in-process.

Runs against the database at DATABASE_URL (default: the benchmark's PostgreSQL database, already
seeded by `make bench` or `python -m bench.run --reuse`), with the production configuration and the
Flask test client: no server, no network, so the figure is the application's own time per request.
CPU is counted apart, this process's (Python) and its PostgreSQL server processes' (from /proc),
which the machine's other load barely changes, unlike the wall time. With --profile, prints where each endpoint's time goes (cProfile, top functions by cumulative time).
"""
from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import secrets
import time

os.environ.setdefault("DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/portal_bench")
os.environ.setdefault("PORTAL_ENV", "production")
os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(32))
os.environ.setdefault("SESSION_COOKIE_SECURE", "0")

from bench.targets import targets  # noqa: E402
from portal import create_app  # noqa: E402
from portal.extensions import db  # noqa: E402
from sqlalchemy import event  # noqa: E402


def _client(app, account):
    client = app.test_client()
    if account:
        page = client.get("/login")
        token = page.get_data(as_text=True).split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
        response = client.post("/login", data={"username": account, "password": "demo-portal", "csrf_token": token})
        assert response.status_code in (302, 303), f"{account} could not sign in"
    return client


def _backends_cpu(pids: set[int]) -> float:
    """Seconds of CPU the given local server processes have used (user + system), from /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        try:
            fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("names", nargs="*")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    app = create_app()
    with app.app_context():
        found = targets()
        # Each statement the portal sends (the pool's pre-ping included), counted per request.
        statements: list[str] = []
        event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
        # The PostgreSQL server processes serving this process's connections, for their CPU time.
        backends: set[int] = set()
        if db.engine.dialect.name == "postgresql":
            event.listen(db.engine, "connect", lambda connection, record: backends.add(
                connection.info.backend_pid))
        db.engine.dispose()  # the connections opened so far were not seen
    endpoints = [e for e in found["endpoints"] if not args.names or e["name"] in args.names]
    for endpoint in endpoints:
        client = _client(app, endpoint["account"])
        headers = {"HX-Request": "true"} if endpoint.get("part") else {}
        response = client.get(endpoint["path"], headers=headers)  # warm
        statements.clear()
        started, cpu_started, database_started = time.perf_counter(), time.process_time(), _backends_cpu(backends)
        for _ in range(args.repeat):
            response = client.get(endpoint["path"], headers=headers)
        per = (time.perf_counter() - started) / args.repeat * 1000
        cpu = (time.process_time() - cpu_started) / args.repeat * 1000
        database_cpu = (_backends_cpu(backends) - database_started) / args.repeat * 1000
        print(f"{endpoint['name']:<22} {response.status_code} {per:7.1f} ms/request  CPU {cpu:5.2f} ms here "
              f"+ {database_cpu:5.2f} ms database  {len(statements) / args.repeat:4.1f} statements "
              f"{len(response.data):>8} bytes", flush=True)
        if args.profile:
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(max(1, args.repeat // 4)):
                client.get(endpoint["path"], headers=headers)
            profiler.disable()
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)


if __name__ == "__main__":
    main()
