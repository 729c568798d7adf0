"""/healthz: can this installation serve and run its jobs? For load balancers and monitoring.

Checks the database, Redis (the Celery broker) and how long ago beat's heartbeat job last ran:
a beat or worker that stopped shows up here, not weeks later as missing reminders. Anonymous
callers (a load balancer) get only ok/fail; staff get one line per check. Nobody gets error
texts, host names or versions: the reason for a failure goes to the server log.
"""

import logging

import redis
from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache

from .models import JobHeartbeat

logger = logging.getLogger(__name__)


def check_database() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"ok": True}


def check_redis() -> dict:
    client = redis.Redis.from_url(
        settings.REDIS_URL, socket_timeout=settings.HEALTH_REDIS_TIMEOUT,
        socket_connect_timeout=settings.HEALTH_REDIS_TIMEOUT,
    )  # fmt: skip
    try:
        client.ping()
    finally:
        client.close()
    return {"ok": True}


def check_beat() -> dict:
    last = JobHeartbeat.objects.filter(name="beat").values_list("last_run_at", flat=True).first()
    if last is None:
        return {"ok": False, "age_seconds": None}
    age = max(0, int((timezone.now() - last).total_seconds()))
    return {"ok": age <= settings.HEALTH_BEAT_MAX_AGE, "age_seconds": age}


CHECKS = {"database": check_database, "redis": check_redis, "beat": check_beat}


def run_checks() -> dict[str, dict]:
    results = {}
    for name, check in CHECKS.items():
        try:
            results[name] = check()
        except Exception as exc:  # any failure of a dependency is a failed check, never a 500
            logger.warning("Health check %s failed: %r", name, exc)
            results[name] = {"ok": False}
    return results


@never_cache
def healthz(request):
    results = run_checks()
    healthy = all(result["ok"] for result in results.values())
    body = {"status": "ok" if healthy else "fail"}
    user = request.user
    if user.is_authenticated and user.is_active and (user.is_staff or user.is_superuser):
        body["checks"] = results
    return JsonResponse(body, status=200 if healthy else 503)
