"""Arbitrary text into the branch admin form and the personal-data validators: either a clear
validation error or a record that saves and reads back unchanged, and pages that escape it."""

import itertools
import re

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import escape
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from branchservice import pii
from branchservice.models import Branch

NASTY = [
    "'; DROP TABLE branchservice_branch; --",
    '" OR 1=1 --',
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "{{ request }}{% debug %}",
    "%(name)s %s",
    "\u202e\u200f\u200b",  # right-to-left override, RTL mark, zero-width space
    "مرحبا עברית",
    "😀🏦👨‍👩‍👧",
    "\x00",
    "\x07\x1b[31m\x7f",
    "\r\n\t",
    "中关村" * 40,
]
nasty_text = st.lists(st.one_of(st.text(max_size=40), st.sampled_from(NASTY)), max_size=6).map(
    "".join
)

RESIDENT_ID = re.compile(r"\A[0-9]{17}[0-9X]\Z")
FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
codes = (f"FZ{n}" for n in itertools.count())


@FUZZ
@given(name=nasty_text, address=nasty_text, hotline=nasty_text)
def test_branch_form_saves_text_unchanged_or_refuses_it_clearly(
    org, hq, login, name, address, hotline
):
    client = login(hq)
    code = next(codes)
    response = client.post(
        reverse("admin:branchservice_branch_add"),
        {
            "code": code, "name": name, "level": Branch.Level.OUTLET, "parent": org.s1.pk,
            "address": address, "hotline": hotline, "is_active": "on",
        },
    )  # fmt: skip
    branch = Branch.objects.filter(code=code).first()
    event("refused" if response.status_code == 200 else "saved")
    if response.status_code == 200:
        # Refused: nothing saved, and each complaint is a sentence attached to its field.
        assert branch is None
        errors = response.context["adminform"].form.errors
        assert errors and all(str(msg).strip() for msgs in errors.values() for msg in msgs)
        return
    assert response.status_code == 302
    # Django's text fields trim surrounding white space; everything else is kept as typed.
    assert (branch.name, branch.address, branch.hotline) == (
        name.strip(),
        address.strip(),
        hotline.strip(),
    )
    for url in [
        reverse("admin:branchservice_branch_change", args=[branch.pk]),
        reverse("admin:branchservice_branch_changelist") + f"?q={code}",
    ]:
        page = client.get(url).content.decode()
        assert escape(branch.name) in page
        if "<" in branch.name:
            assert branch.name not in page


@FUZZ
@given(code=nasty_text)
def test_branch_codes_outside_capitals_and_digits_are_refused(org, hq, login, code):
    response = login(hq).post(
        reverse("admin:branchservice_branch_add"),
        {"code": code, "name": "网点", "level": Branch.Level.OUTLET, "parent": org.s1.pk},
    )
    saved = Branch.objects.filter(name="网点").first()
    if saved is None:
        assert response.status_code == 200
        assert response.context["adminform"].form.errors
    else:
        assert saved.code == code.strip() and saved.code.isascii() and saved.code.isalnum()
        saved.delete()


@given(value=nasty_text)
def test_phone_validation_accepts_only_real_numbers_and_never_crashes(value):
    try:
        pii.validate_phone(value)
    except ValidationError as error:
        assert error.code == "invalid_phone"
    else:
        phone = pii.normalise_phone(value)
        assert pii.MOBILE_RE.match(phone) or pii.LANDLINE_RE.match(phone)
    masked = pii.mask_phone(value)
    assert isinstance(masked, str)


@given(value=st.one_of(nasty_text, st.from_regex(RESIDENT_ID)))
def test_resident_id_validation_gives_one_of_its_reasons_or_accepts(value):
    try:
        pii.validate_resident_id(value)
    except ValidationError as error:
        assert error.code in {"invalid_id_format", "invalid_id_date", "invalid_id_checksum"}
    else:
        number = value.strip().upper()
        assert pii.resident_id_check_digit(number[:17]) == number[17]
    # A valid number shows its first 6 and last 4 characters only.
    if value.strip().upper() == value and RESIDENT_ID.match(value):
        assert pii.mask_id_number(value) == value[:6] + "*" * 8 + value[-4:]


@given(text=nasty_text, digits=st.from_regex(r"\A1[3-9]\d{9}\Z"))
def test_log_masking_hides_a_mobile_number_inside_any_text(text, digits):
    masked = pii.mask_text(f"{text} {digits} {text}")
    assert digits not in masked


@given(digits=st.from_regex(r"\A1[3-9][0-9]{9}\Z"))
def test_log_masking_hides_a_mobile_number_typed_in_full_width(digits):
    full_width = digits.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    masked = pii.mask_text(f"客户电话{full_width}")
    assert digits not in masked and full_width not in masked


@given(value=st.text(alphabet="0123456789０１２３４５６７８９X", min_size=11, max_size=18))
def test_only_ascii_digits_pass_as_phone_or_id_numbers(value):
    for validate in (pii.validate_phone, pii.validate_resident_id):
        try:
            validate(value)
        except ValidationError:
            continue
        assert value.isascii()
