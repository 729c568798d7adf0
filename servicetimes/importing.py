"""Reading a queue system's ticket log: the file's format and encoding, its columns, its rows.

Pure reading and checking, no writes (services.py writes). A file is read twice at most, as
a stream (CSV through a text decoder, Excel in openpyxl's read-only mode), so memory stays flat
whatever its size. Columns are found by their header text, never by position: a file with its
columns shuffled maps the same way, and columns the portal does not need (a customer's name,
say) are never read at all.
"""

import codecs
import csv
import datetime as dt
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from branchservice.files import read_head

SNIFF_BYTES = 64 * 1024
PREVIEW_ROWS = 20
# Errors kept on the import row for the page (the count is kept in full).
KEPT_ERRORS = 200
MAX_WAIT = dt.timedelta(hours=12)


class TicketField(models.TextChoices):
    """What the portal reads from a ticket log, in the order the mapping page shows it."""

    TICKET_NUMBER = "ticket_number", gettext_lazy("Ticket number")
    TRANSACTION = "transaction", gettext_lazy("Transaction type or queue")
    ISSUED_AT = "issued_at", gettext_lazy("Ticket issued at")
    CALLED_AT = "called_at", gettext_lazy("Called at")
    FINISHED_AT = "finished_at", gettext_lazy("Finished at")
    TELLER = "teller", gettext_lazy("Teller number")
    COUNTER = "counter", gettext_lazy("Counter")
    BUSINESS_DATE = "business_date", gettext_lazy("Business date (if the times have no date)")


REQUIRED_FIELDS = [
    TicketField.TICKET_NUMBER,
    TicketField.TRANSACTION,
    TicketField.ISSUED_AT,
    TicketField.CALLED_AT,
    TicketField.FINISHED_AT,
    TicketField.TELLER,
]
# Header texts queue machines commonly use, for a first guess when an outlet has no saved
# mapping yet (compared without spaces and case).
HEADER_GUESSES = {
    TicketField.TICKET_NUMBER: ["票号", "排队号", "号码", "取号号码", "ticket", "ticket number"],
    TicketField.TRANSACTION: ["业务类型", "业务", "队列", "业务名称", "queue", "transaction"],
    TicketField.ISSUED_AT: ["取号时间", "取票时间", "issued", "issued at", "issue time"],
    TicketField.CALLED_AT: ["叫号时间", "呼叫时间", "called", "called at", "call time"],
    TicketField.FINISHED_AT: ["完成时间", "结束时间", "办理结束时间", "finished", "end time"],
    TicketField.TELLER: ["柜员号", "柜员", "工号", "柜员编号", "teller", "teller id"],
    TicketField.COUNTER: ["窗口", "窗口号", "柜台", "柜台号", "counter", "window"],
    TicketField.BUSINESS_DATE: ["日期", "业务日期", "date", "business date"],
}  # fmt: skip


class FileRefused(Exception):
    """The file as a whole cannot be read or imported; the message says why, to the user."""


def _key(text) -> str:
    return re.sub(r"\s+", "", str(text or "")).lower()


# ---- the file -------------------------------------------------------------------------------


def file_kind(upload, name: str) -> str:
    """ "xlsx" or "csv", by the file's first bytes (the extension only tells CSV from junk)."""
    head = read_head(upload)
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if head.startswith(b"PK\x03\x04"):
        if extension != "xlsx":
            raise FileRefused(_("This looks like an Excel workbook: save it as .xlsx."))
        return "xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileRefused(
            _("Old Excel files (.xls) cannot be read: save the file as .xlsx or as CSV.")
        )
    if extension not in ("csv", "txt"):
        raise FileRefused(_("Upload the queue system's export as a CSV or .xlsx file."))
    if b"\x00" in head:
        raise FileRefused(
            _("The file is not plain text (UTF-16 or binary): export it as CSV in UTF-8 or GBK.")
        )
    return "csv"


