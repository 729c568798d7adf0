"""Customer personal data: the one place that validates and masks it.

Admin lists, pages, exports and logs all mask through these functions, so a change to how a
phone number is shown is made here once. Full values appear only where a role needs them.
"""

import copy
import datetime as dt
import logging
import re

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from branchservice.roles import is_complaint_handler

# re.ASCII: in Python \d also matches full-width and other scripts' digits ("１３８…" from a
# Chinese input method), which would be stored as typed and never found by a search.
MOBILE_RE = re.compile(r"^1[3-9]\d{9}$", re.ASCII)
# Area code 010-099x, a 7-8 digit number, optional extension.
LANDLINE_RE = re.compile(r"^0\d{2,3}-?\d{7,8}(-\d{1,6})?$", re.ASCII)
RESIDENT_ID_RE = re.compile(r"^\d{17}[\dX]$", re.ASCII)

_ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
_ID_CHECK = "10X98765432"


def sees_unmasked(user) -> bool:
    """Whether `user` sees customers' personal data in full on screen (admin, history, pages):
    the people who handle complaints do; auditors and everyone else see it masked."""
    return is_complaint_handler(user)


# Taking it away unmasked in a file is a permission of its own (head office: roles.py).
UNMASKED_EXPORT_PERMISSION = "exports.export_unmasked_personal_data"


def exports_unmasked(user) -> bool:
    """Whether `user`'s exports hold customers' personal data in full."""
    return user.has_perm(UNMASKED_EXPORT_PERMISSION)


def normalise_phone(value: str) -> str:
    return re.sub(r"[\s()（）]", "", value or "").removeprefix("+86")


def phone_digits(value: str) -> str | None:
    """The digits of a mainland phone number (13812345678, 01062550101), the form the register
    searches by; None when the value is not a phone number."""
    phone = normalise_phone(value).strip()
    if not (MOBILE_RE.match(phone) or LANDLINE_RE.match(phone)):
        return None
    return phone.replace("-", "")


def validate_phone(value: str) -> None:
    """A mainland mobile (13812345678) or landline (010-62550101, 0755-1234567-89)."""
    phone = normalise_phone(value)
    if not (MOBILE_RE.match(phone) or LANDLINE_RE.match(phone)):
        raise ValidationError(
            _("Enter a mainland mobile number (11 digits) or a landline such as 010-62550101."),
            code="invalid_phone",
        )


