"""What the results say: medians, percentiles and shares per teller and type, the training-need
flag, waiting by hour, the league of outlets, and the version of the standard in force."""

import datetime as dt

from servicetimes import selectors, services
from servicetimes.models import Ticket, TimeStandard

from .factories import ticket

DAY = dt.date(2026, 11, 2)


def test_a_slow_teller_on_one_type_is_flagged_for_training(org):
    standard = TimeStandard.objects.get(transaction_type__code="deposit").handling_seconds
    for n in range(12):  # G001: 12 deposits, 9 of them over the standard
        ticket(org.a, number=f"A{n}", handling=standard + (60 if n < 9 else -60))
    for n in range(12):  # G002: all within
        ticket(org.a, number=f"B{n}", handling=standard - 30, teller_code="G002")
    results = selectors.outlet_results(outlet=org.a, date_from=DAY, date_to=DAY)
    flagged = {(r["teller"].code, r["type"].code): r for r in results["pairs"]}
    slow = flagged[("G001", "deposit")]
    assert slow["training_need"] and slow["figures"].share_within == 3 / 12
    assert not flagged[("G002", "deposit")]["training_need"]
    assert results["total"].count == 24


def test_medians_and_90th_percentiles_are_nearest_rank(org):
    for n, wait in enumerate([60, 120, 180, 240, 300, 360, 420, 480, 540, 600]):
        ticket(org.a, number=f"A{n}", wait=wait)
    total = selectors.outlet_results(outlet=org.a, date_from=DAY, date_to=DAY)["total"]
    assert (total.wait_median, total.wait_p90) == (300, 540)


def test_waiting_by_hour_and_the_peak_hours(org):
    for n in range(5):
        ticket(org.a, number=f"A{n}", hour=10, wait=900)
    ticket(org.a, number="B", hour=15, wait=60)
    results = selectors.outlet_results(outlet=org.a, date_from=DAY, date_to=DAY)
    assert results["peak_hours"][0] == 10
    row = results["heatmap"]["rows"][0]
    cell = row["cells"][results["heatmap"]["hours"].index(10)]
    assert cell["minutes"] == 15 and cell["level"] == 4


def test_the_league_shows_outlets_with_a_large_gap_first(org):
    standard = TimeStandard.objects.get(transaction_type__code="deposit").handling_seconds
    for n in range(10):
        ticket(org.a, number=f"A{n}", handling=standard + 100, wait=420)
        ticket(org.b, number=f"B{n}", handling=standard - 100, wait=130)
    league = selectors.outlet_league(scope=org.hq, date_from=DAY, date_to=DAY)
    assert [row.branch for row in league] == [org.a, org.b]
    assert league[0].large_gap and not league[1].large_gap
    assert (league[0].wait_median_minutes, league[1].wait_median_minutes) == (7, 2)
    # S1 sees its own outlets only.
    assert [
        row.branch for row in selectors.outlet_league(scope=org.s1, date_from=DAY, date_to=DAY)
    ] == [org.a]


def test_a_ticket_is_judged_against_the_version_in_force_on_its_day(org, hq):
    old = TimeStandard.objects.get(transaction_type__code="deposit")
    before = ticket(org.a, number="A1", day=dt.date(2026, 10, 30))
    after = ticket(org.a, number="A2", day=DAY)
    new = services.time_standard_save(
        standard=TimeStandard(
            transaction_type=old.transaction_type, effective_from=dt.date(2026, 11, 1),
            handling_seconds=150, target_wait_seconds=600,
        ),
        by=hq,
    )  # fmt: skip
    assert Ticket.objects.get(pk=before.pk).standard == old
    assert Ticket.objects.get(pk=after.pk).standard == new
    # Moving the new version's date later hands the day back to the old one.
    new.effective_from = dt.date(2026, 11, 3)
    services.time_standard_save(standard=new, by=hq)
    assert Ticket.objects.get(pk=after.pk).standard == old


def test_the_types_tellers_and_total_hold_the_tickets_of_their_pairs(org):
    standard = TimeStandard.objects.get(transaction_type__code="deposit").handling_seconds
    for number, kind, wait, teller_code, handling in [
        ("A1", "deposit", 60, "G001", standard - 1),
        ("A2", "deposit", 120, "G001", standard + 1),
        ("A3", "withdrawal", 600, "G001", 100),
        ("A4", "deposit", 300, "G002", standard - 1),
    ]:
        ticket(org.a, number=number, kind=kind, wait=wait, teller_code=teller_code,
               handling=handling)  # fmt: skip
    results = selectors.outlet_results(outlet=org.a, date_from=DAY, date_to=DAY)
    by_type = {row["type"].code: row["figures"] for row in results["by_type"]}
    by_teller = {row["teller"].code: row["figures"] for row in results["by_teller"]}
    assert {k: (f.count, f.wait_median) for k, f in by_type.items()} == {
        "deposit": (3, 120), "withdrawal": (1, 600),
    }  # fmt: skip
    assert by_type["deposit"].share_within == 2 / 3
    assert {k: (f.count, f.wait_median) for k, f in by_teller.items()} == {
        "G001": (3, 120), "G002": (1, 300),
    }  # fmt: skip
    total = results["total"]
    assert (total.count, total.wait_median, total.wait_p90) == (4, 120, 600)


def test_the_outlet_month_is_one_query_however_many_tellers_and_types(
    org, django_assert_num_queries
):
    for n, (code, kind) in enumerate(
        [("G001", "deposit"), ("G002", "withdrawal"), ("G003", "transfer"), ("G002", "deposit")]
    ):
        ticket(org.a, number=f"A{n}", teller_code=code, kind=kind)
    with django_assert_num_queries(1):
        results = selectors.outlet_results(outlet=org.a, date_from=DAY, date_to=DAY)
    tellers = {(row["teller"].code, row["teller"].name) for row in results["by_teller"]}
    assert tellers == {("G001", "柜员甲"), ("G002", "柜员甲"), ("G003", "柜员甲")}
    assert {row["type"].code for row in results["by_type"]} == {"deposit", "withdrawal", "transfer"}
