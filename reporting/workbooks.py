"""The summary workbook of a month, quarter, half-year or year. Numbers come from selectors;
this module only lays them out.

Written in write-only mode through SheetWriter (every string as text, dates as dates). The
summary is a frozen file shared among auditors: personal data in it is always masked.
"""

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.formatting.rule import CellIsRule, FormulaRule
from openpyxl.styles import Alignment, PatternFill
from openpyxl.utils import get_column_letter

from branchservice.exports.excel import PERCENT_FORMAT, SheetWriter, new_workbook
from branchservice.exports.writer import row_values
from branchservice.models import Branch
from complaints.exports import COMPLAINTS
from complaints.models import BusinessCategory, Complaint, ComplaintReason
from servicetimes import selectors as servicetimes

from . import analysis, selectors
from .periods import Period, PeriodKind
from .selectors import STATISTIC_BY_KEY, Format

WRAP = Alignment(wrap_text=True, vertical="top")
RED = PatternFill("solid", fgColor="F4CCCC")
AMBER = PatternFill("solid", fgColor="FCE5CD")
NUMBER_FORMATS = {
    Format.COUNT: "0",
    Format.PERCENT: PERCENT_FORMAT,
    Format.DAYS: "0.0",
    Format.SCORE: "0.0",
    Format.PER: "0.00",
    Format.MINUTES: "0",
}
CHECKLIST_KEYS = [
    "checklists_required",
    "checklists_done",
    "checklists_excused",
    "checklists_missed",
    "checklist_completion_rate",
    "checklist_score_avg",
    "critical_failures",
]

TITLES = {
    PeriodKind.MONTH: gettext_lazy("Monthly service quality summary"),
    PeriodKind.QUARTER: gettext_lazy("Quarterly service quality summary"),
    PeriodKind.HALF_YEAR: gettext_lazy("Half-yearly service quality summary"),
    PeriodKind.YEAR: gettext_lazy("Annual service quality summary"),
}


def build_summary(*, scope: Branch, period: Period, stream, generated_at=None):
    """Write the summary of `scope` for `period` to `stream`. Every sheet reads the whole
    period in one go: a quarter takes the queries of a month."""
    generated_at = generated_at or timezone.now()
    stats = selectors.statistics()
    rows = selectors.branch_summary(scope=scope, period=period)
    reasons = list(ComplaintReason.objects.all())
    categories = list(BusinessCategory.objects.all())
    workbook = new_workbook()
    paragraphs = analysis.written_analysis(
        scope=scope, period=period, rows=rows, today=timezone.localdate(generated_at)
    )
    _cover(workbook, scope, period, generated_at, stats, paragraphs)
    _stat_table(workbook, _("Branch summary"), rows, stats)
    _charts(workbook, scope, period, rows, reasons)
    _breakdown(workbook, _("By channel"), rows, "channel", list(Complaint.Channel.choices))
    # Coded labels ("B 0301 / 借记卡"), as the regulatory statistics name them.
    category_labels = [(c.pk, c.coded_label) for c in categories]
    _breakdown(workbook, _("By category"), rows, "category", category_labels)
    _breakdown(workbook, _("By reason"), rows, "reason", [(r.pk, r.coded_label) for r in reasons])
    _breakdown(workbook, _("By root cause"), rows, "root_cause", list(Complaint.RootCause.choices))
    _matrix(workbook, scope, period, categories, reasons)
    _complaint_sheet(workbook, _("Complaint detail"), selectors.complaint_details, scope, period)
    overdue_title = (
        _("Overdue at month end") if period.kind == PeriodKind.MONTH else _("Overdue at period end")
    )
    _complaint_sheet(workbook, overdue_title, selectors.overdue_details, scope, period)
    # The "repeats" statistic by reason (selectors.repeats_q), merged entries among them.
    reason_labels = [(r.pk, r.coded_label) for r in reasons]
    _breakdown(workbook, _("Repeat complaints by reason"), rows, "repeat_reason", reason_labels)
    checklist_stats = [STATISTIC_BY_KEY[key] for key in CHECKLIST_KEYS]
    _stat_table(workbook, _("Checklist results"), rows, checklist_stats)
    _most_failed(workbook, scope, period)
    _rectifications(workbook, scope, period)
    _service_times(workbook, scope, period)
    workbook.save(stream)


