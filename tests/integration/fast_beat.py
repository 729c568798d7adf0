"""Celery beat sending every entry of the project's schedule every few seconds.

The real entries fire on crontabs, a minute apart at best: longer than a test may wait. Only
the timing changes; the entries' names, tasks and arguments are the ones in
branchservice/celery.py. Started by the `celery_beat` fixture as

    python fast_beat.py SECONDS [celery beat options]
"""

import sys
from datetime import timedelta

from branchservice.celery import app


def main() -> int:
    every = timedelta(seconds=float(sys.argv[1]))
    for entry in app.conf.beat_schedule.values():
        entry["schedule"] = every
    return app.start(["beat", *sys.argv[2:]])


if __name__ == "__main__":
    sys.exit(main())
