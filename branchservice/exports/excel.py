"""Writing workbooks safely: the one cell writer every report and export goes through.

Workbooks are built in openpyxl's write-only mode so that memory stays flat whatever the number
of rows. Every string is written as text: a value a user typed that starts with "=", "+", "-",
"@", a tab or a carriage return could otherwise be taken for a formula by Excel or LibreOffice
(formula injection), so it is stored as a string cell with Excel's quote prefix, which keeps it
text even when someone edits the cell. Dates are real Excel dates in local (Shanghai) time.
"""

import datetime as dt
from decimal import Decimal

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
PERCENT_FORMAT = "0.0%"
PLAIN_TYPES = frozenset({int, float, Decimal, bool})
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDE5F0")
HEADER_ALIGNMENT = Alignment(wrap_text=True, vertical="center")
SUBTOTAL_FONT = Font(bold=True)


def new_workbook() -> Workbook:
    return Workbook(write_only=True)


def excel_value(value, tz=None):
    """The value as openpyxl must be given it: local naive datetimes, clean text."""
    if value is None or isinstance(value, bool | int | float | Decimal):
        return value
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = value.astimezone(tz or timezone.get_current_timezone())
        # Excel has no time zones: the local wall-clock time is what a reader expects.
        return value.replace(tzinfo=None, microsecond=0)
    if isinstance(value, dt.date):
        return value
    return clean_text(value)


def clean_text(value) -> str:
    # Control characters (other than tab, LF, CR) make the file unreadable to Excel.
    return ILLEGAL_CHARACTERS_RE.sub("", str(value))


class SheetWriter:
    """A write-only worksheet with one safe way to add a row.

    Column widths, frozen panes and filters must be set before the first row in write-only
    mode, hence `header()` does all three.
    """

    def __init__(self, workbook: Workbook, title: str):
        self.ws = workbook.create_sheet(title=clean_text(title)[:31])
        self.rows = 0
        self._filter = None
        self._tz = timezone.get_current_timezone()

    def cell(self, value, *, bold=False, number_format=None, fill=None, font=None, alignment=None):
        """The one way a value becomes a cell: every string cell, header or not, comes here."""
        value = excel_value(value, self._tz)
        text_needs_guard = isinstance(value, str) and value.startswith(FORMULA_TRIGGERS)
        if not (text_needs_guard or bold or number_format or fill or font or alignment):
            return value
        cell = WriteOnlyCell(self.ws, value=value)
        if text_needs_guard:
            # openpyxl alone turns "=..." into a formula; "+", "-", "@" would become one as
            # soon as a user edits the cell. Forcing the type and the quote prefix stops both.
            cell.data_type = "s"
            cell.quotePrefix = True
        if isinstance(value, dt.datetime):
            cell.number_format = number_format or DATETIME_FORMAT
        elif number_format:
            cell.number_format = number_format
        if bold or font:
            cell.font = font or SUBTOTAL_FONT
        if fill:
            cell.fill = fill
        if alignment:
            cell.alignment = alignment
        return cell

    def header(self, labels, *, widths=None, freeze=True, autofilter=True):
        """Column headings; on a detail sheet also frozen below and filterable."""
        labels = [str(label) for label in labels]
        for index, width in enumerate(widths or [], start=1):
            if width:
                self.ws.column_dimensions[get_column_letter(index)].width = width
        if freeze:
            self.ws.freeze_panes = f"A{self.rows + 2}"
        if autofilter:
            # The filter range is written after the rows, so it can cover all of them.
            self._filter = (self.rows + 1, len(labels))
        # Headings hold names head office typed (categories, reasons, branches): they take the
        # same formula guard as every other string.
        self._append(
            [
                self.cell(label, font=HEADER_FONT, fill=HEADER_FILL, alignment=HEADER_ALIGNMENT)
                for label in labels
            ]
        )

    def row(self, values, *, bold=False, formats=None, alignment=None):
        if bold or formats or alignment:
            formats = formats or {}
            cells = [
                self.cell(value, bold=bold, number_format=formats.get(index), alignment=alignment)
                for index, value in enumerate(values)
            ]
        else:
            # The export hot path (millions of cells): plain text and numbers need no cell
            # object; everything else goes through cell().
            cells = []
            for value in values:
                if type(value) is str:
                    value = ILLEGAL_CHARACTERS_RE.sub("", value)
                    if value.startswith(FORMULA_TRIGGERS):
                        value = self.cell(value)
                elif not (value is None or type(value) in PLAIN_TYPES):
                    value = self.cell(value)
                cells.append(value)
        self._append(cells)

    def blank(self):
        self._append([])

    def _append(self, cells):
        self.ws.append(cells)
        self.rows += 1
        if self._filter:
            first_row, width = self._filter
            self.ws.auto_filter.ref = f"A{first_row}:{get_column_letter(width)}{self.rows}"
