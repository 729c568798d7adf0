"""Arbitrary text into complaint registration, notes and rectification notices, through the admin
pages and the services: either a clear validation error, or a record that reads back as sent
(after the normalisation the model documents) and pages that escape it."""

import itertools
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import escape
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from complaints import services
from complaints.models import Complaint, ComplaintEvent, RectificationNotice
from tests.complaints.conftest import at, register

NASTY = [
    "'; DROP TABLE complaints_complaint; --",
    '" OR 1=1 --',
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "{{ request }}{% debug %}",
    "%(ref)s %s {0}",
    "\u202e\u200f\u200b",  # right-to-left override, RTL mark, zero-width space
    "مرحبا עברית",
    "😀🏦👨‍👩‍👧",
    "e\u0301\u0338\u20dd",  # combining accent, overlay and enclosing circle
    "\x00",
    "\x07\x1b[31m\x7f",
    "\r\n\t",
    "柜员态度冷淡" * 30,
]
nasty_text = st.lists(st.one_of(st.text(max_size=40), st.sampled_from(NASTY)), max_size=6).map(
    "".join
)
FUZZ = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
SCRIPT = "<script>alert(1)</script>"
tokens = (f"00000000-0000-4000-8000-{n:012d}" for n in itertools.count())


def assert_refused_clearly(errors):
    """A refusal (form errors or a service's ValidationError) says something in words."""
    if isinstance(errors, ValidationError):
        errors = errors.message_dict if hasattr(errors, "error_dict") else {None: errors.messages}
    assert errors
    assert all(str(message).strip() for messages in errors.values() for message in messages)


def assert_escaped(page: str, *values: str):
    """Each value is on the page escaped, line by line (notes are shown with line breaks)."""
    assert SCRIPT not in page
    for value in values:
        for line in re.split(r"\r\n|\r|\n", value):
            assert escape(line) in page
        if "<" in value:
            assert value not in page


def assert_fits_its_column(instance, *fields):
    """What a service saves must be storable on PostgreSQL too: within the column's length and
    without NUL characters (which PostgreSQL refuses in text), whatever SQLite lets through."""
    for name in fields:
        value = getattr(instance, name)
        max_length = instance._meta.get_field(name).max_length
        assert max_length is None or len(value) <= max_length, name
        assert "\x00" not in value, name


@FUZZ
@given(
    name=nasty_text,
    description=st.one_of(nasty_text, nasty_text.map(lambda text: "客户反映" + text)),
    request_text=nasty_text,
    about=nasty_text,
)
def test_the_add_page_registers_any_text_as_typed_or_refuses_it_clearly(
    frozen, outlet_user, org, login, name, description, request_text, about
):
    client = login(outlet_user)
    before = Complaint.objects.count()
    response = client.post(
        reverse("admin:complaints_complaint_add"),
        {
            "branch": org.a.pk, "kind": "complaint", "channel": "letter",
            "received_at": "2026-09-30T10:00", "customer_name": name,
            "customer_phone": "13912345678", "description": description,
            "customer_request": request_text, "complained_about": about,
            "complexity": "simple", "submission_token": next(tokens),
        },
    )  # fmt: skip
    event("refused" if response.status_code == 200 else "saved")
    if response.status_code == 200:
        assert Complaint.objects.count() == before
        errors = response.context["adminform"].form.errors
        event("refused: " + ", ".join(sorted(errors)))
        assert_refused_clearly(errors)
        return
    assert response.status_code == 302
    complaint = Complaint.objects.latest("pk")
    # The form trims surrounding white space; everything else is kept as typed.
    assert (
        complaint.customer_name,
        complaint.description,
        complaint.customer_request,
        complaint.complained_about,
    ) == (name.strip(), description.strip(), request_text.strip(), about.strip())
    page = client.get(reverse("admin:complaints_complaint_change", args=[complaint.pk]))
    assert page.status_code == 200
    assert_escaped(page.content.decode(), complaint.description, complaint.customer_request)


