"""standards 0005 gives the rectifications of failed items raised before their count was
stored their count, where the count gives the date stored. Run by `migrate` (Django's
migration executor here), it counts on the migration's own models: the region's calendar of
the outlet, and no cache (a cache down during `migrate` does not stop it)."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import override_settings
from django.utils import timezone

from branchservice.models import CalendarOverride
from branchservice.rectifications.models import Rectification
from branchservice.rectifications.services import rectification_raise
from standards.services import AnswerInput, checklist_start, checklist_submit
from tests.standards.factories import small_template

from .conftest import all_pass, items_of

D = dt.date
MONDAY = D(2026, 11, 30)
BEFORE = [("standards", "0004_section_parts_of_the_day")]
# Nothing listens on port 1: every cache call fails.
CACHE_DOWN = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
    }
}


def _migrate(targets):
    MigrationExecutor(connection).migrate(targets)


@pytest.mark.django_db(transaction=True)
def test_the_backfill_counts_on_the_regions_calendar_without_the_cache(
    org, lobby_user, outlet_head
):
    # Haidian works Saturday 5 December: five working days from Monday end on the Saturday.
    CalendarOverride.objects.create(
        date=D(2026, 12, 5), kind="workday", branch=org.s1, note="区域调休"
    )
    with time_machine.travel(timezone.make_aware(dt.datetime(2026, 11, 30, 10)), tick=False):
        checklist = checklist_start(
            branch=org.a, template=small_template(), business_date=MONDAY, by=lobby_user
        )
        answers = all_pass(checklist)
        answers[items_of(checklist)[1].pk] = AnswerInput(
            result="fail", comment="叫号机黑屏", photo="x.jpg"
        )
        checklist_submit(checklist=checklist, answers=answers, by=lobby_user, revision=1)
        regional = Rectification.objects.get()
        # Another item's, due on the nationwide count: not what the outlet's calendar gives.
        nationwide = rectification_raise(
            user=outlet_head,
            outlet=org.a,
            source=checklist.answers.get(item=items_of(checklist)[0]),
            source_kind="checklist",
            source_label="2026-11-30 · 复查",
            owner=outlet_head,
            required_action="复查叫号机。",
            due_date=D(2026, 12, 7),
        )
    assert regional.due_date == D(2026, 12, 5)
    # As rows raised before rectifications 0002 are: a date, no count.
    Rectification.objects.update(due_counted_from=None, due_working_days=None)
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    try:
        _migrate(BEFORE)
        with override_settings(CACHES=CACHE_DOWN):
            _migrate(latest)
    finally:
        _migrate(latest)
    regional.refresh_from_db()
    nationwide.refresh_from_db()
    assert (regional.due_counted_from, regional.due_working_days) == (MONDAY, 5)
    assert (nationwide.due_counted_from, nationwide.due_working_days) == (None, None)
