"""The demo's queue logs: two months of every outlet, imported through the real path."""

import datetime as dt
import io

import time_machine
from django.utils import timezone

from branchservice import demo as organisation
from branchservice.models import Branch
from servicetimes import demo, selectors
from servicetimes.models import Finding, Ticket, TicketImport


@time_machine.travel(timezone.make_aware(dt.datetime(2026, 12, 2, 9)), tick=False)
def test_the_demo_imports_two_months_of_queue_logs_per_outlet_and_once_only(db):
    organisation.seed(io.StringIO())
    demo.seed(io.StringIO())
    imports = TicketImport.objects.all()
    assert imports.count() == 12 * 2
    assert set(imports.values_list("status", flat=True)) == {TicketImport.Status.DONE}
    months = {(i.date_from.replace(day=1), i.date_to.replace(day=1)) for i in imports}
    assert months == {(dt.date(2026, 10, 1),) * 2, (dt.date(2026, 11, 1),) * 2}
    results = selectors.outlet_results(
        outlet=Branch.objects.get(code="BJ0101"),
        date_from=dt.date(2026, 11, 1),
        date_to=dt.date(2026, 11, 30),
    )
    # The slow teller is the outlet's training need; the others mostly work within the standard.
    shares = {row["teller"].code: row["figures"].share_within for row in results["by_teller"]}
    assert min(shares, key=shares.get) == "G004" and shares["G004"] < 0.5
    assert all(share > 0.85 for code, share in shares.items() if code != "G004")
    assert "G004" in {pair["teller"].code for pair in results["pairs"] if pair["training_need"]}
    # The waits peak in the morning and at lunch, when half the counters are closed.
    assert set(results["peak_hours"][:2]) <= {10, 11, 12, 13}
    # The outlet head analysed the slow teller's month and raised a rectification.
    finding = Finding.objects.get()
    assert finding.teller.code == "G004" and finding.rectifications.get().status == "open"
    tickets = Ticket.objects.count()
    demo.seed(io.StringIO())
    assert Ticket.objects.count() == tickets and TicketImport.objects.count() == 24
