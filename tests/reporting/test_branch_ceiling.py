"""The 7-working-day figure reads the branch ceiling the complaint stores (issue 18 item 4):
an approved extension moves it to the extended regulatory date, and a reply by then is within
it, as the complaint's own deadline says."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from complaints import services
from complaints.models import Complaint, CustomerNotice
from reporting import selectors
from reporting.selectors import STATISTIC_BY_KEY
from tests.complaints.conftest import at, register

OCTOBER = dt.date(2026, 10, 1)


def _replied(user, branch, replied_at, *, extended_by=None):
    """Received Monday 12 October 2026 at 10:00, replied at `replied_at`; extended to 30 days
    (approved by `extended_by`, the customer told) the next morning if given."""
    received = at(2026, 10, 12)
    complaint = register(
        user, branch, received_at=received, complexity=Complaint.Complexity.COMPLEX, now=received
    )
    step = received + dt.timedelta(hours=1)
    services.complaint_acknowledge(
        user=user, complaint=complaint, acknowledged_at=step, estimated_reply_at=replied_at,
        now=step,
    )  # fmt: skip
    services.complaint_investigate(user=user, complaint=complaint, now=step)
    if extended_by is not None:
        asked = at(2026, 10, 13)
        services.complaint_request_extension(
            user=user, complaint=complaint, reason="需调取异地交易记录。", now=asked
        )
        services.complaint_extend(user=extended_by, complaint=complaint, approve=True, now=asked)
        services.complaint_record_notice(
            user=user, complaint=complaint, subject=CustomerNotice.Subject.EXTENSION,
            told_method=Complaint.ReplyMethod.PHONE, told_at=asked, note="电话告知客户。",
            now=asked,
        )  # fmt: skip
    services.complaint_resolve(
        user=user, complaint=complaint, replied_at=replied_at,
        reply_method=Complaint.ReplyMethod.PHONE, reply_content="已答复客户。",
        customer_accepted=True, founded=False, reply_facts="经核实。", reply_grounds="相关制度。",
        now=replied_at,
    )  # fmt: skip
    return Complaint.objects.get(pk=complaint.pk)


def test_an_extended_complaint_replied_by_its_extended_ceiling_is_within_it(
    org, outlet_user, head_a
):
    with time_machine.travel(at(2026, 11, 5, 9), tick=False):
        # The 7th working day after Monday 12 October is Wednesday 21 October.
        in_time = _replied(outlet_user, org.a, at(2026, 10, 21, 16))
        late = _replied(outlet_user, org.a, at(2026, 10, 26, 16))
        # Replied on the same day as `late`, ten working days on, but extended to 30 days
        # (11 November): its branch ceiling moved with the approval.
        extended = _replied(outlet_user, org.a, at(2026, 10, 26, 16), extended_by=head_a)
        assert timezone.localdate(extended.branch_due_at) == dt.date(2026, 11, 11)
        assert timezone.localdate(late.branch_due_at) == dt.date(2026, 10, 21)
        assert in_time.replied_at <= in_time.branch_due_at
        rows = {r.branch.code: r for r in selectors.branch_summary(scope=org.hq, period=OCTOBER)}

    def value(key):
        return STATISTIC_BY_KEY[key].compute(rows["A"].parts)

    assert value("within_branch_ceiling") == 2  # in time and extended, not late
    assert value("within_branch_ceiling_rate") == pytest.approx(2 / 3)
    # Working days from receipt to reply still count the days themselves: 7, 10 and 10.
    assert value("handling_days_avg") == pytest.approx(27 / 3)
