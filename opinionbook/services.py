"""Writes of the customer's side. An entry is registered, and its follow-up recorded, by
complaints.services (the one way each is done); this module adds the lookup code the customer
follows the entry with and the one-time link they rate the reply with."""

import datetime as dt
import logging
import re
import secrets
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from complaints.models import Complaint, Move
from complaints.services import complaint_follow_up, complaint_register
from complaints.workflow import may

from . import sms
from .models import LookupCode, OpinionBook, SatisfactionLink

log = logging.getLogger(__name__)

# Text messages reach mainland mobile numbers only.
MOBILE = re.compile(r"1\d{10}")


def _textable(phone: str) -> str | None:
    """The number a text message can go to, or None (no gateway, or not a mobile number)."""
    phone = re.sub(r"[\s-]", "", phone)
    return phone if sms.configured() and MOBILE.fullmatch(phone) else None


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
    code = new_code()
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
        # In the entry's transaction: no entry without its code.
        alongside=lambda entry: LookupCode.objects.create(
            complaint=entry, code_hash=code_hash(entry.reference, code)
        ),
        now=now,
    )
    return complaint, code


def receipt_sms(*, entry: Complaint, code: str) -> bool:
    """Text the entry's reference and lookup code (as displayed) to the mobile number the
    customer gave, when a gateway is configured; True if it was sent. The code goes straight
    from this request to the gateway: it is not stored, not even in the task queue. A
    failure is logged and costs the customer nothing: the receipt is on their screen."""
    phone = _textable(entry.customer_phone)
    if phone is None:
        return False
    lookup_url = f"{settings.NOTIFICATIONS_SITE_URL.rstrip('/')}{reverse('opinionbook:lookup')}"
    text = _(
        "Your entry at %(outlet)s is received. Reference %(reference)s, lookup code "
        "%(code)s. Follow it at %(url)s"
    ) % {"outlet": entry.branch.name, "reference": entry.reference, "code": code, "url": lookup_url}
    try:
        sms.gateway().send(phone, text)
    except sms.SmsFailed as exc:
        log.warning("Receipt text message for %s not sent: %s", entry.reference, exc)
        return False
    return True


def lookup_find(*, reference: str, code: str, now: dt.datetime | None = None):
    """The entry with this reference if `code` is its lookup code, else None. None too while
    the reference is locked: a wrong reference, a wrong code and a lock answer alike, so the
    page tells nobody which references exist. The fifth wrong code locks the reference for
    OPINION_LOOKUP_LOCK_MINUTES, however many addresses the guesses come from."""
    now = now or timezone.now()
    reference = (reference or "").strip().upper()
    typed = code_hash(reference, normalise_code(code))
    lookup = (
        LookupCode.objects.select_related("complaint__branch", "complaint__policy")
        .filter(complaint__reference=reference)
        .first()
    )
    if lookup is None or (lookup.locked_until and lookup.locked_until > now):
        return None
    if constant_time_compare(typed, lookup.code_hash) or _phone_code_used(reference, typed):
        if lookup.failures:
            LookupCode.objects.filter(pk=lookup.pk).update(failures=0)
        return lookup.complaint
    _count_failure(lookup, now)
    return None


# A lost lookup code: a one-time code by text message to the phone the customer gave, kept
# (hashed) in the shared cache for PHONE_CODE_MINUTES, used once. Wrong guesses count towards
# the reference's lock like wrong lookup codes: 5 tries at a million codes.
PHONE_CODE_MINUTES = 10
PHONE_CODE_RESEND_SECONDS = 60


def _phone_code_key(reference: str) -> str:
    return f"opinionbook:phone-code:{reference}"


def _phone_code_used(reference: str, typed_hash: str) -> bool:
    stored = cache.get(_phone_code_key(reference))
    if stored and constant_time_compare(typed_hash, stored):
        cache.delete(_phone_code_key(reference))
        return True
    return False