def csv_encoding(upload) -> str:
    """UTF-8 (with or without BOM) or GB18030 (a superset of GBK), by the file's first 64 kB."""
    upload.seek(0)
    sample = upload.read(SNIFF_BYTES)
    upload.seek(0)
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    for encoding in ("utf-8", "gb18030"):
        try:
            # Not final: the sample may end in the middle of a character.
            codecs.getincrementaldecoder(encoding)().decode(sample, final=False)
        except UnicodeDecodeError:
            continue
        return encoding
    raise FileRefused(_("The file's text encoding is neither UTF-8 nor GBK: export it again."))


@dataclass
class Source:
    """An opened ticket log: its header row and a way to stream its data rows."""

    upload: object
    kind: str
    encoding: str = ""
    headers: list[str] = field(default_factory=list)

    def rows(self) -> Iterator[tuple[int, list]]:
        """(row number as a spreadsheet shows it, cell values) of every non-empty data row."""
        for number, cells in enumerate(self._raw_rows(), start=1):
            if number == 1:
                continue
            if any(cell not in (None, "") for cell in cells):
                yield number, list(cells)

    def _raw_rows(self):
        self.upload.seek(0)
        if self.kind == "xlsx":
            from openpyxl import load_workbook

            workbook = load_workbook(self.upload, read_only=True, data_only=True)
            try:
                yield from workbook.worksheets[0].iter_rows(values_only=True)
            finally:
                workbook.close()
            return
        text = io.TextIOWrapper(self.upload, encoding=self.encoding, newline="")
        try:
            yield from csv.reader(text)
        except UnicodeDecodeError as exc:
            raise FileRefused(
                _("The file mixes text encodings (it cannot be read past byte %(at)s).")
                % {"at": exc.start}
            ) from exc
        finally:
            text.detach()


def open_source(upload, name: str) -> Source:
    kind = file_kind(upload, name)
    source = Source(
        upload=upload, kind=kind, encoding=csv_encoding(upload) if kind == "csv" else ""
    )
    try:
        first = next(iter(source._raw_rows()), None)
    except FileRefused:
        raise
    except Exception as exc:  # openpyxl and csv raise many kinds on a damaged file
        raise FileRefused(_("The file cannot be read: %(error)s") % {"error": exc}) from exc
    headers = [str(cell).strip() if cell is not None else "" for cell in (first or [])]
    if not any(headers):
        raise FileRefused(_("The file has no header row: its first row must name the columns."))
    source.headers = headers
    return source


# ---- columns --------------------------------------------------------------------------------


def guess_columns(headers: list[str], saved: dict | None = None) -> dict[str, str]:
    """Field → header: the outlet's saved mapping where its headers are in this file, else a
    guess from common header texts."""
    present = {_key(h): h for h in headers if h}
    columns = {}
    for name, header in (saved or {}).items():
        if name in TicketField.values and _key(header) in present:
            columns[name] = present[_key(header)]
    for name, guesses in HEADER_GUESSES.items():
        if name in columns:
            continue
        for guess in guesses:
            if _key(guess) in present and present[_key(guess)] not in columns.values():
                columns[name] = present[_key(guess)]
                break
    return columns


def column_errors(columns: dict[str, str], headers: list[str]) -> list[str]:
    errors = []
    for name in REQUIRED_FIELDS:
        if not columns.get(name):
            errors.append(_("Choose the column for “%(field)s”.") % {"field": name.label})
    chosen = [header for header in columns.values() if header]
    for header in sorted({h for h in chosen if chosen.count(h) > 1}):
        errors.append(_("The column “%(header)s” is chosen for two fields.") % {"header": header})
    for header in chosen:
        if header not in headers:
            errors.append(_("The file has no column “%(header)s”.") % {"header": header})
    return errors


# ---- rows -----------------------------------------------------------------------------------


@dataclass
class ParsedRow:
    number: int
    values: dict
    errors: list[str]


DATETIME_FORMATS = ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M"]
TIME_FORMATS = ["%H:%M:%S", "%H:%M"]
DATE_FORMATS = ["%Y-%m-%d", "%Y/%m/%d", "%Y%m%d"]


def _parse(value, formats, cls):
    if isinstance(value, cls):
        return value
    text = str(value).strip()
    for fmt in formats:
        try:
            parsed = dt.datetime.strptime(text, fmt)
        except ValueError:
            continue
        return parsed.time() if cls is dt.time else parsed.date() if cls is dt.date else parsed
    return None


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # Excel gives numbers as floats: ticket 12 is "12", not "12.0"
    return str(value).strip()


