"""gunicorn settings for `make run` and production; each can be overridden from the environment."""
import multiprocessing
import os

bind = os.environ.get("BIND", "127.0.0.1:5000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() + 1))
worker_class = "gunicorn_workers.BalancedThreadWorker"  # gthread that spreads connections (see the module)
threads = int(os.environ.get("GUNICORN_THREADS", 4))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 120))  # an export of 100,000 rows streams for a while
graceful_timeout = 20
# Workers are recycled now and then so memory stays flat over weeks (a worker holds ~135 MB, +8 MB while it
# streams an export of 100,000 rows). Not more often: a new worker costs 0.85 s of CPU,
# and the connections the old one held crowd onto the others while it starts (at 5,000 requests each
# worker was recycled every ~10 s under the benchmark's load, with answers of up to a second meanwhile).
max_requests = 50000
max_requests_jitter = 5000
accesslog = os.environ.get("ACCESS_LOG", "-")
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
