"""Arbitrary text into complaint registration, notes and rectification notices, through the admin
pages and the services: either a clear validation error, or a record that reads back as sent
(after the normalisation the model documents) and pages that escape it."""

import itertools

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from hypothesis import event, example, given
from hypothesis import strategies as st

from branchservice.rectifications.models import Rectification
from complaints import services
from complaints.models import Complaint, ComplaintEvent
from tests.complaints.conftest import at, register
from tests.fuzz import ALWAYS, FUZZ, assert_escaped, assert_refused_clearly, nasty_text

tokens = (f"00000000-0000-4000-8000-{n:012d}" for n in itertools.count())


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
@example(description=ALWAYS[0], name=ALWAYS[1], request_text=ALWAYS[0], about=ALWAYS[2])
@example(description=ALWAYS[1], name=ALWAYS[1], request_text=ALWAYS[0], about=ALWAYS[2])
@example(description=ALWAYS[2], name=ALWAYS[1], request_text=ALWAYS[0], about=ALWAYS[2])
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
@example(description=ALWAYS[0], name=ALWAYS[1], about="")
@example(description=ALWAYS[1], name=ALWAYS[1], about="")
@example(description=ALWAYS[2], name=ALWAYS[1], about="")
@example(name="张" * 51, description="x", about="")
@example(name="", description="x", about="柜" * 101)
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
@example(note=ALWAYS[0])
@example(note=ALWAYS[1])
@example(note=ALWAYS[2])
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
@example(action=ALWAYS[0], department="营业部")
@example(action=ALWAYS[1], department="营业部")
@example(action=ALWAYS[2], department="营业部")
@example(department="部" * 101, action="x")
def test_a_rectification_notice_keeps_its_text_or_is_refused(
    open_complaint, outlet_user, login, department, action
):
    data = {
        "owner": outlet_user,
        "responsible_department": department,
        "required_action": action,
        "due_date": at(2026, 10, 30).date(),
    }
    before = Rectification.objects.count()
    try:
        notice = services.rectification_issue(user=outlet_user, complaint=open_complaint, data=data)
    except ValidationError as error:
        event("refused")
        assert_refused_clearly(error)
        assert Rectification.objects.count() == before
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
@example(evidence=ALWAYS[0], action=ALWAYS[1])
@example(evidence=ALWAYS[1], action=ALWAYS[1])
@example(evidence=ALWAYS[2], action=ALWAYS[1])
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
    notice = Rectification.objects.latest("pk")
    assert notice.required_action == action.strip()
    response = client.post(
        reverse("admin:rectifications_rectification_step", args=[notice.pk, "complete"]),
        {"evidence": evidence},
    )
    notice.refresh_from_db()
    if response.status_code == 200:
        event("completion refused")
        assert notice.status == Rectification.Status.OPEN
        assert_refused_clearly(response.context["form"].errors)
    else:
        event("completed")
        assert response.status_code == 302
        assert notice.evidence == evidence.strip()
    page = client.get(reverse("admin:complaints_complaint_change", args=[open_complaint.pk]))
    assert page.status_code == 200
    # The notices table shows the required action and the evidence; the timeline repeats them.
    assert_escaped(page.content.decode(), notice.required_action, notice.evidence)
