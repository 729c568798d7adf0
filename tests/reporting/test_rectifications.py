"""Rectifications in the monthly statistics and workbook: one collector and one sheet for
every source (complaints, checklists)."""

import datetime as dt
import io

import pytest
import time_machine
from django.utils import timezone, translation

from branchservice.rectifications import services
from branchservice.rectifications.models import Rectification
from reporting import selectors
from reporting.periods import Period
from reporting.selectors import STATISTIC_BY_KEY
from reporting.workbooks import build_summary
from standards.services import AnswerInput, checklist_start, checklist_submit
from tests.complaints.factories import ComplaintFactory
from tests.exports.helpers import open_workbook
from tests.standards.conftest import all_pass, items_of
from tests.standards.factories import small_template

OCTOBER = dt.date(2026, 10, 1)


def at(month, day, hour=10):
    return timezone.make_aware(dt.datetime(2026, month, day, hour))


@pytest.fixture
def october_rectifications(org, outlet_user, lobby_user, manager):
    complaint = ComplaintFactory(branch=org.a, reference="TS-A-202609-0001")

    def notice(raised, due, action):
        with time_machine.travel(raised, tick=False):
            return services.rectification_raise(
                user=outlet_user, outlet=org.a, source=complaint, source_kind="complaint",
                source_label=complaint.reference, owner=outlet_user, required_action=action,
                due_date=due, now=raised,
            )  # fmt: skip

    def done(row, when):
        return services.rectification_complete(
            user=row.owner, rectification=row, evidence="已完成", now=when
        )

    r1 = done(notice(at(10, 5), dt.date(2026, 10, 20), "verified"), at(10, 15))
    services.rectification_verify(user=manager, rectification=r1, now=at(10, 16))
    notice(at(10, 10), dt.date(2026, 10, 25), "open, overdue at the end")
    done(notice(at(9, 20), dt.date(2026, 9, 30), "raised in September"), at(10, 2))
    r5 = notice(at(10, 8), dt.date(2026, 10, 15), "cancelled")
    services.rectification_cancel(user=manager, rectification=r5, reason="重复", now=at(10, 20))
    r6 = done(notice(at(10, 3), dt.date(2026, 10, 10), "rejected"), at(10, 8))
    services.rectification_reject(user=manager, rectification=r6, reason="照片不清", now=at(10, 9))
    with time_machine.travel(at(10, 12), tick=False):
        checklist = checklist_start(
            branch=org.a, template=small_template(), business_date=dt.date(2026, 10, 12),
            by=lobby_user,
        )  # fmt: skip
        answers = all_pass(checklist)
        critical = items_of(checklist)[1]
        answers[critical.pk] = AnswerInput(result="fail", comment="叫号机黑屏", photo="x.jpg")
        checklist_submit(checklist=checklist, answers=answers, by=lobby_user, revision=1)
    done(checklist.answers.get(item=critical).rectifications.get(), at(10, 30))


def test_one_collector_counts_raised_by_source_done_verified_and_overdue(
    october_rectifications, org
):
    with time_machine.travel(at(11, 5), tick=False):
        rows = {r.branch.code: r for r in selectors.branch_summary(scope=org.s1, period=OCTOBER)}
    keys = [
        "rectifications_opened",
        "rectifications_from_complaints",
        "rectifications_from_checklists",
        "rectifications_done",
        "rectifications_verified",
        "rectifications_overdue",
    ]
    for code in ("A", "S1"):
        counts = [STATISTIC_BY_KEY[key].compute(rows[code].parts) for key in keys]
        # The rejected one is open again: not done, and overdue with the one never done.
        assert counts == [5, 4, 1, 3, 1, 2], code


def test_the_workbook_has_one_sheet_for_every_source(october_rectifications, org):
    stream = io.BytesIO()
    with time_machine.travel(at(11, 5), tick=False), translation.override("zh-hans"):
        build_summary(scope=org.s1, period=Period.month(OCTOBER), stream=stream)
    workbook = open_workbook(stream.getvalue())
    sheets = [name for name in workbook.sheetnames if "整改" in name]
    assert sheets == ["整改情况"]
    rows = list(workbook["整改情况"].iter_rows(values_only=True))
    body = rows[1:]
    assert len(body) == 6
    assert {row[0] for row in body} == {"投诉", "每日服务检查表"}
    # Open ones first; the overdue ones are marked.
    assert [row[8] for row in body][:2] == ["待整改", "待整改"]
    assert sum(1 for row in body if row[-2] == "是") == 2
    # The verified one did not recur (within 90 days, by the end of the month).
    assert [row[-1] for row in body if row[8] == "已验收"] == ["否"]


