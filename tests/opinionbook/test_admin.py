"""The staff's side of the opinion book: outlets switch their book on and off, head office
sees the online entries outlet by outlet, and spam is voided with a reason, never deleted."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from complaints import services as complaints
from complaints.models import Complaint, ComplaintEvent, Move
from opinionbook.models import OpinionBook
from opinionbook.services import opinion_submit
from reporting.selectors import branch_summary

RECEIVED = timezone.make_aware(dt.datetime(2026, 12, 2, 10, 0))
BOOKS = reverse("admin:opinionbook_opinionbook_changelist")
REGISTER = reverse("admin:complaints_complaint_changelist")


def write_in(book, text="排队太久。"):
    return opinion_submit(book=book, kind="complaint", description=text, now=RECEIVED)[0]


def test_the_outlet_head_switches_the_book_off_and_on(login, head_a, book):
    client = login(head_a)
    action = {"_selected_action": [book.pk], "index": 0}
    client.post(BOOKS, {**action, "action": "switch_off"})
    book.refresh_from_db()
    assert book.is_open is False
    assert Client().get(reverse("opinionbook:book", args=["A"])).status_code == 404
    client.post(BOOKS, {**action, "action": "switch_on"})
    book.refresh_from_db()
    assert book.is_open is True
    assert book.history.count() == 3  # created, off, on: each switch is on record


def test_a_complaint_manager_sees_the_book_but_does_not_switch_it(login, outlet_user, book):
    client = login(outlet_user)
    assert client.get(BOOKS).status_code == 200
    client.post(BOOKS, {"_selected_action": [book.pk], "index": 0, "action": "switch_off"})
    book.refresh_from_db()
    assert book.is_open is True


def test_head_office_sees_the_online_entries_of_each_outlet(org, login, hq, book, outlet_user):
    book_b = OpinionBook.objects.create(outlet=org.b)
    mine, theirs = write_in(book), write_in(book_b)
    write_in(book, "又排队了。")
    listing = login(hq).get(BOOKS)
    counts = {row.outlet.code: row.entry_count for row in listing.context["cl"].result_list}
    assert counts == {"A": 2, "B": 1}
    query = urlencode({"branch": org.a.pk, "channel__exact": "opinion_book_online"})
    assert f"{REGISTER}?{query}".replace("&", "&amp;") in listing.content.decode()
    shown = login(hq).get(f"{REGISTER}?{query}").context["cl"].result_list
    assert mine in shown and theirs not in shown and len(shown) == 2


def test_another_outlet_sees_neither_the_book_nor_its_entries(login, outsider, book):
    entry = write_in(book)
    client = login(outsider)
    assert list(client.get(BOOKS).context["cl"].result_list) == []
    query = urlencode({"channel__exact": "opinion_book_online"})
    assert entry not in client.get(f"{REGISTER}?{query}").context["cl"].result_list


def void_url(entry):
    return reverse("admin:complaints_complaint_move", args=[entry.pk, "void"])


def test_head_office_voids_spam_with_a_reason_and_it_stays_on_record(login, hq, book):
    entry = write_in(book, "加微信领红包 http://spam.example")
    client = login(hq)
    response = client.post(void_url(entry), {"reason": "广告垃圾信息"})
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.status == Complaint.Status.VOID and entry.void_reason == "广告垃圾信息"
    event = ComplaintEvent.objects.get(complaint=entry, action=Move.VOID)
    assert event.actor == hq and event.note == "广告垃圾信息"
    assert entry.history.first().status == Complaint.Status.VOID
    # Still in the register, with the reason on its page; the admin deletes nothing.
    page = client.get(reverse("admin:complaints_complaint_change", args=[entry.pk]))
    assert "广告垃圾信息" in page.content.decode()
    delete = reverse("admin:complaints_complaint_delete", args=[entry.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert Complaint.objects.filter(pk=entry.pk).exists()


def test_voiding_spam_needs_a_reason(login, hq, book):
    entry = write_in(book)
    response = login(hq).post(void_url(entry), {"reason": "  "})
    assert response.status_code == 200
    assert "这个字段是必填项" in response.content.decode()
    entry.refresh_from_db()
    assert entry.status == Complaint.Status.REGISTERED and entry.voided_at is None


def test_the_service_refuses_a_void_without_a_reason_in_chinese(hq, book):
    entry = write_in(book)
    with pytest.raises(ValidationError, match="请填写作废原因"):
        complaints.complaint_void(user=hq, complaint=entry, reason="")


def test_only_head_office_voids_an_online_entry(login, outlet_user, head_a, book):
    entry = write_in(book)
    for user in (outlet_user, head_a):
        assert login(user).post(void_url(entry), {"reason": "垃圾"}).status_code == 403
    entry.refresh_from_db()
    assert entry.status == Complaint.Status.REGISTERED


def test_voided_spam_is_not_counted_in_the_statistics(org, hq, book):
    write_in(book)
    spam = write_in(book, "广告")
    complaints.complaint_void(user=hq, complaint=spam, reason="广告垃圾信息")
    rows = branch_summary(scope=org.a, period=dt.date(2026, 12, 1), sources=["entries"])
    assert rows[0].parts["entries"] == 1


def test_voided_spam_is_not_counted_in_the_books_list(login, hq, book):
    write_in(book)
    spam = write_in(book, "广告")
    complaints.complaint_void(user=hq, complaint=spam, reason="广告垃圾信息")
    listing = login(hq).get(BOOKS)
    assert [row.entry_count for row in listing.context["cl"].result_list] == [1]


def void_selected(client, entries, **extra):
    data = {"action": "void_selected", "_selected_action": [e.pk for e in entries], **extra}
    return client.post(REGISTER, data)


def test_head_office_voids_a_flood_of_spam_at_once_each_with_the_reason_on_record(login, hq, book):
    flood = [write_in(book, f"加微信领红包 {n}") for n in range(3)]
    keep = write_in(book, "柜台服务很好。")
    client = login(hq)
    # The action first asks for the reason, naming what it will void.
    confirm = void_selected(client, flood)
    assert confirm.status_code == 200
    page = confirm.content.decode()
    assert all(e.reference in page for e in flood) and keep.reference not in page
    assert not Complaint.objects.filter(status=Complaint.Status.VOID).exists()
    done = void_selected(client, flood, apply="1", reason="广告垃圾信息")
    assert done.status_code == 302
    messages = [str(m) for m in done.wsgi_request._messages]
    assert messages == ["已作废 3 条登记。"]
    for entry in flood:
        entry.refresh_from_db()
        assert entry.status == Complaint.Status.VOID and entry.void_reason == "广告垃圾信息"
        event = ComplaintEvent.objects.get(complaint=entry, action=Move.VOID)
        assert event.actor == hq and event.note == "广告垃圾信息"
    keep.refresh_from_db()
    assert keep.status == Complaint.Status.REGISTERED
    assert Complaint.objects.count() == 4  # voided, never deleted


def test_a_bulk_void_needs_a_reason(login, hq, book):
    flood = [write_in(book, "广告"), write_in(book, "广告")]
    response = void_selected(login(hq), flood, apply="1", reason=" ")
    assert response.status_code == 200
    assert "这个字段是必填项" in response.content.decode()
    assert not Complaint.objects.filter(status=Complaint.Status.VOID).exists()


def test_a_bulk_void_names_the_entries_it_could_not_void(login, hq, book):
    already = write_in(book, "广告")
    complaints.complaint_void(user=hq, complaint=already, reason="先作废了")
    fresh = write_in(book, "广告")
    done = void_selected(login(hq), [already, fresh], apply="1", reason="广告垃圾信息")
    messages = [str(m) for m in done.wsgi_request._messages]
    assert messages[0] == "已作废 1 条登记。"
    assert already.reference in messages[1]
    already.refresh_from_db()
    assert already.void_reason == "先作废了"  # the first reason stays


def test_only_head_office_is_offered_the_bulk_void(login, outlet_user, head_a, hq, book):
    entry = write_in(book)
    assert (
        "void_selected"
        in login(hq).get(REGISTER).context["action_form"].fields["action"].choices[1]
    )
    for user in (outlet_user, head_a):
        client = login(user)
        assert client.get(REGISTER).context["action_form"] is None  # no checkboxes at all
        void_selected(client, [entry], apply="1", reason="垃圾")
    entry.refresh_from_db()
    assert entry.status == Complaint.Status.REGISTERED
