"""Gunicorn's settings for serving Tandem (ADR 12): `gunicorn --config python:tandem.gunicorn_conf`.

Options given on gunicorn's command line override these (`--bind 0.0.0.0:8000`, `--workers 4`).
Send the master process SIGHUP to restart the workers gracefully (new code, same address), SIGTERM to
stop after the requests in flight have finished.
"""

from __future__ import annotations

import os

wsgi_app = "tandem.wsgi:application"
bind = [os.environ.get("TANDEM_BIND", "127.0.0.1:8000")]

# Django is synchronous: threads in a few processes. Two processes for a two-core machine (one can
# keep serving while the other renders a batch of letters); four threads each cover requests that
# wait on the database. WEB_CONCURRENCY and TANDEM_WEB_THREADS change them for a bigger server.
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("TANDEM_WEB_THREADS", "4"))

# A batch of letters rendered as one PDF can take a while; a stuck worker is replaced after this.
timeout = 120
graceful_timeout = 30
keepalive = 5
# Replace each worker now and then, staggered, so slow growth in memory cannot build up.
max_requests = 2000
max_requests_jitter = 200

# No access log: addresses can hold search terms (developer guide, privacy rules). Errors and
# start-up go to standard error.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("TANDEM_LOG_LEVEL", "info").lower()
proc_name = "tandem"
# Restarts and stops go through signals (above); no control socket in the home directory, which
# several Tandem servers on one machine would otherwise share.
control_socket_disable = True
