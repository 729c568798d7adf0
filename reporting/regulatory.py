"""The regulator's tables (issue 18 item 3): the regulatory complaint statistics of a period and
scope, and the figures the bank discloses once a year (art. 26, in its annual report), in one
workbook (ReportFile.Kind.REGULATORY): the disclosure is a sheet of it, so the figures
published are the very ones reported to the regulator, from the same build.

How the numbers are made: two grouped queries over the period's complaints (received in it,
neither void nor merged: selectors.period_complaints), one by outlet and one by the three JR/T 0169
codes (A business channel × B business category × C complaint reason). Both return the same
additive parts (`aggregates`); every sheet adds them up (outlets up the branch tree, codes up
to their 中类 and 大类) and each column is one Statistic over the parts (`COLUMNS`), listed
with its definition on the cover. A year of a million complaints is two queries, whatever the
number of outlets and codes, plus the reference lists, the branches and the deadline policies.

The workbook holds no personal data: counts only.
"""

from collections import defaultdict

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from branchservice.exports.excel import PERCENT_FORMAT, SheetWriter, new_workbook
from branchservice.models import Branch
from complaints.deadlines import REGULATORY_TERMS, replied_within_q
from complaints.models import (
    BusinessCategory,
    BusinessChannel,
    Complaint,
    ComplaintReason,
    DeadlinePolicy,
)

from .periods import Period, PeriodKind
from .selectors import (
    STATISTIC_BY_KEY,
    Parts,
    Statistic,
    count,
    entry_aggregates,
    path_ids,
    period_complaints,
    scope_branches,
)
from .workbooks import cover_sheet

TITLES = {
    PeriodKind.MONTH: gettext_lazy("Monthly regulatory complaint statistics"),
    PeriodKind.QUARTER: gettext_lazy("Quarterly regulatory complaint statistics"),
    PeriodKind.HALF_YEAR: gettext_lazy("Half-yearly regulatory complaint statistics"),
    PeriodKind.YEAR: gettext_lazy("Annual regulatory complaint statistics"),
}


def aggregates(period: Period, policies) -> dict:
    """The conditional counts behind every column, as of the end of the period. Those the
    summary counts too are its own expressions (selectors.entry_aggregates)."""
    end = period.end_at
    entries = entry_aggregates(period)
    replied = Q(replied_at__lt=end)
    # In the summary's order: "at_fault" filters on the field "founded", so it must come
    # before the aggregate of that name.
    shared = ("complaints", "founded", "at_fault", "extended", "regulator_transfers")
    result = {key: value for key, value in entries.items() if key in shared}
    result.update(
        replied=Count("pk", filter=replied),
        **{
            f"within_{days}_days": Count("pk", filter=replied & replied_within_q(days, policies))
            for days in REGULATORY_TERMS
        },
        extended_60=Count("pk", filter=Q(extension_tier=Complaint.Complexity.ESPECIALLY_COMPLEX)),
        reviews=entries["reviews"],
        reviews_decided=Count("pk", filter=Q(reviewed_at__lt=end)),
        reviews_changed=Count(
            "pk",
            filter=Q(reviewed_at__lt=end, review_outcome=Complaint.ReviewOutcome.CHANGED),
        ),
    )
    return result


S = Statistic


