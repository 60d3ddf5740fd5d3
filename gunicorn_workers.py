"""The gunicorn worker the portal is served with (`worker_class` in gunicorn.conf.py).

gunicorn's `gthread` worker accepts every connection it is offered, up to `worker_connections` (1,000),
whether or not a thread is free to serve it. A client that keeps its connections alive (a browser, the
reverse proxy, a load test) can then find all of them accepted by one worker: one process, one core and
one interpreter lock for all of that load, while the other workers wait. Here a worker stops accepting
while all its threads are busy, so a new connection goes to a worker that can serve it now; when every
worker is busy it waits in the listening socket's backlog until a thread is free, as it would have waited
in the busy worker's queue. Connections a worker already holds are served as before.

This module is imported by the gunicorn master, so it must not import the portal: a `kill -HUP` after an
upgrade has to load the new code in the new workers (a change to this file needs a full restart).
"""
from __future__ import annotations

from gunicorn.workers.gthread import ThreadWorker


class BalancedThreadWorker(ThreadWorker):
    """A `gthread` worker that accepts a new connection only while one of its threads is free."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.busy = 0  # requests handed to the thread pool and not finished yet

    def set_accept_enabled(self, enabled: bool) -> None:
        # The main loop asks for accepting whenever it holds fewer than worker_connections; free threads decide.
        super().set_accept_enabled(enabled and self.busy < self.cfg.threads)

    def enqueue_req(self, conn) -> None:
        self.busy += 1
        if self.busy >= self.cfg.threads:
            self.set_accept_enabled(False)
        super().enqueue_req(conn)

    def finish_request(self, conn, fs) -> None:
        self.busy -= 1
        super().finish_request(conn, fs)