def cover_sheet(workbook, *, title, scope, period, generated_at, personal_data, width=90):
    """The cover every report workbook opens with: what, for whom, when, and what of
    personal data it holds; the caller adds its own parts below."""
    sheet = SheetWriter(workbook, _("Cover"))
    sheet.header([], widths=[34, width], freeze=False, autofilter=False)
    sheet.row([str(title)], bold=True)
    sheet.row([_("Scope"), f"{scope.name} ({scope.code})"])
    sheet.row([_("Period"), period.label])
    sheet.row([_("From"), period.start])
    sheet.row([_("Until"), period.last_day])
    sheet.row([_("Generated at"), generated_at])
    sheet.row([_("Personal data"), personal_data])
    return sheet


def _cover(workbook, scope, period, generated_at, stats, paragraphs):
    sheet = cover_sheet(
        workbook, title=TITLES[period.kind], scope=scope, period=period,
        generated_at=generated_at,
        personal_data=_("Customer names, phone and ID numbers are masked."),
    )  # fmt: skip
    sheet.blank()
    sheet.row([_("Analysis")], bold=True)
    for paragraph in paragraphs:
        sheet.row(["", paragraph], alignment=WRAP)
    sheet.blank()
    sheet.row([_("Definitions")], bold=True)
    sheet.row([_("Statistic"), _("Definition")], bold=True)
    for stat in stats:
        sheet.row([stat.label, stat.definition])
    sheet.row(
        [
            _("Subtotals"),
            _(
                "A sub-branch, tier-1 branch or bank row adds up the counts of the outlets "
                "below it; its rates and averages are computed from those sums."
            ),
        ]
    )


def _branch_cells(row):
    return [row.branch.code, "  " * row.depth + row.branch.name]


def _stat_table(workbook, title, rows, stats):
    sheet = SheetWriter(workbook, title)
    headers = [_("Code"), _("Branch"), *[stat.label for stat in stats]]
    sheet.header(headers, widths=[12, 30, *[12] * len(stats)], autofilter=False)
    formats = {index: NUMBER_FORMATS[stat.format] for index, stat in enumerate(stats, start=2)}
    for row in rows:
        sheet.row(
            [*_branch_cells(row), *[row.value(stat) for stat in stats]],
            bold=row.is_subtotal,
            formats=formats,
        )
    last = max(sheet.rows, 2)
    for index, stat in enumerate(stats, start=3):
        column = get_column_letter(index)
        cells = f"{column}2:{column}{last}"
        if stat.alarm:
            sheet.ws.conditional_formatting.add(
                cells, CellIsRule(operator="greaterThan", formula=["0"], fill=RED)
            )
        if stat.target is not None:
            # Blank cells (nothing to measure) are no failure: only numbers below target.
            first = f"{column}2"
            rule = f"AND(ISNUMBER({first}),{first}<{stat.target})"
            sheet.ws.conditional_formatting.add(cells, FormulaRule(formula=[rule], fill=AMBER))


def _breakdown(workbook, title, rows, prefix, choices):
    sheet = SheetWriter(workbook, title)
    columns = [*choices, ("", _("Unclassified"))] if prefix != "channel" else choices
    headers = [_("Code"), _("Branch"), *[label for _value, label in columns], _("Total")]
    sheet.header(headers, widths=[12, 30, *[12] * (len(columns) + 1)], autofilter=False)
    for row in rows:
        counts = [row.parts[f"{prefix}:{value}"] for value, _label in columns]
        sheet.row([*_branch_cells(row), *counts, sum(counts)], bold=row.is_subtotal)


