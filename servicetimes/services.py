"""Writes of the teller time-limit app. The admin, the tablet page, the Celery task, the demo
and the bench all call these.

An import is all or nothing per file: every row is checked first (progress committed as it
goes, so the import's page can show it), and only a file without a single bad row is written,
in one transaction. Refusals are kept on the import row (per-row errors with row numbers).
"""

import bisect
import datetime as dt
import hashlib
import logging
from collections import defaultdict

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from branchservice.jobs import queue
from branchservice.models import Branch
from branchservice.rectifications.services import rectification_raise
from branchservice.scoping import can_see_branch
from branchservice.tabular import FileRefused, Source
from branchservice.text import refuse_unstorable_text

from . import importing
from .importing import RowReader
from .models import (
    ColumnMapping,
    Finding,
    Teller,
    Ticket,
    TicketImport,
    TimeStandard,
    TransactionType,
)

logger = logging.getLogger(__name__)

# Queued by name (branchservice.jobs): tasks.py imports this module, not the other way.
RUN_IMPORT_TASK = "servicetimes.tasks.run_ticket_import"
BATCH = 2000


def _check_outlet(branch: Branch, by) -> None:
    if not can_see_branch(by, branch):
        raise PermissionDenied
    if not branch.is_outlet:
        raise ValidationError({"branch": _("Choose an outlet: queue logs belong to one outlet.")})


# ---- reference data -------------------------------------------------------------------------


@transaction.atomic
def time_standard_save(*, standard: TimeStandard, by) -> TimeStandard:
    """Save a version and re-judge the tickets it now governs: those of its type from its
    effective date until the next version's (and, if its date moved later, the ones it no
    longer governs go back to the version before)."""
    refuse_unstorable_text(standard, "note")
    standard.full_clean()
    standard._history_user = by
    standard.save()
    type_id = standard.transaction_type_id
    versions = list(
        TimeStandard.objects.filter(transaction_type_id=type_id).order_by("effective_from")
    )
    tickets = Ticket.objects.filter(transaction_type_id=type_id)
    tickets.filter(business_date__lt=versions[0].effective_from).update(standard=None)
    for version, following in zip(versions, [*versions[1:], None], strict=True):
        governed = tickets.filter(business_date__gte=version.effective_from)
        if following is not None:
            governed = governed.filter(business_date__lt=following.effective_from)
        governed.exclude(standard=version).update(standard=version)
    return standard


class StandardFinder:
    """The version of a type in force on a day, from every version loaded once."""

    def __init__(self):
        self.versions = defaultdict(list)
        for version in TimeStandard.objects.order_by("effective_from").values(
            "pk", "transaction_type_id", "effective_from"
        ):
            self.versions[version["transaction_type_id"]].append(
                (version["effective_from"], version["pk"])
            )

    def __call__(self, type_id: int, day: dt.date) -> int | None:
        versions = self.versions.get(type_id, [])
        index = bisect.bisect_right(versions, (day, float("inf"))) - 1
        return versions[index][1] if index >= 0 else None


def type_names() -> dict[str, int]:
    """Every name an import recognises for a transaction type: code, name and aliases."""
    names = {}
    for kind in TransactionType.objects.filter(is_active=True):
        for name in [kind.code, kind.name, *kind.alias_list()]:
            names.setdefault(importing.header_key(name), kind.pk)
    return names


def teller_codes(branch: Branch) -> dict[str, int]:
    return dict(Teller.objects.filter(branch=branch, is_active=True).values_list("code", "pk"))


# ---- imports --------------------------------------------------------------------------------


