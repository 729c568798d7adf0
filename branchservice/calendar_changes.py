"""Telling the apps that working days changed, so that the deadlines counted on them follow.

The calendar belongs to the ground; the deadlines stored on it belong to the domain apps,
which the ground never names. An app registers a hook in its AppConfig.ready()
(`register(hook)`); whatever writes overrides (a notice applied, a date entered, changed
or deleted in the admin, a newer package) calls `overrides_changed(before=, after=)`, which
tells the hooks each date whose status flipped (True: it became a working day, False: a day
off) and the subtree it flipped for (a branch path; None: nationwide), so that a region's
day recounts only that region's open items. The hooks run once the transaction commits:
they queue background work that must read the new calendar, and nothing at all when the
change is rolled back.
"""

import datetime as dt
from collections.abc import Callable, Mapping
from functools import partial

from django.db import transaction

from .calendar import is_working_day, working_day_with

Hook = Callable[[dict[dt.date, bool], str | None], None]
_hooks: list[Hook] = []


def register(hook: Hook) -> None:
    if hook not in _hooks:
        _hooks.append(hook)


def calendar_changed(flips: Mapping[dt.date, bool], subtree: str | None = None) -> None:
    """Call every hook with `flips` (date → is now a working day) and `subtree` (the path of
    the branch whose subtree they flipped for; None: everywhere) after the commit."""
    if flips:
        transaction.on_commit(partial(_tell, dict(flips), subtree))


def _tell(flips: dict[dt.date, bool], subtree: str | None) -> None:
    for hook in list(_hooks):
        hook(flips, subtree)


def overrides_changed(*, before=(), after=(), branch=None) -> None:
    """Overrides were written: `before` and `after` are the (date, kind) pairs of the dates
    touched, as they were and as they are (a date missing had no override), nationwide or,
    with `branch`, for that branch's subtree.

    Without its own override a regional date is what the calendar above the branch says
    (its parent's region, or nationwide); a nationwide one is the package's."""
    old, new = dict(before), dict(after)

    def working(kind, day):
        if kind is None and branch is not None:
            return is_working_day(day, branch=branch.parent_id)
        return working_day_with(kind, day)

    flips = {}
    for day in old.keys() | new.keys():
        now_working = working(new.get(day), day)
        if working(old.get(day), day) != now_working:
            flips[day] = now_working
    calendar_changed(flips, branch.path if branch is not None else None)