def _matrix(workbook, scope, period, categories, reasons):
    matrix = selectors.category_reason_matrix(scope=scope, period=period)
    sheet = SheetWriter(workbook, _("Category × reason"))
    reason_columns = [*[(r.pk, r.coded_label) for r in reasons], (None, _("Unclassified"))]
    headers = [_("Business category"), *[label for _pk, label in reason_columns], _("Total")]
    sheet.header(headers, widths=[24, *[10] * (len(reason_columns) + 1)], autofilter=False)
    category_rows = [*[(c.pk, c.coded_label) for c in categories], (None, _("Unclassified"))]
    totals = [0] * len(reason_columns)
    for category_id, label in category_rows:
        counts = [matrix.get((category_id, reason_id), 0) for reason_id, _l in reason_columns]
        totals = [a + b for a, b in zip(totals, counts, strict=True)]
        sheet.row([label, *counts, sum(counts)])
    sheet.row([_("Total"), *totals, sum(totals)], bold=True)


def _complaint_sheet(workbook, title, select, scope, period):
    """A detail list with the export's complaint columns, always masked."""
    sheet = SheetWriter(workbook, title)
    sheet.header(COMPLAINTS.headers(), widths=[c.width for c in COMPLAINTS.columns])
    getters = COMPLAINTS.getters()
    for row in COMPLAINTS.rows(select(scope=scope, period=period)):
        sheet.row(row_values(COMPLAINTS, row, unmasked=False, getters=getters))


def _most_failed(workbook, scope, period):
    sheet = SheetWriter(workbook, _("Most-failed items"))
    headers = [_("Section"), _("Item"), _("Critical"), _("Failures"), _("Answers"), _("Fail %")]
    sheet.header(headers, widths=[16, 50, 8, 10, 10, 10])
    for item in selectors.most_failed_items(scope=scope, period=period):
        sheet.row(
            [
                item["item__section__title"],
                item["item__text"],
                _("Yes") if item["item__is_critical"] else "",
                item["failures"],
                item["answers"],
                item["failures"] / item["answers"],
            ],
            formats={5: PERCENT_FORMAT},
        )


def _service_times(workbook, scope, period):
    """Teller time limits and waiting, one row per outlet with tickets, worst first."""
    sheet = SheetWriter(workbook, _("Time limits and waiting"))
    headers = [
        _("Outlet code"), _("Outlet"), _("Tickets"), _("Median wait (min)"),
        _("Waited within target"), _("Median handling (min)"), _("Within standard"),
        _("Large gap"),
    ]  # fmt: skip
    sheet.header(headers, widths=[12, 30, 10, 14, 14, 16, 14, 10])
    league = servicetimes.outlet_league(
        scope=scope, date_from=period.start, date_to=period.last_day
    )
    for row in league:
        sheet.row(
            [
                row.branch.code,
                row.branch.name,
                row.counts["tickets"],
                row.wait_median_minutes,
                row.share_waits_within,
                row.handling_median_minutes,
                row.share_within,
                _("Yes") if row.large_gap else "",
            ],
            formats={4: PERCENT_FORMAT, 6: PERCENT_FORMAT},
        )


def _rectifications(workbook, scope, period):
    """One sheet for the rectifications of every source (complaints, checklists, inspections)."""
    sheet = SheetWriter(workbook, _("Rectifications"))
    headers = [
        _("Source"),
        _("Outlet code"),
        _("Outlet"),
        _("Finding"),
        _("Required action"),
        _("Responsible department"),
        _("Owner"),
        _("Due date"),
        _("Status"),
        _("Completed at"),
        _("Verified at"),
        _("Overdue at period end"),
        _("Recurred within 90 days of verification"),
    ]
    sheet.header(headers, widths=[12, 10, 18, 24, 40, 14, 10, 12, 12, 17, 17, 10, 17])
    rows = selectors.rectification_details(scope=scope, period=period)
    recurred = selectors.rectification_recurrences(rows, until=period.end_at)

    def recurrence(row):
        if row.status != row.Status.VERIFIED:
            return ""
        return recurred.get(row.pk) or _("No")

    for row in rows:
        sheet.row(
            [
                row.get_source_kind_display(),
                row.outlet.code,
                row.outlet.name,
                row.source_label,
                row.required_action,
                row.responsible_department,
                row.owner.get_full_name(),
                row.due_date,
                row.get_status_display(),
                row.completed_at,
                row.verified_at,
                _("Yes") if row.overdue_at_end else "",
                recurrence(row),
            ]
        )


