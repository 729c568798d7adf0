"""Reading a queue system's ticket log: its columns and its rows (the file itself is read by
branchservice.tabular).

Pure reading and checking, no writes (services.py writes). A file is read twice at most, as
a stream. Columns the portal does not need (a customer's name, say) are never read at all.
"""

import datetime as dt
from dataclasses import dataclass

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from branchservice import tabular
from branchservice.tabular import cell_text, header_key

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


def open_source(upload, name: str) -> tabular.Source:
    return tabular.open_source(
        upload, name, wrong_type=_("Upload the queue system's export as a CSV or .xlsx file.")
    )


# ---- columns --------------------------------------------------------------------------------


def guess_columns(headers: list[str], saved: dict | None = None) -> dict[str, str]:
    """Field → header: the outlet's saved mapping where its headers are in this file, else a
    guess from common header texts."""
    return tabular.guess_columns(headers, guesses=HEADER_GUESSES, saved=saved)


def column_errors(columns: dict[str, str], headers: list[str]) -> list[str]:
    return tabular.column_errors(columns, headers, required=REQUIRED_FIELDS)


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


class RowReader:
    """Turns a data row into a ticket's values, or says what is wrong with it.

    `types` maps a name (code, name, alias; compared by header_key) to a transaction type id,
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
        ticket = cell_text(self.cell(cells, TicketField.TICKET_NUMBER))
        if not ticket:
            errors.append(_("no ticket number"))
        elif len(ticket) > 20:
            errors.append(_("ticket number longer than 20 characters"))
        transaction = cell_text(self.cell(cells, TicketField.TRANSACTION))
        type_id = self.types.get(header_key(transaction))
        if not transaction:
            errors.append(_("no transaction type"))
        elif type_id is None:
            errors.append(
                _("transaction type “%(name)s” is not in the transaction type table")
                % {"name": transaction[:40]}
            )
        teller_code = cell_text(self.cell(cells, TicketField.TELLER))
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
                "counter": cell_text(self.cell(cells, TicketField.COUNTER))[:20],
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
