"""Reads of the standards app for pages, reminders and reports."""

import datetime as dt
from dataclasses import dataclass, replace

from django.core.cache import cache
from django.db.models import F, Prefetch
from django.utils import timezone

from branchservice.models import Branch
from branchservice.opening import opening_days, opening_hours
from branchservice.rectifications.models import Rectification

from .due import PartDue, closing_starts_at, outstanding, part_now, parts_due, parts_of
from .models import (
    Checklist,
    ChecklistAnswer,
    ChecklistPart,
    MissedChecklistExcuse,
    TemplateKind,
    TemplateVersion,
    VersionItem,
    VersionSection,
)


@dataclass(frozen=True)
class MissingChecklist:
    """An opening day on which an outlet has no submitted daily checklist (and no excuse)."""

    branch: Branch
    business_date: dt.date
    # The first due time among the parts not done yet (standards.due).
    due_at: dt.datetime
    # The draft or reopened checklist, if one was started.
    checklist: Checklist | None
    is_missed: bool  # False: still pending, no part's due time has passed yet
    # The parts not done yet, in the order of the day, each with its own times.
    parts: tuple[PartDue, ...] = ()


def missed_and_pending_checklists(*, branches_qs, date_from, date_to, now=None):
    """Daily checklists that are missing for the outlets of `branches_qs` from `date_from` to
    `date_to` (inclusive), ordered by date and outlet.

    Only the outlet's opening days need a checklist (branchservice.opening: PRC working days,
    its weekends, its chosen dates); days after `now` are not listed; excused days are not
    listed. Each part of the day (opening, daytime, closing checks) is due at its own time
    (standards.due): a day with a part past its due time and not done is missed, an earlier one
    pending. A day not started has the parts of the published daily templates. Five queries
    whatever the range (outlets, their chosen dates, checklists, excuses, daily templates), one
    more for the answers of drafts with several parts, plus the calendar's cached overrides.
    """
    if min(date_to, timezone.localdate(now)) < date_from:
        return []
    outlets = branches_qs.filter(level=Branch.Level.OUTLET, is_active=True).order_by("path")
    return daily_checklist_days(
        outlets=list(outlets), date_from=date_from, date_to=date_to, now=now
    ).missing


@dataclass
class DailyChecklistDays:
    """What the daily checklists of some outlets are over a range of days up to today."""

    opening: dict[int, set[dt.date]]  # outlet id: its opening days
    done: list[Checklist]  # submitted or signed off
    excused: set[tuple[int, dt.date]]  # (outlet id, day)
    missing: list[MissingChecklist]  # of the active outlets, by date and outlet