def _verified(user, manager, source, *, kind, label, raised, verified):
    with time_machine.travel(raised, tick=False):
        row = services.rectification_raise(
            user=user, outlet=source_outlet(source), source=source, source_kind=kind,
            source_label=label, owner=user, required_action="整改", due_date=raised.date(),
        )  # fmt: skip
    row = services.rectification_complete(user=user, rectification=row, evidence="好", now=raised)
    return services.rectification_verify(user=manager, rectification=row, now=verified)


def source_outlet(source):
    return source.branch if hasattr(source, "branch") else source.checklist.branch


def test_a_verified_rectification_recurs_when_its_reason_comes_back_within_90_days(
    org, outlet_user, manager
):
    """溯源整改: the same reason at the same outlet within 90 days after the verification."""
    from complaints.models import ComplaintReason

    queueing = ComplaintReason.objects.create(code="q-test", name="排队等候")
    attitude = ComplaintReason.objects.create(code="a-test", name="服务态度")
    source = ComplaintFactory(branch=org.a, reason=queueing, received_at=at(8, 1))
    fixed = _verified(
        outlet_user, manager, source, kind="complaint", label=source.reference,
        raised=at(8, 3), verified=at(8, 20),
    )  # fmt: skip
    # Not a recurrence: another reason, another outlet, or more than 90 days later.
    ComplaintFactory(branch=org.a, reason=attitude, received_at=at(9, 1))
    ComplaintFactory(branch=org.a2, reason=queueing, received_at=at(9, 2))
    ComplaintFactory(branch=org.a, reason=queueing, received_at=at(11, 25))
    until = at(12, 1, 0)
    assert selectors.rectification_recurrences(Rectification.objects.all(), until=until) == {}
    again = ComplaintFactory(branch=org.a, reason=queueing, received_at=at(10, 9))
    assert selectors.rectification_recurrences(Rectification.objects.all(), until=until) == {
        fixed.pk: again.received_at
    }
    with time_machine.travel(at(11, 5), tick=False):
        rows = {r.branch.code: r for r in selectors.branch_summary(scope=org.s1, period=OCTOBER)}
        september = selectors.branch_summary(scope=org.a, period=dt.date(2026, 9, 1))[0]
    assert STATISTIC_BY_KEY["rectifications_recurred"].compute(rows["A"].parts) == 1
    assert STATISTIC_BY_KEY["rectifications_recurred"].compute(september.parts) == 0


def test_a_checklist_rectification_recurs_when_the_same_item_fails_again(org, lobby_user, manager):
    template = small_template()

    def submit(day, fail):
        with time_machine.travel(at(day.month, day.day), tick=False):
            checklist = checklist_start(
                branch=org.a, template=template, business_date=day, by=lobby_user
            )
            answers = all_pass(checklist)
            critical = items_of(checklist)[1]
            if fail:
                answers[critical.pk] = AnswerInput(result="fail", comment="黑屏", photo="x.jpg")
            checklist_submit(checklist=checklist, answers=answers, by=lobby_user, revision=1)
        return checklist.answers.get(item=critical)

    first = submit(dt.date(2026, 10, 12), fail=True).rectifications.get()
    first = services.rectification_complete(
        user=first.owner, rectification=first, evidence="已修", now=at(10, 13)
    )
    first = services.rectification_verify(user=manager, rectification=first, now=at(10, 14))
    submit(dt.date(2026, 10, 15), fail=False)
    until = at(11, 1, 0)
    assert selectors.rectification_recurrences(Rectification.objects.all(), until=until) == {}
    submit(dt.date(2026, 10, 20), fail=True)
    assert selectors.rectification_recurrences(Rectification.objects.all(), until=until) == {
        first.pk: at(10, 20, 0)
    }