@FUZZ
@given(name=nasty_text, description=nasty_text, about=nasty_text)
def test_registering_through_the_service_keeps_the_text_or_refuses_it(
    frozen, outlet_user, org, name, description, about
):
    try:
        complaint = register(
            outlet_user,
            org.a,
            channel=Complaint.Channel.LETTER,
            customer_name=name,
            description=description,
            complained_about=about,
        )
    except ValidationError as error:
        event("refused")
        assert_refused_clearly(error)
        return
    event("saved")
    complaint.refresh_from_db()
    # The model trims the customer's name (Complaint._customer_errors); the rest is as sent.
    assert (complaint.customer_name, complaint.description, complaint.complained_about) == (
        name.strip(),
        description,
        about,
    )
    assert_fits_its_column(complaint, "customer_name", "description", "complained_about")


@pytest.fixture
def open_complaint(complaint_in):
    """Under investigation: notes and rectification notices may both be added."""
    return complaint_in(Complaint.Status.INVESTIGATING)


@FUZZ
@given(note=nasty_text)
def test_a_note_is_kept_as_written_or_refused(open_complaint, outlet_user, login, note):
    client = login(outlet_user)
    url = reverse("admin:complaints_complaint_move", args=[open_complaint.pk, "note"])
    before = ComplaintEvent.objects.count()
    response = client.post(url, {"note": note})
    if response.status_code == 200:
        event("refused")
        assert ComplaintEvent.objects.count() == before
        assert_refused_clearly(response.context["form"].errors)
    else:
        event("saved")
        assert response.status_code == 302
        assert ComplaintEvent.objects.latest("pk").note == note.strip()
    # Through the service, untrimmed, the same holds.
    try:
        saved = services.complaint_add_note(user=outlet_user, complaint=open_complaint, note=note)
    except ValidationError as error:
        assert_refused_clearly(error)
    else:
        saved.refresh_from_db()
        assert saved.note == note
        assert_fits_its_column(saved, "note")
    page = client.get(reverse("admin:complaints_complaint_change", args=[open_complaint.pk]))
    assert_escaped(page.content.decode(), ComplaintEvent.objects.latest("pk").note)


@FUZZ
@given(department=nasty_text, action=nasty_text)
def test_a_rectification_notice_keeps_its_text_or_is_refused(
    open_complaint, outlet_user, login, department, action
):
    data = {
        "owner": outlet_user,
        "responsible_department": department,
        "required_action": action,
        "due_date": at(2026, 10, 30).date(),
    }
    before = RectificationNotice.objects.count()
    try:
        notice = services.rectification_issue(user=outlet_user, complaint=open_complaint, data=data)
    except ValidationError as error:
        event("refused")
        assert_refused_clearly(error)
        assert RectificationNotice.objects.count() == before
        return
    event("saved")
    notice.refresh_from_db()
    assert (notice.responsible_department, notice.required_action) == (department, action)
    assert_fits_its_column(notice, "responsible_department", "required_action")
    page = login(outlet_user).get(
        reverse("admin:complaints_complaint_change", args=[open_complaint.pk])
    )
    assert_escaped(page.content.decode(), department, action)


@FUZZ
@given(action=nasty_text, evidence=nasty_text)
def test_the_rectification_pages_keep_text_as_typed_or_refuse_it(
    open_complaint, outlet_user, login, action, evidence
):
    client = login(outlet_user)
    response = client.post(
        reverse("admin:complaints_complaint_move", args=[open_complaint.pk, "rectify"]),
        {
            "owner": outlet_user.pk,
            "responsible_department": "营业部",
            "required_action": action,
            "due_date": "2026-10-30",
        },
    )
    if response.status_code == 200:
        event("refused")
        assert_refused_clearly(response.context["form"].errors)
        return
    assert response.status_code == 302
    notice = RectificationNotice.objects.latest("pk")
    assert notice.required_action == action.strip()
    response = client.post(
        reverse(
            "admin:complaints_complaint_rectification_complete",
            args=[open_complaint.pk, notice.pk],
        ),
        {"evidence": evidence},
    )
    notice.refresh_from_db()
    if response.status_code == 200:
        event("completion refused")
        assert notice.status == RectificationNotice.Status.OPEN
        assert_refused_clearly(response.context["form"].errors)
    else:
        event("completed")
        assert response.status_code == 302
        assert notice.evidence == evidence.strip()
    page = client.get(reverse("admin:complaints_complaint_change", args=[open_complaint.pk]))
    assert page.status_code == 200
    # The notices table shows the required action and the evidence; the timeline repeats them.
    assert_escaped(page.content.decode(), notice.required_action, notice.evidence)
