"""Reminders reflect the present (issue 15, item 2): a reminder whose object was handled after
it was sent is marked done, kept in the person's log (greyed, under its own filter), and no
longer counted by the bell; what still needs doing stays."""

import pytest
import time_machine
from django.urls import reverse

from branchservice.notifications.models import Notification
from branchservice.notifications.services import notifications_deliver, reminders_scan
from complaints import services
from complaints.models import Complaint
from complaints.reminders import Kind
from tests.complaints.conftest import register
from tests.notifications.conftest import shanghai

pytestmark = pytest.mark.django_db

RECEIVED = shanghai(2026, 11, 23, 10, 0)
# Tuesday morning: the acknowledgement (due Monday) is overdue, the reply due today.
TUESDAY = shanghai(2026, 11, 24, 9, 0)


@pytest.fixture(autouse=True)
def _complaints_only(settings):
    settings.NOTIFICATIONS_SCANNERS = ["complaints.reminders"]


@pytest.fixture
def sent(org, outlet_user):
    """Two reminders sent to the complaint manager on Tuesday: acknowledge and reply."""
    with time_machine.travel(RECEIVED, tick=False):
        complaint = register(outlet_user, org.a, received_at=RECEIVED)
    with time_machine.travel(TUESDAY, tick=False):
        reminders_scan()
        assert notifications_deliver(recipient_id=outlet_user.pk) == 2
    return complaint


def _acknowledge(complaint, user):
    with time_machine.travel(shanghai(2026, 11, 24, 9, 30), tick=False):
        services.complaint_acknowledge(
            user=user,
            complaint=complaint,
            acknowledged_at=shanghai(2026, 11, 24, 9, 20),
            estimated_reply_at=shanghai(2026, 11, 24, 16, 0),
        )


def _handled_elsewhere(complaint):
    """Acknowledged without a complaint move settling its reminders (as a corrective action's
    evidence or an extension's notice settles theirs): left to the page and the scan."""
    Complaint.objects.filter(pk=complaint.pk).update(
        status=Complaint.Status.ACKNOWLEDGED, acknowledged_at=shanghai(2026, 11, 24, 9, 20)
    )


def _bell(client):
    return client.get(reverse("admin:index")).context["unread"]


def test_the_reminder_page_marks_a_handled_reminder_done_and_the_bell_stops_counting_it(
    sent, outlet_user, login
):
    client = login(outlet_user)
    _handled_elsewhere(sent)
    assert _bell(client) == 2
    with time_machine.travel(shanghai(2026, 11, 24, 9, 40), tick=False):
        todo = client.get(reverse("notifications:mine"))
        assert [n.kind for n in todo.context["page"]] == [Kind.COMPLAINT_REPLY]
        assert _bell(client) == 1
        done = client.get(reverse("notifications:mine"), {"show": "done"})
        assert [n.kind for n in done.context["page"]] == [Kind.COMPLAINT_ACKNOWLEDGE]
        assert 'class="unread done"' in done.content.decode()
        assert "已完成（" in done.content.decode()
        everything = client.get(reverse("notifications:mine"), {"show": "all"})
        assert len(everything.context["page"]) == 2
    acknowledge = Notification.objects.get(kind=Kind.COMPLAINT_ACKNOWLEDGE)
    assert acknowledge.done_at == shanghai(2026, 11, 24, 9, 40)
    assert acknowledge.cancelled_at is None  # kept in the log, not cancelled


def test_the_scan_marks_handled_reminders_done_before_anyone_looks(sent, outlet_user, login):
    _handled_elsewhere(sent)
    with time_machine.travel(shanghai(2026, 11, 24, 9, 45), tick=False):
        reminders_scan()
    assert set(
        Notification.objects.filter(recipient=outlet_user, done_at=None).values_list(
            "kind", flat=True
        )
    ) == {Kind.COMPLAINT_REPLY}
    assert _bell(login(outlet_user)) == 1


def test_opening_a_handled_reminder_marks_it_done(sent, outlet_user, login):
    client = login(outlet_user)
    _handled_elsewhere(sent)
    acknowledge = Notification.objects.get(kind=Kind.COMPLAINT_ACKNOWLEDGE)
    client.get(reverse("notifications:open", args=[acknowledge.pk]))
    acknowledge.refresh_from_db()
    assert acknowledge.done_at is not None


def test_a_reminder_still_due_stays_to_do(sent, outlet_user, login):
    client = login(outlet_user)
    with time_machine.travel(shanghai(2026, 11, 24, 9, 40), tick=False):
        reminders_scan()
        page = client.get(reverse("notifications:mine"))
    assert len(page.context["page"]) == 2
    assert not Notification.objects.exclude(done_at=None).exists()
    assert _bell(client) == 2


def test_the_reminders_admin_filters_the_done(sent, outlet_user, hq, login):
    _acknowledge(sent, outlet_user)
    page = login(hq).get(reverse("admin:notifications_notification_changelist"), {"status": "done"})
    assert [n.kind for n in page.context["cl"].result_list] == [Kind.COMPLAINT_ACKNOWLEDGE]


def test_a_move_on_the_complaint_settles_its_reminders_at_once(sent, outlet_user, login):
    client = login(outlet_user)
    assert _bell(client) == 2
    _acknowledge(sent, outlet_user)
    # No scan and no visit of the reminder page since: the bell already counts one.
    assert _bell(client) == 1
    assert Notification.objects.get(kind=Kind.COMPLAINT_ACKNOWLEDGE).done_at is not None
