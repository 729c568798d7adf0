"""What a scan returns, and where the scans are.

Each module named in settings.NOTIFICATIONS_SCANNERS provides
    scan(*, now, directory) -> Iterable[Reminder]   what is due now, to whom
    still_due(notification, target) -> str | None   None, or why it no longer needs sending
    KINDS                                           the Notification.Kind values it owns
so that the delivery can drop a reminder whose complaint was answered or voided meanwhile.
"""

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from types import ModuleType

from django.conf import settings
from django.db import models
from django.utils.module_loading import import_module


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
