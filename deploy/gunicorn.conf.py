"""gunicorn settings for production (`gunicorn -c deploy/gunicorn.conf.py branchservice.wsgi`).

Everything can be overridden from the environment; see docs/deployment.md.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Sync workers: the portal is database-bound, and (2 x cores) + 1 is gunicorn's own advice.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
# Excel exports over ~30 s belong in a Celery task; a request still running after this is stuck.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so a slow leak never takes the site down.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = 200
# Only the local reverse proxy may say which scheme and client address a request came from.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = "-"
errorlog = "-"
# No query strings in the access log: search terms may contain customer data.
access_log_format = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
# gunicorn's runtime control socket defaults to one path per OS user, shared by every gunicorn
# that user runs (a second instance, CI's smoke test). systemd or compose manage the processes
# here, so the socket is off.
control_socket_disable = True
