from celery import shared_task
from django.utils import timezone

from .models import JobHeartbeat


@shared_task
def record_heartbeat(name: str = "beat") -> str:
    """Scheduled every minute by beat; its timestamp shows that beat and a worker are alive."""
    now = timezone.now()
    JobHeartbeat.objects.update_or_create(name=name, defaults={"last_run_at": now})
    return now.isoformat()
