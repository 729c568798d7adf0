"""Two people editing one complaint's details at once: the second save is refused with the
name of the first, and nothing either of them saved is lost (optimistic version check)."""

import pytest
from django.db import connection
from django.urls import reverse

from branchservice.concurrency import ConcurrentChange
from complaints import services
from complaints.models import Complaint
from tests.complaints.test_concurrency import _race

S = Complaint.Status


def change_url(complaint):
    return reverse("admin:complaints_complaint_change", args=[complaint.pk])


def form_data(page, **changes):
    form = page.context["adminform"].form
    return {**{name: form[name].value() or "" for name in form.fields}, **changes}


def test_the_second_of_two_managers_is_told_who_changed_the_complaint_meanwhile(
    complaint_in, outlet_user, manager, login
):
    complaint = complaint_in(S.ACKNOWLEDGED)
    mine, theirs = login(outlet_user), login(manager)
    # Both open the complaint...
    my_page, their_page = mine.get(change_url(complaint)), theirs.get(change_url(complaint))
    # ...the branch manager saves first...
    saved = theirs.post(
        change_url(complaint), form_data(their_page, complained_about="叫号机值守人员")
    )
    assert saved.status_code == 302
    # ...and the handler's save is refused, naming the branch manager.
    refused = mine.post(change_url(complaint), form_data(my_page, customer_request="要求赔偿。"))
    assert refused.status_code == 200
    page = refused.content.decode()
    assert manager.get_full_name() in page and "在您编辑期间修改了" in page
    complaint.refresh_from_db()
    assert complaint.complained_about == "叫号机值守人员"
    assert complaint.customer_request != "要求赔偿。"
    assert complaint.version == 2
    # Reloaded, the handler sees the manager's text and saves on top of it.
    again = mine.post(
        change_url(complaint),
        form_data(mine.get(change_url(complaint)), customer_request="要求赔偿。"),
    )
    assert again.status_code == 302
    complaint.refresh_from_db()
    assert (complaint.complained_about, complaint.customer_request, complaint.version) == (
        "叫号机值守人员",
        "要求赔偿。",
        3,
    )


def test_a_workflow_step_in_between_does_not_block_an_edit(complaint_in, outlet_user, login):
    # Steps lock the row and touch only their own fields; they do not outdate the details form.
    complaint = complaint_in(S.ACKNOWLEDGED)
    client = login(outlet_user)
    page = client.get(change_url(complaint))
    services.complaint_investigate(user=outlet_user, complaint=complaint, note="调阅监控。")
    saved = client.post(change_url(complaint), form_data(page, customer_request="要求道歉。"))
    assert saved.status_code == 302
    complaint.refresh_from_db()
    assert (complaint.status, complaint.customer_request) == (S.INVESTIGATING, "要求道歉。")


@pytest.mark.django_db(transaction=True)
def test_of_two_simultaneous_edits_exactly_one_wins_on_postgresql(
    complaint_in, outlet_user, manager
):
    if connection.vendor != "postgresql":
        pytest.skip("row locks under real concurrency need PostgreSQL (DATABASE_URL)")
    complaint = complaint_in(S.ACKNOWLEDGED)
    # Both opened the details at version 1 and press "save" in the same instant.
    editors = [(outlet_user, "甲的说明"), (manager, "乙的说明")]

    def edit(i):
        user, text = editors[i]
        services.complaint_update(
            user=user, complaint=complaint, data={"customer_request": text}, expected_version=1
        )
        return text

    saved, refused = _race(edit, threads=2)
    complaint.refresh_from_db()
    assert saved == [complaint.customer_request]
    assert [type(e) for e in refused] == [ConcurrentChange]
    assert complaint.version == 2
