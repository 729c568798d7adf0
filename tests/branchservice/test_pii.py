import logging

import pytest
from django.core.exceptions import ValidationError

from branchservice.pii import (
    MaskPersonalDataFilter,
    mask_account,
    mask_id_number,
    mask_name,
    mask_phone,
    mask_text,
    resident_id_check_digit,
    validate_phone,
    validate_resident_id,
)

# A syntactically valid ID (check digit computed, not a real person's).
VALID_ID = "11010519491231002" + resident_id_check_digit("11010519491231002")


@pytest.mark.parametrize(
    "phone", ["13812345678", "010-62550101", "0755-1234567-89", "+86 139 1234 5678"]
)
def test_mainland_phones_are_accepted(phone):
    validate_phone(phone)


@pytest.mark.parametrize("phone", ["12345678901", "1381234567", "62550101", "abc", ""])
def test_other_phones_are_refused(phone):
    with pytest.raises(ValidationError):
        validate_phone(phone)


def test_a_resident_id_needs_its_check_digit_and_a_real_birth_date():
    validate_resident_id(VALID_ID)
    validate_resident_id(VALID_ID.lower())
    wrong_check = VALID_ID[:17] + ("0" if VALID_ID[17] != "0" else "1")
    with pytest.raises(ValidationError) as err:
        validate_resident_id(wrong_check)
    assert err.value.code == "invalid_id_checksum"
    bad_date = "11010519490231" + "002"
    with pytest.raises(ValidationError) as err:
        validate_resident_id(bad_date + resident_id_check_digit(bad_date))
    assert err.value.code == "invalid_id_date"
    with pytest.raises(ValidationError):
        validate_resident_id("1101051949123100")


def test_masks_show_only_what_identifies_the_record():
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("010-62550101") == "010-****0101"
    assert mask_id_number("110105194912310021") == "110105********0021"
    assert mask_account("6222 0212 3456 7890 123") == "6222***********0123"
    assert mask_name("张三丰") == "张**"
    assert mask_phone("") == ""


def test_logs_never_carry_customer_numbers_in_clear(caplog):
    logger = logging.getLogger("tests.pii")
    logger.addFilter(MaskPersonalDataFilter())
    with caplog.at_level(logging.INFO):
        logger.info(
            "called %s about card %s, id %s", "13812345678", "6222021234567890123", VALID_ID
        )
    text = caplog.records[0].getMessage()
    assert "13812345678" not in text and "138****5678" in text
    assert "6222021234567890123" not in text
    assert VALID_ID not in text and VALID_ID[:6] in text
    assert mask_text("ref TS-BJ0101-202611-0001") == "ref TS-BJ0101-202611-0001"
