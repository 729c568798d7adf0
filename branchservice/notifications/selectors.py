from .models import Notification


def reminders_of(user):
    """A person's own reminders, newest first: nobody reads another person's reminders.

    Cancelled ones (settled before they were sent) are left out here and in the bell."""
    return Notification.objects.filter(recipient=user, cancelled_at=None)


def unread_count(user) -> int:
    if not user.is_authenticated:
        return 0
    return reminders_of(user).unread().still_to_do().count()
