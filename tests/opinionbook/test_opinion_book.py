"""The public opinion book of an outlet: what a customer writes lands in the register, and
each way of abusing the page is refused."""

import datetime as dt
import re
import uuid

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from branchservice.notifications.models import Notification
from branchservice.roles import Role
from complaints.models import Complaint, ComplaintEvent, DeadlinePolicy, Move
from opinionbook.models import LookupCode
from opinionbook.services import code_hash, normalise_code
from tests.exports.helpers import open_workbook, response_bytes
from tests.factories import UserFactory
from tests.opinionbook.conftest import entry_data

# A Wednesday, 10:00 Beijing time: a working day, within working hours.
WORKING_MORNING = timezone.make_aware(dt.datetime(2026, 12, 2, 10, 0))


def book_url(code="A"):
    return reverse("opinionbook:book", args=[code])


def submit(client, data=None, code="A", **extra):
    return client.post(book_url(code), data or entry_data(), **extra)


def shown_code(response) -> str:
    match = re.search(r'id="lookup-code"[^>]*>([A-Z0-9-]+)<', response.content.decode())
    assert match, "no lookup code on the page"
    return match.group(1)


def test_it_shows_the_outlets_page_in_chinese_with_a_strict_policy(client, book):
    response = client.get(book_url())
    assert response.status_code == 200
    page = response.content.decode()
    assert "中关村网点" in page and "客户意见簿" in page
    assert 'type="file"' not in page
    policy = response["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "script-src 'self'" in policy
    assert "unsafe-inline" not in policy and "frame-ancestors 'none'" in policy
    assert "no-store" in response["Cache-Control"]


def test_it_answers_in_english_when_asked(client, book):
    client.cookies["django_language"] = "en"
    page = client.get(book_url()).content.decode()
    assert "Customer opinion book" in page and "What happened" in page


def test_an_entry_lands_in_the_outlets_register_with_its_manager_as_handler(
    client, book, outlet_user
):
    response = submit(client)
    assert response.status_code == 200
    entry = Complaint.objects.get()
    assert entry.channel == Complaint.Channel.OPINION_BOOK_ONLINE
    assert entry.branch == book.outlet and entry.handler == outlet_user
    assert entry.registered_by is None and entry.status == Complaint.Status.REGISTERED
    assert entry.customer_phone == "13812345678" and entry.reply_due_at is not None
    assert entry.reference in response.content.decode()
    event = ComplaintEvent.objects.get(complaint=entry, action=Move.REGISTER)
    assert event.actor is None and "意见簿" in event.note


def test_the_lookup_code_is_random_shown_once_and_stored_only_hashed(client, book):
    first, second = shown_code(submit(client)), shown_code(submit(client, entry_data()))
    assert first != second
    code = normalise_code(first)
    assert len(code) == 10  # 31 symbols: over 49 bits
    lookup = LookupCode.objects.get(complaint__reference__endswith="0001")
    assert code not in lookup.code_hash
    assert lookup.code_hash == code_hash(lookup.complaint.reference, code)


@time_machine.travel(WORKING_MORNING, tick=False)
def test_the_handler_and_the_outlet_head_are_told_at_once(
    client, book, outlet_user, head_a, outsider, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        submit(client)
    told = Notification.objects.filter(kind="complaint_new")
    assert {n.recipient for n in told} == {outlet_user, head_a}
    assert all(n.sent_at is not None for n in told)
    assert sorted(m.to[0] for m in mail.outbox) == sorted([outlet_user.email, head_a.email])
    assert Complaint.objects.get().reference in mail.outbox[0].body


def test_the_bell_shows_an_entry_written_at_night_at_once_and_the_mail_waits(
    client, book, outlet_user, django_capture_on_commit_callbacks
):
    with (
        time_machine.travel(WORKING_MORNING.replace(hour=22), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        submit(client)
    told = Notification.objects.get(kind="complaint_new", recipient=outlet_user)
    assert told.sent_at is None and told.read_at is None
    assert timezone.localtime(told.scheduled_for).hour == 8
    assert not mail.outbox


@pytest.mark.parametrize("why", ["switched_off", "outlet_closed", "no_book", "not_an_outlet"])
def test_a_closed_book_is_refused_and_nothing_is_registered(client, book, org, why):
    code = "A"
    if why == "switched_off":
        book.is_open = False
        book.save()
    elif why == "outlet_closed":
        org.a.is_active = False
        org.a.save()
    elif why == "no_book":
        code = "A2"
    else:
        code = "S1"
    assert client.get(book_url(code)).status_code == 404
    response = submit(client, code=code)
    assert response.status_code == 404
    assert 'id="book-closed"' in response.content.decode()
    assert not Complaint.objects.exists()


@pytest.fixture
def small_limits(settings):
    """Windows of 10 and 60 seconds, with the clock standing still: on a loaded machine a few
    submits can take longer than a window, and the count would start again."""
    settings.OPINION_BOOK_RATE_LIMITS = {
        "per_address": (3, 10),
        "per_outlet": (5, 60),
        "lookup_per_address": (20, 10),
    }
    with time_machine.travel(WORKING_MORNING, tick=False):
        yield


def test_a_flood_from_one_address_is_refused_with_what_was_typed_kept(client, book, small_limits):
    for _n in range(3):
        assert submit(client, entry_data()).status_code == 200
    text = "第四条：ATM 吞卡，无人处理。"
    response = submit(client, entry_data(description=text))
    assert response.status_code == 429
    page = response.content.decode()
    assert 'id="rate-limited"' in page and "分钟" in page
    assert text in page and "13812345678" in page
    assert Complaint.objects.count() == 3


def test_many_addresses_cannot_flood_one_outlet(book, small_limits):
    statuses = [
        submit(Client(REMOTE_ADDR=f"10.1.0.{n}"), entry_data()).status_code for n in range(7)
    ]
    assert statuses == [200] * 5 + [429] * 2
    assert Complaint.objects.count() == 5


def test_the_outlet_limit_does_not_stop_another_outlet(org, book, small_limits):
    from opinionbook.models import OpinionBook

    OpinionBook.objects.create(outlet=org.b)
    for n in range(5):
        submit(Client(REMOTE_ADDR=f"10.2.0.{n}"), entry_data())
    assert submit(Client(REMOTE_ADDR="10.3.0.1"), entry_data(), code="B").status_code == 200


def test_script_in_an_entry_is_shown_as_text_everywhere(client, book, outlet_user, login):
    attack = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    response = submit(client, entry_data(description=attack, customer_request=attack))
    assert response.status_code == 200
    entry = Complaint.objects.get()
    assert entry.description == attack  # kept as the customer wrote it: evidence
    page = login(outlet_user).get(reverse("admin:complaints_complaint_change", args=[entry.pk]))
    html = page.content.decode()
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert" in html


def test_formula_text_stays_text_in_the_register_export(client, book, outlet_user, login):
    formula = '=HYPERLINK("http://evil.example","点我")'
    submit(client, entry_data(description=formula, customer_name="=1+1"))
    response = login(outlet_user).post(reverse("exports:export", args=["complaints"]))
    assert response.status_code == 200
    sheet = open_workbook(response_bytes(response)).active
    cells = [cell for row in sheet.iter_rows(min_row=2) for cell in row if cell.value]
    typed = [c for c in cells if isinstance(c.value, str) and c.value.startswith("=")]
    assert typed, "the typed formula is not in the export"
    assert all(c.data_type == "s" for c in typed)


def test_a_huge_body_is_refused_before_it_is_read(client, book):
    response = submit(client, entry_data(description="投诉" * 40_000))
    assert response.status_code == 413
    assert not Complaint.objects.exists()


def test_text_over_the_limit_is_refused_with_the_text_kept(client, book, settings):
    long_text = "长" * (settings.OPINION_BOOK_TEXT_MAX_CHARS + 1)
    response = submit(client, entry_data(description=long_text))
    assert response.status_code == 200
    assert not Complaint.objects.exists()
    assert "2000" in response.content.decode() and long_text in response.content.decode()


def test_files_are_not_accepted(client, book):
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = {**entry_data(), "file": SimpleUploadedFile("x.pdf", b"%PDF-1.4 hello")}
    response = client.post(book_url(), data)  # multipart
    assert response.status_code == 400
    assert not Complaint.objects.exists()


def test_csrf_is_checked_on_the_public_page(book):
    client = Client(enforce_csrf_checks=True)
    assert submit(client).status_code == 403
    page = client.get(book_url()).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    assert submit(client, entry_data(csrfmiddlewaretoken=token)).status_code == 200
    assert Complaint.objects.count() == 1


def test_sending_the_same_form_twice_registers_one_entry(client, book):
    data = entry_data(submission_token="6f1c2e0a-4b7d-4c1e-9a55-0d4d3c2b1a00")
    first = submit(client, data)
    second = submit(client, data)
    assert Complaint.objects.count() == 1
    reference = Complaint.objects.get().reference
    assert (
        reference in second.content.decode() and 'id="lookup-code"' not in second.content.decode()
    )
    assert 'id="lookup-code"' in first.content.decode()


def test_an_anonymous_entry_needs_no_name_nor_phone(client, book):
    data = entry_data(customer_name="", customer_phone="", wants_reply=None, consent=None)
    assert submit(client, data).status_code == 200
    assert Complaint.objects.get().customer_phone == ""


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"consent": None}, "consent"),
        ({"customer_phone": "", "customer_name": ""}, "customer_phone"),
        ({"customer_phone": "12345"}, "customer_phone"),
        ({"description": "   "}, "description"),
        ({"kind": "void"}, "kind"),
    ],
)
def test_what_cannot_be_registered_is_refused_with_the_reason(client, book, changes, field):
    response = submit(client, entry_data(**changes))
    assert response.status_code == 200
    assert not Complaint.objects.exists()
    assert field in response.context["form"].errors


