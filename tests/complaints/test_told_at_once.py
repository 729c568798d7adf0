"""Issue 14, told at once: every entry registered at an outlet reaches its handler and the
outlet head as it is registered (首问负责制), not when the acknowledgement deadline has passed.
A regulator transfer is told to the sub-branch's managers as well."""

import pytest
import time_machine
from django.core import mail

from branchservice.notifications.models import Notification
from branchservice.roles import Role
from complaints.models import Complaint
from tests.complaints.conftest import at, register, transferred
from tests.factories import UserFactory

MONDAY_10 = at(2026, 11, 23, 10)


@pytest.fixture
def head_b(org):
    return UserFactory(username="head_b", branch=org.b, roles=[Role.BRANCH_MANAGER])


def told(kind="complaint_registered"):
    return {n.recipient.username for n in Notification.objects.filter(kind=kind)}


@time_machine.travel(MONDAY_10, tick=False)
def test_the_outlet_head_hears_of_an_entry_as_it_is_registered(
    org, outlet_user, head_a, head_b, manager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        complaint = register(outlet_user, org.a, received_at=MONDAY_10)
    # The complaint manager registered it and handles it: only the outlet head is told, not
    # another outlet's head, nor the sub-branch for an ordinary complaint.
    assert told() == {"head_a"}
    assert [m.to for m in mail.outbox] == [[head_a.email]]
    assert complaint.reference in mail.outbox[0].body
    assert Notification.objects.get().sent_at is not None


@time_machine.travel(MONDAY_10, tick=False)
def test_an_entry_registered_by_the_outlet_head_is_told_to_its_handler(
    org, outlet_user, head_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        register(head_a, org.a, received_at=MONDAY_10)
    assert told() == {"cm_a"}


@time_machine.travel(MONDAY_10, tick=False)
def test_a_regulator_transfer_is_told_to_the_sub_branch_as_well(
    org, outlet_user, head_a, manager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        register(outlet_user, org.a, **transferred(MONDAY_10))
    assert told() == {"head_a", "mgr_s1"}


@time_machine.travel(MONDAY_10, tick=False)
def test_praise_has_nothing_to_acknowledge_and_is_not_pushed(org, outlet_user, head_a):
    register(outlet_user, org.a, received_at=MONDAY_10, kind=Complaint.Kind.PRAISE)
    assert not Notification.objects.exists()


def test_an_entry_registered_at_night_rings_the_bell_at_once_and_mails_in_the_morning(
    org, outlet_user, head_a, django_capture_on_commit_callbacks
):
    night = at(2026, 11, 23, 22)
    with time_machine.travel(night, tick=False), django_capture_on_commit_callbacks(execute=True):
        register(outlet_user, org.a, received_at=night)
    bell = Notification.objects.get(recipient=head_a)
    assert bell.read_at is None and bell.sent_at is None
    assert bell.scheduled_for.astimezone(night.tzinfo).hour == 8
    assert not mail.outbox


@time_machine.travel(MONDAY_10, tick=False)
def test_while_the_demo_is_seeded_entries_ring_the_bell_and_wait_for_the_dispatch(
    org, outlet_user, head_a, django_capture_on_commit_callbacks
):
    # seed_demo runs before `make run` starts Redis: nothing may be queued meanwhile.
    from branchservice.notifications.services import deliveries_held

    with django_capture_on_commit_callbacks() as callbacks, deliveries_held():
        register(outlet_user, org.a, received_at=MONDAY_10)
    assert callbacks == []
    assert told() == {"head_a"}
    assert Notification.objects.get().sent_at is None
