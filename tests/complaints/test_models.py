import datetime as dt

from django.utils import timezone

from complaints.models import Complaint, DeadlinePolicy, DeadlineStatus, end_of_day
from tests.complaints.factories import ComplaintFactory


def _at(y, m, d, hh=10):
    return timezone.make_aware(dt.datetime(y, m, d, hh))


def test_it_reports_on_time_due_today_and_overdue_for_a_pending_step(org):
    complaint = ComplaintFactory(branch=org.a, reply_due_at=end_of_day(dt.date(2026, 10, 12)))
    assert complaint.deadline_status("reply", _at(2026, 10, 10)) == DeadlineStatus.ON_TIME
    assert complaint.deadline_status("reply", _at(2026, 10, 12, 9)) == DeadlineStatus.DUE_TODAY
    assert complaint.deadline_status("reply", _at(2026, 10, 13, 0)) == DeadlineStatus.OVERDUE
    assert complaint.is_overdue(_at(2026, 10, 13))


def test_it_tells_a_step_done_late_from_one_done_in_time(org):
    due = end_of_day(dt.date(2026, 10, 12))
    late = ComplaintFactory(branch=org.a, reply_due_at=due, replied_at=_at(2026, 10, 13))
    ontime = ComplaintFactory(branch=org.a, reply_due_at=due, replied_at=_at(2026, 10, 12))
    assert late.deadline_status("reply") == DeadlineStatus.MISSED
    assert ontime.deadline_status("reply") == DeadlineStatus.MET


def test_it_finds_overdue_and_due_today_entries_with_one_query_each(org):
    now = _at(2026, 10, 12, 9)
    overdue = ComplaintFactory(branch=org.a, acknowledge_due_at=end_of_day(dt.date(2026, 10, 9)))
    today = ComplaintFactory(branch=org.a, reply_due_at=end_of_day(dt.date(2026, 10, 12)))
    calm = ComplaintFactory(branch=org.a, reply_due_at=end_of_day(dt.date(2026, 10, 14)))
    closed = ComplaintFactory(
        branch=org.a,
        status=Complaint.Status.CLOSED,
        acknowledge_due_at=end_of_day(dt.date(2026, 10, 9)),
    )
    assert set(Complaint.objects.overdue(now)) == {overdue}
    assert set(Complaint.objects.due_today(now)) == {today}
    assert set(Complaint.objects.on_time(now)) == {calm}
    assert closed not in Complaint.objects.open()


def test_the_default_policy_follows_the_manual(db):
    policy = DeadlinePolicy.current()
    assert (policy.acknowledge_working_days, policy.reply_working_days_simple) == (0, 1)
    assert (policy.reply_working_days_complex, policy.branch_ceiling_working_days) == (5, 7)
    assert (policy.regulatory_calendar_days, policy.followup_working_days) == (15, 3)
    assert policy.escalate_after_breach_working_days == 2
    assert policy.regulatory_warning_days == 3


def test_the_policy_is_read_once_and_a_save_or_another_active_one_counts_at_once(
    db, django_assert_num_queries
):
    policy = DeadlinePolicy.current()
    with django_assert_num_queries(0):
        assert DeadlinePolicy.current() == policy
    policy.reply_working_days_simple = 2
    policy.save()
    assert DeadlinePolicy.current().reply_working_days_simple == 2
    policy.is_active = False
    policy.save()
    other = DeadlinePolicy.objects.create(name="分行时限", is_active=True)
    assert DeadlinePolicy.current() == other
    other.delete()
    assert DeadlinePolicy.current().name != "分行时限"