# The columns of every table of the workbook, in order; the cover lists their definitions.
COLUMNS = [
    STATISTIC_BY_KEY["complaints"],
    S("founded", gettext_lazy("Founded complaints"), gettext_lazy("Complaints whose "
      "investigation found them founded (属实)."), count("founded")),
    S("at_fault", gettext_lazy("Bank at fault"), gettext_lazy("Complaints with an "
      "investigation result where the bank was at fault (有责投诉)."), count("at_fault")),
    S("replied", gettext_lazy("Replied"), gettext_lazy("Complaints whose decision was given to "
      "the customer (答复) by the end of the period."), count("replied")),
    # The summary's own figures (selectors, source handling_times), counted by the same rule.
    *[STATISTIC_BY_KEY[f"within_{days}_days"] for days in REGULATORY_TERMS],
    S("over_60", gettext_lazy("Replied after 60 days"), gettext_lazy("Replied − replied "
      "within 60 days."), lambda p: p["replied"] - p["within_60_days"]),
    S("not_replied", gettext_lazy("Not replied at period end"), gettext_lazy("Complaints − "
      "replied."), lambda p: p["complaints"] - p["replied"]),
    STATISTIC_BY_KEY["extended"],
    S("extended_60", gettext_lazy("… to 60 days"), gettext_lazy("Extensions to 60 days in all "
      "(especially complex case, approved by the superior institution)."),
      count("extended_60")),
    STATISTIC_BY_KEY["reviews"],
    S("reviews_decided", gettext_lazy("Reviews decided"), gettext_lazy("Complaints whose "
      "review (核查) was decided by the end of the period."), count("reviews_decided")),
    S("reviews_changed", gettext_lazy("Decision changed on review"), gettext_lazy("Reviews "
      "decided by the end of the period that changed the decision."),
      count("reviews_changed")),
    STATISTIC_BY_KEY["regulator_transfers"],
]  # fmt: skip
COLUMN_BY_KEY = {stat.key: stat for stat in COLUMNS}

CODE_LISTS = (
    ("business_channel_id", BusinessChannel),
    ("category_id", BusinessCategory),
    ("reason_id", ComplaintReason),
)


def collect(*, scope: Branch, period: Period) -> tuple[dict[int, Parts], dict[tuple, Parts]]:
    """(parts by outlet id, parts by (A id, B id, C id)) of the period's complaints."""
    policies = list(DeadlinePolicy.objects.all())
    counts = aggregates(period, policies)
    complaints = period_complaints(scope, period).filter(kind=Complaint.Kind.COMPLAINT)

    def grouped(*fields):
        result = {}
        for row in complaints.values(*fields).annotate(**counts).order_by():
            parts = Parts()
            parts.update({key: row[key] or 0 for key in counts})
            result[tuple(row[f] for f in fields)] = parts
        return result

    by_outlet = {key[0]: parts for key, parts in grouped("branch_id").items()}
    return by_outlet, grouped(*(field for field, _model in CODE_LISTS))


# ---- adding up -------------------------------------------------------------------------------


def _total(parts_list) -> Parts:
    total = Parts()
    for parts in parts_list:
        total.add(parts)
    return total


def branch_rows(scope: Branch, by_outlet: dict[int, Parts]) -> list[tuple[Branch, Parts]]:
    """The scope and every branch below it in tree order, each with its outlets' sum."""
    branches = scope_branches(scope)
    totals: dict[int, Parts] = defaultdict(Parts)
    known = {branch.pk for branch in branches}
    path_of = {branch.pk: branch.path for branch in branches}
    for outlet_id, parts in by_outlet.items():
        for ancestor in path_ids(path_of.get(outlet_id, "/0/")):
            if ancestor in known:
                totals[ancestor].add(parts)
    return [(branch, totals[branch.pk]) for branch in branches]


def code_tree_rows(entries, by_code: dict) -> list[tuple[object, Parts]]:
    """Each entry of a code list in code order with the sum of the complaints classified with
    it or an entry below it; retired entries only where they hold complaints."""
    parent_of = {entry.pk: entry.parent_id for entry in entries}
    totals: dict[int, Parts] = defaultdict(Parts)
    for entry_id, parts in by_code.items():
        while entry_id is not None:
            totals[entry_id].add(parts)
            entry_id = parent_of.get(entry_id)
    return [(e, totals[e.pk]) for e in entries if e.is_active or totals[e.pk]["complaints"]]


def by_dimension(by_codes: dict[tuple, Parts], index: int) -> dict:
    """The (A, B, C) parts summed by one of the three codes (None: not classified)."""
    result: dict = defaultdict(Parts)
    for key, parts in by_codes.items():
        result[key[index]].add(parts)
    return result


# ---- the workbook ----------------------------------------------------------------------------


