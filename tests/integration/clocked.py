"""Run a Celery worker or beat with its clock set to a given moment (then ticking on).

Reminders depend on the hour and the PRC calendar, so the integration tests start the real
processes at the moment they need, through time-machine, instead of waiting for it:

    python clocked.py 2026-11-24T09:00:00+08:00 worker [celery worker options]
    python clocked.py 2026-11-24T09:00:00+08:00 beat [celery beat options]

"beat" is the fast beat of fast_beat.py: every entry of the project's schedule every second.
"""

import datetime as dt
import sys

import time_machine


def main() -> int:
    moment = dt.datetime.fromisoformat(sys.argv[1])
    role, options = sys.argv[2], sys.argv[3:]
    time_machine.travel(moment, tick=True).start()
    if role == "beat":
        from tests.integration import fast_beat

        sys.argv = ["fast_beat.py", "1", *options]
        return fast_beat.main()
    from branchservice.celery import app

    return app.start(["worker", *options])


if __name__ == "__main__":
    sys.exit(main())
