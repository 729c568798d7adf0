"""Believable queue-machine ticket logs, for the demo, the tests and the benchmark.

A day of an outlet: customers arrive from 9:00 to 17:00 with a morning peak (around 10:00)
and a lunch-hour peak (12:00–13:30, when half the counters are at lunch); each transaction's
handling time scatters below its type's standard (about 93% within it), a "slow" teller's
about 1.6 times as long (mostly over it); the wait is what a single queue over the open
counters gives. Seeded per outlet and day: the same call gives the same rows.
"""

import csv
import datetime as dt
import io
import random

from django.utils import timezone

# Relative arrival rate per half hour from 9:00: a morning peak and a lunch-hour peak.
ARRIVALS = [3, 5, 7, 8, 6, 5, 7, 8, 6, 4, 4, 4, 5, 4, 3, 2]
CSV_HEADERS = [
    "票号",
    "业务类型",
    "取号时间",
    "叫号时间",
    "完成时间",
    "窗口号",
    "柜员号",
    "客户姓名",
]
CUSTOMERS = "王李张刘陈杨赵黄周吴"


def day_tickets(*, outlet_code, day, types, tellers, slow=(), customers=120, seed=0):
    """Tickets of one day as dicts: ticket, type (name), issued, called, finished, counter,
    teller (code), customer. `types` are (name, standard seconds) pairs; `slow` teller codes
    take about 1.6 times as long."""
    rng = random.Random(f"{seed}-{outlet_code}-{day:%Y%m%d}")
    tz = timezone.get_current_timezone()
    opening = dt.datetime.combine(day, dt.time(9, 0), tzinfo=tz)
    weights = [rate * rng.uniform(0.8, 1.2) for rate in ARRIVALS]
    arrivals = sorted(
        opening
        + dt.timedelta(
            minutes=30 * rng.choices(range(len(weights)), weights)[0] + rng.random() * 30
        )
        for _ in range(customers)
    )
    free_at = {code: opening for code in tellers}
    rows = []
    for number, issued in enumerate(arrivals, start=1):
        lunch = dt.time(12) <= issued.time() < dt.time(13, 30)
        open_tellers = tellers[: max(1, len(tellers) // 2)] if lunch else tellers
        teller = min(open_tellers, key=lambda code: free_at[code])
        name, standard = rng.choices(types, weights=[5, 5, 4, 1, 1, 1, 1, 1][: len(types)])[0]
        pace = 1.6 if teller in slow else 1.0
        handling = max(40, int(rng.gauss(standard * 0.7 * pace, standard * 0.2)))
        called = max(issued + dt.timedelta(seconds=rng.randint(5, 40)), free_at[teller])
        finished = called + dt.timedelta(seconds=handling)
        free_at[teller] = finished + dt.timedelta(seconds=rng.randint(10, 60))
        rows.append(
            {
                "ticket": f"A{number:03d}",
                "type": name,
                "issued": issued,
                "called": called,
                "finished": finished,
                "counter": str(tellers.index(teller) + 1),
                "teller": teller,
                "customer": rng.choice(CUSTOMERS) + "先生",
            }
        )
    return rows


def csv_bytes(rows, *, headers=CSV_HEADERS, encoding="gbk", order=None) -> bytes:
    """The rows as a queue machine's CSV export (local times, "YYYY-MM-DD HH:MM:SS"), with
    the columns in `order` (a permutation of positions) if given."""
    order = order or list(range(len(headers)))
    stream = io.StringIO()
    writer = csv.writer(stream)
    writer.writerow([headers[i] for i in order])
    tz = timezone.get_current_timezone()
    for row in rows:
        cells = _cells(row, tz)
        writer.writerow([cells[i] for i in order])
    return stream.getvalue().encode(encoding)


def _cells(row, tz):
    def local(moment):
        return f"{moment.astimezone(tz):%Y-%m-%d %H:%M:%S}"

    return [
        row["ticket"], row["type"], local(row["issued"]), local(row["called"]),
        local(row["finished"]), row["counter"], row["teller"], row["customer"],
    ]  # fmt: skip
