"""Local development: `make run`. SQLite under var/ and the embedded Redis unless set otherwise."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=True)

# The demo runs at any hour of any day; hold reminders for working hours only when asked to.
NOTIFICATIONS_HOLD_OUTSIDE_WORKING_HOURS = env.bool("REMINDERS_HOLD", default=False)
