"""Two months of queue-machine ticket logs for the demo outlets.

Every outlet gets four tellers (the fourth a slow one, so the results page has a training
need to show) and, for each of the last two complete months, one GBK CSV file of its working
days, imported through the real path an outlet head takes (upload, the saved column mapping,
the import with its checks): the demo's tickets are what an import makes of a queue
machine's file. The standard table is the illustrative default of migration 0002.
Idempotent: a month already imported for an outlet is skipped.
"""

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from branchservice.calendar import add_working_days, is_working_day
from branchservice.models import Branch, User
from branchservice.roles import Role

from . import services
from .generate import CSV_HEADERS, csv_bytes, day_tickets
from .importing import guess_columns
from .models import Finding, Teller, Ticket, TransactionType
from .selectors import month_end

TELLERS = [("G001", "陈晓"), ("G002", "林芳"), ("G003", "王磊"), ("G004", "赵静")]
SLOW = ("G004",)
CUSTOMERS_PER_DAY = 60
MONTHS = 2


def _months(today: dt.date) -> list[dt.date]:
    first = today.replace(day=1)
    months = []
    for _n in range(MONTHS):
        first = (first - dt.timedelta(days=1)).replace(day=1)
        months.append(first)
    return sorted(months)


def _month_days(month: dt.date) -> list[dt.date]:
    days = (month + dt.timedelta(days=n) for n in range(month_end(month).day))
    return [day for day in days if is_working_day(day)]


def _uploader(outlet: Branch) -> User | None:
    # The outlet head (a branch manager posted at the outlet) imports the outlet's own log.
    return (
        User.objects.filter(branch=outlet, groups__name=Role.BRANCH_MANAGER, is_active=True)
        .order_by("pk")
        .first()
    )


def seed(stdout):
    outlets = list(Branch.objects.filter(level=Branch.Level.OUTLET).order_by("code"))
    types = [
        (kind.name, kind.standards.order_by("-effective_from").first().handling_seconds)
        for kind in TransactionType.objects.filter(is_active=True).order_by(
            "group__position", "position"
        )
    ]
    if not outlets or not types:
        return
    months = _months(timezone.localdate())
    imported = 0
    for index, outlet in enumerate(outlets):
        by = _uploader(outlet)
        if by is None:
            continue
        for code, name in TELLERS:
            Teller.objects.get_or_create(branch=outlet, code=code, defaults={"name": name})
        for month in months:
            days = _month_days(month)
            if Ticket.objects.filter(branch=outlet, business_date__in=days).exists():
                continue
            rows = [
                ticket
                for day in days
                for ticket in day_tickets(
                    outlet_code=outlet.code,
                    day=day,
                    types=types,
                    tellers=[code for code, _name in TELLERS],
                    slow=SLOW,
                    customers=CUSTOMERS_PER_DAY + 10 * (index % 3),
                )
            ]
            name = f"{outlet.code}-{month:%Y%m}.csv"
            upload = SimpleUploadedFile(name, csv_bytes(rows), content_type="text/csv")
            ticket_import = services.ticket_import_upload(branch=outlet, upload=upload, by=by)
            services.ticket_import_start(
                ticket_import=ticket_import, columns=guess_columns(CSV_HEADERS), by=by
            )
            imported += 1
    _finding(outlets[0], months[-1])
    tickets = Ticket.objects.count()
    stdout.write(f"Teller time limits: {imported} queue logs imported, {tickets} tickets.")


def _finding(outlet: Branch, month: dt.date) -> None:
    """The slow teller's month, analysed by the outlet head, with the rectification it raised."""
    by = _uploader(outlet)
    if by is None or Finding.objects.filter(branch=outlet, period=month).exists():
        return
    services.finding_record(
        branch=outlet,
        period=month,
        cause=Finding.Cause.SKILLS,
        teller=Teller.objects.get(branch=outlet, code=SLOW[0]),
        description="柜员G004 存取款办理时间约为标准的 1.6 倍：点钞和假币识别不熟练。",
        required_action="安排G004 参加点钞与反假币培训，两周后复测办理时间。",
        owner=by,
        due_date=add_working_days(timezone.localdate(), 10),
        by=by,
    )