def daily_checklist_days(*, outlets, date_from, date_to, now=None) -> DailyChecklistDays:
    """missed_and_pending_checklists for `outlets` (already read, in the order to list them),
    with the reads behind it: the monthly summary counts the days required, done and excused
    from the same rows, not from a second reading of them. Inactive outlets' checklists and
    excuses are read (their history counts); only active outlets have missing days."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    date_to = min(date_to, today)
    if date_to < date_from:
        return DailyChecklistDays({}, [], set(), [])
    started = {}
    done = []
    for checklist in (
        Checklist.objects.daily()
        .filter(branch__in=outlets, business_date__range=(date_from, date_to))
        .select_related("template_version")
        .only(
            "id",
            "branch_id",
            "business_date",
            "status",
            "score",
            "critical_failures",
            "template_id",
            "template_version__id",
            "template_version__published_at",
        )
    ):
        key = (checklist.branch_id, checklist.business_date)
        if checklist.is_done:
            done.append(checklist)
        if checklist.is_done or key not in started:
            started[key] = checklist
    excused = set(
        MissedChecklistExcuse.objects.filter(
            branch__in=outlets, business_date__range=(date_from, date_to)
        ).values_list("branch_id", "business_date")
    )
    opening = opening_days(outlets, date_from, date_to)
    active = [outlet for outlet in outlets if outlet.is_active]
    drafts = [c for c in started.values() if not c.is_done]
    parts_by_draft = {c.pk: parts_of(version_sections(c.template_version)) for c in drafts}
    answered = _answered_items([pk for pk, parts in parts_by_draft.items() if len(parts) > 1])
    unstarted_parts = _daily_template_parts()
    due_cache = {}
    missing = []
    day = date_from
    while day <= date_to:
        for outlet in active:
            key = (outlet.pk, day)
            checklist = started.get(key)
            if (
                day not in opening[outlet.pk]
                or key in excused
                or (checklist is not None and checklist.is_done)
            ):
                continue
            parts = parts_by_draft[checklist.pk] if checklist else unstarted_parts
            # Outlets of the same hours share their parts' times on a day.
            times = (day, opening_hours(outlet), tuple(parts))
            if times not in due_cache:
                due_cache[times] = parts_due(outlet, day, parts)
            done_parts = {}
            if checklist is not None:
                given = answered.get(checklist.pk, set())
                done_parts = {part: items <= given for part, items in parts.items()}
            left = outstanding(due_cache[times], done_parts)
            due_at = min(part.due_at for part in left)
            missing.append(
                MissingChecklist(
                    outlet, day, due_at, checklist, is_missed=now >= due_at, parts=tuple(left)
                )
            )
        day += dt.timedelta(days=1)
    return DailyChecklistDays(opening, done, excused, missing)


def _answered_items(checklist_ids) -> dict[int, set[int]]:
    """{checklist id: the items answered so far}, in one query (none for no checklists)."""
    answered: dict[int, set[int]] = {}
    if checklist_ids:
        for checklist_id, item_id in (
            ChecklistAnswer.objects.filter(checklist__in=checklist_ids)
            .exclude(result="", score__isnull=True)
            .values_list("checklist_id", "item_id")
        ):
            answered.setdefault(checklist_id, set()).add(item_id)
    return answered


def _daily_template_parts() -> dict:
    """The parts of the day the published daily templates have (daytime without any): one
    query, whatever the number of templates."""
    parts = (
        VersionSection.objects.filter(
            version__template__kind=TemplateKind.DAILY,
            version__template__is_active=True,
            version__template__current_version=F("version"),
        )
        .values_list("part", flat=True)
        .distinct()
    )
    return {ChecklistPart(part): set() for part in parts} or {ChecklistPart.DAYTIME: set()}


# A published version never changes, so its sections and items are read once and then kept in
# the cache that the web processes share. The key carries the publication time beside the id:
# a database built again (a fresh demo) never meets another database's rows under the same id.
VERSION_CACHE_SECONDS = 24 * 3600


def version_sections(version: TemplateVersion) -> list[VersionSection]:
    """The version's sections in order, each with its items and their scenarios
    (`section.items.all()`): two queries the first time, none after."""
    key = f"standards:version:{version.pk}:{version.published_at.timestamp():.6f}"
    sections = cache.get(key)
    if sections is None:
        sections = list(
            VersionSection.objects.filter(version=version)
            .order_by("position", "id")
            # The scenario: the page shows its standard phrase, which mystery shoppers score.
            .prefetch_related(
                Prefetch("items", queryset=VersionItem.objects.select_related("scenario"))
            )
        )
        cache.set(key, sections, VERSION_CACHE_SECONDS)
    return sections


def version_items(version: TemplateVersion) -> dict[int, VersionItem]:
    """The version's items by id (version_sections' cached copy)."""
    return {item.pk: item for section in version_sections(version) for item in section.items.all()}


def checklist_for_page(*, checklist: Checklist):
    """The frozen sections of the checklist's version with their items (cached), and the
    answers given so far keyed by item id: one query whatever the number of items."""
    sections = version_sections(checklist.template_version)
    answers = {
        answer.item_id: answer for answer in ChecklistAnswer.objects.filter(checklist=checklist)
    }
    return sections, answers


def closing_items_locked_until(*, checklist: Checklist, now=None):
    """While the checklist's closing checks cannot be made yet: (the time they can, their item
    ids); None when it has no closing checks or their time has come (standards.due)."""
    items = parts_of(version_sections(checklist.template_version)).get(ChecklistPart.CLOSING)
    if not items:
        return None
    starts_at = closing_starts_at(checklist.branch, checklist.business_date)
    return (starts_at, items) if (now or timezone.now()) < starts_at else None


@dataclass(frozen=True)
class ChecklistParts:
    """A checklist's parts of the day as its fill page shows them (standards.due)."""

    due: dict  # {part: PartDue}
    now: PartDue | None  # the part to work on now (today's checklist only)
    state: str = ""  # "due" now, "overdue", or "next" (its time has not come yet)


