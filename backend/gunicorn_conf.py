"""gunicorn settings for every way the web app is served (`askes run`, docker-compose, the FHIR
benchmark): `gunicorn -c python:backend.gunicorn_conf "backend:create_app()"`.

Threaded workers (gthread): a request spends most of its time waiting on PostgreSQL commits, and
threads let a process serve others meanwhile instead of queueing them behind one fsync.
No access log: gunicorn's names the path and query string, which can carry PHI; the app logs the
route template instead (backend/observability.py).
"""

import gunicorn.http.wsgi

from backend.settings import Settings

# Every response would say `Server: gunicorn`: a version-free product name tells an attacker less.
gunicorn.http.wsgi.SERVER = "askes"

settings = Settings.from_env()
bind = f"{settings.host}:{settings.port}"
workers = settings.web_processes
threads = settings.web_threads
worker_class = "gthread"
worker_tmp_dir = "/dev/shm"
graceful_timeout = 10
loglevel = settings.gunicorn_log_level
accesslog = None


def post_worker_init(worker):
    """Before a web process serves: compile the risk kernels, or load them from their disk cache
    (workers/risk_plan.warm_kernels). A claim submitted alone is adjudicated in its request, and
    the first one each process served waited seconds for the compilation."""
    from workers.risk_plan import warm_kernels

    warm_kernels(settings.kernel_cache_dir)
