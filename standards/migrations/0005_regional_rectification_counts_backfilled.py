"""Rectifications of failed checklist items raised before their count was stored
(rectifications 0002) get it now, so that later calendar changes move them like the newer
ones: five working days (STANDARDS_CORRECTIVE_ACTION_WORKING_DAYS) after the checklist's
business date, never before the day it was raised.

Only where that count gives the due date stored, on today's calendar, and no history row
shows another date: a date a person chose or changed since (a reassignment), or one counted
on a calendar that changed since, stays a chosen date. Run before any regional override
exists, so the nationwide calendar is every outlet's.
"""

from django.conf import settings
from django.db import migrations
from django.db.models import Count
from django.utils import timezone


def backfill(apps, schema_editor):
    from branchservice.calendar import add_working_days, one_reading

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
    counted = []
    with one_reading():
        for rectification in rows:
            start = business_dates.get(rectification.source_id)
            if start is None or rectification.pk in changed_since:
                continue
            due = max(
                add_working_days(start, days, branch=rectification.outlet_id),
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
