"""`make bench`: seed in bulk, serve with gunicorn in production mode, drive every endpoint with wrk.

Prints a table (requests/s, p50, p95, p99, ratio to /healthz in the same run: to the slices of /healthz
driven between the endpoint's own, see ROUNDS), the seed time and the largest worker RSS, and writes the
same to bench/results.json.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import resource
import secrets
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"
WARMUP_SECONDS = 3
PORT = 5970
BASE = f"http://127.0.0.1:{PORT}"
PASSWORD = "demo-portal"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--scale", type=int, default=1_000_000)
    parser.add_argument("--duration", type=int, default=15, help="seconds of load per endpoint")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--reuse", action="store_true", help="keep an already seeded database")
    parser.add_argument("--only", nargs="*", metavar="ENDPOINT",
                        help="drive only these endpoints (and /healthz, the floor); skips the export")
    parser.add_argument("--seed-only", action="store_true", help="seed (and record the week ends), then stop")
    parser.add_argument("--output", default=str(ROOT / "bench" / "results.json"))
    args = parser.parse_args()

    url = _database_url(args.db)
    env = dict(os.environ, DATABASE_URL=url, FLASK_APP="wsgi", PORTAL_ENV="production",
               SECRET_KEY=secrets.token_urlsafe(32), SESSION_COOKIE_SECURE="0", ACCESS_LOG="/dev/null",
               BIND=f"127.0.0.1:{PORT}")
    seed_seconds = snapshot_seconds = None
    if not args.reuse:
        _fresh_database(args.db, url)
        subprocess.run([str(VENV_BIN / "flask"), "db", "upgrade"], env=env, check=True, cwd=ROOT,
                       stderr=subprocess.DEVNULL)
        print(f"Seeding {args.scale:,} cases on {args.db} …", flush=True)
        completed = subprocess.run([str(VENV_BIN / "python"), "-m", "bench.seed_command", str(args.scale)],
                                   env=env, cwd=ROOT, capture_output=True, text=True)
        sys.stdout.write(completed.stdout)
        if completed.returncode:
            sys.stderr.write(completed.stderr)
            raise SystemExit("seeding failed")
        seeded = json.loads(completed.stdout.strip().splitlines()[-1])
        seed_seconds, snapshot_seconds = seeded["seed_seconds"], seeded.get("snapshot_seconds")
    if args.seed_only:
        return

    if args.db == "postgresql":
        _wait_for_autovacuum(url)
        _checkpoint(url)
    targets = json.loads(subprocess.run([str(VENV_BIN / "python"), "-m", "bench.targets"], env=env, cwd=ROOT,
                                        capture_output=True, text=True, check=True).stdout)
    server = subprocess.Popen([str(VENV_BIN / "gunicorn"), "-c", "gunicorn.conf.py", "wsgi:app"], env=env, cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    try:
        _wait_for_health()
        rss = RssSampler(server.pid)
        rss.start()
        cpu = CpuMeter(server.pid, url if args.db == "postgresql" else None)
        cpu.start()
        cookies = {account: _sign_in(account) for account in {e["account"] for e in targets["endpoints"] if e["account"]}}
        healthz = next(endpoint for endpoint in targets["endpoints"] if endpoint["name"] == "healthz")
        _warm(healthz, "", args)
        results, floor_slices = {}, []
        for endpoint in targets["endpoints"]:
            if endpoint is healthz or (args.only and endpoint["name"] not in args.only):
                continue
            results[endpoint["name"]], floor = _measure(endpoint, cookies.get(endpoint["account"], ""), healthz,
                                                        args, cpu)
            floor_slices += floor
            print(f"  {endpoint['name']:<28} {results[endpoint['name']]['rps']:>8.1f} req/s "
                  f"({results[endpoint['name']]['ratio_to_healthz']:.2f} of /healthz beside it)", flush=True)
        results = {"healthz": {**_combine(healthz, floor_slices), "ratio_to_healthz": 1.0, "cpu_ratio_to_healthz": 1.0},
                   **results}
        rss.mark_export()
        export_seconds = None if args.only else _time_export(targets["export"], cookies[targets["export"]["account"]])
        rss.stop()
        cpu.stop()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)

    report = {
        "db": args.db, "scale": args.scale, "measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": f"{os.cpu_count()} cores", "connections": args.connections, "duration_s": args.duration,
        "rounds": ROUNDS,
        "endpoints": results, "seed_seconds": seed_seconds, "snapshot_seconds": snapshot_seconds,
        "max_worker_rss_mb": round(rss.max_mb, 1), "export_100k_seconds": export_seconds and round(export_seconds, 2),
        "export_rows": targets["export"]["rows"],
        "export_rss_growth_mb": round(rss.export_growth_mb, 1),
    }
    Path(args.output).write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(_table(report))


def _database_url(db: str) -> str:
    if db == "sqlite":
        (ROOT / "bench" / "data").mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{ROOT / 'bench' / 'data' / 'bench.sqlite3'}"
    return os.environ.get("BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/portal_bench")


def _fresh_database(db: str, url: str) -> None:
    if db == "sqlite":
        path = Path(url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        return
    import psycopg
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    with psycopg.connect(host=parsed.host, port=parsed.port or 5432, user=parsed.username, dbname="postgres",
                         autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{parsed.database}"')


def _wait_for_autovacuum(url: str, timeout: float = 300) -> None:
    """After a bulk load PostgreSQL's autovacuum analyzes and vacuums the new tables for a while; the
    first endpoints measured beside it lost a quarter of their rate. Wait until it has finished."""
    import psycopg
    from sqlalchemy.engine import make_url

    database = make_url(url)
    deadline = time.monotonic() + timeout
    with psycopg.connect(host=database.host, port=database.port or 5432, user=database.username,
                         dbname=database.database, autocommit=True) as connection:
        while time.monotonic() < deadline:
            busy = connection.execute("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'autovacuum worker' "
                                      "AND datname = current_database()").fetchone()[0]
            if not busy:
                return
            time.sleep(2)


def _checkpoint(url: str) -> None:
    """After a bulk load the checkpointer writes out gigabytes of changed pages over the following minutes,
    on the same two cores: the first endpoint measured beside it cost a third more CPU per request. Write
    them out now, before anything is measured."""
    import psycopg
    from sqlalchemy.engine import make_url

    database = make_url(url)
    with psycopg.connect(host=database.host, port=database.port or 5432, user=database.username,
                         dbname=database.database, autocommit=True) as connection:
        connection.execute("CHECKPOINT")


def _wait_for_health(timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{BASE}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("gunicorn did not become healthy")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _sign_in(username: str) -> str:
    """The session cookie of a signed-in account, through the real login form."""
    opener = urllib.request.build_opener(_NoRedirect)
    with opener.open(f"{BASE}/login") as response:
        cookie = response.headers["Set-Cookie"].split(";")[0]
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', response.read().decode()).group(1)
    body = urllib.parse.urlencode({"username": username, "password": PASSWORD, "csrf_token": token}).encode()
    request = urllib.request.Request(f"{BASE}/login", data=body, headers={"Cookie": cookie})
    try:
        opener.open(request)
    except urllib.error.HTTPError as redirect:
        if redirect.code != 302:
            raise SystemExit(f"sign-in as {username} failed: {redirect.code}")
        return redirect.headers["Set-Cookie"].split(";")[0]
    raise SystemExit(f"sign-in as {username} did not redirect")


# Each endpoint is driven in ROUNDS slices, each after a slice of /healthz of the same length: the
# machine's speed drifts over tens of seconds (a shared host), and an endpoint measured against a /healthz
# taken minutes earlier moved by a third from run to run; against the /healthz slices beside it, both
# see the same machine.
ROUNDS = 3


def _measure(endpoint: dict, cookie: str, healthz: dict, args, cpu: "CpuMeter") -> tuple[dict, list[dict]]:
    """The endpoint's figures, with its ratio to the /healthz slices driven between its own; and those."""
    _check(endpoint, cookie)
    _warm(endpoint, cookie, args)
    seconds = max(1, round(args.duration / ROUNDS))
    own, floor = [], []
    for _ in range(ROUNDS):
        floor.append(_slice(healthz, "", seconds, args, cpu))
        own.append(_slice(endpoint, cookie, seconds, args, cpu))
    figures = _combine(endpoint, own)
    beside = _combine(healthz, floor)
    figures["ratio_to_healthz"] = round(figures["rps"] / (beside["rps"] or 1), 3)
    # What the ratio would be on a machine doing nothing else: the CPU one /healthz request costs (server,
    # database and wrk together) over this endpoint's.
    figures["cpu_ratio_to_healthz"] = round(beside["cpu_ms_per_request"] / (figures["cpu_ms_per_request"] or 1), 3)
    return figures, floor


