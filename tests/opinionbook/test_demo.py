"""The demo's customer's side: every outlet has its book (page and poster) and online entries
in every state a customer can see; a second seed changes nothing."""

import io

from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from branchservice.models import Branch, User
from complaints.models import Complaint
from opinionbook.models import LookupCode, OpinionBook

STATES = {
    Complaint.Status.REGISTERED,
    Complaint.Status.INVESTIGATING,
    Complaint.Status.RESOLVED,
    Complaint.Status.CLOSED,
    Complaint.Status.VOID,
}


def _online():
    return Complaint.objects.filter(channel=Complaint.Channel.OPINION_BOOK_ONLINE)


def test_every_demo_outlet_has_a_book_a_poster_and_entries_in_every_state(db):
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    outlets = Branch.objects.filter(level=Branch.Level.OUTLET, is_active=True)
    assert OpinionBook.objects.open().count() == outlets.count() == 12
    staff = Client()
    staff.force_login(User.objects.get(username="complaint_manager"))
    for outlet in outlets:
        assert Client().get(reverse("opinionbook:book", args=[outlet.code])).status_code == 200
        states = set(_online().filter(branch=outlet).values_list("status", flat=True))
        assert states == STATES, outlet.code
    book = OpinionBook.objects.get(outlet__code="BJ0101")
    poster = staff.get(reverse("admin:opinionbook_opinionbook_poster", args=[book.pk]))
    assert poster.status_code == 200 and "/o/BJ0101/" in poster.content.decode()
    closed = _online().filter(status=Complaint.Status.CLOSED)
    assert set(closed.values_list("followup_method", flat=True)) == {"online"}
    assert set(_online().filter(status="void").values_list("void_reason", flat=True)) == {
        "广告垃圾信息，与本行业务无关。"
    }
    assert LookupCode.objects.count() == _online().count()
    # The showcase outlet's codes are printed, so the lookup page can be tried with them.
    assert "Lookup (closed): TS-BJ0101-" in out.getvalue()

    first = sorted(_online().values_list("reference", "status"))
    call_command("seed_demo", stdout=io.StringIO())
    assert sorted(_online().values_list("reference", "status")) == first
