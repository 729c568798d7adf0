"""The checklist page knows when the session ends and can keep it (issue 16 item 1): the page
warns two minutes ahead, "stay signed in" renews it, and every saved answer says how long is
left."""

import datetime as dt
import re

import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from standards.models import ChecklistAnswer
from tests.factories import PASSWORD
from tests.standards.conftest import items_of

STAY = reverse("standards:stay_signed_in")


def page_url(checklist):
    return reverse("standards:checklist", args=[checklist.pk])


def seconds_on_the_page(client, checklist):
    html = client.get(page_url(checklist)).content.decode()
    return int(re.search(r'data-session-seconds="(\d+)"', html).group(1))


def test_the_page_and_each_saved_answer_say_how_long_the_session_has_left(
    settings, checklist, lobby_user, login
):
    start = timezone.now()
    client = login(lobby_user)
    with time_machine.travel(start + dt.timedelta(seconds=30), tick=False):
        assert seconds_on_the_page(client, checklist) == settings.SESSION_COOKIE_AGE - 30
    with time_machine.travel(start + dt.timedelta(seconds=45), tick=False):
        response = client.post(
            reverse("standards:answer", args=[checklist.pk]),
            {"item": items_of(checklist)[0].pk, "revision": 1, "result": "pass"},
        )
    assert response.json()["session_seconds"] == settings.SESSION_COOKIE_AGE - 45
    # Activity renews the session at most once a minute; after that, the full time again.
    with time_machine.travel(start + dt.timedelta(seconds=90), tick=False):
        assert seconds_on_the_page(client, checklist) == settings.SESSION_COOKIE_AGE
    assert ChecklistAnswer.objects.filter(result="pass").count() == 1


def test_staying_signed_in_keeps_the_session_past_the_idle_limit(settings, checklist, lobby_user):
    start = timezone.now()
    staying, idle = Client(), Client()
    for client in (staying, idle):
        assert client.login(username=lobby_user.username, password=PASSWORD)
    almost = start + dt.timedelta(seconds=settings.SESSION_COOKIE_AGE - 60)
    with time_machine.travel(almost, tick=False):
        response = staying.post(STAY)
    assert response.status_code == 200
    assert response.json()["session_seconds"] == settings.SESSION_COOKIE_AGE
    with time_machine.travel(almost + dt.timedelta(seconds=120), tick=False):
        assert staying.get(page_url(checklist)).status_code == 200
        signed_out = idle.get(page_url(checklist))
    assert signed_out.status_code == 302
    assert signed_out["Location"].startswith(reverse("standards:login"))
