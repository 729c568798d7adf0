"""Optimistic locking (branchservice.concurrency), on the calendar override admin."""

import datetime as dt
import threading

import pytest
from django.db import connection
from django.urls import reverse

from branchservice.concurrency import ConcurrentChange, save_versioned
from branchservice.models import CalendarOverride
from branchservice.roles import Role
from tests.factories import UserFactory, pass_second_factor


@pytest.fixture
def override(db):
    return CalendarOverride.objects.create(date=dt.date(2027, 2, 6), kind="holiday", note="春节")


def change_url(override):
    return reverse("admin:branchservice_calendaroverride_change", args=[override.pk])


def form_data(response, **changes):
    form = response.context["adminform"].form
    data = {name: form[name].value() for name in ["kind", "note", "seen_version"]}
    return {**data, "date": form.instance.date.isoformat(), **changes}


def test_the_second_of_two_editors_is_told_who_changed_it_meanwhile(org, hq, override, client):
    colleague = UserFactory(
        username="hq_2", last_name="李", first_name="四", branch=org.hq, roles=[Role.HQ_SERVICE]
    )
    first, second = client, client.__class__()
    first.force_login(hq)
    second.force_login(colleague)
    pass_second_factor(first, hq)
    pass_second_factor(second, colleague)
    # Both open the same record...
    first_form = first.get(change_url(override))
    second_form = second.get(change_url(override))
    # ...the colleague saves first...
    saved = second.post(change_url(override), form_data(second_form, note="春节（调整）"))
    assert saved.status_code == 302
    # ...and the other's save is refused, naming the colleague, without losing their change.
    refused = first.post(change_url(override), form_data(first_form, note="春节假期"))
    assert refused.status_code == 200
    page = refused.content.decode()
    assert "李四" in page and "在您编辑期间修改了" in page
    override.refresh_from_db()
    assert (override.note, override.version) == ("春节（调整）", 2)


def test_an_editor_alone_saves_again_and_again(hq, override, login):
    client = login(hq)
    for note in ["一", "二"]:
        response = client.post(
            change_url(override), form_data(client.get(change_url(override)), note=note)
        )
        assert response.status_code == 302
    override.refresh_from_db()
    assert (override.note, override.version) == ("二", 3)


def test_a_save_with_a_stale_version_changes_nothing(override):
    stale = CalendarOverride.objects.get(pk=override.pk)
    override.note = "first"
    save_versioned(override, expected_version=1)
    stale.note = "second"
    with pytest.raises(ConcurrentChange):
        save_versioned(stale, expected_version=1)
    override.refresh_from_db()
    assert (override.note, override.version) == ("first", 2)


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_of_two_simultaneous_saves_exactly_one_wins_on_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("row locks under real concurrency need PostgreSQL (DATABASE_URL)")
    override = CalendarOverride.objects.create(date=dt.date(2027, 2, 7), kind="holiday", note="")
    barrier = threading.Barrier(2)
    outcomes = []

    def save(note):
        mine = CalendarOverride.objects.get(pk=override.pk)
        mine.note = note
        barrier.wait()
        try:
            save_versioned(mine, expected_version=1)
            outcomes.append(note)
        except ConcurrentChange:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=save, args=(n,)) for n in ("甲", "乙")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    override.refresh_from_db()
    assert sorted(outcomes, key=lambda o: o == "refused") == [override.note, "refused"]
    assert override.version == 2
