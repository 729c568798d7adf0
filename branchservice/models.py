from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models, transaction
from django.db.models.functions import Concat, Substr
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .concurrency import VersionedModel
from .roles import Role


class WeekendOpening(models.TextChoices):
    NONE = "none", _("Closed on weekends")
    SATURDAY = "saturday", _("Open on Saturdays")
    WEEKEND = "weekend", _("Open on Saturdays and Sundays")

    @property
    def weekdays(self) -> frozenset[int]:
        """The weekend days (date.weekday()) this opening covers."""
        return {"none": frozenset(), "saturday": frozenset({5}), "weekend": frozenset({5, 6})}[
            self.value
        ]


class Branch(models.Model):
    """A node of the bank's branch tree: head office → tier-1 branch → sub-branch → outlet.

    The tree is stored as a materialised path of primary keys ("/1/4/17/") so that a subtree is
    one indexed prefix match (`path__startswith`) instead of one query per level. The path is
    derived state: save() keeps it, and the subtree's paths when a branch moves.
    """

    class Level(models.IntegerChoices):
        HEAD_OFFICE = 1, _("Head office")
        TIER1_BRANCH = 2, _("Tier-1 branch")
        SUB_BRANCH = 3, _("Sub-branch")
        OUTLET = 4, _("Outlet")

    code = models.CharField(
        _("code"),
        max_length=20,
        unique=True,
        validators=[
            RegexValidator(
                r"^[A-Z0-9]+$", _("Use capital letters and digits only, for example BJ0101.")
            )
        ],
    )
    name = models.CharField(_("name"), max_length=100)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent branch"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    # db_index on a CharField also gives PostgreSQL a pattern-ops index for LIKE 'prefix%',
    # which the scoping filter (path__startswith) uses.
    path = models.CharField(max_length=255, editable=False, db_index=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    hotline = models.CharField(_("complaint hotline"), max_length=40, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    # How many customers the outlet serves: the base of reporting's "complaints per 10,000
    # customers" (the regulator ranks banks so). Entered by head office; blank where unknown.
    customer_base = models.PositiveIntegerField(
        _("customers"),
        null=True,
        blank=True,
        help_text=_("Customers of the outlet, for complaints per 10,000 customers."),
    )
    # An outlet's ordinary week: open on PRC working days, and on the weekends chosen here
    # (a mall outlet opens on Saturdays). Public holidays stay closed unless an OutletDay
    # opens one; branchservice.opening decides the day.
    opens_on_weekends = models.CharField(
        _("open on weekends"),
        max_length=10,
        choices=WeekendOpening.choices,
        default=WeekendOpening.NONE,
        help_text=_(
            "Outlets open on PRC working days; a weekend day chosen here is an opening day "
            "too, except in a public holiday (open one under the dates below)."
        ),
    )
    # Blank: the bank-wide hours (OUTLET_OPENS_AT / OUTLET_CLOSES_AT), read through
    # branchservice.opening.opening_hours. The daily checklist's opening and closing checks
    # are due by them.
    opens_at = models.TimeField(
        _("opens at"),
        null=True,
        blank=True,
        help_text=_("Leave blank for the bank's usual hours."),
    )
    closes_at = models.TimeField(
        _("closes at"),
        null=True,
        blank=True,
        help_text=_("Leave blank for the bank's usual hours."),
    )

    # The path is derived from parent; history keeps the parent.
    history = HistoricalRecords(excluded_fields=["path"])

    class Meta:
        verbose_name = _("branch")
        verbose_name_plural = _("branches")
        ordering = ["path"]

    def __str__(self):
        return f"{self.name} ({self.code})"

    def save(self, *args, **kwargs):
        old_path = self.path
        with transaction.atomic():
            if self.pk is None:
                # The path contains our own key, known only after the insert.
                super().save(*args, **kwargs)
                self.path = self._path_under_parent()
                Branch.objects.filter(pk=self.pk).update(path=self.path)
                return
            self.path = self._path_under_parent()
            super().save(*args, **kwargs)
            if old_path and old_path != self.path:
                # Moved: rewrite the prefix of every descendant in one statement.
                Branch.objects.filter(path__startswith=old_path).exclude(pk=self.pk).update(
                    path=Concat(models.Value(self.path), Substr("path", len(old_path) + 1))
                )

    def _path_under_parent(self):
        return f"{self.parent.path if self.parent_id else '/'}{self.pk}/"

    def clean(self):
        if self.level == self.Level.HEAD_OFFICE:
            if self.parent_id:
                raise ValidationError({"parent": _("The head office has no parent branch.")})
            others = Branch.objects.filter(level=self.Level.HEAD_OFFICE).exclude(pk=self.pk)
            if others.exists():
                raise ValidationError({"level": _("There is already a head office.")})
        elif self.level:
            expected = self.Level(self.level - 1)
            if self.parent is None or self.parent.level != expected:
                raise ValidationError(
                    {
                        "parent": _("A %(level)s must sit directly under a %(parent)s.")
                        % {"level": self.get_level_display(), "parent": expected.label}
                    }
                )
        if self.level != self.Level.OUTLET and self.opens_on_weekends != WeekendOpening.NONE:
            # Only an outlet serves customers, so only its days decide a daily checklist.
            raise ValidationError(
                {"opens_on_weekends": _("Only an outlet opens on weekends of its own.")}
            )
        if (self.opens_at or self.closes_at) and self.level != self.Level.OUTLET:
            raise ValidationError({"opens_at": _("Only an outlet has opening hours of its own.")})
        if self.opens_at and self.closes_at and self.closes_at <= self.opens_at:
            raise ValidationError({"closes_at": _("An outlet closes after it opens.")})
        if self.pk and self.level:
            misfits = self.children.exclude(level=self.level + 1)
            if misfits.exists():
                raise ValidationError(
                    {"level": _("Branches under this one would no longer fit its level.")}
                )

    @property
    def is_outlet(self):
        return self.level == self.Level.OUTLET

    def ancestors(self):
        ids = [int(part) for part in self.path.strip("/").split("/")[:-1]]
        return Branch.objects.filter(pk__in=ids).order_by("level")

    def subtree(self):
        return Branch.objects.filter(path__startswith=self.path)

    def bank_name(self) -> str:
        """The name printed at the head of the bank's forms: the head office above this one."""
        if self.level == self.Level.HEAD_OFFICE:
            return self.name
        head_office = self.ancestors().filter(level=self.Level.HEAD_OFFICE).first()
        return head_office.name if head_office else ""


def full_name_of(last_name: str, first_name: str, username: str) -> str:
    """A staff member's name as the portal writes it (also read from bare values by exports)."""
    # Chinese names read family name first, without a space.
    return f"{last_name}{first_name}".strip() or username


class User(AbstractUser):
    """A member of staff. Every person works at one branch; superusers may have none."""

    branch = models.ForeignKey(
        Branch,
        verbose_name=_("branch"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
    )
    # An external firm's inspector (mystery-shopper company): scoped to the outlets the firm
    # is engaged for today (scoping.py), not to a branch subtree.
    firm = models.ForeignKey(
        "InspectionFirm",
        verbose_name=_("inspection firm"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="inspectors",
        help_text=_(
            "For an external firm's inspector only: they see just the outlets the firm is "
            "engaged for today, and hold the inspector role alone."
        ),
    )
    # Counts the changes after which this person's sessions decide the second factor again
    # (branchservice/twofactor): a device removed (a reset ends the sessions that passed with
    # it, without any device query per page), a role given or taken.
    second_factor_generation = models.PositiveIntegerField(default=0, editable=False)

    # Password hashes and login times stay out of history; role (group) and permission
    # changes are in it, since who could do what, when, is what an audit asks first.
    history = HistoricalRecords(
        excluded_fields=["password", "last_login", "second_factor_generation"],
        m2m_fields=["groups", "user_permissions"],
    )

    class Meta(AbstractUser.Meta):
        verbose_name = _("staff member")
        verbose_name_plural = _("staff")

    def save(self, *args, **kwargs):
        # second_factor_generation is counted up in the database only (an UPDATE when a device
        # goes): saving an instance read before a reset must not count it back, which would
        # make the sessions the reset ended count again.
        if (
            not self._state.adding
            and kwargs.get("update_fields") is None
            and not kwargs.get("force_insert")
        ):
            kwargs["update_fields"] = [
                field.name
                for field in self._meta.concrete_fields
                if not field.primary_key and field.name != "second_factor_generation"
            ]
        super().save(*args, **kwargs)

    def get_full_name(self):
        return full_name_of(self.last_name, self.first_name, self.username)

    def get_short_name(self):
        # A given name alone reads as over-familiar at work: greet staff by their full name.
        return self.get_full_name()

    def __str__(self):
        full = self.get_full_name()
        return full if full == self.username else f"{full} ({self.username})"

    @cached_property
    def role_names(self) -> frozenset[str]:
        return frozenset(self.groups.values_list("name", flat=True))

    def has_role(self, *roles: Role) -> bool:
        return any(role in self.role_names for role in roles)


class InspectionFirm(models.Model):
    """An external firm hired for mystery-shopper visits or inspections (a market-research
    company); its people are users with `firm` set."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    credit_code = models.CharField(
        _("unified social credit code"),
        max_length=18,
        blank=True,
        validators=[
            RegexValidator(
                r"^[0-9A-Z]{18}$", _("A unified social credit code has 18 digits or letters.")
            )
        ],
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("inspection firm")
        verbose_name_plural = _("inspection firms")
        ordering = ["name"]

    def __str__(self):
        return self.name


class FirmEngagement(models.Model):
    """The outlets a firm is hired to inspect, for a period: its inspectors see these outlets,
    and only these, from starts_on to ends_on (both included)."""

    firm = models.ForeignKey(
        InspectionFirm,
        verbose_name=_("inspection firm"),
        on_delete=models.PROTECT,
        related_name="engagements",
    )
    outlets = models.ManyToManyField(
        Branch,
        verbose_name=_("outlets"),
        related_name="firm_engagements",
        limit_choices_to={"level": Branch.Level.OUTLET},
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    note = models.CharField(_("note"), max_length=200, blank=True)

    history = HistoricalRecords(m2m_fields=["outlets"])

    class Meta:
        verbose_name = _("firm engagement")
        verbose_name_plural = _("firm engagements")
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="firm_engagement_ends_after_start",
            )
        ]

    def __str__(self):
        return f"{self.firm} {self.starts_on:%Y-%m-%d}–{self.ends_on:%Y-%m-%d}"

    def clean(self):
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("The engagement cannot end before it starts.")})


class PasswordHistory(models.Model):
    """The hashes of a person's recent passwords, so that an old one is not set again
    (passwords.PasswordReuseValidator). Never shown anywhere; the newest also dates the
    password for PASSWORD_MAX_AGE_DAYS."""

    user = models.ForeignKey(
        User, verbose_name=_("staff member"), on_delete=models.CASCADE, related_name="+"
    )
    password = models.CharField(_("password hash"), max_length=128)
    set_at = models.DateTimeField(_("set at"), default=timezone.now)

    class Meta:
        verbose_name = _("previous password")
        verbose_name_plural = _("previous passwords")
        ordering = ["-set_at", "-id"]
        indexes = [models.Index(fields=["user", "-set_at"], name="password_history_user_idx")]

    def __str__(self):
        return f"{self.user_id} {self.set_at:%Y-%m-%d}"


class CalendarNotice(models.Model):
    """The text of a State Council holiday notice, as head office applied it for a year.

    Kept as the source of the overrides it wrote: each applied text is one row, so the year's
    status can say when and by whom its calendar was entered. An unapplied row is a draft
    (the demo's sample)."""

    year = models.PositiveSmallIntegerField(_("year"))
    text = models.TextField(_("text"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)
    applied_by = models.ForeignKey(
        "User",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("applied by"),
    )

    class Meta:
        verbose_name = _("holiday notice")
        verbose_name_plural = _("holiday notices")
        ordering = ["-year", "-created_at"]

    def __str__(self):
        return f"{self.year}"


class CalendarOverride(VersionedModel):
    """A date declared a holiday or a working day, beating the package: nationwide (head
    office's, no branch) or for a branch's subtree (a region's own festival), where the
    deepest override of a date wins (branchservice.calendar).

    Versioned: two administrators correcting the same date cannot overwrite each other."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("Holiday (day off)")
        WORKDAY = "workday", _("Working day")

    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    note = models.CharField(_("note"), max_length=200)
    branch = models.ForeignKey(
        Branch,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="calendar_overrides",
        verbose_name=_("for the branch"),
        help_text=_("Empty: nationwide. A branch: that branch and every branch below it."),
    )
    # The notice this date was entered from; none when entered by hand.
    notice = models.ForeignKey(
        CalendarNotice,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="overrides",
        verbose_name=_("from the notice"),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("calendar override")
        verbose_name_plural = _("calendar overrides")
        ordering = ["-date"]
        # One answer per date nationwide and one per date and branch.
        constraints = [
            models.UniqueConstraint(
                fields=["date"],
                condition=models.Q(branch=None),
                name="calendar_override_national",
                violation_error_message=_("This date already has a nationwide override."),
            ),
            models.UniqueConstraint(
                fields=["date", "branch"],
                condition=models.Q(branch__isnull=False),
                name="calendar_override_regional",
                violation_error_message=_("This date already has an override for this branch."),
            ),
        ]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.get_kind_display()}"


class PackageCalendarYear(models.Model):
    """What the installed `chinesecalendar` said of a year when last checked: the days it
    counts otherwise than Monday to Friday (holidays on weekdays, adjusted working days at
    weekends). A newer package saying otherwise is a change of the calendar like an override
    saved (branchservice.calendar_package)."""

    year = models.PositiveSmallIntegerField(_("year"), primary_key=True)
    official = models.BooleanField(_("official data"), default=False)
    # {"2027-01-01": false, "2027-02-20": true}: ISO date → is a working day.
    exceptions = models.JSONField(_("days other than Monday to Friday"), default=dict)
    checked_at = models.DateTimeField(_("checked at"))

    class Meta:
        verbose_name = _("installed holiday data")
        verbose_name_plural = _("installed holiday data")

    def __str__(self):
        return f"{self.year}"


class OutletDay(models.Model):
    """A date an outlet keeps other hours than its ordinary week: open on a public holiday
    (or a weekend it is normally closed on), or closed on a day it would open. Beats the
    calendar and the outlet's weekend opening for that outlet (branchservice.opening)."""

    class Kind(models.TextChoices):
        OPEN = "open", _("Open that day")
        CLOSED = "closed", _("Closed that day")

    branch = models.ForeignKey(
        Branch, models.CASCADE, related_name="special_days", verbose_name=_("outlet")
    )
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    note = models.CharField(_("note"), max_length=200, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("outlet opening date")
        verbose_name_plural = _("outlet opening dates")
        ordering = ["-date"]
        # One answer per outlet and date; the unique index also serves the selector's
        # "these outlets, this date range" read.
        constraints = [models.UniqueConstraint(fields=["branch", "date"], name="outlet_day_unique")]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.get_kind_display()}"

    def clean(self):
        if self.branch_id and not self.branch.is_outlet:
            raise ValidationError({"branch": _("Opening dates are an outlet's.")})


class JobHeartbeat(models.Model):
    """When a scheduled job last ran; lets health checks tell a stopped beat from a quiet one."""

    name = models.CharField(max_length=100, primary_key=True)
    last_run_at = models.DateTimeField()

    class Meta:
        verbose_name = _("job heartbeat")
        verbose_name_plural = _("job heartbeats")

    def __str__(self):
        return f"{self.name} @ {self.last_run_at:%Y-%m-%d %H:%M:%S}"


class FileDownload(models.Model):
    """One file a user downloaded (report workbook, export, complaint attachment): the audit
    trail of what left the portal. Written by `branchservice.audit.record_download` only, never
    changed afterwards; the admin shows it read-only, scoped by `branch`."""

    downloaded_at = models.DateTimeField(_("downloaded at"), default=timezone.now, db_index=True)
    user = models.ForeignKey(
        User, verbose_name=_("staff member"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Kept as text too, so the record still names the person if the account is ever removed.
    username = models.CharField(_("user name"), max_length=150)
    branch = models.ForeignKey(
        Branch,
        verbose_name=_("branch"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The branch whose data the file holds; empty for bank-wide files."),
    )
    filename = models.CharField(_("file name"), max_length=255)
    subject = models.CharField(_("what"), max_length=255, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    class Meta:
        verbose_name = _("file download")
        verbose_name_plural = _("file downloads")
        ordering = ["-downloaded_at"]

    def __str__(self):
        return f"{self.username} {self.filename} @ {self.downloaded_at:%Y-%m-%d %H:%M}"
