import datetime as dt
import io

import time_machine
from django.utils import timezone

from branchservice import demo as org_demo
from branchservice.calendar import is_working_day
from branchservice.models import Branch
from branchservice.rectifications.models import Rectification
from standards import demo
from standards.models import (
    CatalogueImport,
    Checklist,
    ChecklistAnswer,
    MissedChecklistExcuse,
    TemplateKind,
)
from standards.selectors import missed_and_pending_checklists


def _counts():
    return [
        m.objects.count()
        for m in (Checklist, ChecklistAnswer, Rectification, MissedChecklistExcuse)
    ]


def test_the_demo_has_six_months_of_believable_checklists_and_a_second_run_changes_nothing(db):
    org_demo.seed(io.StringIO())
    demo.seed(io.StringIO())
    first = _counts()
    demo.seed(io.StringIO())
    assert _counts() == first

    daily = Checklist.objects.daily()
    assert daily.values("branch").distinct().count() == 12
    scores = sorted(daily.values_list("score", flat=True))
    median = scores[len(scores) // 2]
    assert median >= 95, "mostly good days"
    assert scores[0] < 80, "and some poor ones"
    visits = Checklist.objects.filter(template__kind=TemplateKind.MYSTERY_SHOPPER)
    assert visits.count() >= 12
    # Filled by the demo's inspectors (the bank's, and the outside firm's this quarter), never
    # by the outlet's own staff.
    fillers = set(visits.values_list("submitted_by__username", flat=True))
    assert "inspector" in fillers and fillers <= {"inspector", "firm_inspector"}
    # Made against the bank's own greeting, imported from the sample manual and published.
    assert CatalogueImport.objects.get().status == CatalogueImport.Status.IMPORTED
    greeting = visits.first().template_version.items.get(text="进门时有员工主动问候")
    assert greeting.scenario.standard_phrase == "早上好，欢迎光临北京分行！"
    # Rectifications of failed items in every status, some rejected and open again.
    raised = Rectification.objects.filter(source_kind__in=["checklist", "inspection"])
    assert set(raised.values_list("status", flat=True)) == set(Rectification.Status.values)
    assert raised.open().exclude(rejection_reason="").exists()
    # Today is left for the demo lobby manager to fill.
    today = timezone.localdate()
    assert not Checklist.objects.filter(business_date=today, branch__code="BJ0101").exists()
    missed = missed_and_pending_checklists(
        branches_qs=Branch.objects.filter(level=Branch.Level.OUTLET),
        date_from=today - dt.timedelta(days=150),
        date_to=today - dt.timedelta(days=1),
    )
    assert 0 < len(missed) < 0.05 * 12 * 150, "a few missed days"


def test_the_demo_mall_outlet_fills_its_checklist_on_saturdays_and_the_others_do_not(db):
    org_demo.seed(io.StringIO())
    demo.seed(io.StringIO())
    saturdays = Checklist.objects.daily().filter(business_date__week_day=7)  # Saturday
    # An adjusted working Saturday (调休) needs a checklist everywhere; ordinary ones only at
    # the mall outlet.
    ordinary = [
        c for c in saturdays.select_related("branch") if not is_working_day(c.business_date)
    ]
    assert ordinary
    assert {c.branch.code for c in ordinary} == {"BJ0201"}


def test_the_outside_firms_inspector_has_made_one_visit_this_quarter_and_only_once(db):
    # Mid-quarter: the demo firm's engagement (this quarter) has opening days before today.
    with time_machine.travel(dt.datetime(2026, 11, 18, 10, 0, tzinfo=dt.UTC), tick=False):
        org_demo.seed(io.StringIO())
        demo.seed(io.StringIO())
        demo.seed(io.StringIO())
    visit = Checklist.objects.get(created_by__username="firm_inspector")
    assert visit.template.kind == TemplateKind.MYSTERY_SHOPPER
    assert visit.branch.code == "BJ0201"
    assert visit.status == Checklist.Status.SUBMITTED
    assert visit.submitted_by.username == "firm_inspector"
    # The last opening day before the visit's "today", inside the engagement (Q4 2026).
    assert dt.date(2026, 10, 1) <= visit.business_date < dt.date(2026, 11, 18)
    # Started and submitted on that day, in that order (not started on the day of seeding).
    assert timezone.localdate(visit.created_at) == visit.business_date
    assert visit.created_at < visit.submitted_at
    failed = visit.answers.get(failed=True)
    assert (failed.item.text, failed.comment) == ("离开时有送别", "离开时未听到送别语")