def _check(endpoint: dict, cookie: str) -> None:
    check = urllib.request.Request(BASE + endpoint["path"], headers={"Cookie": cookie, **(
        {"HX-Request": "true"} if endpoint.get("part") else {})})
    try:
        with urllib.request.build_opener(_NoRedirect).open(check, timeout=60) as response:
            status = response.status
    except urllib.error.HTTPError as answered:
        status = answered.code
    if status >= 400:  # a redirect (an exact case code opens the case) is a right answer
        raise SystemExit(f"{endpoint['name']}: {endpoint['path']} answered {status}")


def _wrk(endpoint: dict, cookie: str, seconds: int, args, out: Path) -> None:
    env = dict(os.environ, BENCH_COOKIE=cookie, BENCH_HX="1" if endpoint.get("part") else "0", BENCH_OUT=str(out))
    subprocess.run(["wrk", "-t2", f"-c{args.connections}", f"-d{seconds}s", "--timeout", "20s",
                    "-s", str(ROOT / "bench" / "cookie.lua"), BASE + endpoint["path"]],
                   env=env, check=True, capture_output=True)


def _warm(endpoint: dict, cookie: str, args) -> None:
    """Driven first, unmeasured: each worker's templates and prepared statements, the database's caches."""
    out = ROOT / "bench" / "data" / f"wrk-{endpoint['name']}.warmup.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    _wrk(endpoint, cookie, WARMUP_SECONDS, args, out)


