"""Reads of the results pages, the export and the monthly workbook's sheet.

An outlet's period is read as one query of its tickets' seconds (the biggest outlet's month is
some 30,000 rows) and summarised in Python: medians and 90th percentiles need the values, and
the same code then serves SQLite and PostgreSQL. Above an outlet (the league of outlets) the
work is one GROUP BY per statistic family over the indexed (branch, business_date) range, with
waiting times counted per whole minute so that a sub-branch's median needs no raw rows.
"""

import datetime as dt
import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import NamedTuple

from django.db.models import Count, F, Q, Sum

from branchservice.models import Branch

from .models import Ticket

# A teller needs training on a type when at least this many of their transactions of it were
# measured in the period and fewer than this share was within the standard handling time.
TRAINING_NEED_MIN_COUNT = 10
TRAINING_NEED_SHARE = 0.8
# An outlet's gap is large when its share within the standard is below this.
LARGE_GAP_SHARE = 0.7
BUSINESS_HOURS = range(8, 19)


def month_end(period: dt.date) -> dt.date:
    """The last day of the month that starts on `period`."""
    return (period + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)


def nearest_rank(values: list, q: float):
    """Nearest-rank percentile of a sorted list, the definition auditors check by hand."""
    if not values:
        return None
    return values[max(0, math.ceil(q * len(values)) - 1)]


def counted_rank(counts: dict, q: float):
    """The same percentile of values given as value → how many times it occurs."""
    total = sum(counts.values())
    if not total:
        return None
    rank, seen = max(1, math.ceil(q * total)), 0
    for value in sorted(counts):
        seen += counts[value]
        if seen >= rank:
            return value
    return None


@dataclass
class Figures:
    """Count, medians, 90th percentiles and shares of a set of tickets."""

    waits: list = field(default_factory=list)
    handlings: list = field(default_factory=list)
    within: int = 0
    judged: int = 0
    waits_within: int = 0
    waits_judged: int = 0

    def add(self, row):
        wait, handling, standard, target = row
        self.handlings.append(handling)
        if wait is not None:
            self.waits.append(wait)
        if standard is not None:
            self.judged += 1
            self.within += handling <= standard
        if wait is not None and target is not None:
            self.waits_judged += 1
            self.waits_within += wait <= target

    @classmethod
    def merged(cls, parts):
        """The figures of the union of several sets of tickets (lists joined at C speed)."""
        whole = cls()
        for part in parts:
            whole.waits += part.waits
            whole.handlings += part.handlings
            whole.within += part.within
            whole.judged += part.judged
            whole.waits_within += part.waits_within
            whole.waits_judged += part.waits_judged
        return whole

    def done(self):
        self.waits.sort()
        self.handlings.sort()
        return self

    @property
    def count(self):
        return len(self.handlings)

    @property
    def share_within(self):
        return self.within / self.judged if self.judged else None

    @property
    def share_waits_within(self):
        return self.waits_within / self.waits_judged if self.waits_judged else None

    def wait(self, q):
        return nearest_rank(self.waits, q)

    def handling(self, q):
        return nearest_rank(self.handlings, q)

    @property
    def wait_median(self):
        return self.wait(0.5)

    @property
    def wait_p90(self):
        return self.wait(0.9)

    @property
    def handling_median(self):
        return self.handling(0.5)

    @property
    def handling_p90(self):
        return self.handling(0.9)


def _tickets(branch_qs, date_from: dt.date, date_to: dt.date):
    """Tickets of the branches' subtrees in [date_from, date_to]."""
    return Ticket.objects.filter(
        branch__in=branch_qs, business_date__gte=date_from, business_date__lte=date_to
    )


class Named(NamedTuple):
    """A teller or a transaction type as the results show it (code and name; a type's order)."""

    code: str
    name: str
    position: int = 0
    group_position: int = 0


def outlet_results(*, outlet: Branch, date_from: dt.date, date_to: dt.date) -> dict:
    """An outlet's period: by teller × type (with the training-need flag), by type, by
    teller, waiting time by day × hour and the peak hours. One query whatever the size."""
    rows = (
        Ticket.objects.filter(
            branch=outlet, business_date__gte=date_from, business_date__lte=date_to
        )
        .values_list(
            "teller_id",
            "transaction_type_id",
            "business_date",
            "hour",
            "wait_seconds",
            "handling_seconds",
            "standard__handling_seconds",
            "standard__target_wait_seconds",
            # The names ride along on each row (the tellers and types are small joined tables)
            # rather than in two more queries: a query's own cost here is several times that
            # of fetching a month's rows (bench/servicetimes_bench.py).
            "teller__code",
            "teller__name",
            "transaction_type__code",
            "transaction_type__name",
            "transaction_type__position",
            "transaction_type__group__position",
        )
        .order_by()
    )
    # Each row goes into its teller × type pair only; the types', tellers' and the total's
    # figures are the pairs' merged afterwards (the per-row loop is the page's cost).
    pairs = defaultdict(Figures)
    cells = defaultdict(lambda: [0, 0])  # (day, hour) → [wait total, tickets with a wait]
    per_hour = Counter()
    standards, tellers, types = {}, {}, {}
    # One fetch, not a server-side cursor's DECLARE / FETCH / CLOSE round trips: the biggest
    # outlet's month (some 30,000 rows of fourteen values) fits in memory easily.
    for teller_id, type_id, day, hour, wait, handling, standard, target, *names in rows:
        pair = (teller_id, type_id)
        if pair not in pairs:
            tellers[teller_id] = Named(names[0], names[1])
            types[type_id] = Named(*names[2:])
        pairs[pair].add((wait, handling, standard, target))
        standards[type_id] = standard
        if wait is not None:
            cell = cells[(day, hour)]
            cell[0] += wait
            cell[1] += 1
            per_hour[hour] += 1
    grouped_by_type, grouped_by_teller = defaultdict(list), defaultdict(list)
    for (teller_id, type_id), figures in pairs.items():
        grouped_by_type[type_id].append(figures)
        grouped_by_teller[teller_id].append(figures)
    by_type = {k: Figures.merged(v) for k, v in grouped_by_type.items()}
    by_teller = {k: Figures.merged(v) for k, v in grouped_by_teller.items()}
    total = Figures.merged(pairs.values())
    pair_rows = [
        {
            "teller": tellers[teller_id],
            "type": types[type_id],
            "figures": figures.done(),
            "standard": standards.get(type_id),
            "training_need": (
                figures.judged >= TRAINING_NEED_MIN_COUNT
                and figures.share_within < TRAINING_NEED_SHARE
            ),
        }
        for (teller_id, type_id), figures in pairs.items()
    ]
    # Worst first: what the outlet head has to act on.
    pair_rows.sort(
        key=lambda r: (r["figures"].share_within or 0, r["teller"].code, r["type"].position)
    )
    return {
        "total": total.done(),
        "pairs": pair_rows,
        "by_type": sorted(
            (
                {"type": types[k], "figures": v.done(), "standard": standards.get(k)}
                for k, v in by_type.items()
            ),
            key=lambda r: (r["type"].group_position, r["type"].position, r["type"].code),
        ),
        "by_teller": sorted(
            ({"teller": tellers[k], "figures": v.done()} for k, v in by_teller.items()),
            key=lambda r: r["teller"].code,
        ),
        "heatmap": wait_heatmap(cells, date_from, date_to),
        "peak_hours": [hour for hour, _n in per_hour.most_common(3)],
        "tickets_by_hour": [(hour, per_hour.get(hour, 0)) for hour in _hours(per_hour)],
    }


