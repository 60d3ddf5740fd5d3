"""The gunicorn worker the portal is served with (gunicorn_workers.BalancedThreadWorker): a worker whose
threads are all busy leaves a new connection to a worker that can serve it now, and still serves the
connections it holds."""
from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Each request takes half a second and answers with the pid of the worker that served it.
SLOW_APP = '''
import os, time

def app(environ, start_response):
    time.sleep(0.5)
    body = str(os.getpid()).encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
'''


@pytest.fixture
def two_workers_of_one_thread(tmp_path):
    (tmp_path / "slow_app.py").write_text(SLOW_APP)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log = tmp_path / "gunicorn.log"
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--chdir", str(tmp_path), "--pythonpath", str(ROOT),
         "-k", "gunicorn_workers.BalancedThreadWorker", "--workers", "2", "--threads", "1",
         "--keep-alive", "5", "--bind", f"127.0.0.1:{port}", "--error-logfile", str(log), "slow_app:app"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        def booted() -> int:
            return log.read_text().count("Booting worker") if log.exists() else 0

        while booted() < 2:
            assert server.poll() is None, f"gunicorn stopped: {log.read_text() if log.exists() else ''}"
            assert time.monotonic() < deadline, "gunicorn's two workers did not start within 20 s"
            time.sleep(0.05)
        time.sleep(0.3)  # both workers in their accept loop
        yield port
    finally:
        server.terminate()
        server.wait(timeout=30)


def _send(connection: socket.socket) -> None:
    connection.sendall(b"GET / HTTP/1.1\r\nHost: portal\r\n\r\n")


def _answer(connection: socket.socket) -> int:
    """The pid in the body of the next response on a kept-alive connection."""
    data = b""
    while b"\r\n\r\n" not in data:
        data += connection.recv(4096)
    head, body = data.split(b"\r\n\r\n", 1)
    length = int(next(line.split(b":")[1] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")))
    while len(body) < length:
        body += connection.recv(4096)
    assert head.startswith(b"HTTP/1.1 200"), head
    return int(body)


def test_a_busy_worker_leaves_a_new_connection_to_an_idle_one(two_workers_of_one_thread):
    port = two_workers_of_one_thread
    first = socket.create_connection(("127.0.0.1", port), timeout=10)
    _send(first)
    time.sleep(0.1)  # the first request is being served
    second = socket.create_connection(("127.0.0.1", port), timeout=10)
    _send(second)
    started = time.monotonic()
    pids = [_answer(first), _answer(second)]
    assert pids[0] != pids[1], "both connections went to one worker while the other had nothing to do"
    assert time.monotonic() - started < 0.9, "the second request waited for the first: they were not served at once"

    # Kept alive, each connection stays with its worker; a third waits for a free thread and is served.
    third = socket.create_connection(("127.0.0.1", port), timeout=10)
    for connection in (first, second, third):
        _send(connection)
    assert [_answer(first), _answer(second)] == pids
    assert _answer(third) in pids, "a connection that arrived while every thread was busy was not served"
    for connection in (first, second, third):
        connection.close()
