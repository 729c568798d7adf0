import time
from datetime import datetime

import redis

from branchservice.models import JobHeartbeat
from branchservice.tasks import record_heartbeat


def test_it_runs_a_task_in_the_worker_through_redis(celery_worker, redis_server):
    result = record_heartbeat.delay("roundtrip-test")

    stamp = result.get(timeout=30)

    heartbeat = JobHeartbeat.objects.get(name="roundtrip-test")
    assert heartbeat.last_run_at == datetime.fromisoformat(stamp)
    # Stored by the worker in the result backend; a task run eagerly in this process is not.
    assert redis.Redis.from_url(redis_server.url).exists(f"celery-task-meta-{result.id}")


def test_it_runs_the_heartbeat_entry_of_the_beat_schedule(celery_beat):
    deadline = time.monotonic() + 30
    while not JobHeartbeat.objects.filter(name="beat").exists():
        assert time.monotonic() < deadline, "beat sent no heartbeat within 30 s"
        time.sleep(0.2)
