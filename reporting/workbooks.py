"""The monthly summary workbook. Numbers come from selectors; this module only lays them out."""

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl.formatting.rule import CellIsRule, FormulaRule
from openpyxl.styles import PatternFill
from openpyxl.utils import get_column_letter

from branchservice.models import Branch

from . import selectors
from .excel import PERCENT_FORMAT, SheetWriter, new_workbook
from .selectors import Format

RED = PatternFill("solid", fgColor="F4CCCC")
AMBER = PatternFill("solid", fgColor="FCE5CD")
NUMBER_FORMATS = {
    Format.COUNT: "0",
    Format.PERCENT: PERCENT_FORMAT,
    Format.DAYS: "0.0",
    Format.SCORE: "0.0",
}


def build_monthly_summary(*, scope: Branch, period: dt.date, stream, generated_at=None):
    """Write the summary of `scope` for the month starting `period` to `stream`."""
    generated_at = generated_at or timezone.now()
    stats = selectors.statistics()
    rows = selectors.branch_summary(scope=scope, period=period)
    workbook = new_workbook()
    _cover(workbook, scope, period, generated_at, stats)
    _branch_summary(workbook, rows, stats)
    workbook.save(stream)


def _cover(workbook, scope, period, generated_at, stats):
    sheet = SheetWriter(workbook, _("Cover"))
    sheet.header([], widths=[28, 60, 14], freeze=False, autofilter=False)
    sheet.row([_("Monthly service quality summary")], bold=True)
    sheet.row([_("Scope"), f"{scope.name} ({scope.code})"])
    sheet.row([_("Period"), f"{period:%Y-%m}"])
    sheet.row([_("Generated at"), generated_at], formats={1: "yyyy-mm-dd hh:mm"})
    sheet.blank()
    sheet.row([_("Definitions")], bold=True)
    sheet.row([_("Statistic"), _("Definition")], bold=True)
    for stat in stats:
        sheet.row([stat.label, stat.definition])


def summary_columns(stats):
    return [_("Code"), _("Branch"), *[stat.label for stat in stats]]


def _branch_summary(workbook, rows, stats):
    sheet = SheetWriter(workbook, _("Branch summary"))
    sheet.header(summary_columns(stats), widths=[12, 28, *[12] * len(stats)], autofilter=False)
    formats = {index: NUMBER_FORMATS[stat.format] for index, stat in enumerate(stats, start=2)}
    for row in rows:
        indent = "  " * row.depth
        sheet.row(
            [row.branch.code, indent + row.branch.name, *[row.value(stat) for stat in stats]],
            bold=row.is_subtotal,
            formats=formats,
        )
    last = sheet.rows
    for index, stat in enumerate(stats, start=3):
        column = get_column_letter(index)
        cells = f"{column}2:{column}{max(last, 2)}"
        if stat.alarm:
            sheet.ws.conditional_formatting.add(
                cells, CellIsRule(operator="greaterThan", formula=["0"], fill=RED)
            )
        if stat.target is not None:
            # Blank cells (no denominator) are no failure: only numbers below target.
            first = f"{column}2"
            rule = f"AND(ISNUMBER({first}),{first}<{stat.target})"
            sheet.ws.conditional_formatting.add(cells, FormulaRule(formula=[rule], fill=AMBER))
