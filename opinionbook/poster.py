"""The poster an outlet hangs in its hall: its name, hotline, a QR code to its opinion book
and the short notice. Drawn here as SVG: no QR service sees the address, and it prints sharp."""

from dataclasses import dataclass

import segno
from django.conf import settings
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from .models import OpinionBook


def book_address(book: OpinionBook) -> str:
    """The page's address as a customer's phone must reach it: on the portal's public site
    (SITE_URL, as in the reminder mails), not the internal name an admin user came in by."""
    path = reverse("opinionbook:book", args=[book.outlet.code])
    return f"{settings.NOTIFICATIONS_SITE_URL.rstrip('/')}{path}"


@dataclass(frozen=True)
class Poster:
    bank: str
    outlet: str
    hotline: str
    address: str
    qr_svg: SafeString
    is_open: bool


def poster_of(book: OpinionBook) -> Poster:
    address = book_address(book)
    # Level M survives a smudged or partly covered print; the stylesheet sizes it (omitsize).
    qr = segno.make(address, error="m")
    svg = qr.svg_inline(border=4, omitsize=True, title=_("QR code of the opinion book"))
    return Poster(
        bank=book.outlet.bank_name(),
        outlet=book.outlet.name,
        hotline=book.outlet.hotline,
        address=address,
        # segno escapes the title it is given; the rest is its own drawing.
        qr_svg=mark_safe(svg),
        is_open=book.is_open,
    )
