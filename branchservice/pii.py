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


def _keep_ends(value: str, head: int, tail: int) -> str:
    if not value:
        return ""
    if len(value) <= head + tail:
        return "*" * len(value)
    return value[:head] + "*" * (len(value) - head - tail) + value[-tail:]


def mask_phone(value: str) -> str:
    """13812345678 → 138****5678; 010-62550101 → 010-****0101."""
    phone = normalise_phone(value)
    if "-" in phone:
        area, _sep, rest = phone.partition("-")
        return f"{area}-{_keep_ends(rest, 0, 4)}"
    return _keep_ends(phone, 3, 4)


def mask_id_number(value: str) -> str:
    """First 6 and last 4 characters: 110101********1234."""
    return _keep_ends((value or "").strip().upper(), 6, 4)


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
