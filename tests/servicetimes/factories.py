"""Builders for servicetimes tests and the access matrix."""

import datetime as dt

from django.utils import timezone

from servicetimes import services
from servicetimes.models import Teller, Ticket, TimeStandard, TransactionType


def teller(branch, code="G001", name="柜员甲"):
    return Teller.objects.get_or_create(branch=branch, code=code, defaults={"name": name})[0]


def ticket(branch, *, day=dt.date(2026, 11, 2), number="A001", kind="deposit", wait=300,
           handling=200, teller_code="G001", hour=10):  # fmt: skip
    """A queue ticket judged against the version of its type in force on `day`."""
    transaction_type = TransactionType.objects.get(code=kind)
    issued = timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))
    called = issued + dt.timedelta(seconds=wait)
    return Ticket.objects.create(
        branch=branch, business_date=day, ticket_number=number,
        transaction_type=transaction_type, teller=teller(branch, teller_code),
        standard_id=services.StandardFinder()(transaction_type.pk, day),
        issued_at=issued, called_at=called, finished_at=called + dt.timedelta(seconds=handling),
        hour=hour, wait_seconds=wait, handling_seconds=handling,
    )  # fmt: skip


def time_standard(kind="deposit"):
    return TimeStandard.objects.filter(transaction_type__code=kind).first()
