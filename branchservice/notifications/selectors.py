from .models import Notification


def unread_count(user) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(recipient=user).unread().count()


def reminders_of(user):
    """A person's own reminders, newest first: nobody reads another person's reminders."""
    return Notification.objects.filter(recipient=user).exclude(cancelled_at__isnull=False)