def _hours(per_hour) -> list[int]:
    hours = set(BUSINESS_HOURS) | set(per_hour)
    return list(range(min(hours), max(hours) + 1))


def wait_heatmap(cells: dict, date_from: dt.date, date_to: dt.date) -> dict:
    """Days × hours of the mean waiting time in minutes (None: no ticket that hour)."""
    hours = _hours({hour for _day, hour in cells})
    days, day = [], date_from
    while day <= date_to:
        days.append(day)
        day += dt.timedelta(days=1)
    worst = max((total / n for total, n in cells.values() if n), default=0)
    rows = []
    for day in days:
        row = []
        for hour in hours:
            total, n = cells.get((day, hour), (0, 0))
            minutes = total / n / 60 if n else None
            # Five shades from the worst cell of the period, so the peaks stand out.
            level = min(4, int(minutes * 60 / worst * 5)) if minutes is not None and worst else None
            row.append({"minutes": minutes, "level": level, "tickets": n})
        rows.append({"day": day, "cells": row})
    return {"hours": hours, "rows": rows}


# ---- above an outlet -------------------------------------------------------------------------


def judged_aggregates() -> dict:
    """The additive counts of a set of tickets, by SQL (league table, workbook, reporting)."""
    return {
        "tickets": Count("pk"),
        "judged": Count("pk", filter=Q(standard__isnull=False)),
        "within": Count("pk", filter=Q(handling_seconds__lte=F("standard__handling_seconds"))),
        "waits_judged": Count("pk", filter=Q(wait_seconds__isnull=False, standard__isnull=False)),
        "waits_within": Count("pk", filter=Q(wait_seconds__lte=F("standard__target_wait_seconds"))),
        "handling_total": Sum("handling_seconds"),
    }


def minute_histogram(queryset, *, field_name: str) -> dict[int, Counter]:
    """branch id → {whole minutes: tickets}: percentiles of a subtree without raw rows."""
    result: dict[int, Counter] = defaultdict(Counter)
    rows = (
        queryset.filter(**{f"{field_name}__isnull": False})
        .annotate(minute=F(field_name) / 60)
        .values_list("branch_id", "minute")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for branch_id, minute, n in rows:
        result[branch_id][int(minute)] += n
    return result


@dataclass
class LeagueRow:
    branch: Branch
    counts: dict
    waits: Counter
    handlings: Counter

    @property
    def share_within(self):
        judged = self.counts.get("judged") or 0
        return self.counts["within"] / judged if judged else None

    @property
    def share_waits_within(self):
        judged = self.counts.get("waits_judged") or 0
        return self.counts["waits_within"] / judged if judged else None

    @property
    def wait_median_minutes(self):
        return counted_rank(self.waits, 0.5)

    @property
    def handling_median_minutes(self):
        return counted_rank(self.handlings, 0.5)

    @property
    def large_gap(self):
        share = self.share_within
        return share is not None and share < LARGE_GAP_SHARE


def outlet_league(*, scope: Branch, date_from: dt.date, date_to: dt.date) -> list[LeagueRow]:
    """Every outlet of the scope with tickets in the period, worst share within first."""
    outlets = Branch.objects.filter(path__startswith=scope.path, level=Branch.Level.OUTLET)
    tickets = _tickets(outlets, date_from, date_to)
    counts = {
        row["branch_id"]: row
        for row in tickets.values("branch_id").annotate(**judged_aggregates()).order_by()
    }
    waits = minute_histogram(tickets, field_name="wait_seconds")
    handlings = minute_histogram(tickets, field_name="handling_seconds")
    branches = Branch.objects.in_bulk(list(counts))
    rows = [
        LeagueRow(branches[pk], counts[pk], waits.get(pk, Counter()), handlings.get(pk, Counter()))
        for pk in counts
    ]
    rows.sort(key=lambda r: (r.share_within if r.share_within is not None else 2, r.branch.path))
    return rows