def _slice(endpoint: dict, cookie: str, seconds: int, args, cpu: "CpuMeter") -> dict:
    """One slice of load: wrk's figures, and the CPU the server, the database and wrk used meanwhile."""
    out = ROOT / "bench" / "data" / f"wrk-{endpoint['name']}.json"
    cpu_before, load_before = cpu.seconds(), resource.getrusage(resource.RUSAGE_CHILDREN)
    workers_before = cpu.workers()
    _wrk(endpoint, cookie, seconds, args, out)
    load_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    figures = json.loads(out.read_text())
    figures["server_seconds"] = cpu.seconds() - cpu_before
    figures["wrk_seconds"] = (load_after.ru_utime + load_after.ru_stime) - (load_before.ru_utime + load_before.ru_stime)
    workers_after = cpu.workers()
    figures["workers"] = {pid: used - workers_before.get(pid, 0.0) for pid, used in workers_after.items()}
    return figures


def _combine(endpoint: dict, slices: list[dict]) -> dict:
    """An endpoint's figures over its slices: the rate over their whole time, and each latency percentile
    as the slices' figures weighted by their requests (wrk gives percentiles, not the distribution)."""
    requests = sum(s["requests"] for s in slices)
    weight = [s["requests"] / max(1, requests) for s in slices]
    errors = sum(s["non_2xx"] + s["socket_errors"] for s in slices)
    if errors:
        print(f"  ! {endpoint['name']}: {sum(s['non_2xx'] for s in slices)} non-2xx, "
              f"{sum(s['socket_errors'] for s in slices)} socket errors")
    server_seconds = sum(s["server_seconds"] for s in slices)
    wrk_seconds = sum(s["wrk_seconds"] for s in slices)
    used: dict[int, float] = {}
    for s in slices:
        for pid, seconds in s["workers"].items():
            used[pid] = used.get(pid, 0.0) + seconds
    percentile = lambda key: round(sum(w * s[key] for w, s in zip(weight, slices)) / 1000, 1)  # noqa: E731
    return {"path": endpoint["path"], "rps": round(requests / (sum(s["duration_us"] for s in slices) / 1e6), 1),
            "p50_ms": percentile("p50_us"), "p95_ms": percentile("p95_us"), "p99_ms": percentile("p99_us"),
            "errors": errors,
            "cpu_ms_per_request": round((server_seconds + wrk_seconds) * 1000 / max(1, requests), 3),
            "server_cpu_ms_per_request": round(server_seconds * 1000 / max(1, requests), 3),
            "busiest_worker_share": _busiest_share(used)}


def _busiest_share(used: dict[int, float]) -> float | None:
    """The busiest worker's part of the workers' CPU while an endpoint was driven: how evenly the
    connections were spread (1/workers when even; 1.0 when one worker served everything). Workers that
    started or exited meanwhile count with what they used while seen."""
    total = sum(used.values())
    return round(max(used.values()) / total, 2) if total > 0 else None


def _time_export(export: dict, cookie: str) -> float:
    started = time.monotonic()
    request = urllib.request.Request(BASE + export["path"], headers={"Cookie": cookie})
    size = 0
    with urllib.request.urlopen(request, timeout=600) as response:
        while chunk := response.read(1 << 16):
            size += len(chunk)
    seconds = time.monotonic() - started
    print(f"  export of {export['rows']:,} rows: {size / 1e6:.1f} MB in {seconds:.1f} s")
    return seconds


