import datetime as dt
import io
import zoneinfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from branchservice.exports.excel import FORMULA_TRIGGERS, SheetWriter, new_workbook
from tests.exports.helpers import open_workbook, sheet_rows


def write(*rows):
    workbook = new_workbook()
    sheet = SheetWriter(workbook, "data")
    sheet.header(["a", "b"], widths=[10, 10])
    for row in rows:
        sheet.row(row)
    stream = io.BytesIO()
    workbook.save(stream)
    return open_workbook(stream.getvalue())["data"]


@pytest.mark.parametrize("trigger", FORMULA_TRIGGERS)
def test_it_writes_text_starting_with_a_formula_trigger_as_text(trigger):
    typed = f'{trigger}HYPERLINK("http://evil.invalid","click")'
    cell = write([typed])["A2"]
    assert cell.data_type == "s"
    # Unchanged, a carriage return included (lxml writes it as a character reference).
    assert cell.value == typed
    # The quote prefix keeps it text even when someone edits the cell in Excel.
    assert cell.quotePrefix


@pytest.mark.parametrize("trigger", FORMULA_TRIGGERS)
def test_headings_starting_with_a_formula_trigger_are_text_with_the_quote_prefix(trigger):
    workbook = new_workbook()
    sheet = SheetWriter(workbook, "data")
    sheet.header([f"{trigger}1+1", "plain"])
    stream = io.BytesIO()
    workbook.save(stream)
    first, plain = next(open_workbook(stream.getvalue())["data"].iter_rows())
    assert first.data_type == "s" and first.quotePrefix and first.font.bold
    assert plain.value == "plain" and not plain.quotePrefix and plain.font.bold


def test_it_writes_sums_and_negative_numbers_typed_as_text_as_text():
    sheet = write(["=SUM(1,2)", "-5"], ["+86 138", "@cmd"])
    assert sheet_rows(sheet)[1:] == [["=SUM(1,2)", "-5"], ["+86 138", "@cmd"]]
    assert all(cell.data_type == "s" for row in sheet.iter_rows(min_row=2) for cell in row)


# Writing a workbook takes milliseconds on a loaded machine: no per-example deadline.
@settings(deadline=None, max_examples=60)
@given(st.text(max_size=40))
def test_it_never_writes_any_typed_text_as_a_formula(text):
    cell = write([text])["A2"]
    assert cell.data_type != "f"
    if cell.value is not None:
        assert isinstance(cell.value, str)


def test_it_writes_dates_and_aware_datetimes_as_excel_dates_in_shanghai_time():
    utc_noon = dt.datetime(2026, 10, 9, 4, 30, tzinfo=zoneinfo.ZoneInfo("UTC"))
    sheet = write([dt.date(2026, 10, 9), utc_noon])
    assert sheet["A2"].is_date and sheet["A2"].value == dt.datetime(2026, 10, 9)
    assert sheet["B2"].is_date and sheet["B2"].value == dt.datetime(2026, 10, 9, 12, 30)


def test_it_drops_control_characters_that_would_corrupt_the_file():
    assert write(["bad\x00\x07text\nnext line"])["A2"].value == "badtext\nnext line"


def test_it_freezes_the_header_and_filters_every_row():
    sheet = write(["x", 1], ["y", 2], ["z", 3])
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:B4"
    assert sheet.column_dimensions["A"].width == 10
