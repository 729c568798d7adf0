"""Teller time limits (限时服务) and waiting times, measured from the outlets' queue systems.

Reference data (bank-wide, head office edits): transaction types in groups, and for each type
a time standard — standard handling time and target waiting time — versioned by the date it
takes effect. A measurement is judged against the version in force on its business day: each
ticket points at that version (`standard`), kept right by `time_standard_save` whenever a
version is added or its date moves.

Measurements (outlet-owned): tickets imported from a queue-management system's log, one file
at a time through a TicketImport, or timed by hand on the tablet (source "manual"). Only the
columns the portal needs are read; customer names a queue system may export are never stored.
"""

import datetime as dt

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from branchservice.models import Branch


class TransactionGroup(models.Model):
    """A group of transaction types (cash, accounts and cards, foreign exchange, ...)."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=60)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("transaction group")
        verbose_name_plural = _("transaction groups")
        ordering = ["position", "code"]

    def __str__(self):
        return self.name


class TransactionType(models.Model):
    """A kind of personal transaction at the counter, with the names queue systems give it."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=60, unique=True)
    group = models.ForeignKey(
        TransactionGroup,
        verbose_name=_("group"),
        on_delete=models.PROTECT,
        related_name="types",
    )
    aliases = models.TextField(
        _("names in queue systems"),
        blank=True,
        help_text=_(
            "Other names or queue codes under which the outlets' queue machines log this "
            "transaction, one per line. An import matches the code, the name or any of these."
        ),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("transaction type")
        verbose_name_plural = _("transaction types")
        ordering = ["group__position", "position", "code"]

    def __str__(self):
        return self.name

    def alias_list(self) -> list[str]:
        return [line.strip() for line in self.aliases.splitlines() if line.strip()]


class TimeStandardQuerySet(models.QuerySet):
    def in_force_on(self, day: dt.date):
        """The version of each type in force on `day` (the latest one effective by then)."""
        latest = (
            TimeStandard.objects.filter(
                transaction_type=models.OuterRef("transaction_type"), effective_from__lte=day
            )
            .order_by("-effective_from")
            .values("pk")[:1]
        )
        return self.filter(pk=models.Subquery(latest))


class TimeStandard(models.Model):
    """The standard handling time and target waiting time of one transaction type, from a date.

    A new version is a new row with a later effective date; rows judged against are never
    rewritten in place of history (django-simple-history keeps every change)."""

    transaction_type = models.ForeignKey(
        TransactionType,
        verbose_name=_("transaction type"),
        on_delete=models.PROTECT,
        related_name="standards",
    )
    effective_from = models.DateField(_("effective from"))
    handling_seconds = models.PositiveIntegerField(
        _("standard handling time (seconds)"),
        validators=[MinValueValidator(10), MaxValueValidator(4 * 3600)],
        help_text=_("From the call of the ticket to the end of the transaction."),
    )
    target_wait_seconds = models.PositiveIntegerField(
        _("target waiting time (seconds)"),
        validators=[MinValueValidator(0), MaxValueValidator(4 * 3600)],
        help_text=_("From the issue of the ticket to its call."),
    )
    note = models.CharField(
        _("note"),
        max_length=200,
        blank=True,
        help_text=_("Where the figures come from, e.g. the number of the bank's notice."),
    )

    objects = TimeStandardQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("time standard")
        verbose_name_plural = _("time standards")
        ordering = [
            "transaction_type__group__position",
            "transaction_type__position",
            "-effective_from",
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["transaction_type", "effective_from"],
                name="servicetimes_one_version_per_day",
            )
        ]

    def __str__(self):
        return f"{self.transaction_type.name} · {self.effective_from:%Y-%m-%d}"


class Teller(models.Model):
    """A teller as the outlet's queue system knows them: the staff list an import matches."""

    branch = models.ForeignKey(
        Branch, verbose_name=_("outlet"), on_delete=models.PROTECT, related_name="tellers"
    )
    code = models.CharField(
        _("teller number"),
        max_length=20,
        help_text=_("The teller's number or login in the queue system, as it appears in its logs."),
    )
    name = models.CharField(_("name"), max_length=60)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff member"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    is_active = models.BooleanField(_("active"), default=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("teller")
        verbose_name_plural = _("tellers")
        ordering = ["branch__path", "code"]
        constraints = [
            models.UniqueConstraint(fields=["branch", "code"], name="servicetimes_teller_code")
        ]

    def __str__(self):
        return f"{self.name} ({self.code})"


class ColumnMapping(models.Model):
    """Which column of an outlet's queue-system file holds which field, saved on import so
    the outlet's next file maps itself. Keys are TicketField values, values column headers."""

    branch = models.OneToOneField(
        Branch, verbose_name=_("outlet"), on_delete=models.CASCADE, related_name="+"
    )
    columns = models.JSONField(_("columns"), default=dict)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("column mapping")
        verbose_name_plural = _("column mappings")

    def __str__(self):
        return str(self.branch)


def upload_path(instance, filename):
    return f"queue-imports/{instance.branch_id}/{dt.date.today():%Y%m}/{filename}"


