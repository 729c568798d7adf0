"""Writes of the customer's side. An entry is registered by complaints.services (the one way a
register entry is made); this module adds the lookup code the customer follows it with."""

import datetime as dt
import secrets
import uuid

from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from complaints.models import Complaint
from complaints.services import complaint_register

from .models import LookupCode, OpinionBook

# No 0/O, 1/I/L: a code is read off a phone and typed again. 31 symbols, 10 of them: 49 bits.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def display_code(code: str) -> str:
    """ABCDE-FGHJK: two groups are easier to copy than ten letters."""
    half = CODE_LENGTH // 2
    return f"{code[:half]}-{code[half:]}"


def normalise_code(typed: str) -> str:
    return "".join(ch for ch in (typed or "").upper() if ch.isalnum())


def code_hash(reference: str, code: str) -> str:
    """A keyed hash (the SECRET_KEY): a copy of the database alone does not let anyone try
    codes offline, and the reference as part of the input makes each hash its entry's own."""
    return salted_hmac(
        "opinionbook.lookup-code", f"{reference}:{code}", algorithm="sha256"
    ).hexdigest()


def code_matches(lookup: LookupCode, typed: str) -> bool:
    expected = code_hash(lookup.complaint.reference, normalise_code(typed))
    return constant_time_compare(expected, lookup.code_hash)


def opinion_submit(
    *,
    book: OpinionBook,
    kind: str,
    description: str,
    customer_request: str = "",
    customer_name: str = "",
    customer_phone: str = "",
    submission_token: uuid.UUID | None = None,
    now: dt.datetime | None = None,
) -> tuple[Complaint, str]:
    """Register what a customer wrote in `book` and give it a lookup code; returns the entry
    and the code in clear, which is shown once and never stored."""
    now = now or timezone.now()
    with transaction.atomic():
        complaint = complaint_register(
            user=None,
            branch=book.outlet,
            channel=Complaint.Channel.OPINION_BOOK_ONLINE,
            received_at=now,
            kind=kind,
            description=description,
            customer_request=customer_request,
            customer_name=customer_name,
            customer_phone=customer_phone,
            submission_token=submission_token,
            now=now,
        )
        code = new_code()
        LookupCode.objects.create(
            complaint=complaint, code_hash=code_hash(complaint.reference, code)
        )
    return complaint, code
