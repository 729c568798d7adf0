"""The follow-up answered by the customer: after the reply, a one-time link from the lookup
page rates it; the rating is the complaint's follow-up visit (method online)."""

import datetime as dt
import re

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from branchservice.notifications.models import Notification
from complaints import services as complaints
from complaints.models import Complaint, ComplaintEvent, Move
from opinionbook.models import SatisfactionLink
from opinionbook.services import display_code, link_token_hash, opinion_submit
from reporting import selectors
from reporting.selectors import STATISTIC_BY_KEY
from tests.complaints.conftest import classify
from tests.exports.helpers import open_workbook, response_bytes
from tests.opinionbook.conftest import entry_data

RECEIVED = timezone.make_aware(dt.datetime(2026, 12, 2, 10, 0))
REPLIED = RECEIVED + dt.timedelta(hours=2)
ANSWERED = RECEIVED + dt.timedelta(days=1)
LOOKUP = reverse("opinionbook:lookup")


def reply_to(entry, user, now=REPLIED):
    """The handler acknowledges, investigates, codes and replies, through the services."""
    complaints.complaint_acknowledge(
        user=user, complaint=entry, acknowledged_at=now, estimated_reply_at=entry.reply_due_at,
        now=now,
    )  # fmt: skip
    complaints.complaint_investigate(user=user, complaint=entry, now=now)
    entry = classify(user, entry)
    return complaints.complaint_resolve(
        user=user, complaint=entry, replied_at=now, reply_method="phone",
        reply_content="已致歉并调整排队管理。", customer_accepted=True, founded=True,
        reply_facts="排队时间约四十分钟", reply_grounds="服务规范第三条", now=now,
    )  # fmt: skip


@pytest.fixture
def replied(book, outlet_user):
    """An entry written in A's book, replied to; with its lookup code in clear."""
    data = entry_data()
    data = {k: data[k] for k in ("kind", "description", "customer_request", "customer_name",
                                 "customer_phone")}  # fmt: skip
    entry, code = opinion_submit(book=book, now=RECEIVED, **data)
    return reply_to(entry, outlet_user), display_code(code)


def rating_link(client, entry, code) -> str:
    """Look the entry up, as the customer does, and follow the offered link's address."""
    page = client.post(LOOKUP, {"reference": entry.reference, "code": code}).content.decode()
    match = re.search(r'id="rate-reply" href="([^"]+)"', page)
    assert match, "the lookup offers no satisfaction link"
    return match.group(1)


def page(response) -> str:
    """The page without its CSRF token (the language menu's form), which differs each time."""
    return re.sub(r'value="[^"]*"', "", response.content.decode())


def answer(client, url, satisfaction="satisfied", comment="谢谢，处理很及时。"):
    return client.post(url, {"satisfaction": satisfaction, "comment": comment})


@pytest.fixture(autouse=True)
def next_morning():
    with time_machine.travel(ANSWERED, tick=False):
        yield


def test_the_customers_answer_is_the_follow_up_visit_with_method_online(client, replied):
    entry, code = replied
    url = rating_link(client, entry, code)
    form = client.get(url)
    assert form.status_code == 200 and entry.reference in form.content.decode()
    response = answer(client, url)
    assert response.status_code == 200 and 'id="satisfaction-recorded"' in response.content.decode()
    entry.refresh_from_db()
    assert entry.status == Complaint.Status.FOLLOWED_UP
    assert entry.satisfaction == Complaint.Satisfaction.SATISFIED
    assert entry.followup_method == Complaint.FollowUpMethod.ONLINE
    assert entry.followed_up_at == ANSWERED and entry.followup_comment == "谢谢，处理很及时。"
    event = ComplaintEvent.objects.get(complaint=entry, action=Move.FOLLOW_UP)
    assert event.actor is None and "满意" in event.note and "线上" in event.note
    # In the history too, as every change of a complaint.
    assert entry.history.first().followup_method == Complaint.FollowUpMethod.ONLINE


