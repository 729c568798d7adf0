"""/healthz against a real Redis (the embedded server) and the real database."""

import datetime as dt
import json
import socket
import subprocess
import time

import pytest
import redis
import time_machine
from django.urls import reverse
from django.utils import timezone

from branchservice.embedded_redis import command
from branchservice.tasks import record_heartbeat

pytestmark = pytest.mark.integration


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    port = free_port()
    argv = command(port=port, data_dir=tmp_path_factory.mktemp("redis"))
    server = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    deadline = time.monotonic() + 10
    while True:
        try:
            redis.Redis.from_url(url).ping()
            break
        except redis.ConnectionError:
            if time.monotonic() > deadline:
                server.kill()
                raise
            time.sleep(0.1)
    yield url
    server.terminate()
    server.wait(timeout=10)


@pytest.fixture
def live_redis(settings, redis_url):
    settings.REDIS_URL = redis_url


@pytest.fixture
def dead_redis(settings):
    # A port nobody listens on: what the portal sees when Redis is down.
    settings.REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"


def healthz(client):
    response = client.get(reverse("healthz"))
    return response.status_code, json.loads(response.content)


def test_all_healthy_answers_200_and_anonymous_callers_learn_only_that(db, client, live_redis):
    record_heartbeat()
    assert healthz(client) == (200, {"status": "ok"})


def test_staff_see_each_check(org, hq, login, live_redis):
    record_heartbeat()
    status, body = healthz(login(hq))
    assert status == 200
    assert body["checks"]["database"] == {"ok": True}
    assert body["checks"]["redis"] == {"ok": True}
    assert body["checks"]["beat"]["ok"] is True
    assert body["checks"]["beat"]["age_seconds"] < 60


def test_a_stopped_beat_is_visible(org, hq, login, live_redis):
    record_heartbeat()
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=10)):
        status, body = healthz(login(hq))
    assert status == 503
    assert body["checks"]["beat"] == {"ok": False, "age_seconds": pytest.approx(600, abs=5)}
    assert body["checks"]["redis"] == {"ok": True}


def test_a_beat_that_never_ran_fails(db, client, live_redis):
    assert healthz(client) == (503, {"status": "fail"})


def test_redis_down_fails_without_leaking_why(org, hq, login, client, dead_redis):
    record_heartbeat()
    assert healthz(client) == (503, {"status": "fail"})
    status, body = healthz(login(hq))
    assert status == 503
    assert body["checks"]["redis"] == {"ok": False}
    # No exception text, host or port reaches even staff: that goes to the server log.
    assert "127.0.0.1" not in json.dumps(body) and "Error" not in json.dumps(body)


def test_floor_staff_get_no_details(org, lobby_user, login, live_redis):
    record_heartbeat()
    assert healthz(login(lobby_user)) == (200, {"status": "ok"})
