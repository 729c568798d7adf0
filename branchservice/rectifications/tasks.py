import datetime as dt

from celery import shared_task

from . import services


# acks_late: a worker lost halfway leaves the job to another; a second run finds the due
# dates already moved and writes nothing twice.
@shared_task(name=services.RECOUNT_DUE_DATES_TASK, acks_late=True, ignore_result=True)
def recount_due_dates(flips: list, subtree: str | None = None) -> int:
    """`flips`: [iso date, is now a working day] pairs (JSON carries no dates); `subtree`:
    the path of the branch whose region they flipped for, None when nationwide."""
    return services.rectifications_follow_calendar(
        flips={dt.date.fromisoformat(day): working for day, working in flips}, subtree=subtree
    )
