"""Reminder kinds are declared by the apps that own the scans, not by the notifications app."""

import pytest
from django.core.management import call_command
from django.db import models
from django.utils import translation

from branchservice.notifications import registry
from branchservice.notifications.models import Notification
from tests.notifications.factories import notification_of_a


class NewKind(models.TextChoices):
    MYSTERY_VISIT = "mystery_visit", "Mystery shopper visit"


@pytest.fixture
def new_kind():
    saved = (dict(registry._KIND_LABELS), dict(registry._HEADLINES))
    registry.register_kinds(
        NewKind, {(NewKind.MYSTERY_VISIT, Notification.Stage.DUE): "Visit %(object)s today."}
    )
    yield NewKind.MYSTERY_VISIT
    registry._KIND_LABELS, registry._HEADLINES = saved


def test_a_new_kind_needs_no_migration_in_notifications(new_kind, db):
    # Exits with status 1 if the notifications app needed a migration.
    call_command("makemigrations", "notifications", check=True, dry_run=True, verbosity=0)
    assert (new_kind, "Mystery shopper visit") in Notification._meta.get_field("kind").choices


def test_a_new_kinds_reminder_says_what_its_app_declared(new_kind):
    reminder = Notification(kind=new_kind, stage=Notification.Stage.DUE, object_label="BJ0101")
    assert reminder.headline == "Visit BJ0101 today."
    assert reminder.get_kind_display() == "Mystery shopper visit"


def test_stored_kinds_keep_their_label_and_wording(org):
    stored = Notification.objects.get(pk=notification_of_a(org).pk)
    assert stored.kind == "checklist"  # the value stored before kinds moved to their apps
    with translation.override("en"):
        assert stored.get_kind_display() == "Daily checklist"
        assert stored.headline.startswith("Today's service checklist of")
    with translation.override("zh-hans"):
        assert stored.get_kind_display() != "Daily checklist"  # translated by standards
