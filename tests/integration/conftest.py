"""The real parts, started for the tests: the embedded Redis, a Celery worker and Celery beat.

Every test under tests/integration is marked `integration`. A test that fails gets the logs of
the processes it used appended to its report.
"""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
import redis
from django.conf import settings
from django.db import connection

from branchservice.celery import app as celery_app
from branchservice.embedded_redis import command as redis_command

HERE = Path(__file__).resolve().parent
# Generous: the machine is shared, and a worker imports all of Django before it answers.
STARTUP_TIMEOUT = 60
LOG_TAIL_LINES = 200


def pytest_collection_modifyitems(items):
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.integration)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.failed:
        processes = {}
        for name, value in getattr(item, "funcargs", {}).items():
            if isinstance(value, LoggedProcess):
                processes.setdefault(id(value), (name, value))
        for name, process in processes.values():
            report.sections.append((f"{name} log (last lines)", process.log_tail()))
    return report


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LoggedProcess:
    """A child process whose stdout and stderr go to a log file that tests can read."""

    def __init__(self, *, argv: list[str], log_path: Path, env: dict[str, str] | None = None):
        self.argv = argv
        self.log_path = log_path
        self.env = env
        self.process: subprocess.Popen | None = None

    def spawn(self):
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                self.argv,
                cwd=settings.BASE_DIR,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def is_running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def terminate(self, *, grace: float = 15):
        if not self.is_running():
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def log_tail(self) -> str:
        if not self.log_path.exists():
            return "(no log written)"
        lines = self.log_path.read_text(errors="replace").splitlines()
        return "\n".join(lines[-LOG_TAIL_LINES:])

    def wait_until(self, ready, *, what: str):
        """Poll `ready()` until true; fail with the log if the process dies or time runs out."""
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            if not self.is_running():
                pytest.fail(
                    f"{what} exited with code {self.process.returncode}:\n{self.log_tail()}"
                )
            if ready():
                return
            time.sleep(0.2)
        self.terminate()
        pytest.fail(f"{what} not ready after {STARTUP_TIMEOUT} s:\n{self.log_tail()}")


class RedisServer(LoggedProcess):
    """The embedded redis-server on a loopback port of its own.

    stop() and start() keep the port and the data directory, so that a test can take the broker
    away under a running worker and bring the same one back.
    """

    def __init__(self, *, data_dir: Path):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        super().__init__(
            argv=redis_command(port=self.port, data_dir=data_dir),
            log_path=data_dir / "redis.log",
        )

    def answers_ping(self) -> bool:
        client = redis.Redis(port=self.port, socket_connect_timeout=0.5, socket_timeout=0.5)
        try:
            return client.ping()
        except redis.ConnectionError:
            return False
        finally:
            client.close()

    def start(self):
        self.spawn()
        self.wait_until(self.answers_ping, what="redis-server")

    def stop(self):
        self.terminate()


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    """A real Redis for the session: `.url`, and `.stop()` / `.start()` on the same port."""
    server = RedisServer(data_dir=tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    server.stop()


def database_url(settings_dict: dict) -> str:
    """DATABASE_URL of the database that `settings_dict` (a Django connection's) points at."""
    engine = settings_dict["ENGINE"]
    if engine == "django.db.backends.sqlite3":
        return f"sqlite:///{Path(settings_dict['NAME']).resolve()}"
    if engine == "django.db.backends.postgresql":
        user = quote(settings_dict["USER"], safe="")
        password = quote(settings_dict["PASSWORD"], safe="")
        host = settings_dict["HOST"] or "127.0.0.1"
        port = settings_dict["PORT"] or 5432
        return f"postgres://{user}:{password}@{host}:{port}/{settings_dict['NAME']}"
    raise NotImplementedError(f"No DATABASE_URL for the {engine} engine")


def child_environment(*, redis_url: str) -> dict[str, str]:
    """Environment of a worker or beat: the test settings, this Redis, the test database."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "branchservice.settings.test",
        "REDIS_URL": redis_url,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        # Read after django_db_setup has renamed the connection to the test database.
        "DATABASE_URL": database_url(connection.settings_dict),
        # fast_beat.py runs as a script, which puts its own folder first on the path instead.
        "PYTHONPATH": os.pathsep.join(
            filter(None, [str(settings.BASE_DIR), os.environ.get("PYTHONPATH")])
        ),
        # Complete log lines even when the process is killed.
        "PYTHONUNBUFFERED": "1",
    }


def _forget_connections():
    # The app keeps its broker connection pool and result backend from their first use; drop
    # them so that the next use connects to the broker just configured. (Kombu keeps the pools
    # themselves by URL and hands the same one back for the same URL: they stay open.)
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    celery_app._backend_cache = None
    with contextlib.suppress(AttributeError):
        del celery_app._local.backend


@contextlib.contextmanager
def celery_app_on(redis_url: str):
    """Send this process's tasks to `redis_url` for real instead of running them eagerly."""
    changes = {"broker_url": redis_url, "result_backend": redis_url, "task_always_eager": False}
    saved = {key: celery_app.conf[key] for key in changes}
    celery_app.conf.update(changes)
    _forget_connections()
    try:
        yield celery_app
    finally:
        celery_app.conf.update(saved)
        _forget_connections()


@pytest.fixture(scope="session")
def _celery_worker_process(django_db_setup, redis_server, tmp_path_factory):
    name = f"integration-{os.getpid()}@{socket.gethostname()}"
    worker = LoggedProcess(
        argv=[
            sys.executable, "-m", "celery", "-A", "branchservice", "worker",
            "--pool=solo", "--loglevel=INFO", "--hostname", name,
            # Nothing to synchronise with: this is the only worker.
            "--without-heartbeat", "--without-gossip", "--without-mingle",
        ],
        log_path=tmp_path_factory.mktemp("celery-worker") / "worker.log",
        env=child_environment(redis_url=redis_server.url),
    )  # fmt: skip
    worker.spawn()
    with celery_app_on(redis_server.url) as app:
        worker.wait_until(
            lambda: bool(app.control.ping(destination=[name], timeout=0.5)),
            what="celery worker",
        )
    yield worker
    worker.terminate()


@pytest.fixture
def celery_worker(_celery_worker_process, redis_server, transactional_db):
    """A real Celery worker on the real Redis, working on the test database.

    The worker is another process, so it sees only committed rows: this fixture brings
    `transactional_db` with it. For the duration of the test, this process's Celery app sends
    to the same Redis and no longer runs tasks eagerly. One worker serves the whole session.
    """
    with celery_app_on(redis_server.url):
        yield _celery_worker_process


@pytest.fixture
def celery_beat(celery_worker, redis_server, tmp_path):
    """A real Celery beat sending the project's schedule, every entry due every second.

    The real entries fire on crontabs, a minute apart at best; see fast_beat.py. Brings the
    worker along, since beat only queues the tasks.
    """
    beat = LoggedProcess(
        argv=[
            sys.executable, str(HERE / "fast_beat.py"), "1",
            "--loglevel=INFO", "--schedule", str(tmp_path / "celerybeat-schedule"),
        ],
        log_path=tmp_path / "beat.log",
        env=child_environment(redis_url=redis_server.url),
    )  # fmt: skip
    beat.spawn()
    beat.wait_until(lambda: "beat: Starting..." in beat.log_path.read_text(), what="celery beat")
    yield beat
    beat.terminate()