def resident_id_check_digit(first17: str) -> str:
    return _ID_CHECK[sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def validate_resident_id(value: str) -> None:
    """An 18-character PRC resident ID: a real birth date and the ISO 7064 check digit."""
    number = (value or "").strip().upper()
    if not RESIDENT_ID_RE.match(number):
        raise ValidationError(
            _("A resident ID number has 18 characters: 17 digits and a digit or X."),
            code="invalid_id_format",
        )
    try:
        dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError as exc:
        raise ValidationError(
            _("The birth date in this ID number does not exist."), code="invalid_id_date"
        ) from exc
    if resident_id_check_digit(number[:17]) != number[17]:
        raise ValidationError(
            _("This ID number's check digit is wrong: please check it for a typing error."),
            code="invalid_id_checksum",
        )


# ---- identity documents other than the resident card, and company codes (art. 13) ---------

PASSPORT_RE = re.compile(r"^[A-Z0-9]{5,17}$", re.ASCII)
# 港澳居民来往内地通行证: H (Hong Kong) or M (Macao) and 8 digits (10 on the cards before 2013).
HK_MACAO_PERMIT_RE = re.compile(r"^[HM]\d{8}(\d{2})?$", re.ASCII)
# 台湾居民来往大陆通行证: 8 digits (10 on the booklets before 2015).
TAIWAN_PERMIT_RE = re.compile(r"^\d{8}(\d{2})?$", re.ASCII)
# 外国人永久居留身份证: 3 letters of nationality and 12 digits (2004 card), or since 2017 an
# 18-character number starting with 9, birth date and check digit as on a resident card.
FOREIGN_PERMANENT_OLD_RE = re.compile(r"^[A-Z]{3}\d{12}$", re.ASCII)
# 统一社会信用代码 (GB 32100-2015): 18 characters from 31 (no I, O, Z, S, V); the last is a
# check character, modulo 31 over the weights below.
USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_RE = re.compile(rf"^[{USCC_CHARS}]{{18}}$", re.ASCII)
_USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def normalise_document(value: str) -> str:
    """A document number as stored and matched: upper case, spaces and hyphens dropped."""
    return re.sub(r"[\s\-]", "", value or "").upper()


def uscc_check_character(first17: str) -> str:
    total = sum(USCC_CHARS.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return USCC_CHARS[(31 - total % 31) % 31]


def validate_uscc(value: str) -> None:
    code = normalise_document(value)
    if not USCC_RE.match(code):
        raise ValidationError(
            _(
                "A unified social credit code has 18 characters: digits and capital letters "
                "except I, O, Z, S and V."
            ),
            code="invalid_uscc_format",
        )
    if uscc_check_character(code[:17]) != code[17]:
        raise ValidationError(
            _(
                "This unified social credit code's check character is wrong: please check it "
                "for a typing error."
            ),
            code="invalid_uscc_checksum",
        )


def _pattern(regex, message, code):
    def validate(value: str) -> None:
        if not regex.match(normalise_document(value)):
            raise ValidationError(message, code=code)

    return validate


validate_passport = _pattern(
    PASSPORT_RE,
    _("A passport number has 5 to 17 letters and digits, without other characters."),
    "invalid_passport",
)
validate_hk_macao_permit = _pattern(
    HK_MACAO_PERMIT_RE,
    _("A Hong Kong or Macao residents' permit number is H or M followed by 8 digits."),
    "invalid_hk_macao_permit",
)
validate_taiwan_permit = _pattern(
    TAIWAN_PERMIT_RE,
    _("A Taiwan residents' permit number has 8 digits."),
    "invalid_taiwan_permit",
)


def validate_foreign_permanent_card(value: str) -> None:
    number = normalise_document(value)
    if FOREIGN_PERMANENT_OLD_RE.match(number):
        return
    if number.startswith("9") and len(number) == 18:
        validate_resident_id(number)
        return
    raise ValidationError(
        _(
            "A foreign permanent resident ID card number has 18 characters starting with 9, "
            "or (cards before 2017) 3 letters and 12 digits."
        ),
        code="invalid_foreign_permanent_card",
    )


# ---- matching a customer without unmasking --------------------------------------------------

# The keyed hash (the SECRET_KEY) that finds a customer's other entries: equal values give
# equal keys, and a copy of the database alone cannot be tried against a list of phone
# numbers offline. The key is the SECRET_KEY: a new one leaves the entries stored before it
# unmatched until their keys are computed again.
MATCH_SALT = "branchservice.pii.customer-match"


def _match_key(value: str) -> str:
    return salted_hmac(MATCH_SALT, value, algorithm="sha256").hexdigest()


def phone_match_key(phone: str) -> str:
    """The matching key of a phone number ("" without a valid one): its digits only, so that
    010-62550101 and 01062550101 are the same customer."""
    digits = phone_digits(phone or "")
    return _match_key(f"phone:{digits}") if digits else ""


def document_match_key(document_type: str, number: str) -> str:
    """The matching key of an identity document or company code ("" without one): a passport
    and a resident card that happen to share a number are different people."""
    number = normalise_document(number)
    return _match_key(f"id:{document_type}:{number}") if number else ""


def _keep_ends(value: str, head: int, tail: int) -> str:
    if not value:
        return ""
    if len(value) <= head + tail:
        return "*" * len(value)
    return value[:head] + "*" * (len(value) - head - tail) + value[len(value) - tail :]


def mask_phone(value: str) -> str:
    """13812345678 → 138****5678; 010-62550101 → 010-****0101."""
    phone = normalise_phone(value)
    if "-" in phone:
        area, _sep, rest = phone.partition("-")
        return f"{area}-{_keep_ends(rest, 0, 4)}"
    return _keep_ends(phone, 3, 4)


def mask_id_number(value: str) -> str:
    """An 18-character number (resident card, new foreign permanent resident card, company
    code) keeps its first 6 and last 4: 110101********1234. A shorter document (passport,
    Hong Kong/Macao or Taiwan permit) keeps a quarter of its length at each end, so that at
    most half of it shows: H1234567890 → H1*******90."""
    value = (value or "").strip().upper()
    if len(value) >= 18:
        return _keep_ends(value, 6, 4)
    return _keep_ends(value, len(value) // 4, len(value) // 4)


def mask_account(value: str) -> str:
    """Bank card or account: first 4 and last 4 digits."""
    return _keep_ends(re.sub(r"\s", "", value or ""), 4, 4)


def mask_name(value: str) -> str:
    """Family name kept: 张三丰 → 张**; a Latin name keeps its first letter."""
    value = (value or "").strip()
    return value[:1] + "*" * (len(value) - 1) if value else ""


# Anything in a log line that looks like a phone, ID or card number is masked.
_LOG_PATTERNS = [
    (re.compile(r"(?<!\d)(\d{6})\d{8}(\d{3}[\dXx])(?!\d)"), r"\1********\2"),  # resident ID
    (re.compile(r"(?<!\d)(\d{4})\d{8,11}(\d{4})(?!\d)"), r"\1********\2"),  # card / account
    (re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)"), r"\1****\2"),  # mobile
]


_FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９Ｘｘ", "0123456789Xx")


def mask_text(text: str) -> str:
    # Full-width digits (a Chinese input method's) become ASCII first, so they are masked too.
    text = text.translate(_FULL_WIDTH_DIGITS)
    for pattern, replacement in _LOG_PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def masked_free_text(obj):
    """A copy of the row `obj` with the numbers in every free-text field masked (mask_text),
    for a page shown to someone who does not see customer data unmasked.

    Customers dictate their phone, ID and card numbers, and staff type them into whatever
    field is at hand: a timeline note, a reply, a rectification's evidence. Masking every text
    field of the rows a page shows, rather than the fields someone remembered, keeps a new
    field from leaking. Choice fields hold codes, not typed text, and are left alone; the row
    itself is never changed (it is a copy, never saved).
    """
    masked = copy.copy(obj)
    for field in obj._meta.concrete_fields:
        if isinstance(field, (models.CharField, models.TextField)) and not field.choices:
            value = getattr(obj, field.attname)
            if value:
                setattr(masked, field.attname, mask_text(value))
    return masked


def free_text_for(user, rows):
    """`rows` as `user` may see them: as they are, or (without unmasked access) as masked
    copies, in a list."""
    if sees_unmasked(user):
        return rows
    return [masked_free_text(row) for row in rows]


# A query string's values in a logged URL (the dev server's request lines, "Not Found:" and
# error lines): a search for a customer's name or number must not land in the log.
_QUERY_VALUE = re.compile(r"([?&][^=&\s\"']+=)[^&\s\"']*")


def mask_log_text(text: str) -> str:
    return mask_text(_QUERY_VALUE.sub(r"\1***", text))


class MaskPersonalDataFilter(logging.Filter):
    """Logging filter: customer numbers never reach a log file in clear, neither in the message
    nor in the traceback of an exception (whose frames show values) nor in query strings."""

    _formatter = logging.Formatter()

    def filter(self, record):
        record.msg = mask_log_text(record.getMessage())
        record.args = ()
        if record.exc_info and not record.exc_text:
            # The handler's formatter prints exc_text when it is set, instead of formatting
            # exc_info again; so the masked text is what gets written.
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_log_text(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_log_text(record.stack_info)
        return True
