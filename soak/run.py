"""`make soak`: the portal under gunicorn (production settings) on PostgreSQL with the demo data, 50
clients working cases through the real pages for 60 s, PostgreSQL restarted at a third of the run and a
gunicorn worker killed with SIGKILL at two thirds; then every acknowledged write is looked up in the
database and every case's event log checked.

Prints `writes_acknowledged=N writes_found=N errors_5xx=N downtime_s=X.X` after the details, writes
soak/data/results.json, and exits 1 when a write is lost or applied twice, a 5xx other than the
Vietnamese 503 while the database is down is answered, the portal is not back within 5 s of the
database, or an event log is inconsistent.
"""
from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy.engine import make_url

from soak import faults
from soak.client import ROLES, Recorder

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"
DATA = ROOT / "soak" / "data"
PORT = 5971
RECOVERY_LIMIT_SECONDS = 5.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--no-faults", action="store_true", help="no PostgreSQL restart, no worker kill")
    parser.add_argument("--seed", type=int, default=20261116)
    args = parser.parse_args()

    url_text = os.environ.get("SOAK_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/portal_soak")
    url = make_url(url_text)
    DATA.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, DATABASE_URL=url_text, FLASK_APP="wsgi", PORTAL_ENV="production",
               SECRET_KEY=secrets.token_urlsafe(32), SESSION_COOKIE_SECURE="0", ACCESS_LOG="/dev/null",
               BIND=f"127.0.0.1:{PORT}", PORTAL_INSTANCE_PATH=str(DATA / "instance"))
    cluster = None if args.no_faults else faults.cluster_for(url.port or 5432)

    if cluster is not None and faults.wait_until_quiet(url, say) is None:  # better now than in the middle
        raise SystemExit("other test/benchmark databases stayed busy for 10 minutes: soak not started")
    say(f"Fresh database {url.database}: migrate, demo data, {args.clients} accounts …")
    _fresh_database(url)
    subprocess.run([str(VENV_BIN / "flask"), "db", "upgrade"], env=env, cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    seeded = subprocess.run([str(VENV_BIN / "flask"), "seed-demo"], env=env, cwd=ROOT, check=True,
                            capture_output=True, text=True)
    say(seeded.stdout.strip().splitlines()[-1])
    plan = json.loads(subprocess.run([str(VENV_BIN / "python"), "-m", "soak.accounts", str(args.clients)], env=env,
                                     cwd=ROOT, check=True, capture_output=True, text=True).stdout)
    say("units worked: " + ", ".join(unit["code"] for unit in plan["units"]))

    log = open(DATA / "gunicorn.log", "w")
    server = subprocess.Popen([str(VENV_BIN / "gunicorn"), "-c", "gunicorn.conf.py", "wsgi:app"], env=env, cwd=ROOT,
                              stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    recorder = Recorder(DATA / "writes.jsonl")
    stop = threading.Event()
    report: dict = {"clients": args.clients, "seconds": args.seconds, "faults": not args.no_faults}
    try:
        _wait_for_health()
        report["workers"] = len(faults.workers(server.pid))
        clients = [ROLES[account["role"]](n, account, plan, PORT, recorder, stop, args.seed + n)
                   for n, account in enumerate(plan["clients"])]
        _sign_in_all(clients)
        recorder.requests.clear()
        started = report["started"] = time.monotonic()
        say(f"{len(clients)} clients for {args.seconds:.0f} s ({_roles(plan)}); gunicorn: {report['workers']} workers")
        for client in clients:
            client.start()
        if not args.no_faults:
            report.update(_faults(url, cluster, server.pid, started, args.seconds, stop, recorder))
        end = max(started + args.seconds, report.get("kill", {}).get("at", 0) + args.seconds / 3)
        while time.monotonic() < end:
            time.sleep(0.2)
        stop.set()
        for client in clients:
            client.join(timeout=90)
        elapsed = time.monotonic() - started
        report["workers_after"] = len(faults.workers(server.pid))
    finally:
        stop.set()
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)
        log.close()
        recorder.close()

    checked = json.loads(subprocess.run(
        [str(VENV_BIN / "python"), "-m", "soak.verify", str(DATA / "writes.jsonl"), str(plan["last_event_id"])],
        env=env, cwd=ROOT, check=True, capture_output=True, text=True).stdout)
    report.update(checked)
    report.update(_requests(recorder, report, elapsed))
    report["attempts"] = dict(sorted(recorder.attempts.items()))
    report["client_notes"] = recorder.notes[:30]
    report["gunicorn_tracebacks"] = (DATA / "gunicorn.log").read_text(errors="replace").count("Traceback")
    report.pop("started", None)
    report["measured_at"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
    failures = _failures(report)
    report["failures"] = failures
    (DATA / "results.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    _print(report)
    if failures:
        for failure in failures:
            print(f"FAILED: {failure}")
        sys.exit(1)


def say(text: str) -> None:
    print(text, flush=True)


def _fresh_database(url) -> None:
    with faults.connect(url, "postgres") as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{url.database}"')


def _wait_for_health(timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{PORT}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("gunicorn did not become healthy")


def _sign_in_all(clients) -> None:
    threads = [threading.Thread(target=client.sign_in) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    missing = [client.account["username"] for client in clients if not client.signed_in]
    if missing:
        raise SystemExit(f"could not sign in: {', '.join(missing)}")


def _roles(plan) -> str:
    counts: dict[str, int] = {}
    for account in plan["clients"]:
        counts[account["role"]] = counts.get(account["role"], 0) + 1
    return ", ".join(f"{count} {role}" for role, count in counts.items())


def _faults(url, cluster, master_pid, started, seconds, stop, recorder) -> dict:
    """At a third of the run restart PostgreSQL (once other runs are idle), at two thirds kill a worker.
    A wait for other runs delays both: the kill and the end stay a third of the run apart."""
    out: dict = {}
    _sleep_until(started + seconds / 3)
    say(f"[{time.monotonic() - started:5.1f} s] checking that no one else's tests or benchmarks use PostgreSQL …")
    waited = faults.wait_until_quiet(url, say)
    if waited is None:
        stop.set()
        raise SystemExit("other test/benchmark databases stayed busy for 10 minutes: PostgreSQL not restarted")
    out["waited_for_others_s"] = round(waited, 1)
    say(f"[{time.monotonic() - started:5.1f} s] pg_ctlcluster {cluster[0]} {cluster[1]} restart")
    restart = faults.restart_postgresql(url, *cluster)
    out["restart"] = {key: round(value - started, 2) if key != "restart_seconds" else value
                      for key, value in restart.items()}
    say(f"[{time.monotonic() - started:5.1f} s] PostgreSQL is back: stopped answering at "
        f"{restart['database_down'] - started:.1f} s, answered again at {restart['database_back'] - started:.1f} s")
    # After a wait for other runs, the rest keeps its shape: the kill a third of the run after the restart.
    _sleep_until(max(started + seconds * 2 / 3, restart["database_back"] + seconds / 3))
    in_flight = recorder.in_flight
    kill = faults.kill_worker_mid_request(url, master_pid)
    kill["in_flight_requests"] = in_flight
    say(f"[{kill['at'] - started:5.1f} s] SIGKILL gunicorn worker {kill['pid']} (its transaction: "
        f"{kill['transaction']}{', ' + kill['query'] if kill['query'] else ''}; {in_flight} requests in flight)")
    out["kill"] = kill
    return out


def _sleep_until(moment: float) -> None:
    while time.monotonic() < moment:
        time.sleep(0.05)


def _requests(recorder: Recorder, report: dict, elapsed: float) -> dict:
    """Status counts, latencies, 5xx outside the database's restart, and the downtime it caused."""
    requests = recorder.requests
    by_status: dict[str, int] = {}
    for _, _, _, status, _ in requests:
        by_status[str(status)] = by_status.get(str(status), 0) + 1
    latencies = sorted(end - start for start, end, _, status, _ in requests if status)
    out = {"requests": len(requests), "requests_per_s": round(len(requests) / elapsed, 1),
           "by_status": dict(sorted(by_status.items())), "elapsed_s": round(elapsed, 1),
           "p50_ms": round(statistics.median(latencies) * 1000) if latencies else None,
           "p95_ms": round(latencies[int(len(latencies) * 0.95)] * 1000) if latencies else None}
    restart = report.get("restart")
    started = report.get("started", 0)
    window = None
    if restart:
        window = (started + restart["began"], started + restart["database_back"] + RECOVERY_LIMIT_SECONDS)
    expected_503 = [r for r in requests if r[3] == 503 and window and window[0] <= r[1] <= window[1]]
    unexpected = [r for r in requests if r[3] >= 500 and not (r[3] == 503 and window and window[0] <= r[1] <= window[1])]
    out["errors_5xx"] = len(unexpected)
    out["errors_5xx_detail"] = [f"{label} {status} at {end - started:.1f} s" for _, end, label, status, _ in unexpected[:20]]
    out["expected_503"] = len(expected_503)
    out["expected_503_not_vietnamese"] = sum(1 for r in expected_503 if not r[4])
    out["connection_errors"] = by_status.get("0", 0)
    if restart:
        back = started + restart["database_back"]
        failed = [r for r in requests if r[3] >= 500 and r[1] >= started + restart["began"]]
        first_failure = min((r[1] for r in failed), default=None)
        if first_failure is None:
            out.update(downtime_s=0.0, recovered_after_db_s=0.0)
        else:
            successes = [r[1] for r in requests if 0 < r[3] < 500 and r[0] >= first_failure]
            first_success = min(successes, default=None)
            last_failure = max(r[1] for r in failed)
            out["downtime_s"] = round(first_success - first_failure, 1) if first_success else None
            out["recovered_after_db_s"] = round(max(first_success - back, 0), 2) if first_success else None
            out["last_503_after_db_s"] = round(last_failure - back, 2)
            out["first_503_at_s"] = round(first_failure - started, 2)
    kill = report.get("kill")
    if kill:
        out["kill"] = {**kill, "at": round(kill["at"] - started, 2)}
        out["connection_errors_around_kill"] = sum(
            1 for r in requests if r[3] == 0 and kill["at"] - 1 <= r[1] <= kill["at"] + 10)
    return out


def _failures(report: dict) -> list[str]:
    failures = []
    if report["lost_count"]:
        failures.append(f"{report['lost_count']} acknowledged writes not found in the database")
    if report["duplicated_count"]:
        failures.append(f"{report['duplicated_count']} writes applied more than once")
    if report["attempts"].get("double_click:ok"):
        failures.append(f"{report['attempts']['double_click:ok']} double clicks applied a second time")
    if report["errors_5xx"]:
        failures.append(f"{report['errors_5xx']} responses 5xx other than the 503 while the database was down")
    if report.get("expected_503_not_vietnamese"):
        failures.append(f"{report['expected_503_not_vietnamese']} answers 503 without the Vietnamese page")
    if report["inconsistent_count"]:
        failures.append(f"{report['inconsistent_cases']} cases with an event log inconsistent with the case")
    if report["faults"]:
        recovered = report.get("recovered_after_db_s")
        if recovered is None or recovered > RECOVERY_LIMIT_SECONDS:
            failures.append(f"portal not back within {RECOVERY_LIMIT_SECONDS:.0f} s of the database ({recovered})")
        if report.get("last_503_after_db_s", 0) > RECOVERY_LIMIT_SECONDS:
            failures.append(f"503 still answered {report['last_503_after_db_s']} s after the database was back")
        if report.get("workers_after", 0) < report.get("workers", 0):
            failures.append("gunicorn did not replace the killed worker")
    if report["attempts"].get("client_exception"):
        failures.append(f"{report['attempts']['client_exception']} client exceptions (see client_notes)")
    if not report["writes_acknowledged"]:
        failures.append("no write was acknowledged")
    return failures


def _print(report: dict) -> None:
    attempts = report["attempts"]
    outcomes = {key.split(":", 1)[1]: value for key, value in attempts.items() if key.startswith("outcome:")}
    writes = {key.split(":", 1)[1]: value for key, value in attempts.items() if key.startswith("write:")}
    say(f"requests: {report['requests']} in {report['elapsed_s']} s ({report['requests_per_s']}/s), "
        f"p50 {report['p50_ms']} ms, p95 {report['p95_ms']} ms; by status: {report['by_status']}")
    say("writes posted: " + ", ".join(f"{name} {count}" for name, count in writes.items()))
    say("write outcomes: " + ", ".join(f"{name} {count}" for name, count in outcomes.items())
        + f"; retried after 503: {attempts.get('retry_after_unavailable', 0)}, after a dropped connection: "
        f"{attempts.get('retry_after_failed', 0)}")
    double = {key.split(":", 1)[1]: value for key, value in attempts.items() if key.startswith("double_click:")}
    say(f"double clicks: {attempts.get('double_click', 0)} → {double or '{}'} (a second success would be a bug)")
    if report["faults"]:
        restart = report["restart"]
        say(f"PostgreSQL restart: at {restart['began']} s (after waiting {report['waited_for_others_s']} s for "
            f"other runs), database down at {restart['database_down']} s, back at {restart['database_back']} s; 503 answered: "
            f"{report['expected_503']} (all Vietnamese: {report['expected_503_not_vietnamese'] == 0}); portal back "
            f"{report.get('recovered_after_db_s')} s after the database, last 503 {report.get('last_503_after_db_s')} s "
            "after it")
        kill = report["kill"]
        say(f"worker SIGKILL: pid {kill['pid']} at {kill['at']} s, its transaction {kill['transaction']}"
            f"{' (' + kill['query'] + ')' if kill['query'] else ''}; connection errors: "
            f"{report['connection_errors_around_kill']}; workers {report['workers']} → {report['workers_after']}")
    say(f"database: {report['writes_found']}/{report['writes_acknowledged']} acknowledged writes found, "
        f"{report['duplicated_count']} applied twice, {report['events_written_unacknowledged']} more events by the "
        f"clients whose answer was lost (503/dropped connection); {report['cases_checked']} cases checked, "
        f"{report['inconsistent_cases']} inconsistent; gunicorn log tracebacks: {report['gunicorn_tracebacks']}")
    for line in report["lost"][:10] + report["duplicated"][:10] + report["inconsistent"][:10] + \
            report["errors_5xx_detail"][:10] + report["client_notes"][:10]:
        say(f"  {line}")
    downtime = report.get("downtime_s")
    say(f"writes_acknowledged={report['writes_acknowledged']} writes_found={report['writes_found']} "
        f"errors_5xx={report['errors_5xx']} downtime_s={downtime if downtime is not None else 0.0:.1f}")


if __name__ == "__main__":
    main()