def checklist_parts(*, checklist: Checklist, sections, answers, now=None) -> ChecklistParts | None:
    """Each part's times and the part due now, from checklist_for_page's sections and answers;
    None when every section is a daytime check (there is nothing to tell apart)."""
    parts = parts_of(sections)
    if set(parts) <= {ChecklistPart.DAYTIME}:
        return None
    now = now or timezone.now()
    due = parts_due(checklist.branch, checklist.business_date, parts)
    by_part = {part.part: part for part in due}
    given = {pk for pk, answer in answers.items() if answer.result or answer.score is not None}
    done = {part: items <= given for part, items in parts.items()}
    # Only today's checklist has a part due now; a past day's is simply late.
    today = checklist.business_date == timezone.localdate(now)
    current = part_now(due, done, now) if today else None
    if current is None:
        return ChecklistParts(by_part, None)
    part, overdue = current
    state = "overdue" if overdue else "due" if part.starts_at <= now else "next"
    return ChecklistParts(by_part, part, state)


def outlet_checklists(*, branch, user):
    """An outlet's checklists that `user` may see, newest first, with what the history list
    shows."""
    return (
        Checklist.objects.seen_by(user)
        .filter(branch=branch)
        .select_related("template", "submitted_by")
        .order_by("-business_date", "template__kind")
    )


@dataclass(frozen=True)
class ReviewRow:
    section: VersionSection
    item: object  # VersionItem
    answer: ChecklistAnswer | None
    # A failure's rectification, raised at submit (critical items) or by a reviewer.
    rectification: Rectification | None = None

    @property
    def passed(self) -> bool | None:
        return self.answer.passed if self.answer else None


@dataclass(frozen=True)
class ChecklistReview:
    """A submitted checklist as its reviewer reads it: what needs attention first."""

    failures: list[ReviewRow]  # critical failures first, then in the checklist's order
    passed: list[ReviewRow]
    other: list[ReviewRow]  # not applicable, or not answered (a reopened checklist)

    @property
    def may_raise(self) -> bool:
        """Some failure has no rectification yet."""
        return any(row.rectification is None for row in self.failures)


def checklist_review(*, checklist: Checklist) -> ChecklistReview:
    """The reviewer's page: checklist_for_page's queries and the failures' rectifications."""
    sections, answers = checklist_for_page(checklist=checklist)
    rows = [
        ReviewRow(section, item, answers.get(item.pk))
        for section in sections
        for item in section.items.all()
    ]
    failures = [row for row in rows if row.passed is False]
    # The sort is stable: critical and other failures each keep the checklist's order.
    failures.sort(key=lambda row: not row.item.is_critical)
    if failures:
        raised = {
            rectification.source_id: rectification
            for rectification in Rectification.objects.filter(
                checklist_answer__in=[row.answer.pk for row in failures]
            )
        }
        failures = [replace(row, rectification=raised.get(row.answer.pk)) for row in failures]
    return ChecklistReview(
        failures=failures,
        passed=[row for row in rows if row.passed is True],
        other=[row for row in rows if row.passed is None],
    )
