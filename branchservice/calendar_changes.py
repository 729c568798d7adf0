"""Telling the apps that working days changed, so that the deadlines counted on them follow.

The calendar belongs to the ground; the deadlines stored on it belong to the domain apps,
which the ground never names. An app registers a hook in its AppConfig.ready()
(`register(hook)`); whatever writes overrides (a notice applied, a date entered, changed
or deleted in the admin) calls `overrides_changed(before=, after=)`, which tells the hooks
each date whose status flipped (True: it became a working day, False: a day off). The hooks
run once the transaction commits: they queue background work that must read the new
calendar, and nothing at all when the change is rolled back.
"""

import datetime as dt
from collections.abc import Callable, Mapping
from functools import partial

from django.db import transaction

from .calendar import working_day_with

Hook = Callable[[dict[dt.date, bool]], None]
_hooks: list[Hook] = []


def register(hook: Hook) -> None:
    if hook not in _hooks:
        _hooks.append(hook)


def calendar_changed(flips: Mapping[dt.date, bool]) -> None:
    """Call every hook with `flips` (date → is now a working day) after the commit."""
    if flips:
        transaction.on_commit(partial(_tell, dict(flips)))


def _tell(flips: dict[dt.date, bool]) -> None:
    for hook in list(_hooks):
        hook(flips)


def overrides_changed(*, before=(), after=()) -> None:
    """Overrides were written: `before` and `after` are the (date, kind) pairs of the dates
    touched, as they were and as they are (a date missing had no override)."""
    old, new = dict(before), dict(after)
    flips = {}
    for day in old.keys() | new.keys():
        now_working = working_day_with(new.get(day), day)
        if working_day_with(old.get(day), day) != now_working:
            flips[day] = now_working
    calendar_changed(flips)
