"""Progress lookup: reference + code → where the entry stands, and nothing else."""

import datetime as dt
import re

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from complaints import services as complaints
from complaints.models import Complaint
from opinionbook.models import LookupCode
from opinionbook.services import display_code, opinion_submit
from tests.complaints.conftest import classify
from tests.opinionbook.conftest import entry_data

RECEIVED = timezone.make_aware(dt.datetime(2026, 12, 2, 10, 0))
LOOKUP = reverse("opinionbook:lookup")


@pytest.fixture
def written(book):
    """An entry written in A's book at 10:00, with its code in clear."""
    data = entry_data()
    data = {k: data[k] for k in ("kind", "description", "customer_request", "customer_name",
                                 "customer_phone")}  # fmt: skip
    entry, code = opinion_submit(book=book, now=RECEIVED, **data)
    return entry, display_code(code)


def look(client, reference, code):
    return client.post(LOOKUP, {"reference": reference, "code": code})


def answer(response) -> str:
    """The page without the form's echo of what was typed."""
    return re.sub(r'value="[^"]*"', "", response.content.decode())


def test_the_right_code_shows_the_status_in_plain_words_and_the_next_date(client, written):
    entry, code = written
    response = look(client, entry.reference.lower(), code.lower().replace("-", " "))
    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="stage">已收到<' in page
    ack_day = timezone.localtime(entry.acknowledge_due_at).strftime("%Y-%m-%d")
    assert 'id="next-step"' in page and ack_day in page
    assert 'id="remedies"' not in page


def test_a_wrong_code_and_a_wrong_reference_get_the_same_answer(client, written):
    entry, _code = written
    wrong_code = answer(look(client, entry.reference, "AAAAA-AAAAA"))
    other = entry.reference[:-4] + "9999"
    wrong_reference = answer(look(client, other, "AAAAA-AAAAA"))
    assert 'id="not-found"' in wrong_code
    assert wrong_code == wrong_reference


def test_five_wrong_codes_lock_the_reference_for_thirty_minutes(written):
    entry, code = written
    with time_machine.travel(RECEIVED + dt.timedelta(hours=1), tick=False) as clock:
        for n in range(5):  # from five addresses: the lock is the reference's, not theirs
            look(Client(REMOTE_ADDR=f"10.9.0.{n}"), entry.reference, "AAAAA-AAAAA")
        locked = answer(look(Client(), entry.reference, code))
        assert 'id="not-found"' in locked and 'id="stage"' not in locked
        assert locked == answer(look(Client(), "TS-A-202612-9999", code))
        clock.shift(dt.timedelta(minutes=29))
        assert 'id="stage"' not in look(Client(), entry.reference, code).content.decode()
        clock.shift(dt.timedelta(minutes=2))
        assert 'id="stage"' in look(Client(), entry.reference, code).content.decode()
    assert LookupCode.objects.get(complaint=entry).failures == 0


def test_four_wrong_codes_do_not_lock(client, written):
    entry, code = written
    for _n in range(4):
        look(client, entry.reference, "AAAAA-AAAAA")
    assert 'id="stage"' in look(client, entry.reference, code).content.decode()


def test_lookups_from_one_address_are_rate_limited(client, written, settings):
    settings.OPINION_BOOK_RATE_LIMITS = {**settings.OPINION_BOOK_RATE_LIMITS,
                                         "lookup_per_address": (3, 10)}  # fmt: skip
    entry, code = written
    for _n in range(3):
        look(client, entry.reference, "AAAAA-AAAAA")
    response = look(client, entry.reference, code)
    assert response.status_code == 429 and 'id="rate-limited"' in response.content.decode()


def test_the_page_shows_no_staff_names_notes_or_findings(client, written, outlet_user):
    entry, code = written
    now = RECEIVED + dt.timedelta(hours=1)
    complaints.complaint_add_note(
        user=outlet_user, complaint=entry, note="内部备注：客户情绪激动", now=now
    )
    complaints.complaint_acknowledge(
        user=outlet_user, complaint=entry, acknowledged_at=now,
        estimated_reply_at=entry.reply_due_at, note="已电话联系", now=now,
    )  # fmt: skip
    complaints.complaint_investigate(user=outlet_user, complaint=entry, now=now)
    complaints.complaint_resolve(
        user=outlet_user, complaint=classify(outlet_user, entry),
        replied_at=now, reply_method="phone", reply_content="已向客户致歉，调整排队管理。",
        customer_accepted=True, founded=False, investigation_notes="调查结论：监控显示柜员在岗",
        reply_facts="排队时间约四十分钟", reply_grounds="服务规范第三条", now=now,
    )  # fmt: skip
    with time_machine.travel(now, tick=False):
        page = look(client, entry.reference, code).content.decode()
    assert 'id="stage">已答复<' in page and 'id="remedies"' in page
    review_until = (timezone.localtime(now).date() + dt.timedelta(days=30)).isoformat()
    assert review_until in page
    for secret in [outlet_user.last_name + outlet_user.first_name, outlet_user.username,
                   "内部备注", "监控显示", "已电话联系", "13812345678", "张伟"]:  # fmt: skip
        assert secret not in page, secret


@pytest.mark.parametrize(
    ("status", "words"),
    [("registered", "已收到"), ("acknowledged", "处理中"), ("escalated", "处理中"),
     ("resolved", "已答复"), ("closed", "已办结"), ("void", "已办结")],
)  # fmt: skip
def test_each_status_has_its_plain_word(client, written, status, words):
    entry, code = written
    Complaint.objects.filter(pk=entry.pk).update(status=status)
    assert f'id="stage">{words}<' in look(client, entry.reference, code).content.decode()


def test_the_lookup_takes_few_queries(client, written, django_assert_max_num_queries):
    entry, code = written
    with django_assert_max_num_queries(10):
        client.get(LOOKUP)
    with django_assert_max_num_queries(10):
        look(client, entry.reference, code)
    with django_assert_max_num_queries(10):
        look(client, entry.reference, "AAAAA-AAAAA")


def test_the_lookup_page_has_the_strict_policy(client, book):
    response = client.get(LOOKUP)
    assert "default-src 'none'" in response["Content-Security-Policy"]
