"""gunicorn's configuration in production (``areaclienti serve`` outside development passes it with
``-c python:areaclienti.entrypoints.gunicorn_conf``; it ships in the package, so an install finds it).

Workers and threads come from the environment; anything else can be overridden on the spot with
``GUNICORN_CMD_ARGS`` (gunicorn's own variable, read after this file).
"""
from __future__ import annotations

import multiprocessing
import os

from areaclienti.entrypoints.logs import log_format, logging_config

_env = os.environ


def _int(name: str, default: int) -> int:
    value = _env.get(name)
    try:
        return max(1, int(value)) if value else default
    except ValueError:
        raise SystemExit(f"{name} must be a whole number, not {value!r}") from None


# Pages wait mostly on PostgreSQL and the core system (an HTTP call of up to a few seconds), a little on
# CPU (argon2 at login, templates): a few processes for the cores, a few threads each for the waits.
workers = _int("AREACLIENTI_WEB_WORKERS", 2 * multiprocessing.cpu_count())
threads = _int("AREACLIENTI_WEB_THREADS", 4)
worker_class = "gthread" if threads > 1 else "sync"
bind = [_env.get("AREACLIENTI_WEB_BIND", "127.0.0.1:5000")]  # ``serve --host/--port`` say it on the command line

# The core system's slowest call (a document, read timeout times retries) fits well inside this.
timeout = _int("AREACLIENTI_WEB_TIMEOUT_SECONDS", 30)
graceful_timeout = 30  # a deploy lets the pages being served finish
keepalive = 5  # behind the proxy, which keeps its connections to us open
# A worker is replaced after this many requests (with jitter, not all at once): a slow leak never grows.
max_requests = 5000
max_requests_jitter = 500
# No preload: each worker builds its own app and container (its own engine and pools, never shared
# across a fork), as the read-only install test starts it.
preload_app = False
# TLS ends at the proxy on this machine; X-Forwarded-* is trusted from it only.
forwarded_allow_ips = _env.get("AREACLIENTI_WEB_FORWARDED_ALLOW_IPS", "127.0.0.1")
# The heartbeat file in memory, not on a disk that may be slow or read-only.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
proc_name = "areaclienti-web"
# Newer gunicorns open a control socket in $HOME, which the service may not write (ProtectHome); unused.
control_socket_disable = True

# The app logs each request itself (one JSON line with its request id): gunicorn's access log stays off.
accesslog = None
errorlog = "-"
loglevel = "info"
logconfig_dict = logging_config(log_format(_env.get("AREACLIENTI_ENV") in ("development", "test"), _env))