class RowReader:
    """Turns a data row into a ticket's values, or says what is wrong with it.

    `types` maps a name (code, name, alias; compared by _key) to a transaction type id,
    `tellers` a teller number to a teller id: both for one outlet, loaded once per file.
    """

    def __init__(self, *, headers, columns, types: dict, tellers: dict):
        index = {header: position for position, header in enumerate(headers)}
        self.positions = {name: index[h] for name, h in columns.items() if h in index}
        self.types = types
        self.tellers = tellers
        self.tz = timezone.get_current_timezone()

    def cell(self, cells, name):
        position = self.positions.get(name)
        return cells[position] if position is not None and position < len(cells) else None

    def read(self, number: int, cells: list) -> ParsedRow:
        errors = []
        ticket = _text(self.cell(cells, TicketField.TICKET_NUMBER))
        if not ticket:
            errors.append(_("no ticket number"))
        elif len(ticket) > 20:
            errors.append(_("ticket number longer than 20 characters"))
        transaction = _text(self.cell(cells, TicketField.TRANSACTION))
        type_id = self.types.get(_key(transaction))
        if not transaction:
            errors.append(_("no transaction type"))
        elif type_id is None:
            errors.append(
                _("transaction type “%(name)s” is not in the transaction type table")
                % {"name": transaction[:40]}
            )
        teller_code = _text(self.cell(cells, TicketField.TELLER))
        teller_id = self.tellers.get(teller_code)
        if not teller_code:
            errors.append(_("no teller number"))
        elif teller_id is None:
            errors.append(
                _("teller number “%(code)s” is not on the outlet's list of tellers")
                % {"code": teller_code[:20]}
            )
        day = None
        if TicketField.BUSINESS_DATE in self.positions:
            raw_day = self.cell(cells, TicketField.BUSINESS_DATE)
            day = _parse(raw_day, DATE_FORMATS, dt.date) if raw_day not in (None, "") else None
            if isinstance(day, dt.datetime):
                day = day.date()
            if day is None:
                errors.append(_("business date “%(value)s” is not a date") % {"value": raw_day})
        times = {}
        for name in (TicketField.ISSUED_AT, TicketField.CALLED_AT, TicketField.FINISHED_AT):
            times[name] = self._moment(self.cell(cells, name), day, name, errors)
        issued, called, finished = (times[n] for n in times)
        if issued and called and called < issued:
            errors.append(_("called before the ticket was issued (the times run backwards)"))
        if called and finished and finished < called:
            errors.append(_("finished before it was called (the times run backwards)"))
        if issued and called and called - issued > MAX_WAIT:
            errors.append(_("called more than 12 hours after the ticket was issued"))
        values = {}
        if not errors:
            local_issue = issued.astimezone(self.tz)
            values = {
                "ticket_number": ticket,
                "transaction_type_id": type_id,
                "teller_id": teller_id,
                "counter": _text(self.cell(cells, TicketField.COUNTER))[:20],
                "issued_at": issued,
                "called_at": called,
                "finished_at": finished,
                "business_date": local_issue.date(),
                "hour": local_issue.hour,
                "wait_seconds": int((called - issued).total_seconds()),
                "handling_seconds": int((finished - called).total_seconds()),
            }
        return ParsedRow(number=number, values=values, errors=errors)

    def _moment(self, raw, day, name, errors):
        if raw in (None, ""):
            errors.append(_("no value for “%(field)s”") % {"field": name.label})
            return None
        moment = _parse(raw, DATETIME_FORMATS, dt.datetime)
        if moment is None:
            clock = raw if isinstance(raw, dt.time) else _parse(raw, TIME_FORMATS, dt.time)
            if clock is None:
                errors.append(
                    _("“%(value)s” in “%(field)s” is not a time")
                    % {"value": str(raw)[:30], "field": name.label}
                )
                return None
            if day is None:
                errors.append(
                    _("“%(field)s” has a time without a date: map the business date column")
                    % {"field": name.label}
                )
                return None
            moment = dt.datetime.combine(day, clock)
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment.replace(microsecond=0), self.tz)
        return moment
