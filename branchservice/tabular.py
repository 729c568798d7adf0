"""Reading an uploaded table (CSV or .xlsx) whose columns the user maps: the file's format and
encoding, its header row, its data rows, a first guess of which column holds what.

Shared by every import that takes a spreadsheet from the bank (servicetimes' ticket logs,
standards' service manual); what a row means stays with each importer. A file is streamed
(CSV through a text decoder, Excel in openpyxl's read-only mode), so memory stays flat
whatever its size. Columns are found by their header text, never by position: a file with its
columns shuffled maps the same way.
"""

import codecs
import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from django import forms
from django.utils.translation import gettext as _

from .files import read_head

SNIFF_BYTES = 64 * 1024


class FileRefused(Exception):
    """The file as a whole cannot be read or imported; the message says why, to the user."""


def header_key(text) -> str:
    """A header as compared: without spaces and case ("Ticket Number" is "ticketnumber")."""
    return re.sub(r"\s+", "", str(text or "")).lower()


def file_kind(upload, name: str, *, wrong_type: str) -> str:
    """ "xlsx" or "csv", by the file's first bytes (the extension only tells CSV from junk).
    `wrong_type` is the refusal for a file that is neither."""
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
        raise FileRefused(wrong_type)
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
    """An opened table: its header row and a way to stream its data rows."""

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


def open_source(upload, name: str, *, wrong_type: str) -> Source:
    kind = file_kind(upload, name, wrong_type=wrong_type)
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


def guess_columns(headers: list[str], *, guesses: dict, saved: dict | None = None) -> dict:
    """Field → header: a saved mapping where its headers are in this file, else the first of
    the field's `guesses` (common header texts) the file has and no other field took."""
    present = {header_key(h): h for h in headers if h}
    columns = {}
    for name, header in (saved or {}).items():
        if name in guesses and header_key(header) in present:
            columns[name] = present[header_key(header)]
    for name, texts in guesses.items():
        if name in columns:
            continue
        for guess in texts:
            found = present.get(header_key(guess))
            if found is not None and found not in columns.values():
                columns[name] = found
                break
    return columns


def column_errors(columns: dict, headers: list[str], *, required) -> list[str]:
    """What is wrong with a mapping: a `required` field (TextChoices members) without a
    column, one column chosen twice, a column the file does not have."""
    errors = []
    for name in required:
        if not columns.get(name):
            errors.append(_("Choose the column for “%(field)s”.") % {"field": name.label})
    chosen = [header for header in columns.values() if header]
    for header in sorted({h for h in chosen if chosen.count(h) > 1}):
        errors.append(_("The column “%(header)s” is chosen for two fields.") % {"header": header})
    for header in chosen:
        if header not in headers:
            errors.append(_("The file has no column “%(header)s”.") % {"header": header})
    return errors


def cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # Excel gives numbers as floats: 12 is "12", not "12.0"
    return str(value).strip()


class ColumnMappingForm(forms.Form):
    """One choice of the file's columns per field an importer reads (`fields`, TextChoices,
    in the order shown; those in `required` must be chosen)."""

    def __init__(self, *args, headers, initial_columns, fields, required, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "—"), *[(h, h) for h in headers if h]]
        for name in fields:
            self.fields[name.value] = forms.ChoiceField(
                label=name.label,
                choices=choices,
                required=name in required,
                initial=initial_columns.get(name.value, ""),
            )

    def columns(self) -> dict:
        return {name: header for name, header in self.cleaned_data.items() if header}