def test_it_counts_in_the_satisfaction_rate_like_a_phone_visit(client, replied, outlet_user, org):
    entry, code = replied
    answer(client, rating_link(client, entry, code), "basically")
    phoned = opinion_submit(
        book=entry.branch.opinion_book, now=RECEIVED, kind="complaint", description="又排队"
    )[0]
    reply_to(phoned, outlet_user)
    complaints.complaint_follow_up(
        user=outlet_user, complaint=phoned, followed_up_at=ANSWERED, satisfaction="dissatisfied",
        method="phone", now=ANSWERED,
    )  # fmt: skip
    with time_machine.travel(timezone.make_aware(dt.datetime(2027, 1, 5, 9)), tick=False):
        rows = selectors.branch_summary(scope=org.a, period=dt.date(2026, 12, 1))
    parts = rows[0].parts
    assert STATISTIC_BY_KEY["followed_up"].compute(parts) == 2
    assert STATISTIC_BY_KEY["satisfaction_rate"].compute(parts) == 0.5


def test_a_used_link_and_a_made_up_one_get_the_same_not_found(client, replied):
    entry, code = replied
    url = rating_link(client, entry, code)
    answer(client, url)
    again = answer(client, url, "dissatisfied")
    assert again.status_code == 404
    made_up = client.get(reverse("opinionbook:satisfaction", args=["x" * 22]))
    assert made_up.status_code == 404
    assert page(again) == page(made_up) == page(client.get(url))
    entry.refresh_from_db()
    assert entry.satisfaction == Complaint.Satisfaction.SATISFIED  # the reuse changed nothing


def test_a_link_expires(client, replied, settings):
    entry, code = replied
    url = rating_link(client, entry, code)
    later = ANSWERED + dt.timedelta(days=settings.OPINION_SATISFACTION_LINK_DAYS, minutes=1)
    with time_machine.travel(later, tick=False):
        assert client.get(url).status_code == 404
        assert answer(client, url).status_code == 404
    assert Complaint.objects.get(pk=entry.pk).status == Complaint.Status.RESOLVED


def test_a_new_link_ends_the_earlier_one(client, replied):
    entry, code = replied
    first = rating_link(client, entry, code)
    second = rating_link(client, entry, code)
    assert first != second
    assert client.get(first).status_code == 404 and client.get(second).status_code == 200


def test_after_the_staffs_own_visit_the_link_no_longer_works(client, replied, outlet_user):
    entry, code = replied
    url = rating_link(client, entry, code)
    complaints.complaint_follow_up(
        user=outlet_user, complaint=entry, followed_up_at=ANSWERED, satisfaction="satisfied",
        now=ANSWERED,
    )  # fmt: skip
    assert answer(client, url, "dissatisfied").status_code == 404
    assert Complaint.objects.get(pk=entry.pk).followup_method == Complaint.FollowUpMethod.PHONE


def test_the_token_is_random_long_and_stored_only_hashed(client, replied):
    entry, code = replied
    token = rating_link(client, entry, code).rstrip("/").rsplit("/", 1)[1]
    assert len(token) >= 22  # 16 random bytes: 128 bits
    link = SatisfactionLink.objects.get(complaint=entry)
    assert token not in link.token_hash and link.token_hash == link_token_hash(token)


def test_no_link_before_the_reply(client, book):
    entry, code = opinion_submit(book=book, now=RECEIVED, kind="complaint", description="柜台无人")
    page = client.post(LOOKUP, {"reference": entry.reference, "code": code}).content.decode()
    assert 'id="rate-reply"' not in page and not SatisfactionLink.objects.exists()


def test_a_dissatisfied_answer_is_a_task_for_the_handler(client, replied, outlet_user):
    entry, code = replied
    answer(client, rating_link(client, entry, code), "dissatisfied", "还是没有解决")
    task = Notification.objects.get(kind="complaint_dissatisfied")
    assert task.recipient == outlet_user and task.object_id == entry.pk
    assert "不满意" in task.headline or entry.reference in task.headline
    # Handled again: the task is done.
    complaints.complaint_handle_again(
        user=outlet_user, complaint=entry, note="重新调查排队数据", now=ANSWERED
    )
    from branchservice.notifications.registry import scanner_for

    task.refresh_from_db()
    assert scanner_for(task.kind).still_due(task, Complaint.objects.get(pk=entry.pk))


