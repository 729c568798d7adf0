from celery import shared_task
from django.utils import timezone

from .calendar_package import package_check
from .models import JobHeartbeat


@shared_task
def record_heartbeat(name: str = "beat") -> str:
    """Scheduled every minute by beat; its timestamp shows that beat and a worker are alive."""
    now = timezone.now()
    JobHeartbeat.objects.update_or_create(name=name, defaults={"last_run_at": now})
    return now.isoformat()


@shared_task(ignore_result=True)
def check_calendar_package() -> int:
    """Scheduled by beat: a newer chinesecalendar moves the deadlines its days change."""
    return len(package_check())