def _digest(upload) -> str:
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in iter(lambda: upload.read(1024 * 1024), b""):
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def ticket_import_upload(*, branch: Branch, upload, by) -> TicketImport:
    """Keep an uploaded ticket log for its column mapping. The same file imported before (or
    being imported) is refused: a second copy would add nothing."""
    _check_outlet(branch, by)
    name = (getattr(upload, "name", "") or "upload.csv").rsplit("/", 1)[-1][:200]
    if upload.size > settings.SERVICETIMES_IMPORT_MAX_BYTES:
        raise ValidationError(
            _("The file is larger than %(mb)s MB: split it by month.")
            % {"mb": settings.SERVICETIMES_IMPORT_MAX_BYTES // (1024 * 1024)}
        )
    try:
        importing.open_source(upload, name)
    except FileRefused as exc:
        raise ValidationError(str(exc)) from exc
    sha256 = _digest(upload)
    earlier = (
        TicketImport.objects.filter(branch=branch, sha256=sha256)
        .exclude(status=TicketImport.Status.REFUSED)
        .select_related("uploaded_by")
        .first()
    )
    if earlier is not None and earlier.status != TicketImport.Status.UPLOADED:
        raise ValidationError(
            _(
                "This file was already imported for this outlet on %(when)s by %(who)s "
                "(%(tickets)s tickets): nothing was added."
            )
            % {
                "when": f"{timezone.localtime(earlier.uploaded_at):%Y-%m-%d %H:%M}",
                "who": earlier.uploaded_by.get_full_name(),
                "tickets": earlier.tickets,
            }
        )
    if earlier is not None:
        return earlier  # uploaded again before mapping it: carry on with the first upload
    ticket_import = TicketImport(branch=branch, original_name=name, sha256=sha256, uploaded_by=by)
    ticket_import.file.save(f"{sha256[:16]}.{name.rsplit('.', 1)[-1].lower()}", upload, save=False)
    ticket_import.save()
    return ticket_import


def open_import(ticket_import: TicketImport) -> Source:
    ticket_import.file.open("rb")
    return importing.open_source(ticket_import.file, ticket_import.original_name)


def ticket_import_preview(*, ticket_import: TicketImport, columns: dict) -> list:
    """The first rows as they would be imported with these columns, each with its errors."""
    source = open_import(ticket_import)
    try:
        reader = RowReader(
            headers=source.headers,
            columns=columns,
            types=type_names(),
            tellers=teller_codes(ticket_import.branch),
        )
        preview = []
        for number, cells in source.rows():
            preview.append(reader.read(number, cells))
            if len(preview) >= importing.PREVIEW_ROWS:
                break
        return preview
    finally:
        ticket_import.file.close()


def ticket_import_start(*, ticket_import: TicketImport, columns: dict, by) -> TicketImport:
    """Save the outlet's column mapping and import the file: at once when it is small, else
    as a Celery job whose progress the import's page shows."""
    _check_outlet(ticket_import.branch, by)
    headers = open_import(ticket_import).headers
    ticket_import.file.close()
    columns = {name: header for name, header in columns.items() if header}
    errors = importing.column_errors(columns, headers)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        claimed = TicketImport.objects.filter(
            pk=ticket_import.pk, status=TicketImport.Status.UPLOADED
        ).update(status=TicketImport.Status.QUEUED, columns=columns)
        if not claimed:
            raise ValidationError(_("This file is already being imported."))
        ColumnMapping.objects.update_or_create(
            branch=ticket_import.branch, defaults={"columns": columns, "updated_by": by}
        )
    ticket_import.refresh_from_db()
    if ticket_import.file.size <= settings.SERVICETIMES_IMPORT_SYNC_BYTES:
        ticket_import_run(ticket_import_id=ticket_import.pk)
    else:
        transaction.on_commit(lambda: _enqueue(ticket_import))
    ticket_import.refresh_from_db()
    return ticket_import


def _enqueue(ticket_import):
    from kombu.exceptions import OperationalError

    try:
        queue(RUN_IMPORT_TASK, ticket_import.pk, retry=False)
    except (OperationalError, OSError) as exc:
        logger.error("Could not queue ticket import %s: %s", ticket_import.pk, exc)
        TicketImport.objects.filter(pk=ticket_import.pk, status=TicketImport.Status.QUEUED).update(
            status=TicketImport.Status.UPLOADED
        )


def ticket_import_run(*, ticket_import_id: int) -> TicketImport | None:
    """Check every row, then write them all in one transaction, or refuse the file."""
    claimed = TicketImport.objects.filter(
        pk=ticket_import_id, status=TicketImport.Status.QUEUED
    ).update(status=TicketImport.Status.RUNNING, rows_done=0)
    if not claimed:
        return None
    ticket_import = TicketImport.objects.select_related("branch").get(pk=ticket_import_id)
    try:
        errors, days, rows = _check_rows(ticket_import)
        if not errors:
            errors = _days_already_imported(ticket_import, days)
        if errors:
            _finish(ticket_import, status=TicketImport.Status.REFUSED, errors=errors, rows=rows)
        else:
            tickets = _write_rows(ticket_import)
            _finish(
                ticket_import, status=TicketImport.Status.DONE, rows=rows, tickets=tickets,
                days=days,
            )  # fmt: skip
    except FileRefused as exc:
        _finish(ticket_import, status=TicketImport.Status.REFUSED, errors=[[0, str(exc)]])
    return ticket_import


def _reader(ticket_import, source):
    return RowReader(
        headers=source.headers,
        columns=ticket_import.columns,
        types=type_names(),
        tellers=teller_codes(ticket_import.branch),
    )


def _check_rows(ticket_import):
    """Every row's errors (the first KEPT_ERRORS kept), the file's business days, its rows."""
    source = open_import(ticket_import)
    reader = _reader(ticket_import, source)
    errors, error_count, days, seen, rows = [], 0, set(), {}, 0
    limit = settings.SERVICETIMES_IMPORT_MAX_ROWS
    try:
        for number, cells in source.rows():
            rows += 1
            if rows > limit:
                raise FileRefused(
                    _(
                        "The file has more than %(limit)s rows: split it (by month, say) and "
                        "import the parts one after the other. Nothing was imported."
                    )
                    % {"limit": f"{limit:,}"}
                )
            parsed = reader.read(number, cells)
            row_errors = parsed.errors
            if not row_errors:
                key = (parsed.values["business_date"], parsed.values["ticket_number"])
                if key in seen:
                    row_errors = [
                        _("ticket %(ticket)s of %(day)s is already in row %(row)s")
                        % {"ticket": key[1], "day": key[0], "row": seen[key]}
                    ]
                else:
                    seen[key] = number
                    days.add(key[0])
            if row_errors:
                error_count += 1
                if len(errors) < importing.KEPT_ERRORS:
                    errors.append([number, "；".join(row_errors)])
            if rows % 5000 == 0:
                TicketImport.objects.filter(pk=ticket_import.pk).update(rows_done=rows)
    finally:
        ticket_import.file.close()
    if rows == 0:
        raise FileRefused(_("The file has a header row but no tickets."))
    ticket_import.error_count = error_count
    return errors, days, rows


def _days_already_imported(ticket_import, days):
    taken = (
        Ticket.objects.filter(
            branch=ticket_import.branch,
            source=Ticket.Source.QUEUE,
            business_date__in=days,
        )
        .values_list("business_date", flat=True)
        .distinct()
        .order_by("business_date")
    )
    taken = list(taken[:10])
    if not taken:
        return []
    return [
        [
            0,
            _(
                "These days of this outlet are already imported from another file: %(days)s. "
                "A day's queue log is imported once; nothing was imported."
            )
            % {"days": ", ".join(f"{day:%Y-%m-%d}" for day in taken)},
        ]
    ]


def _write_rows(ticket_import) -> int:
    source = open_import(ticket_import)
    reader = _reader(ticket_import, source)
    standard_for = StandardFinder()
    written = 0
    try:
        with transaction.atomic():
            batch = []
            for number, cells in source.rows():
                values = reader.read(number, cells).values
                batch.append(
                    Ticket(
                        branch_id=ticket_import.branch_id,
                        source_import_id=ticket_import.pk,
                        standard_id=standard_for(
                            values["transaction_type_id"], values["business_date"]
                        ),
                        **values,
                    )
                )
                if len(batch) >= BATCH:
                    Ticket.objects.bulk_create(batch)
                    written += len(batch)
                    batch = []
            Ticket.objects.bulk_create(batch)
            written += len(batch)
    finally:
        ticket_import.file.close()
    return written


def _finish(ticket_import, *, status, errors=(), rows=None, tickets=0, days=()):
    ticket_import.status = status
    ticket_import.errors = list(errors)
    if status == TicketImport.Status.REFUSED and not ticket_import.error_count:
        ticket_import.error_count = len(ticket_import.errors)
    if rows is not None:
        ticket_import.rows_total = ticket_import.rows_done = rows
    ticket_import.tickets = tickets
    if days:
        ticket_import.date_from, ticket_import.date_to = min(days), max(days)
    ticket_import.finished_at = timezone.now()
    # The file may carry customer names: it goes once its rows are in (or refused).
    if ticket_import.file:
        ticket_import.file.delete(save=False)
    ticket_import.save()


# ---- manual sampling ------------------------------------------------------------------------


def ticket_time(*, branch, transaction_type, teller, started_at, finished_at, by) -> Ticket:
    """A transaction timed by hand on the tablet (start/stop): handling time only."""
    _check_outlet(branch, by)
    if teller.branch_id != branch.pk:
        raise ValidationError({"teller": _("Choose a teller of this outlet.")})
    if finished_at <= started_at:
        raise ValidationError(_("Stop comes before start: time the transaction again."))
    if finished_at - started_at > dt.timedelta(hours=4):
        raise ValidationError(_("A transaction longer than four hours is not a timing."))
    local = timezone.localtime(started_at)
    day = local.date()
    with transaction.atomic():
        count = Ticket.objects.filter(
            branch=branch, business_date=day, source=Ticket.Source.MANUAL
        ).count()
        return Ticket.objects.create(
            branch=branch,
            business_date=day,
            ticket_number=f"M{count + 1:03d}-{local:%H%M%S}",
            source=Ticket.Source.MANUAL,
            transaction_type=transaction_type,
            standard_id=StandardFinder()(transaction_type.pk, day),
            teller=teller,
            called_at=started_at,
            finished_at=finished_at,
            hour=local.hour,
            handling_seconds=int((finished_at - started_at).total_seconds()),
            recorded_by=by,
        )


# ---- findings -------------------------------------------------------------------------------


# The kind of finding rectifications are raised for (registered in ServiceTimesConfig.ready()).
RECTIFICATION_SOURCE = "time_finding"


@transaction.atomic
def finding_record(
    *,
    branch,
    period: dt.date,
    cause,
    description,
    by,
    transaction_type=None,
    teller=None,
    required_action="",
    owner=None,
    due_date=None,
) -> Finding:
    """Record why an outlet misses the standard (the causes the notice names) and, with a
    required action, raise the rectification that puts it right, in the same transaction."""
    _check_outlet(branch, by)
    finding = Finding(
        branch=branch,
        period=period.replace(day=1),
        cause=cause,
        description=(description or "").strip(),
        transaction_type=transaction_type,
        teller=teller,
        recorded_by=by,
    )
    if not finding.description:
        raise ValidationError({"description": _("Describe what was found.")})
    if teller is not None and teller.branch_id != branch.pk:
        raise ValidationError({"teller": _("Choose a teller of this outlet.")})
    refuse_unstorable_text(finding, "description")
    finding._history_user = by
    finding.save()
    if (required_action or "").strip():
        rectification_raise(
            user=by,
            outlet=branch,
            source=finding,
            source_kind=RECTIFICATION_SOURCE,
            source_label=f"{finding.period:%Y-%m} · {finding.get_cause_display()}",
            owner=owner,
            required_action=required_action.strip(),
            due_date=due_date,
        )
    return finding
