"""Writing an export: one sheet, the spec's columns, personal data masked unless allowed."""

from collections.abc import Callable

from branchservice.pii import exports_unmasked

from .excel import SheetWriter, new_workbook
from .registry import ExportSpec

# How often a background export records its progress (one UPDATE per this many rows).
PROGRESS_EVERY = 1000


def row_values(spec: ExportSpec, row, *, unmasked: bool, getters) -> list:
    """The cells of one row of `spec.rows()`: `getters` are the spec's, bound once."""
    values = []
    for column, getter in zip(spec.columns, getters, strict=True):
        value = getter(row)
        if column.mask is not None and not unmasked and value:
            value = column.mask(value)
        values.append(value)
    return values


def write_export(
    *,
    spec: ExportSpec,
    queryset,
    user,
    stream,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write the queryset's rows as one sheet to `stream` (a binary file); returns the number
    of rows."""
    unmasked = exports_unmasked(user)
    workbook = new_workbook()
    sheet = SheetWriter(workbook, str(spec.title))
    sheet.header(spec.headers(), widths=[column.width for column in spec.columns])
    getters = spec.getters()
    count = 0
    for count, row in enumerate(spec.rows(queryset), start=1):
        sheet.row(row_values(spec, row, unmasked=unmasked, getters=getters))
        if progress is not None and count % PROGRESS_EVERY == 0:
            progress(count)
    workbook.save(stream)
    return count
