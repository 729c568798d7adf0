"""Reminders end to end: the embedded Redis, a real Celery worker and beat, the real schedule.

The worker and beat run with their clock set by time-machine (clocked.py) to the moment a test
needs: "moving the clock" is stopping them and starting them again later. They use a Redis
database of their own (the session's worker serves database 0), and the worker writes its mail
to files, so the test counts what was really sent.
"""

import datetime as dt
import email
import email.policy
import sys
import time
from collections import Counter

import pytest
import time_machine
from django.urls import reverse

from branchservice.notifications.models import Notification
from branchservice.roles import Role
from complaints.models import Complaint
from complaints.reminders import Kind as ComplaintKind
from tests.complaints.conftest import register
from tests.complaints.test_intake import entry as intake_entry
from tests.factories import UserFactory
from tests.integration.conftest import HERE, LoggedProcess, celery_app_on, child_environment

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
K, S = ComplaintKind, Notification.Stage
WAIT = 90  # seconds: the machine is shared, and each process imports all of Django


def shanghai(*args):
    return dt.datetime(*args, tzinfo=SHANGHAI)


# Monday 23 Nov 2026, 10:00: a simple complaint must be replied to by Tuesday's close.
RECEIVED = shanghai(2026, 11, 23, 10, 0)
DUE_DAY = shanghai(2026, 11, 24, 9, 0)
AFTER_BREACH = shanghai(2026, 11, 25, 9, 0)


class Clocked:
    """Starts and stops a worker and a beat at a chosen moment, on Redis database 1."""

    def __init__(self, redis_server, tmp_path):
        self.redis_url = redis_server.url.rsplit("/", 1)[0] + "/1"
        self.tmp_path = tmp_path
        self.mail_dir = tmp_path / "mail"
        self.mail_dir.mkdir()
        self.processes: list[LoggedProcess] = []

    def _env(self):
        return {
            **child_environment(redis_url=self.redis_url),
            "DJANGO_SETTINGS_MODULE": "tests.integration.reminder_settings",
            "TEST_EMAIL_DIR": str(self.mail_dir),
        }

    def start(self, moment: dt.datetime):
        run = len(self.processes)
        worker = LoggedProcess(
            argv=[
                sys.executable, str(HERE / "clocked.py"), moment.isoformat(), "worker",
                "--pool=solo", "--loglevel=INFO", "--hostname", f"reminders-{run}@test",
                "--without-heartbeat", "--without-gossip", "--without-mingle",
            ],
            log_path=self.tmp_path / f"worker-{run}.log",
            env=self._env(),
        )  # fmt: skip
        beat = LoggedProcess(
            argv=[
                sys.executable, str(HERE / "clocked.py"), moment.isoformat(), "beat",
                "--loglevel=INFO", "--schedule", str(self.tmp_path / f"beat-{run}"),
            ],
            log_path=self.tmp_path / f"beat-{run}.log",
            env=self._env(),
        )  # fmt: skip
        for process in (worker, beat):
            process.spawn()
            self.processes.append(process)
        worker.wait_until(lambda: "ready." in worker.log_path.read_text(), what="worker")
        beat.wait_until(lambda: "beat: Starting..." in beat.log_path.read_text(), what="beat")

    def stop(self):
        for process in self.processes:
            process.terminate()

    def logs(self) -> str:
        return "\n".join(f"--- {p.log_path.name}\n{p.log_tail()}" for p in self.processes)

    def mailed(self) -> Counter:
        """How many mails carried each reminder (by id), from the worker's mail files."""
        counts = Counter()
        for path in self.mail_dir.glob("*.log"):
            for chunk in path.read_bytes().split(b"-" * 79 + b"\n"):
                if not chunk.strip():
                    continue
                message = email.message_from_bytes(chunk, policy=email.policy.default)
                for pk in message["X-Branchservice-Reminders"].split(","):
                    counts[int(pk)] += 1
        return counts

    def wait_for(self, condition, what: str):
        deadline = time.monotonic() + WAIT
        while not condition():
            if time.monotonic() > deadline:
                pytest.fail(f"{what} not within {WAIT} s\n{self.logs()}")
            time.sleep(0.5)


@pytest.fixture
def clocked(transactional_db, redis_server, tmp_path):
    processes = Clocked(redis_server, tmp_path)
    # What this process queues (a new entry told at once) goes to the clocked worker's Redis.
    with celery_app_on(processes.redis_url):
        yield processes
    processes.stop()


@pytest.fixture
def outlet_head(org):
    return UserFactory(username="head_a", branch=org.a, roles=[Role.BRANCH_MANAGER])


def _register(user, branch):
    with time_machine.travel(RECEIVED, tick=False):
        return register(user, branch, received_at=RECEIVED)


def _sent(**filters) -> set[tuple[str, str, str]]:
    rows = Notification.objects.exclude(sent_at=None).filter(**filters)
    return {(n.kind, n.stage, n.recipient.username) for n in rows.select_related("recipient")}