def build_regulatory(*, scope: Branch, period: Period, stream, generated_at=None, progress=None):
    """Write the regulatory workbook of `scope` for `period` to `stream`; `progress(percent)`
    is told how far the build is (the queries take most of the time)."""
    progress = progress or (lambda percent: None)
    generated_at = generated_at or timezone.now()
    by_outlet, by_codes = collect(scope=scope, period=period)
    progress(70)
    lists = [list(model.objects.all()) for _field, model in CODE_LISTS]
    branches = branch_rows(scope, by_outlet)
    workbook = new_workbook()
    _cover(workbook, scope, period, generated_at)
    _branch_sheet(workbook, scope, branches)
    _codes_sheet(workbook, by_codes, lists)
    titles = [_("By business channel (A)"), _("By business category (B)"), _("By reason (C)")]
    for index, (title, entries) in enumerate(zip(titles, lists, strict=True)):
        _tree_sheet(workbook, title, entries, by_dimension(by_codes, index))
    progress(85)
    _disclosure(workbook, scope, period, branches, lists[1], by_dimension(by_codes, 1))
    workbook.save(stream)
    progress(100)


def _headers(leading):
    return [*leading, *[stat.label for stat in COLUMNS]]


def _values(parts):
    return [stat.compute(parts) for stat in COLUMNS]


def _cover(workbook, scope, period, generated_at):
    sheet = cover_sheet(
        workbook, title=TITLES[period.kind], scope=scope, period=period,
        generated_at=generated_at,
        personal_data=_("None: this workbook holds counts only."), width=100,
    )  # fmt: skip
    sheet.blank()
    sheet.row([_("Definitions")], bold=True)
    notes = [
        (_("Complaints counted"), _("Complaints (not suggestions or praise) received in the "
         "period at the outlets of the scope, neither void nor merged into another entry. "
         "Each is counted once over the whole period, as of its end; where a definition says "
         "“the month”, read the period.")),
        (_("Codes"), _("JR/T 0169-2018 dimensions: A the business channel where the disputed "
         "business happened, B the business category, C the complaint reason, each as the "
         "complaint was classified (a retired code keeps its complaints). A 大类 or 中类 row "
         "adds up the codes below it. The code lists must be checked against the standard's "
         "text (admin: code lists).")),
        (_("Regions"), _("A tier-1 branch (分行) is the bank's branch in a province; a sub-branch "
         "or tier-1 row adds up the outlets below it.")),
    ]  # fmt: skip
    for label, text in notes:
        sheet.row([label, text])
    sheet.row([_("Column"), _("Definition")], bold=True)
    for stat in COLUMNS:
        sheet.row([stat.label, stat.definition])


def _branch_sheet(workbook, scope, branches):
    sheet = SheetWriter(workbook, _("By branch"))
    sheet.header(
        _headers([_("Code"), _("Branch")]), widths=[12, 30, *[11] * len(COLUMNS)], autofilter=False
    )
    for branch, parts in branches:
        indent = "  " * (branch.level - scope.level)
        sheet.row([branch.code, indent + branch.name, *_values(parts)], bold=not branch.is_outlet)


def _label(entry, unclassified):
    return entry.coded_label if entry is not None else unclassified


