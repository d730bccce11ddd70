"""gunicorn settings for one Lehuo app server (deploy/systemd/lehuo-web@.service).

The port comes from LEHUO_PORT (the unit's instance: lehuo-web@8001), the worker count from
LEHUO_WEB_WORKERS (2 x cores is a start; docs/performance.md measured 3 workers x 2 threads
best on 2 cores). SIGHUP (systemctl reload) replaces the workers one by one without closing
the socket; SIGTERM (stop) finishes the requests in flight within graceful_timeout.
"""

import os
import shutil

bind = f"{os.environ.get('LEHUO_BIND', '127.0.0.1')}:{os.environ.get('LEHUO_PORT', '8001')}"
workers = int(os.environ.get("LEHUO_WEB_WORKERS", "3"))
worker_class = "gthread"
threads = int(os.environ.get("LEHUO_WEB_THREADS", "2"))
keepalive = 75          # longer than nginx's upstream keepalive_timeout (30 s): nginx closes first
timeout = 60
graceful_timeout = 20
backlog = 2048
max_requests = 5000     # a worker is replaced after this many requests (slow leaks stay bounded)
max_requests_jitter = 500
accesslog = None        # nginx logs every request; the app logs one JSON line per request
errorlog = "-"
preload_app = False     # each worker loads the app: a reload (HUP) picks up new code


def on_starting(server):
    # Prometheus multiprocess mode: each worker writes its values into this directory; it must
    # be empty when the server starts (systemd's RuntimeDirectory is new at every start).
    path = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if path:
        shutil.rmtree(path, ignore_errors=True)
        os.makedirs(path, exist_ok=True)


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
