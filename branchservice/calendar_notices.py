"""Entering a year's calendar from the State Council notice: preview, then apply.

`preview_notice` parses the text (branchservice.notice) and compares it with the overrides
already entered: what would be added, changed or removed, what was entered by hand and is
kept, and where the notice differs from the `chinesecalendar` package. `apply_notice` writes
exactly that in one transaction, each override pointing at the stored notice; the same text
again changes nothing. The overrides a notice owns for its year are those it wrote, so a
corrected text removes what the earlier one wrote and it no longer names, and never touches a
date head office entered by hand unless the notice names that date.
"""

import calendar as pycalendar
import datetime as dt
import hashlib
from dataclasses import dataclass, field

import chinese_calendar
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .calendar import has_official_calendar
from .calendar_changes import overrides_changed
from .models import CalendarNotice, CalendarOverride
from .notice import HOLIDAY, WORKDAY, ParsedNotice, parse_notice
from .text import refuse_unstorable_text

# The notice's text is short (about 1,500 characters); this bounds what a paste may store.
MAX_NOTICE_CHARS = 20_000
SAMPLE_MARK = "【示例】"


@dataclass(frozen=True)
class Change:
    date: dt.date
    old: str | None  # the kind entered now, None when the date has no override
    new: str | None  # the kind the notice gives, None when the override goes
    note: str


@dataclass
class Preview:
    parsed: ParsedNotice
    changes: list[Change] = field(default_factory=list)
    kept: list[CalendarOverride] = field(default_factory=list)  # entered by hand, not named
    differs_from_package: list[tuple[dt.date, bool]] = field(default_factory=list)

    @property
    def fingerprint(self) -> str:
        """Identifies the changes previewed, so that confirming applies exactly those."""
        text = ";".join(f"{c.date}:{c.old}:{c.new}:{c.note}" for c in self.changes)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    @property
    def counts(self) -> dict[str, int]:
        return {
            "added": sum(1 for c in self.changes if c.old is None),
            "changed": sum(1 for c in self.changes if c.old and c.new),
            "removed": sum(1 for c in self.changes if c.new is None),
        }

    def months(self):
        """The year as 12 months of weeks (Monday first): (day or None, status) cells."""
        days = self.parsed.days
        year = self.parsed.year
        months = []
        for month in range(1, 13):
            weeks = []
            for week in pycalendar.Calendar().monthdatescalendar(year, month):
                weeks.append([_cell(day, month, days) for day in week])
            months.append({"month": month, "weeks": weeks})
        return months


def _cell(day, month, days):
    if day.month != month:
        return {"day": None}
    kind, name = days.get(day, (None, ""))
    status = kind or ("weekend" if day.weekday() >= 5 else "working")
    return {"day": day, "status": status, "name": name}


def _note(year: int, name: str) -> str:
    # Stored, so written in the bank's language whatever the user's.
    with translation.override(settings.LANGUAGE_CODE):
        return _("%(year)s holiday notice: %(name)s") % {"year": year, "name": name or "-"}


def _national():
    # A notice is the State Council's: it writes, compares and counts nationwide dates only;
    # a region's own days stand beside it.
    return CalendarOverride.objects.filter(branch=None)


def _owned(year: int, days) -> list[CalendarOverride]:
    return list(
        _national()
        .filter(Q(notice__year=year) | Q(date__in=list(days)))
        .select_related("notice")
        .order_by("date")
    )


def _compare(parsed: ParsedNotice, owned: list[CalendarOverride]) -> list[Change]:
    days = parsed.days
    by_date = {o.date: o for o in owned}
    changes = []
    for day in sorted(set(days) | set(by_date)):
        current = by_date.get(day)
        if day not in days:
            if current.notice_id is not None:  # written by an earlier notice of this year
                changes.append(Change(day, current.kind, None, current.note))
            continue
        kind, name = days[day]
        note = _note(parsed.year, name)
        if current is None:
            changes.append(Change(day, None, kind, note))
        elif (current.kind, current.note, current.notice_id is None) != (kind, note, False):
            changes.append(Change(day, current.kind, kind, note))
    return changes


