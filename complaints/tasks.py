import datetime as dt

from celery import shared_task

from . import services


# acks_late: a worker lost halfway leaves the job to another; a second run finds the
# deadlines already moved and writes nothing twice.
@shared_task(name=services.RECOUNT_DEADLINES_TASK, acks_late=True, ignore_result=True)
def recount_deadlines(flips: list, subtree: str | None = None) -> int:
    """`flips`: [iso date, is now a working day] pairs (JSON carries no dates); `subtree`:
    the path of the branch whose region they flipped for, None when nationwide."""
    return services.complaints_follow_calendar(
        flips={dt.date.fromisoformat(day): working for day, working in flips}, subtree=subtree
    )