def phone_code_send(*, reference: str, last_digits: str, now: dt.datetime | None = None):
    """Text a one-time code to the entry's mobile number if `last_digits` are its last four.
    Returns nothing, and the page answers alike whatever matched: nobody learns from it which
    references exist or what their phones are. At most one code a minute per reference."""
    now = now or timezone.now()
    reference = (reference or "").strip().upper()
    lookup = (
        LookupCode.objects.select_related("complaint")
        .filter(complaint__reference=reference)
        .first()
    )
    if lookup is None or (lookup.locked_until and lookup.locked_until > now):
        return
    phone = _textable(lookup.complaint.customer_phone)
    if phone is None or not constant_time_compare(phone[-4:], last_digits):
        return
    if not cache.add(f"{_phone_code_key(reference)}:sent", 1, PHONE_CODE_RESEND_SECONDS):
        return
    code = f"{secrets.randbelow(10**6):06d}"
    cache.set(_phone_code_key(reference), code_hash(reference, code), PHONE_CODE_MINUTES * 60)
    text = _(
        "Your one-time code for %(reference)s is %(code)s. It is valid for %(minutes)s minutes."
    ) % {"reference": reference, "code": code, "minutes": PHONE_CODE_MINUTES}
    try:
        sms.gateway().send(phone, text)
    except sms.SmsFailed as exc:
        log.warning("One-time code for %s not sent: %s", reference, exc)


def _count_failure(lookup: LookupCode, now: dt.datetime) -> None:
    # Under the row's lock: two wrong guesses at once are both counted.
    with transaction.atomic():
        row = LookupCode.objects.select_for_update().get(pk=lookup.pk)
        row.failures += 1
        if row.failures >= settings.OPINION_LOOKUP_MAX_FAILURES:
            row.failures = 0
            row.locked_until = now + dt.timedelta(minutes=settings.OPINION_LOOKUP_LOCK_MINUTES)
        row.save(update_fields=["failures", "locked_until"])


# --- the follow-up answered by the customer ---------------------------------------------------

# 16 random bytes: 128 bits, far beyond guessing at the pages' rate limits.
LINK_TOKEN_BYTES = 16


def link_token_hash(token: str) -> str:
    """Keyed like the lookup codes: the table alone does not give working links."""
    return salted_hmac("opinionbook.satisfaction-link", token, algorithm="sha256").hexdigest()


def awaits_customer_rating(complaint: Complaint) -> bool:
    """The customer may answer the follow-up now: the workflow's own rule (complaints.workflow,
    the CUSTOMER row of the follow-up move)."""
    return may(complaint, None, Move.FOLLOW_UP)


def satisfaction_link_issue(*, complaint: Complaint, now: dt.datetime | None = None) -> str:
    """A new one-time link token for `complaint`, in clear (shown or sent once, never stored).
    Links issued before for the same entry stop working: one live link per entry."""
    now = now or timezone.now()
    token = secrets.token_urlsafe(LINK_TOKEN_BYTES)
    with transaction.atomic():
        SatisfactionLink.objects.live(now).filter(complaint=complaint).update(expires_at=now)
        SatisfactionLink.objects.create(
            complaint=complaint,
            token_hash=link_token_hash(token),
            created_at=now,
            expires_at=now + dt.timedelta(days=settings.OPINION_SATISFACTION_LINK_DAYS),
        )
    return token


def _live_link(token: str, now: dt.datetime, *, lock: bool = False):
    links = SatisfactionLink.objects.live(now).filter(token_hash=link_token_hash(token or ""))
    if lock:
        links = links.select_for_update()
    link = links.select_related("complaint__branch").first()
    if link is None or not awaits_customer_rating(link.complaint):
        return None
    return link


def satisfaction_link_find(*, token: str, now: dt.datetime | None = None):
    """The live link of this token, or None: unknown, used, expired, or the entry no longer
    awaits a rating (staff did the visit). The page answers all of them alike."""
    return _live_link(token, now or timezone.now())


def satisfaction_answer(
    *, token: str, satisfaction: str, comment: str = "", now: dt.datetime | None = None
) -> Complaint | None:
    """Record the customer's rating as the entry's follow-up visit (method online) and spend
    the link; None if the link does not work (as satisfaction_link_find). Under the link's
    lock: the same link sent twice at once is recorded once."""
    now = now or timezone.now()
    with transaction.atomic():
        link = _live_link(token, now, lock=True)
        if link is None:
            return None
        complaint = complaint_follow_up(
            user=None,
            complaint=link.complaint,
            followed_up_at=now,
            satisfaction=satisfaction,
            comment=comment,
            method=Complaint.FollowUpMethod.ONLINE,
            now=now,
        )
        link.used_at = now
        link.save(update_fields=["used_at"])
    return complaint