def _charts(workbook, scope, period, rows, reasons):
    """Native Excel charts, each next to the small table it plots."""
    sheet = SheetWriter(workbook, _("Charts"))
    sheet.header(
        [
            _("Month"),
            _("Complaints"),
            _("Replied on time %"),
            "",
            _("Reason"),
            _("Complaints"),
            "",
            _("Outlet"),
            _("Average checklist score"),
        ],
        widths=[12, 12, 14, 4, 24, 12, 4, 24, 12],
        autofilter=False,
    )
    trend = selectors.monthly_trend(scope=scope, period=period)
    by_reason = _reason_counts(rows[0] if rows else None, reasons)
    outlets = [row for row in rows if row.branch.is_outlet]
    score = STATISTIC_BY_KEY["checklist_score_avg"]
    # One table per block of columns, written row by row side by side (write-only mode).
    height = max(len(trend), len(by_reason), len(outlets))
    for index in range(height):
        cells = [None] * 9
        if index < len(trend):
            point = trend[index]
            cells[0:3] = [f"{point['month']:%Y-%m}", point["complaints"]]
            cells[2] = point["reply_on_time_rate"]
        if index < len(by_reason):
            cells[4:6] = by_reason[index]
        if index < len(outlets):
            cells[7:9] = [outlets[index].branch.name, outlets[index].value(score)]
        sheet.row(cells, formats={2: PERCENT_FORMAT, 8: "0.0"})
    ws = sheet.ws

    complaints = BarChart()
    complaints.title = _("Complaints and on-time reply rate, last 12 months")
    complaints.y_axis.title = _("Complaints")
    complaints.add_data(Reference(ws, min_col=2, min_row=1, max_row=len(trend) + 1), True)
    complaints.set_categories(Reference(ws, min_col=1, min_row=2, max_row=len(trend) + 1))
    rate = LineChart()
    rate.add_data(Reference(ws, min_col=3, min_row=1, max_row=len(trend) + 1), True)
    rate.y_axis.axId = 200
    rate.y_axis.title = _("Replied on time %")
    rate.y_axis.number_format = "0%"
    rate.y_axis.crosses = "max"
    complaints += rate
    complaints.width, complaints.height = 22, 9
    ws.add_chart(complaints, "K2")

    if by_reason:
        reasons_chart = BarChart()
        reasons_chart.type = "bar"
        reasons_chart.title = _("Complaints by reason")
        reasons_chart.add_data(
            Reference(ws, min_col=6, min_row=1, max_row=len(by_reason) + 1), True
        )
        reasons_chart.set_categories(
            Reference(ws, min_col=5, min_row=2, max_row=len(by_reason) + 1)
        )
        reasons_chart.legend = None
        reasons_chart.width, reasons_chart.height = 22, 9
        ws.add_chart(reasons_chart, "K21")
    if outlets:
        scores = BarChart()
        scores.title = _("Average daily checklist score by outlet")
        scores.add_data(Reference(ws, min_col=9, min_row=1, max_row=len(outlets) + 1), True)
        scores.set_categories(Reference(ws, min_col=8, min_row=2, max_row=len(outlets) + 1))
        scores.legend = None
        scores.y_axis.scaling.min = 0
        scores.y_axis.scaling.max = 100
        scores.width, scores.height = 22, 9
        ws.add_chart(scores, "K40")


def _reason_counts(total_row, reasons):
    if total_row is None:
        return []
    names = {str(r.pk): r.name for r in reasons}
    counts = [
        (names.get(key.split(":", 1)[1], _("Unclassified")), n)
        for key, n in total_row.parts.items()
        if key.startswith("reason:") and n
    ]
    return sorted(counts, key=lambda item: -item[1])
