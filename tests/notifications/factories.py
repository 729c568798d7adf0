"""Rows of the reminders app, for tests that need one that belongs to outlet A."""

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from branchservice.notifications.models import Notification, NotificationPreference, WeComWebhook
from branchservice.roles import Role
from standards.reminders import Kind as StandardsKind
from tests.factories import UserFactory


def cm_of_a(org):
    # get_or_create by username: the same person as the `outlet_user` fixture.
    return UserFactory(username="cm_a", branch=org.a, roles=[Role.COMPLAINT_MANAGER])


def notification_of_a(org):
    now = timezone.now()
    return Notification.objects.create(
        recipient=cm_of_a(org),
        kind=StandardsKind.CHECKLIST,
        stage=Notification.Stage.OVERDUE,
        content_type=ContentType.objects.get_for_model(org.a),
        object_id=org.a.pk,
        object_label=org.a.name,
        url=f"/admin/branchservice/branch/{org.a.pk}/change/",
        scheduled_for=now,
    )


def wecom_of_a(org):
    return WeComWebhook.objects.create(branch=org.a, url="http://127.0.0.1:9/bot")


def preference_of_a(org):
    return NotificationPreference.objects.create(user=cm_of_a(org), language="en")
