"""The bell, "my reminders" and the reminders admin: each person sees their own, in scope."""

import pytest
import time_machine
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse

from branchservice.notifications.models import Notification, NotificationPreference, WeComWebhook
from branchservice.notifications.services import reminders_scan
from tests.notifications.conftest import MONDAY_10AM

pytestmark = pytest.mark.django_db


@pytest.fixture
def stored(org, outlet_user, outsider, remind):
    remind(org.a, outlet_user)
    remind(org.a2, outlet_user)
    remind(org.b, outsider)
    with time_machine.travel(MONDAY_10AM, tick=False):
        reminders_scan()
    return Notification.objects.filter(recipient=outlet_user)


def test_the_bell_in_the_admin_header_counts_my_unread_reminders(stored, outlet_user, login):
    page = login(outlet_user).get(reverse("admin:index"))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'class="reminder-count">2<' in html
    assert reverse("notifications:mine") in html


def test_the_bell_costs_one_query(stored, outlet_user, django_assert_num_queries):
    request = RequestFactory().get("/")
    request.user = outlet_user
    template = Template("{% load notifications %}{% notification_bell %}")
    with django_assert_num_queries(1):
        template.render(Context({"request": request}))


def test_my_reminders_lists_mine_with_links_and_opening_one_marks_it_read(
    stored, outlet_user, login
):
    client = login(outlet_user)
    page = client.get(reverse("notifications:mine"))
    assert page.status_code == 200
    assert [n.pk for n in page.context["page"].object_list] == sorted(
        (n.pk for n in stored), reverse=True
    )
    assert "五道口网点" in page.content.decode()
    assert "国贸网点" not in page.content.decode()

    first = stored.get(object_label="中关村网点")
    response = client.get(reverse("notifications:open", args=[first.pk]))
    assert response.status_code == 302
    assert response.url == first.url
    first.refresh_from_db()
    assert first.read_at is not None
    assert 'class="reminder-count">1<' in client.get(reverse("admin:index")).content.decode()

    client.post(reverse("notifications:read_all"))
    assert not stored.filter(read_at=None).exists()


def test_nobody_opens_another_persons_reminder(stored, outsider, login):
    mine = stored.first()
    response = login(outsider).get(reverse("notifications:open", args=[mine.pk]))
    assert response.status_code == 404
    mine.refresh_from_db()
    assert mine.read_at is None


def test_my_reminders_needs_a_login(client):
    response = client.get(reverse("notifications:mine"))
    assert response.status_code == 302
    assert "login" in response.url


def test_a_lobby_manager_without_admin_access_still_has_a_reminders_page(
    org, lobby_user, remind, login
):
    remind(org.a, lobby_user)
    with time_machine.travel(MONDAY_10AM, tick=False):
        reminders_scan()
    page = login(lobby_user).get(reverse("notifications:mine"))
    assert page.status_code == 200
    assert "中关村网点" in page.content.decode()


def test_the_admin_lists_reminders_of_the_branches_in_scope_only(stored, manager, outsider, login):
    page = login(manager).get(reverse("admin:notifications_notification_changelist"))
    assert page.status_code == 200
    assert {n.recipient.username for n in page.context["cl"].result_list} == {"cm_a"}
    other = Notification.objects.get(recipient=outsider)
    url = reverse("admin:notifications_notification_change", args=[other.pk])
    assert login(manager).get(url).status_code == 302  # "not found" → admin index


def test_head_office_sends_a_failed_reminder_again_from_the_admin(stored, hq, login):
    failed = stored.first()
    Notification.objects.filter(pk=failed.pk).update(
        failed_at=MONDAY_10AM, attempts=5, last_error="Mail server: refused"
    )
    client = login(hq)
    listing = client.get(reverse("admin:notifications_notification_changelist") + "?status=failed")
    assert [n.pk for n in listing.context["cl"].result_list] == [failed.pk]
    client.post(
        reverse("admin:notifications_notification_changelist"),
        {"action": "send_again", "_selected_action": [failed.pk]},
    )
    failed.refresh_from_db()
    assert (failed.failed_at, failed.attempts) == (None, 0)


def test_a_complaint_manager_may_look_but_not_resend(stored, outlet_user, login):
    page = login(outlet_user).get(reverse("admin:notifications_notification_changelist"))
    assert page.status_code == 200
    assert "send_again" not in page.content.decode()


def test_group_bots_and_preferences_are_managed_within_scope(
    org, manager, outlet_user, outsider, login
):
    mine = WeComWebhook.objects.create(branch=org.a, url="http://127.0.0.1:9/a")
    theirs = WeComWebhook.objects.create(branch=org.b, url="http://127.0.0.1:9/b")
    NotificationPreference.objects.create(user=outlet_user, language="en")
    other = NotificationPreference.objects.create(user=outsider, language="en")
    client = login(manager)
    bots = client.get(reverse("admin:notifications_wecomwebhook_changelist"))
    assert list(bots.context["cl"].result_list) == [mine]
    url = reverse("admin:notifications_wecomwebhook_change", args=[theirs.pk])
    assert client.get(url).status_code == 302
    prefs = client.get(reverse("admin:notifications_notificationpreference_changelist"))
    assert [p.user for p in prefs.context["cl"].result_list] == [outlet_user]
    url = reverse("admin:notifications_notificationpreference_change", args=[other.pk])
    assert client.get(url).status_code == 302