def test_a_complaint_gets_its_pre_breach_then_its_breach_reminders(
    clocked, org, outlet_user, outlet_head
):
    complaint = _register(outlet_user, org.a)
    assert complaint.reply_due_at == shanghai(2026, 11, 24, 23, 59, 59)

    clocked.start(DUE_DAY)
    clocked.wait_for(
        lambda: (K.COMPLAINT_REPLY, S.DUE, "cm_a") in _sent(), "the pre-breach reminder"
    )
    time.sleep(3)  # a few more beat runs, which must add nothing
    clocked.stop()
    assert _sent() == {
        (K.COMPLAINT_REGISTERED, S.DUE, "head_a"),  # told at registration, sent by the scan
        (K.COMPLAINT_ACKNOWLEDGE, S.OVERDUE, "cm_a"),
        (K.COMPLAINT_REPLY, S.DUE, "cm_a"),
    }

    clocked.start(AFTER_BREACH)
    clocked.wait_for(
        lambda: (
            {"cm_a", "head_a"}
            <= {u for _k, s, u in _sent(kind=K.COMPLAINT_REPLY) if s == S.OVERDUE}
        ),
        "the breach reminders",
    )
    time.sleep(3)
    clocked.stop()
    assert _sent(kind=K.COMPLAINT_REPLY) == {
        (K.COMPLAINT_REPLY, S.DUE, "cm_a"),
        (K.COMPLAINT_REPLY, S.OVERDUE, "cm_a"),
        (K.COMPLAINT_REPLY, S.OVERDUE, "head_a"),
    }
    sent_ids = set(Notification.objects.exclude(sent_at=None).values_list("pk", flat=True))
    assert clocked.mailed() == Counter({pk: 1 for pk in sent_ids})
    assert Notification.objects.filter(sent_at=None).count() == 0


def test_an_entry_registered_at_ten_reaches_the_outlet_head_within_one_scan(
    clocked, org, outlet_user, outlet_head
):
    clocked.start(RECEIVED)
    _register(outlet_user, org.a)
    clocked.wait_for(
        lambda: (K.COMPLAINT_REGISTERED, S.DUE, "head_a") in _sent(), "the outlet head's mail"
    )
    time.sleep(3)
    clocked.stop()
    # The bell (the stored reminder) and one mail; the complaint manager who registered it
    # is not told what they just did.
    assert _sent() == {(K.COMPLAINT_REGISTERED, S.DUE, "head_a")}
    assert clocked.mailed() == Counter({Notification.objects.get().pk: 1})


def test_a_tellers_entry_on_the_tablet_reaches_the_handler_and_the_outlet_head_at_once(
    clocked, org, outlet_user, outlet_head, login
):
    """Issue 14: taken down on the intake page at 10:00 by a teller, through the real view, the
    worker and beat: the outlet's complaint manager (the handler) and the outlet head each get
    the bell and one mail, the teller nothing."""
    teller = UserFactory(
        username="teller_a", branch=org.a, roles=[Role.FRONTLINE_STAFF], is_staff=False
    )
    clocked.start(RECEIVED)
    with time_machine.travel(RECEIVED, tick=False):
        response = login(teller).post(reverse("complaints:intake"), intake_entry())
    assert response.status_code == 302
    told = {(K.COMPLAINT_REGISTERED, S.DUE, "cm_a"), (K.COMPLAINT_REGISTERED, S.DUE, "head_a")}
    clocked.wait_for(lambda: told <= _sent(), "the handler's and the outlet head's mail")
    time.sleep(3)
    clocked.stop()
    assert Complaint.objects.get().first_responder == teller
    assert _sent() == told
    assert clocked.mailed() == Counter(
        {pk: 1 for pk in Notification.objects.values_list("pk", flat=True)}
    )


def test_after_redis_was_down_every_due_reminder_is_sent_exactly_once(
    clocked, org, outlet_user, outlet_head, redis_server
):
    handlers = [outlet_user] + [
        UserFactory(username=f"cm_{code}", branch=branch, roles=[Role.COMPLAINT_MANAGER])
        for code, branch in (("a2", org.a2), ("b", org.b))
    ]
    for handler in handlers:
        _register(handler, handler.branch)

    clocked.start(AFTER_BREACH)
    clocked.wait_for(lambda: Notification.objects.exclude(sent_at=None).exists(), "a first mail")
    redis_server.stop()
    # While the broker is away: more complaints fall due, and beat's runs are lost.
    for handler in handlers:
        _register(handler, handler.branch)
    time.sleep(5)
    redis_server.start()

    assert Complaint.objects.count() == 6
    # Each complaint: acknowledgement overdue (handler), reply overdue (handler); and for
    # outlet A's two complaints, the registration and the reply overdue to its head.
    wanted = 6 * 2 + 2 * 2

    clocked.wait_for(
        lambda: Notification.objects.exclude(sent_at=None).count() == wanted,
        "every reminder sent after the restart",
    )
    time.sleep(3)
    clocked.stop()
    assert Notification.objects.count() == wanted
    assert Notification.objects.filter(sent_at=None).count() == 0
    sent_ids = set(Notification.objects.values_list("pk", flat=True))
    assert clocked.mailed() == Counter({pk: 1 for pk in sent_ids})