class TicketImport(models.Model):
    """One file of a queue system's ticket log, from upload to imported (or refused).

    All or nothing: either every row of the file is a Ticket of this import, or none is. The
    uploaded file is deleted once the import is done or refused (it may carry customer
    names); its SHA-256 stays, so the same file a second time is recognised and adds nothing.
    """

    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("Uploaded, columns to map")
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Importing")
        DONE = "done", _("Imported")
        REFUSED = "refused", _("Refused")

    branch = models.ForeignKey(
        Branch, verbose_name=_("outlet"), on_delete=models.PROTECT, related_name="+"
    )
    file = models.FileField(_("file"), upload_to=upload_path, blank=True)
    original_name = models.CharField(_("file name"), max_length=200)
    sha256 = models.CharField(max_length=64, editable=False)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.UPLOADED
    )
    columns = models.JSONField(_("columns"), default=dict, blank=True)
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    rows_done = models.PositiveIntegerField(_("rows checked"), default=0)
    tickets = models.PositiveIntegerField(_("tickets imported"), default=0)
    date_from = models.DateField(_("first day"), null=True, blank=True)
    date_to = models.DateField(_("last day"), null=True, blank=True)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    error_count = models.PositiveIntegerField(_("rows with errors"), default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("queue log import")
        verbose_name_plural = _("queue log imports")
        ordering = ["-uploaded_at"]
        indexes = [
            # "Was this file imported before?" (ticket_import_upload).
            models.Index(fields=["branch", "sha256"], name="servicetimes_import_sha"),
        ]

    def __str__(self):
        return f"{self.branch.code} {self.original_name}"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.REFUSED)


class Ticket(models.Model):
    """One served customer: a queue ticket (issued → called → finished) or a hand-timed
    transaction. Seconds are stored, not recomputed, so the monthly aggregates are plain sums
    over indexed columns."""

    class Source(models.TextChoices):
        QUEUE = "queue", _("Queue system")
        MANUAL = "manual", _("Timed by hand")

    branch = models.ForeignKey(
        Branch, verbose_name=_("outlet"), on_delete=models.PROTECT, related_name="+"
    )
    business_date = models.DateField(_("business date"))
    ticket_number = models.CharField(_("ticket number"), max_length=20)
    source = models.CharField(
        _("source"), max_length=6, choices=Source.choices, default=Source.QUEUE
    )
    transaction_type = models.ForeignKey(
        TransactionType,
        verbose_name=_("transaction type"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    standard = models.ForeignKey(
        TimeStandard,
        verbose_name=_("time standard"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The version in force on the business day; empty if none was yet."),
    )
    teller = models.ForeignKey(
        Teller, verbose_name=_("teller"), on_delete=models.PROTECT, related_name="+"
    )
    counter = models.CharField(_("counter"), max_length=20, blank=True)
    issued_at = models.DateTimeField(_("ticket issued"), null=True, blank=True)
    called_at = models.DateTimeField(_("called"))
    finished_at = models.DateTimeField(_("finished"))
    # Local hour of the issue (of the call for hand-timed rows): the heat map's column.
    hour = models.PositiveSmallIntegerField(_("hour"))
    wait_seconds = models.PositiveIntegerField(_("waiting time (s)"), null=True, blank=True)
    handling_seconds = models.PositiveIntegerField(_("handling time (s)"))
    source_import = models.ForeignKey(
        TicketImport,
        verbose_name=_("import"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("timed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        ordering = ["branch", "business_date", "called_at"]
        constraints = [
            # The same queue ticket cannot come in twice (a second file of the same day).
            models.UniqueConstraint(
                fields=["branch", "business_date", "ticket_number"],
                name="servicetimes_ticket_once",
            )
        ]
        indexes = [
            # An outlet's month (servicetimes.selectors, reporting's monthly collectors).
            models.Index(fields=["branch", "business_date"], name="servicetimes_ticket_day"),
        ]

    def __str__(self):
        return f"{self.branch_id} {self.business_date:%Y-%m-%d} {self.ticket_number}"


class Finding(models.Model):
    """Why an outlet misses the time standard, as the notice asks outlets to find out."""

    class Cause(models.TextChoices):
        PROCESS = "process", _("Inefficient internal process")
        EQUIPMENT = "equipment", _("Equipment layout (teller leaves the post)")
        SKILLS = "skills", _("Teller skills (training needed)")
        SYSTEM = "system", _("System slowness or failure")
        OTHER = "other", _("Other")

    branch = models.ForeignKey(
        Branch, verbose_name=_("outlet"), on_delete=models.PROTECT, related_name="+"
    )
    period = models.DateField(_("month"), help_text=_("The first day of the month analysed."))
    transaction_type = models.ForeignKey(
        TransactionType,
        verbose_name=_("transaction type"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    teller = models.ForeignKey(
        Teller,
        verbose_name=_("teller"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    cause = models.CharField(_("cause"), max_length=10, choices=Cause.choices)
    description = models.TextField(_("what was found"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    # What the finding makes the outlet put right (branchservice.rectifications points here).
    rectifications = GenericRelation(
        "rectifications.Rectification",
        content_type_field="source_type",
        object_id_field="source_id",
        related_query_name="time_finding",
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("time-limit finding")
        verbose_name_plural = _("time-limit findings")
        ordering = ["-period", "branch__path"]

    def __str__(self):
        return f"{self.branch.code} {self.period:%Y-%m} {self.get_cause_display()}"
