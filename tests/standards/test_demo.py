import datetime as dt
import io

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
    # Filled by the demo's inspector, never by the outlet's own staff.
    assert set(visits.values_list("submitted_by__username", flat=True)) == {"inspector"}
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
