"""The poster an outlet prints for its hall: its QR code leads a phone to the outlet's book."""

from django.test import override_settings
from django.urls import reverse

from opinionbook.models import OpinionBook
from tests.opinionbook.qr import decode_svg


def poster_url(book):
    return reverse("admin:opinionbook_opinionbook_poster", args=[book.pk])


@override_settings(NOTIFICATIONS_SITE_URL="https://service.bank.example/")
def test_the_posters_qr_code_decodes_to_the_outlets_page(login, head_a, book):
    response = login(head_a).get(poster_url(book))
    assert response.status_code == 200
    page = response.content.decode()
    assert decode_svg(page) == ["https://service.bank.example/o/A/"]
    # What the customer reads beside the code: where they are, whom to call.
    assert "中关村网点" in page and "010-66668888" in page and "客户意见簿" in page
    assert "扫描" in page


def test_the_outlets_manager_finds_the_poster_in_the_books_list(login, outlet_user, book):
    client = login(outlet_user)
    listing = client.get(reverse("admin:opinionbook_opinionbook_changelist")).content.decode()
    assert poster_url(book) in listing
    change = client.get(reverse("admin:opinionbook_opinionbook_change", args=[book.pk]))
    assert poster_url(book) in change.content.decode()


def test_another_outlet_gets_not_found(login, outsider, book):
    assert login(outsider).get(poster_url(book)).status_code == 404


def test_a_switched_off_book_still_prints_with_a_warning_on_screen(login, head_a, book):
    OpinionBook.objects.filter(pk=book.pk).update(is_open=False)
    page = login(head_a).get(poster_url(book)).content.decode()
    assert 'id="book-closed"' in page


def test_the_poster_has_no_inline_code_for_the_admins_policy(login, head_a, book):
    page = login(head_a).get(poster_url(book)).content.decode()
    assert "<style" not in page and "onclick" not in page


def test_an_outlet_name_is_escaped_on_the_poster(login, head_a, book):
    book.outlet.name = "<script>alert(1)</script>"
    book.outlet.save()
    page = login(head_a).get(poster_url(book)).content.decode()
    assert "<script>alert" not in page and "&lt;script&gt;" in page
