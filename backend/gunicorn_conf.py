"""gunicorn settings for every way the web app is served (`askes run`, docker-compose, the FHIR
benchmark): `gunicorn -c python:backend.gunicorn_conf "backend:create_app()"`.

Threaded workers (gthread): a request spends most of its time waiting on PostgreSQL commits, and
threads let a process serve others meanwhile instead of queueing them behind one fsync.
No access log: gunicorn's names the path and query string, which can carry PHI; the app logs the
route template instead (backend/observability.py).
"""

import os

import gunicorn.http.wsgi

# Every response would say `Server: gunicorn`: a version-free product name tells an attacker less.
gunicorn.http.wsgi.SERVER = "askes"

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("ASKES_WEB_PROCESSES", "2"))
threads = int(os.environ.get("ASKES_WEB_THREADS", "4"))
worker_class = "gthread"
worker_tmp_dir = "/dev/shm"
graceful_timeout = 10
loglevel = os.environ.get("ASKES_GUNICORN_LOG_LEVEL", "warning")
accesslog = None
