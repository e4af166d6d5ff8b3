"""Gunicorn's settings for the web process (Procfile, Dockerfile): ``gunicorn --config mmip/gunicorn.conf.py``.

Each can be changed from the environment without editing this file. Gunicorn serves plain HTTP behind a
reverse proxy (or load balancer) that terminates TLS and sets X-Forwarded-Proto.
"""

import json
import os


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


# Where to listen: 127.0.0.1 unless told otherwise (the container sets GUNICORN_BIND=0.0.0.0:8000).
bind = [os.environ.get("GUNICORN_BIND") or f"127.0.0.1:{_int('PORT', 8000)}"]
# Threaded workers: a request mostly waits on PostgreSQL, so a few processes with a few threads each use
# little memory and keep a slow upload from blocking a whole process. Two processes suit one or two cores.
worker_class = "gthread"
workers = _int("WEB_CONCURRENCY", 2)
threads = _int("GUNICORN_THREADS", 4)
# A request taking longer than this is killed and logged: the slow work (compilation, exports) runs on the
# workers, so a page never needs more. Uploads of up to 20 MB on a slow line fit well inside.
timeout = _int("GUNICORN_TIMEOUT", 60)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = 5
# Recycle each process now and then, so a slow leak cannot grow for ever; the jitter staggers restarts.
max_requests = _int("GUNICORN_MAX_REQUESTS", 2000)
max_requests_jitter = 200
# Request and error logs on standard output/error, for the process manager to collect.
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s" %({x-request-id}o)s'
if os.environ.get("LOG_FORMAT", "").strip().lower() == "json":  # as the app's own lines (mmip/logs.py)
    access_log_format = json.dumps(
        {
            "time": "%(t)s",
            "logger": "gunicorn.access",
            "remote": "%(h)s",
            "request": "%(r)s",
            "status": "%(s)s",
            "bytes": "%(b)s",
            "ms": "%(M)s",
            "request_id": "%({x-request-id}o)s",
        }
    )
    # Gunicorn's own lines (start-up, worker restarts, timeouts) as JSON objects too.
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "mmip.logs.JsonFormatter"}},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}},
        "loggers": {"gunicorn.error": {"level": loglevel.upper(), "handlers": ["console"], "propagate": False}},
    }
# Trust X-Forwarded-* only from the proxy in front (its address, comma-separated; "*" inside a container
# network where only the proxy can reach gunicorn).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# The app is loaded once, before the workers fork: faster restarts, shared memory pages.
preload_app = True