class RssSampler(threading.Thread):
    """Largest resident memory of any gunicorn worker, sampled every 200 ms."""

    def __init__(self, master_pid: int):
        super().__init__(daemon=True)
        self.master_pid = master_pid
        self.max_mb = 0.0
        self.export_growth_mb = 0.0
        self._now: dict[int, float] = {}  # each worker's latest RSS
        self._before_export: dict[int, float] | None = None
        self._halt = threading.Event()

    def mark_export(self) -> None:
        """From now on, measure how far any worker grows beyond what it held before the export."""
        self._before_export = dict(self._now)

    def run(self) -> None:
        while not self._halt.is_set():
            for pid in _children(self.master_pid):
                try:
                    status = Path(f"/proc/{pid}/status").read_text()
                except OSError:
                    continue
                found = re.search(r"VmRSS:\s+(\d+) kB", status)
                if found:
                    megabytes = int(found.group(1)) / 1024
                    self._now[pid] = megabytes
                    self.max_mb = max(self.max_mb, megabytes)
                    if self._before_export is not None and pid in self._before_export:
                        self.export_growth_mb = max(self.export_growth_mb, megabytes - self._before_export[pid])
            self._halt.wait(0.2)

    def stop(self) -> None:
        self._halt.set()
        self.join(timeout=2)


class CpuMeter(threading.Thread):
    """CPU seconds used by the gunicorn master and workers (workers that exited included, through the
    master's reaped-children time) and by the database's server processes (PostgreSQL: the benchmark
    database's backends, each last seen every 200 ms). Other load on the machine is not counted, so the
    CPU per request is a steadier figure than the rate when something else runs."""

    def __init__(self, master_pid: int, database_url: str | None):
        super().__init__(daemon=True)
        self.master_pid = master_pid
        self._backends: dict[int, float] = {}
        self._workers: dict[int, float] = {}
        self._lock = threading.Lock()
        self._halt = threading.Event()
        self._connection = None
        if database_url:
            import psycopg
            from sqlalchemy.engine import make_url

            parsed = make_url(database_url)
            self._connection = psycopg.connect(host=parsed.host, port=parsed.port or 5432, user=parsed.username,
                                               dbname=parsed.database, autocommit=True)
            self._database = parsed.database

    def run(self) -> None:
        while not self._halt.is_set():
            self._sample()
            self._halt.wait(0.2)

    def _sample(self) -> None:
        workers = {pid: _cpu_seconds(pid) for pid in _children(self.master_pid)}
        backends = {}
        if self._connection is not None:
            pids = self._connection.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s "
                                            "AND pid <> pg_backend_pid()", (self._database,)).fetchall()
            backends = {pid: _cpu_seconds(pid) for (pid,) in pids}
        with self._lock:
            self._workers.update({pid: seconds for pid, seconds in workers.items() if seconds is not None})
            self._backends.update({pid: seconds for pid, seconds in backends.items() if seconds is not None})

    def workers(self) -> dict[int, float]:
        """Each live worker's CPU seconds so far."""
        self._sample()
        with self._lock:
            live = set(_children(self.master_pid))
            return {pid: seconds for pid, seconds in self._workers.items() if pid in live}

    def seconds(self) -> float:
        self._sample()
        master = _cpu_seconds(self.master_pid, with_children=True) or 0.0
        with self._lock:
            live = set(_children(self.master_pid))
            # A worker that exited is in the master's children time; count only the live ones here.
            return master + sum(s for pid, s in self._workers.items() if pid in live) + sum(self._backends.values())

    def stop(self) -> None:
        self._halt.set()
        self.join(timeout=2)
        if self._connection is not None:
            self._connection.close()


def _cpu_seconds(pid: int, with_children: bool = False) -> float | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    ticks = sum(int(value) for value in fields[11:15 if with_children else 13])
    return ticks / os.sysconf("SC_CLK_TCK")


def _percent(share: float | None) -> str:
    return "" if share is None else f"{share * 100:.0f}%"


def _children(pid: int) -> list[int]:
    try:
        return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _table(report: dict) -> str:
    lines = [f"Benchmark: {report['db']}, {report['scale']:,} cases, {report['machine']}, "
             f"{report['connections']} connections × {report['duration_s']} s per endpoint, in {report['rounds']} "
             f"slices each after a slice of /healthz (its ratio is to those)",
             f"{'endpoint':<28}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'ratio':>8}"
             f"{'CPU ms/req':>12}{'CPU ratio':>11}{'busiest':>9}"]
    for name, figures in report["endpoints"].items():
        lines.append(f"{name:<28}{figures['rps']:>9.1f}{figures['p50_ms']:>9.1f}{figures['p95_ms']:>9.1f}"
                     f"{figures['p99_ms']:>9.1f}{figures['ratio_to_healthz']:>8.2f}"
                     f"{figures.get('cpu_ms_per_request', 0):>12.2f}{figures.get('cpu_ratio_to_healthz', 0):>11.2f}"
                     f"{_percent(figures.get('busiest_worker_share')):>9}")
    lines.append(f"seed: {report['seed_seconds']} s · largest worker RSS: {report['max_worker_rss_mb']} MB · "
                 f"export of {report['export_rows']:,} rows: {report['export_100k_seconds']} s "
                 f"(worker memory +{report['export_rss_growth_mb']} MB)")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
