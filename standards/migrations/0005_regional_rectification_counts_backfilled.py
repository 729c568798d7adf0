"""Rectifications of failed checklist items raised before their count was stored
(rectifications 0002) get it now, so that later calendar changes move them like the newer
ones: five working days (STANDARDS_CORRECTIVE_ACTION_WORKING_DAYS) after the checklist's
business date, never before the day it was raised.

Only where that count gives the due date stored, on today's calendar, and no history row
shows another date: a date a person chose or changed since (a reassignment), or one counted
on a calendar that changed since, stays a chosen date. Counted on the calendar as the
migration finds it (the package's days, the overrides, a region's own for its subtree, the
deepest winning: branchservice.calendar), read from the migration's models only: the live
calendar module reads the live models and the cache, which a later column or a cache down
during `migrate` would break.
"""

import datetime as dt

import chinese_calendar
from django.conf import settings
from django.db import migrations
from django.db.models import Count
from django.utils import timezone


def _counter(apps):
    """add_working_days(start, n, branch_id) for n >= 0, on the calendar of outlet `branch_id`
    as branchservice.calendar counts it (nationwide overrides, then its region's, shallower
    first so that a deeper override of a date wins; the package, or Monday to Friday for a
    year it knows nothing of)."""
    CalendarOverride = apps.get_model("branchservice", "CalendarOverride")
    Branch = apps.get_model("branchservice", "Branch")
    national, regional = {}, []
    for day, kind, path in CalendarOverride.objects.values_list("date", "kind", "branch__path"):
        if path is None:
            national[day] = kind == "workday"
        else:
            regional.append((path, day, kind == "workday"))
    regional.sort(key=lambda row: len(row[0]))
    paths = dict(Branch.objects.values_list("pk", "path")) if regional else {}
    calendars = {}

    def overrides(branch_id):
        if branch_id not in calendars:
            path = paths.get(branch_id, "")
            days = dict(national)
            for region, day, working in regional:
                if path.startswith(region):
                    days[day] = working
            calendars[branch_id] = days
        return calendars[branch_id]

    def is_working(day, days):
        if day in days:
            return days[day]
        try:
            return chinese_calendar.is_workday(day)
        except NotImplementedError:
            return day.weekday() < 5

    def add_working_days(start, n, branch_id):
        days, day = overrides(branch_id), start
        while not n and not is_working(day, days):  # 0: the day itself, or the next
            day += dt.timedelta(days=1)
        while n:
            day += dt.timedelta(days=1)
            n -= is_working(day, days)
        return day

    return add_working_days


def backfill(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Rectification = apps.get_model("rectifications", "Rectification")
    HistoricalRectification = apps.get_model("rectifications", "HistoricalRectification")
    ChecklistAnswer = apps.get_model("standards", "ChecklistAnswer")
    answer_type = ContentType.objects.filter(app_label="standards", model="checklistanswer").first()
    if answer_type is None:
        return  # a fresh database: nothing raised yet
    rows = Rectification.objects.filter(
        source_type=answer_type, due_working_days=None, due_counted_from=None
    )
    changed_since = set(
        HistoricalRectification.objects.filter(id__in=rows.values("pk"))
        .values("id")
        .annotate(dates=Count("due_date", distinct=True))
        .filter(dates__gt=1)
        .values_list("id", flat=True)
    )
    business_dates = dict(
        ChecklistAnswer.objects.filter(pk__in=rows.values("source_id")).values_list(
            "pk", "checklist__business_date"
        )
    )
    days = settings.STANDARDS_CORRECTIVE_ACTION_WORKING_DAYS
    add_working_days = _counter(apps)
    counted = []
    for rectification in rows:
        start = business_dates.get(rectification.source_id)
        if start is None or rectification.pk in changed_since:
            continue
        due = max(
            add_working_days(start, days, rectification.outlet_id),
            timezone.localdate(rectification.created_at),
        )
        if due == rectification.due_date:
            rectification.due_counted_from, rectification.due_working_days = start, days
            counted.append(rectification)
    Rectification.objects.bulk_update(
        counted, ["due_counted_from", "due_working_days"], batch_size=500
    )


class Migration(migrations.Migration):
    dependencies = [
        ("standards", "0004_section_parts_of_the_day"),
        ("rectifications", "0002_due_counted_in_working_days"),
        # The calendar reads overrides with their branch.
        ("branchservice", "0013_calendar_override_branch"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
