import logging

import pytest
from django.core.exceptions import ValidationError

from branchservice import pii
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
    # Shorter documents show at most half of the number (issue 14 item 7's ID types).
    assert mask_id_number("H1234567890") == "H1*******90"  # Hong Kong/Macao permit
    assert mask_id_number("E12345678") == "E1*****78"  # passport
    assert mask_id_number("12345678") == "12****78"  # Taiwan permit
    assert mask_id_number("ABC") == "***"
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


@pytest.mark.parametrize(
    ("validate", "good", "bad"),
    [
        (pii.validate_uscc, "91350100M000100Y43", "91350100M000100Y44"),  # check character
        (pii.validate_uscc, "91110000802100433B", "9111000080210043IB"),  # no I in the code
        (pii.validate_passport, "E12345678", "E12"),
        (pii.validate_hk_macao_permit, "M12345678", "K12345678"),
        (pii.validate_taiwan_permit, "12345678", "1234567"),
        (pii.validate_foreign_permanent_card, "CAN123456789012", "CA1234567890123"),
    ],
)
def test_each_document_has_its_own_check(validate, good, bad):
    validate(good)
    with pytest.raises(ValidationError):
        validate(bad)


def test_matching_keys_ignore_how_a_number_was_typed_and_hide_it():
    assert pii.phone_match_key("010-62550101") == pii.phone_match_key("01062550101")
    assert pii.phone_match_key("+86 138 1234 5678") == pii.phone_match_key("13812345678")
    assert "13812345678" not in pii.phone_match_key("13812345678")
    assert pii.phone_match_key("1234") == pii.document_match_key("passport", "") == ""
    # The same characters on two kinds of document are two people.
    assert pii.document_match_key("passport", "12345678") != pii.document_match_key(
        "taiwan_permit", "12345678"
    )
