"""What a scan returns, where the scans are, and the kinds of reminder with their wording.

Each module named in settings.NOTIFICATIONS_SCANNERS provides
    scan(*, now, directory) -> Iterable[Reminder]   what is due now, to whom
    still_due(notification, target) -> str | None   None, or why it no longer needs sending
    KINDS                                           the kind values it owns
so that the delivery can drop a reminder whose complaint was answered or voided meanwhile.

The app owning a scanner declares its kinds (a TextChoices) and what each says at each stage,
and registers them at start-up (`register_kinds` in its AppConfig.ready()). Notification.kind
takes its choices from this registry through a callable, so a new kind needs no migration
here; the stored values are plain strings and stay valid.
"""

import datetime as dt
from collections import namedtuple
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from operator import attrgetter, itemgetter
from types import ModuleType
from typing import Any

from django.conf import settings
from django.db import models
from django.urls import NoReverseMatch, reverse
from django.utils.module_loading import import_module
from django.utils.translation import gettext_lazy as _

_KIND_LABELS: dict[str, Any] = {}
_HEADLINES: dict[tuple[str, str], Any] = {}


def register_kinds(kinds: type[models.TextChoices], headlines: dict[tuple[str, str], Any]):
    """Declare reminder kinds and their wording: `headlines[(kind, stage)]` is one sentence
    with "%(object)s" (the object's label) and "%(due)s" (its deadline)."""
    for value, label in kinds.choices:
        _KIND_LABELS[value] = label
    _HEADLINES.update(headlines)


def kind_choices() -> list[tuple[str, Any]]:
    """Notification.kind's choices: every registered kind (a callable, so no migration)."""
    return list(_KIND_LABELS.items())


def headline_template(kind: str, stage: str):
    return _HEADLINES.get((kind, stage))


# Rows a scan reads per query: enough to keep the query count low, few enough for memory.
BATCH_SIZE = 2000


# What still_due() answers, worded once for every scanner (recorded on the cancelled row).
NO_LONGER_DUE_DONE = _("Done since the reminder was created.")
NO_LONGER_DUE_MOVED = _("The deadline has moved since the reminder was created.")
NO_LONGER_DUE_CLOSED = _("No longer open: %(status)s.")
NO_LONGER_DUE_SUPERSEDED = _(
    "Already sent for the deadline before it moved; the person was told of the move instead."
)


@dataclass(frozen=True)
class Reminder:
    target: models.Model
    kind: str
    stage: str
    recipient_ids: Iterable[int]
    due_at: dt.datetime | None = None
    occurrence: str = ""
    label: str = ""
    url: str = ""
    # Work that is done on days off as well (a weekend-open outlet's checklist): sent within
    # working hours that day instead of being held for the next working morning.
    on_days_off: bool = False
    # Runs once, in the creating transaction, when this reminder is stored for the first
    # time (e.g. to write the escalation on the complaint's timeline).
    on_first_creation: Callable[[], None] | None = field(default=None, compare=False)


def scanners() -> list[ModuleType]:
    return [import_module(path) for path in settings.NOTIFICATIONS_SCANNERS]


def scanner_for(kind: str) -> ModuleType | None:
    for module in scanners():
        if kind in module.KINDS:
            return module
    return None


def batched(queryset, *, last_pk=attrgetter("pk")):
    """The rows of `queryset` (ordered by pk), fetched BATCH_SIZE at a time by keyset, so a
    scan costs one query per batch however many rows are due."""
    last = 0
    while True:
        batch = list(queryset.filter(pk__gt=last)[:BATCH_SIZE])
        yield from batch
        if len(batch) < BATCH_SIZE:
            return
        last = last_pk(batch[-1])


@cache
def _row_type(model: type[models.Model], fields: tuple[str, ...]) -> type:
    base = namedtuple(f"{model.__name__}Row", fields)
    # `_meta` lets a row stand for its model wherever a reminder's target is read
    # (ContentType.get_for_model, admin_url): a row needs no model instance.
    return type(base.__name__, (base,), {"__slots__": (), "_meta": model._meta})


def batched_rows(queryset, fields: tuple[str, ...]):
    """Like batched(), but each row is a named tuple of `fields` (which start with "pk")
    standing for its model. A scan reads thousands of rows, and building a model instance
    for each costs more than the query: a tuple keeps the scan close to its bare SQL."""
    make = _row_type(queryset.model, fields)._make
    for values in batched(queryset.values_list(*fields), last_pk=itemgetter(0)):
        yield make(values)


_PK = 8_642_097_531  # stands for the primary key while the URL pattern is reversed once


@cache
def _admin_change_url(app_label: str, model_name: str) -> str:
    try:
        url = reverse(f"admin:{app_label}_{model_name}_change", args=[_PK])
    except NoReverseMatch:
        return ""
    return url.replace(str(_PK), "{pk}")


def admin_url(obj) -> str:
    """The admin change page of `obj`, or "" where that model has no admin.

    Reversed once per model: a scan asks for thousands, and reverse() is its slowest step."""
    template = _admin_change_url(obj._meta.app_label, obj._meta.model_name)
    return template.format(pk=obj.pk) if template else ""