def test_script_and_formula_text_stay_text(client, replied, outlet_user, login):
    entry, code = replied
    answer(client, rating_link(client, entry, code), "dissatisfied", "<script>alert(1)</script>")
    staff = login(outlet_user)
    change = staff.get(reverse("admin:complaints_complaint_change", args=[entry.pk]))
    page = change.content.decode()
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page
    Complaint.objects.filter(pk=entry.pk).update(followup_comment='=HYPERLINK("http://x","y")')
    sheet = open_workbook(
        response_bytes(staff.post(reverse("exports:export", args=["complaints"])))
    )
    cells = [c for row in sheet.active.iter_rows(min_row=2) for c in row]
    typed = [c for c in cells if isinstance(c.value, str) and c.value.startswith("=HYPERLINK")]
    assert typed and all(c.data_type == "s" for c in typed)


def test_the_link_pages_have_the_public_policy_and_limits(client, replied, settings):
    settings.OPINION_BOOK_RATE_LIMITS = {**settings.OPINION_BOOK_RATE_LIMITS,
                                         "lookup_per_address": (3, 10)}  # fmt: skip
    entry, code = replied
    url = rating_link(client, entry, code)
    response = client.get(url)
    assert "default-src 'none'" in response["Content-Security-Policy"]
    assert "no-store" in response["Cache-Control"]
    for n in range(3):
        client.get(reverse("opinionbook:satisfaction", args=[f"guess{n}"]))
    limited = Client(REMOTE_ADDR="127.0.0.1").get(url)
    assert limited.status_code == 429 and 'id="rate-limited"' in limited.content.decode()
    assert Client(REMOTE_ADDR="10.1.1.1").get(url).status_code == 200


def statements(context) -> list[str]:
    """What reads or writes: not the savepoints of nested transactions (in a request the
    outer one is a BEGIN, inside a test another savepoint)."""
    return [q["sql"] for q in context.captured_queries
            if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))]  # fmt: skip


def test_the_link_pages_take_few_queries(client, replied, django_assert_max_num_queries):
    entry, code = replied
    with django_assert_max_num_queries(10):
        url = rating_link(client, entry, code)
    with django_assert_max_num_queries(10):
        client.get(url)
    with CaptureQueriesContext(connection) as context:
        answer(client, url)
    # The link under its lock, the follow-up's own (the entry locked, its policy and pauses,
    # the row, its history, the timeline, the reminders it settles) and the spent link.
    assert len(statements(context)) <= 10, statements(context)


def test_only_the_customer_answers_online_and_only_for_an_online_entry(replied, outlet_user):
    entry, _code = replied
    with pytest.raises(ValidationError):
        complaints.complaint_follow_up(
            user=outlet_user, complaint=entry, followed_up_at=ANSWERED, satisfaction="satisfied",
            method=Complaint.FollowUpMethod.ONLINE, now=ANSWERED,
        )  # fmt: skip
    with pytest.raises(PermissionDenied):  # no rating: not a customer's answer
        complaints.complaint_follow_up(
            user=None, complaint=entry, followed_up_at=ANSWERED, satisfaction="unreachable",
            method=Complaint.FollowUpMethod.ONLINE, now=ANSWERED,
        )  # fmt: skip
    Complaint.objects.filter(pk=entry.pk).update(channel=Complaint.Channel.PHONE)
    with pytest.raises(ValidationError):
        complaints.complaint_follow_up(
            user=None, complaint=entry, followed_up_at=ANSWERED, satisfaction="satisfied",
            method=Complaint.FollowUpMethod.ONLINE, now=ANSWERED,
        )  # fmt: skip