def statements(captured) -> list[str]:
    """The statements that read or write: SQLite logs the BEGIN and COMMIT of a transaction,
    PostgreSQL's driver sends them unlogged. Savepoints count: they are the code's own."""
    sqls = (query["sql"] for query in captured.captured_queries)
    return [sql for sql in sqls if not sql.startswith(("BEGIN", "COMMIT"))]


@pytest.mark.django_db(transaction=True)
@time_machine.travel(WORKING_MORNING.replace(hour=20))
def test_the_page_and_an_accepted_submission_take_at_most_ten_queries(
    client, book, outlet_user, org
):
    # Outside a test transaction, so counted as the server runs them: the code's transactions
    # are transactions here, not savepoints in the test's. In the evening: within working
    # hours the request only queues the mail (the broker, no query), which the tests' eager
    # Celery would deliver inside the request instead.
    UserFactory(username="head_a", branch=org.a, roles=[Role.BRANCH_MANAGER])
    # A bank has its policy from the migrations; an earlier transactional test's flush may
    # have emptied the table, and creating the policy moves the cache's version on.
    DeadlinePolicy.current()
    # The first entry of the month opens its counter, and fills the cached policy.
    submit(client, entry_data(submission_token=str(uuid.uuid4())))
    with CaptureQueriesContext(connection) as page:
        client.get(book_url())
    with CaptureQueriesContext(connection) as submission:
        response = submit(client, entry_data(submission_token=str(uuid.uuid4())))
    assert len(statements(page)) <= 10
    assert len(statements(submission)) <= 10, "\n".join(statements(submission))
    entry = Complaint.objects.latest("pk")
    assert entry.reference in response.content.decode() and shown_code(response)
    # Nothing skipped to get there: the next number, the repeat flag (the same phone as the
    # first entry), the history, the timeline, the lookup code and the notices to the handler
    # and the outlet head are all written.
    assert entry.reference.endswith("-0002") and entry.is_repeat
    assert entry.history.count() == 1
    assert entry.events.filter(action=Move.REGISTER).count() == 1
    assert LookupCode.objects.filter(complaint=entry).exists()
    told = Notification.objects.filter(object_id=entry.pk, kind="complaint_new")
    assert set(told.values_list("recipient__username", flat=True)) == {
        outlet_user.username,
        "head_a",
    }