def _codes_sheet(workbook, by_codes, lists):
    """One row per combination of A, B and C codes that holds complaints, by B then A then C
    code, with a subtotal after each B 大类 and the total at the end."""
    sheet = SheetWriter(workbook, _("A × B × C"))
    leading = [_("Business channel (A)"), _("Business category (B)"), _("Reason (C)")]
    sheet.header(_headers(leading), widths=[24, 24, 24, *[11] * len(COLUMNS)], autofilter=False)
    by_id = [{entry.pk: entry for entry in entries} for entries in lists]
    categories = by_id[1]
    unclassified = _("Unclassified")

    def top(category_id):
        entry = categories.get(category_id)
        while entry is not None and entry.parent_id is not None:
            entry = categories[entry.parent_id]
        return entry

    def code(entry):
        # Unclassified after every code.
        return (entry is None, entry.code if entry is not None else "")

    rows = sorted(
        (
            (code(top(key[1])), code(by_id[1].get(key[1])), code(by_id[0].get(key[0])),
             code(by_id[2].get(key[2])), key, parts)
            for key, parts in by_codes.items()
        ),
        key=lambda row: row[:4],
    )  # fmt: skip
    group, group_parts = None, []

    def subtotal():
        if group_parts:
            label = _("Subtotal %(category)s") % {"category": _label(group, unclassified)}
            sheet.row(["", label, "", *_values(_total(group_parts))], bold=True)

    for *_order, key, parts in rows:
        head = top(key[1])
        if not group_parts or head != group:
            subtotal()
            group, group_parts = head, []
        group_parts.append(parts)
        labels = [_label(by_id[i].get(key[i]), unclassified) for i in range(3)]
        sheet.row([*labels, *_values(parts)])
    subtotal()
    sheet.row([_("Total"), "", "", *_values(_total(by_codes.values()))], bold=True)


def _tree_sheet(workbook, title, entries, by_code):
    sheet = SheetWriter(workbook, title)
    sheet.header(
        _headers([_("Code"), _("Name")]), widths=[10, 30, *[11] * len(COLUMNS)], autofilter=False
    )
    for entry, parts in code_tree_rows(entries, by_code):
        indent = "  " * (entry.level - 1)
        sheet.row([entry.code, indent + entry.name, *_values(parts)], bold=entry.level == 1)
    if None in by_code:
        sheet.row(["", _("Unclassified"), *_values(by_code[None])])
    sheet.row(["", _("Total"), *_values(_total(by_code.values()))], bold=True)


def _disclosure(workbook, scope, period, branches, categories, by_category):
    """The figures of the annual disclosure: total, by business category (B 大类), by region
    (the branches one level below the scope: for the bank its tier-1 branches), with shares."""
    sheet = SheetWriter(workbook, _("Disclosure"))
    sheet.header([], widths=[34, 14, 12, 80], freeze=False, autofilter=False)
    complaints = STATISTIC_BY_KEY["complaints"]
    total = complaints.compute(_total(by_category.values()))

    def share(n):
        return n / total if total else None

    sheet.row([_("Complaint statistics for public disclosure")], bold=True)
    sheet.row([_("Scope"), f"{scope.name} ({scope.code})"])
    sheet.row([_("Period"), period.label])
    sheet.blank()
    sheet.row([_("Total complaints"), total], bold=True)
    sheet.blank()
    sheet.row([_("By business category"), _("Complaints"), _("Share")], bold=True)
    tops = [(e, p) for e, p in code_tree_rows(categories, by_category) if e.level == 1]
    rows = [(entry.coded_label, complaints.compute(parts)) for entry, parts in tops]
    if None in by_category:
        rows.append((_("Unclassified"), complaints.compute(by_category[None])))
    for label, n in rows:
        sheet.row([label, n, share(n)], formats={2: PERCENT_FORMAT})
    sheet.blank()
    sheet.row([_("By region"), _("Complaints"), _("Share")], bold=True)
    regions = [(b, p) for b, p in branches if b.parent_id == scope.pk] or branches[:1]
    for branch, parts in regions:
        n = complaints.compute(parts)
        sheet.row([f"{branch.name} ({branch.code})", n, share(n)], formats={2: PERCENT_FORMAT})
    sheet.blank()
    sheet.row([_("Definitions")], bold=True)
    notes = [
        (_("Total complaints"), _("Complaints received in the period, neither void nor merged "
         "into another entry (suggestions and praise are not complaints).")),
        (_("By business category"), _("By the top class (大类) of dimension B of JR/T 0169 the "
         "complaint was classified with; complaints not yet classified are shown apart.")),
        (_("By region"), _("By the branch one level below the scope the complaint was received "
         "at: for the whole bank its tier-1 (provincial) branches.")),
        (_("Share"), _("Complaints of the row ÷ total complaints.")),
    ]  # fmt: skip
    for label, text in notes:
        sheet.row([label, "", "", text])