def preview_notice(text: str, year: int | None = None) -> Preview:
    parsed = parse_notice(text, year)
    preview = Preview(parsed)
    if parsed.year is None:
        return preview
    days = parsed.days
    owned = _owned(parsed.year, days)
    preview.changes = _compare(parsed, owned)
    owned_dates = {o.date for o in owned}
    preview.kept = list(
        _national()
        .filter(date__year=parsed.year, notice__isnull=True)
        .exclude(date__in=owned_dates)
        .order_by("date")
    )
    if has_official_calendar(parsed.year):
        preview.differs_from_package = [
            (day, kind == WORKDAY)
            for day, (kind, _name) in sorted(days.items())
            if (kind == WORKDAY) != chinese_calendar.is_workday(day)
        ]
    return preview


def refusals(preview: Preview, *, today: dt.date) -> list[str]:
    """Why this preview may not be applied (empty when it may)."""
    parsed = preview.parsed
    reasons = [p.message for p in parsed.blocking]
    if parsed.year is not None and parsed.year < today.year:
        reasons.append(
            _("%(year)s is past: its deadlines are counted already.") % {"year": parsed.year}
        )
    if not reasons and not parsed.items:
        reasons.append(_("No holiday or working day could be read from this text."))
    return reasons


def apply_notice(*, user, text: str, year: int, fingerprint: str) -> Preview:
    """Write the notice's year in one transaction, exactly as previewed (`fingerprint`).

    Returns the preview applied; its changes are empty when the text changed nothing."""
    if len(text) > MAX_NOTICE_CHARS:
        raise ValidationError(_("The text is too long for a holiday notice."))
    notice = CalendarNotice(year=year, text=text, applied_by=user)
    refuse_unstorable_text(notice, "text")
    with transaction.atomic():
        # Two administrators applying at once: the second waits here, then finds the
        # overrides changed and its fingerprint stale.
        list(_national().select_for_update().filter(date__year__in=(year - 1, year)))
        preview = preview_notice(text, year)
        reasons = refusals(preview, today=timezone.localdate())
        if reasons:
            raise ValidationError(reasons)
        if preview.fingerprint != fingerprint:
            raise ValidationError(
                _("The calendar changed since the preview: look at the new preview and confirm.")
            )
        if not preview.changes:
            return preview
        notice.applied_at = timezone.now()
        notice.save()
        existing = {o.date: o for o in _owned(year, preview.parsed.days)}
        for change in preview.changes:
            override = existing.get(change.date) or CalendarOverride(date=change.date)
            override._history_user = user
            if change.new is None:
                override.delete()
                continue
            if override.pk:
                override.version += 1
            override.kind = change.new
            override.note = change.note
            override.notice = notice
            override.save()
        # A holiday replacing a weekend day flips nothing; deadlines move for the others.
        overrides_changed(
            before=[(c.date, c.old) for c in preview.changes if c.old],
            after=[(c.date, c.new) for c in preview.changes if c.new],
        )
    return preview


def year_status(year: int) -> dict:
    """How `year` is counted: from the package, from a notice applied on a date, or weekends
    only; with the holidays and adjusted working days entered, and the dates where they
    differ from the package; nationwide dates only (a region's own days leave the year as
    it is elsewhere). One query."""
    rows = _national().filter(date__year=year).values_list("date", "kind", "notice__applied_at")
    official = has_official_calendar(year)
    status = {"year": year, "holidays": 0, "workdays": 0, "applied_at": None, "differs": 0}
    for day, kind, applied_at in rows:
        status["holidays" if kind == HOLIDAY else "workdays"] += 1
        if applied_at and (status["applied_at"] is None or applied_at > status["applied_at"]):
            status["applied_at"] = applied_at
        if official and (kind == WORKDAY) != chinese_calendar.is_workday(day):
            status["differs"] += 1
    if official:
        status["source"] = "package"
    elif status["applied_at"]:
        status["source"] = "notice"
    else:
        status["source"] = "weekends"
    return status
