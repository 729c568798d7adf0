"""A short written analysis of a period (issue 18 item 5): how the complaints moved against
the previous period and the same period last year, and which outlets, business categories and
reasons moved most, in plain sentences in the reader's language.

The sentences are made from the same counts as the "complaints" statistic and the by-category
and by-reason sheets (complaints received in the period, void and merged entries aside). The
current period's counts come from the summary rows the page or workbook already has; each
period compared costs one grouped query (selectors.complaint_counts), and naming the movers
two small look-ups.
"""

from collections import Counter
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from branchservice.models import Branch
from complaints.models import BusinessCategory, ComplaintReason

from . import selectors
from .periods import Period, PeriodKind

# How many rises and how many falls each sentence names: the reader wants the few that matter.
MOVERS = 2

PREVIOUS = {
    PeriodKind.MONTH: gettext_lazy("the previous month"),
    PeriodKind.QUARTER: gettext_lazy("the previous quarter"),
    PeriodKind.HALF_YEAR: gettext_lazy("the previous half-year"),
    PeriodKind.YEAR: gettext_lazy("the previous year"),
}


@dataclass
class Counts:
    """Complaints of one period: in all, and by outlet id, category id and reason id (as
    strings, "" for unclassified, the keys of the summary's parts)."""

    total: int = 0
    outlet: Counter = field(default_factory=Counter)
    category: Counter = field(default_factory=Counter)
    reason: Counter = field(default_factory=Counter)


def counts_from_rows(rows: list[selectors.SummaryRow]) -> Counts:
    """The counts of a period whose summary rows are at hand (no query)."""
    counts = Counts()
    if not rows:
        return counts
    total = rows[0].parts
    counts.total = total["complaints"]
    for row in rows:
        if row.branch.is_outlet and row.parts["complaints"]:
            counts.outlet[str(row.branch.pk)] = row.parts["complaints"]
    for prefix in ("category", "reason"):
        dimension = getattr(counts, prefix)
        for key, n in total.items():
            if key.startswith(f"{prefix}:") and n:
                dimension[key.split(":", 1)[1]] += n
    return counts


def counts_of(*, scope: Branch, period: Period) -> Counts:
    """The counts of a period, from one grouped query."""
    counts = Counts()
    for (outlet_id, category_id, reason_id), n in selectors.complaint_counts(
        scope=scope, period=period
    ).items():
        counts.total += n
        counts.outlet[str(outlet_id)] += n
        counts.category[str(category_id or "")] += n
        counts.reason[str(reason_id or "")] += n
    return counts


def written_analysis(
    *, scope: Branch, period: Period, rows: list[selectors.SummaryRow], today
) -> list[str]:
    """Paragraphs on `period` of `scope`, one per period compared with; `rows` is the period's
    branch_summary (its counts are not read again)."""
    current = counts_from_rows(rows)
    compared = [(period.previous(), PREVIOUS[period.kind])]
    if period.kind != PeriodKind.YEAR:  # a year's previous period is last year already
        compared.append((period.same_period_last_year(), gettext_lazy("the same period last year")))
    earlier = [(other, name, counts_of(scope=scope, period=other)) for other, name in compared]
    names = _names(current, [counts for _other, _name, counts in earlier])
    # Every branch of the scope is a row of the summary: the outlets need no look-up.
    names["outlet"] = {str(row.branch.pk): row.branch.name for row in rows if row.branch.is_outlet}
    paragraphs = []
    if not period.is_finished(today):
        paragraphs.append(
            _("%(period)s has not ended: its figures run up to today.") % {"period": period.label}
        )
    for other, name, before in earlier:
        paragraphs.append(_paragraph(current, before, other, name, names, scope))
    return paragraphs


def _paragraph(current: Counts, before: Counts, other: Period, name, names, scope) -> str:
    params = {
        "other": name,
        "label": other.label,
        "before": before.total,
        "after": current.total,
    }
    if not before.total:
        return _("No complaints in %(other)s (%(label)s): nothing to compare with.") % params
    change = current.total - before.total
    percent = _percent(abs(change) / before.total)
    if change > 0:
        headline = _(
            "Complaints rose %(percent)s against %(other)s (%(label)s): %(before)d → %(after)d."
        )
    elif change < 0:
        headline = _(
            "Complaints fell %(percent)s against %(other)s (%(label)s): %(before)d → %(after)d."
        )
    else:
        headline = _("Complaints were unchanged against %(other)s (%(label)s): %(after)d.")
    sentences = [headline % {**params, "percent": percent}]
    dimensions = [
        ("category", _("By business category, %(movers)s.")),
        ("reason", _("By reason, %(movers)s.")),
    ]
    if not scope.is_outlet:
        dimensions.insert(0, ("outlet", _("By outlet, %(movers)s.")))
    for dimension, template in dimensions:
        movers = _movers(getattr(before, dimension), getattr(current, dimension), names[dimension])
        if movers:
            sentences.append(template % {"movers": movers})
    text = sentences[0]
    for sentence in sentences[1:]:
        # Chinese runs its sentences on without a space.
        text = pgettext("two sentences in a row", "%(first)s %(second)s") % {
            "first": text,
            "second": sentence,
        }
    return text


def _movers(before: Counter, after: Counter, names: dict) -> str:
    """ "the largest rises: A (40 → 70, +30), B (…); the largest falls: C (…)", or ""."""
    changes = {key: after[key] - before[key] for key in set(before) | set(after)}

    def listed(keys):
        items = [
            _("%(name)s (%(before)d → %(after)d, %(change)s)")
            % {
                "name": names.get(key) or _("Unclassified"),
                "before": before[key],
                "after": after[key],
                "change": f"{changes[key]:+d}".replace("-", "−"),
            }
            for key in keys
        ]
        return pgettext("list of names", ", ").join(items)

    # The largest change first; equal ones in the order of their names, so that it is stable.
    order = sorted(changes, key=lambda key: (-abs(changes[key]), str(names.get(key) or "")))
    rises = [key for key in order if changes[key] > 0][:MOVERS]
    falls = [key for key in order if changes[key] < 0][:MOVERS]
    parts = []
    if rises:
        parts.append(_("the largest rises: %(items)s") % {"items": listed(rises)})
    if falls:
        parts.append(_("the largest falls: %(items)s") % {"items": listed(falls)})
    return pgettext("between clauses", "; ").join(parts)


def _percent(share: float) -> str:
    # Whole percents read best; below 10% a decimal keeps a small change from reading as 0%.
    return f"{share:.0%}" if share >= 0.1 else f"{share:.1%}"


def _names(current: Counts, earlier: list[Counts]) -> dict[str, dict[str, str]]:
    """The names of every category and reason counted (two small look-ups)."""
    keys = {dimension: set() for dimension in ("category", "reason")}
    for counts in [current, *earlier]:
        for dimension, found in keys.items():
            found.update(key for key in getattr(counts, dimension) if key)
    models = {"category": BusinessCategory, "reason": ComplaintReason}
    names = {}
    for dimension, model in models.items():
        pks = [int(key) for key in keys[dimension]]
        rows = model.objects.filter(pk__in=pks).values_list("pk", "name") if pks else []
        names[dimension] = {str(pk): name for pk, name in rows}
    return names
