"""When each part of an outlet's daily checklist is due: the one home of the rule.

    opening checks   before the doors open: due at the outlet's opening time
    daytime checks   due at STANDARDS_CHECKLIST_DUE_TIME
    closing checks   begin when the outlet closes, due STANDARDS_CLOSING_CHECK_MINUTES later

(the outlet's hours: branchservice.opening). A part is done once every item of it is answered;
the checklist is due when its last part is, and that part ends with the submit. A template
whose sections are not marked is all daytime, due as before.

Lobby managers are reminded of a daytime part at CHECKLIST_REMINDER_AT and its outlet head at
CHECKLIST_ESCALATION_AT; of an opening or closing part once it is due, and the head as long
after that as the two settings are apart.

The missed-day selector, the reminders and the fill page all ask here.
"""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from branchservice.opening import opening_hours

from .models import ChecklistPart

PART_ORDER = list(ChecklistPart)


def _clock(value: str) -> dt.time:
    return dt.time.fromisoformat(value)


def _at(day: dt.date, clock: dt.time) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, clock))


@dataclass(frozen=True)
class PartDue:
    """One part of a day's checklist at one outlet, with its times (aware, local)."""

    part: ChecklistPart
    starts_at: dt.datetime  # when it can be checked: a closing check once the outlet closes
    due_at: dt.datetime
    remind_at: dt.datetime
    escalate_at: dt.datetime

    @property
    def label(self):
        return self.part.label


def parts_of(sections) -> dict[ChecklistPart, set[int]]:
    """{part: its item ids} for a version's sections (standards.selectors.version_sections), in
    the order of the day."""
    items: dict[ChecklistPart, set[int]] = {}
    for section in sections:
        items.setdefault(ChecklistPart(section.part), set()).update(
            item.pk for item in section.items.all()
        )
    return {part: items[part] for part in PART_ORDER if part in items}


def closing_starts_at(outlet, day: dt.date) -> dt.datetime:
    """When the closing checks of `day` can be made at `outlet`: once it closes. Not before:
    the safe, the vouchers and the devices are checked as they are left for the night, so the
    services refuse a closing answer, and the submit, earlier."""
    return _at(day, opening_hours(outlet)[1])


def parts_due(outlet, day: dt.date, parts) -> list[PartDue]:
    """When each of `parts` is due at `outlet` on `day`, in the order of the day."""
    opens, _closes = opening_hours(outlet)
    remind = _clock(settings.CHECKLIST_REMINDER_AT)
    escalate = _clock(settings.CHECKLIST_ESCALATION_AT)
    # The head hears of an opening or closing check as long after the lobby managers as of the
    # daytime one.
    head_after = _at(day, escalate) - _at(day, remind)
    start_of_day = _at(day, dt.time.min)
    due = []
    for part in PART_ORDER:
        if part not in parts:
            continue
        if part == ChecklistPart.DAYTIME:
            due_at = _at(day, _clock(settings.STANDARDS_CHECKLIST_DUE_TIME))
            due.append(PartDue(part, start_of_day, due_at, _at(day, remind), _at(day, escalate)))
            continue
        if part == ChecklistPart.OPENING:
            starts_at, due_at = start_of_day, _at(day, opens)
        else:
            starts_at = closing_starts_at(outlet, day)
            due_at = starts_at + dt.timedelta(minutes=settings.STANDARDS_CLOSING_CHECK_MINUTES)
        due.append(PartDue(part, starts_at, due_at, due_at, due_at + head_after))
    return due


def outstanding(due: list[PartDue], answered_by_part, *, submitted=False) -> list[PartDue]:
    """The parts not done yet: not every item answered (`answered_by_part[part]` says whether
    all are), and the last part until the checklist is submitted."""
    if submitted:
        return []
    # On a tie the later in the day is last: a closing check due with the daytime one.
    last = max(reversed(due), key=lambda part: part.due_at)
    return [part for part in due if part is last or not answered_by_part.get(part.part, False)]


def part_now(due: list[PartDue], answered_by_part, now) -> tuple[PartDue, bool] | None:
    """The part to work on at `now`, and whether it is overdue: the first one not done whose
    time has come; else the next one to come. None when every part is answered."""
    left = [part for part in due if not answered_by_part.get(part.part, False)]
    for part in left:
        if part.starts_at <= now:
            return part, now >= part.due_at
    return (left[0], False) if left else None
