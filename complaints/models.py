"""The complaint register: entries, their classification, deadlines, rectification and history.

Deadlines are computed by the services with `branchservice.calendar` and stored on the row, so
that lists, filters and the reminder scans compare indexed columns with "now" instead of doing
calendar arithmetic per row. Statuses change only through `complaints.services`, which follow
the table in `complaints.workflow`.
"""

import datetime as dt
from itertools import filterfalse

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import Replace
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from branchservice import pii
from branchservice.concurrency import VersionedModel
from branchservice.models import Branch
from branchservice.text import unstorable_text
from branchservice.versioned_cache import VersionedCache

# Each code list holds at most 大类 / 中类 / 小类.
CODE_LEVELS = 3


class CodeEntry(models.Model):
    """One entry of a JR/T 0169 code list (金融消费者投诉统计分类及编码): a numeric code that
    extends its parent's code (大类 01, 中类 0103, 小类 010301; "其他" is 99 or 9).

    Entries are never deleted, only retired: a retired entry is not offered for a new
    classification, and a complaint classified with it keeps it (and shows it)."""

    # The dimension letter of the standard, written before the code in exports ("B 01 / …").
    dimension = ""

    code = models.CharField(
        _("code"),
        max_length=40,
        unique=True,
        validators=[RegexValidator(r"^\d+$", _("A code of the standard is made of digits only."))],
        help_text=_("The full code: the parent's code followed by this entry's own digits."),
    )
    name = models.CharField(_("name"), max_length=100)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent entry"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    # 1 大类, 2 中类, 3 小类: kept on the row (from the parent) so lists and reports can group
    # by class without walking the tree.
    level = models.PositiveSmallIntegerField(_("level"), default=1, editable=False)
    is_active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_(
            "Untick to retire the entry: it is no longer offered for new classifications, "
            "and complaints classified with it keep it."
        ),
    )

    class Meta:
        abstract = True
        # The codes are the standard's order.
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} {self.name}"

    def save(self, *args, **kwargs):
        self.level = self.parent.level + 1 if self.parent_id else 1
        super().save(*args, **kwargs)

    @property
    def coded_label(self) -> str:
        return self.label_of(self.code, self.name)

    @classmethod
    def label_of(cls, code: str, name: str) -> str:
        """How exports and reports name an entry: dimension, code and name."""
        return f"{cls.dimension} {code} / {name}"

    def clean(self):
        if self.parent_id is None:
            return
        if self.parent.pk == self.pk:
            raise ValidationError({"parent": _("An entry cannot be its own parent.")})
        if self.parent.level >= CODE_LEVELS:
            raise ValidationError({"parent": _("A code list has three levels at most.")})
        if not (self.code or "").startswith(self.parent.code) or self.code == self.parent.code:
            raise ValidationError(
                {
                    "code": _("The code must start with the parent's code %(code)s.")
                    % {"code": self.parent.code}
                }
            )


class BusinessChannel(CodeEntry):
    """JR/T 0169 dimension A: the channel where the disputed business was done (营业现场,
    自助机具, 电子渠道, …). Not the intake channel, which says how the complaint reached us."""

    dimension = "A"
    history = HistoricalRecords()

    class Meta(CodeEntry.Meta):
        verbose_name = _("business channel")
        verbose_name_plural = _("business channels")


class BusinessCategory(CodeEntry):
    """JR/T 0169 dimension B: the business the complaint is about."""

    dimension = "B"
    history = HistoricalRecords()

    class Meta(CodeEntry.Meta):
        verbose_name = _("business category")
        verbose_name_plural = _("business categories")


class ComplaintReason(CodeEntry):
    """JR/T 0169 dimension C: why the customer complains."""

    dimension = "C"
    history = HistoricalRecords()

    class Meta(CodeEntry.Meta):
        verbose_name = _("complaint reason")
        verbose_name_plural = _("complaint reasons")


def _days(label, default, help_text=""):
    # PositiveSmallIntegerField also puts a ">= 0" check constraint in the database.
    return models.PositiveSmallIntegerField(
        label, default=default, validators=[MinValueValidator(0)], help_text=help_text
    )


class DeadlinePolicy(models.Model):
    """How long each step may take. Exactly one policy is active; each complaint keeps the
    policy its deadlines were computed with, so editing the policy never moves a deadline
    already promised."""

    name = models.CharField(_("name"), max_length=100)
    is_active = models.BooleanField(_("active"), default=False)
    acknowledge_working_days = _days(
        _("acknowledge within (working days)"),
        0,
        _("0 means the same working day the complaint is received."),
    )
    reply_working_days_simple = _days(_("reply to a simple complaint within (working days)"), 1)
    reply_working_days_complex = _days(
        _("reply to a complex or especially complex complaint within (working days)"), 5
    )
    branch_ceiling_working_days = _days(
        _("branch ceiling, measured at the reply (working days)"), 7
    )
    # The regulator's clock (CBIRC Order 2020 No. 3, art. 18): natural days, not working days.
    regulatory_calendar_days = _days(_("regulatory ceiling (natural days)"), 15)
    regulatory_complex_days = _days(
        _("regulatory ceiling extended for a complex case (natural days)"), 30
    )
    regulatory_especially_complex_days = _days(
        _("regulatory ceiling extended for an especially complex case (natural days)"), 60
    )
    pause_warning_days = _days(
        _("remind the outlet head of a pause longer than (natural days)"), 30
    )
    review_request_days = _days(
        _("customer may request a review within (natural days after the reply)"), 30
    )
    review_calendar_days = _days(_("review decided within (natural days)"), 30)
    followup_working_days = _days(_("follow-up visit within (working days after the reply)"), 3)
    escalate_after_breach_working_days = _days(
        _("escalate after a missed deadline (working days)"),
        2,
        _("Working days after a missed deadline before the reminder goes to the level above."),
    )
    regulatory_warning_days = _days(
        _("warn before the regulatory ceiling (calendar days)"),
        3,
        _("Calendar days before the regulatory ceiling at which the warning is sent."),
    )
    # The customer's history (issue 14 item 5): how far back an earlier complaint of the same
    # customer makes a new one a repeat (重复投诉). Applied when an entry is registered or
    # changed; a new window leaves the flags already set as they are.
    repeat_window_days = _days(
        _("repeat complaint within (natural days)"),
        90,
        _("A complaint is a repeat when the same customer complained this many days before."),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("deadline policy")
        verbose_name_plural = _("deadline policies")
        ordering = ["-is_active", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"],
                condition=Q(is_active=True),
                name="complaints_one_active_deadline_policy",
            )
        ]

    def __str__(self):
        return self.name

    def regulatory_days(self, tier: str) -> int:
        """The regulatory period of a complaint extended to `tier` ("" for none)."""
        return {
            Complaint.Complexity.COMPLEX: self.regulatory_complex_days,
            Complaint.Complexity.ESPECIALLY_COMPLEX: self.regulatory_especially_complex_days,
        }.get(tier, self.regulatory_calendar_days)

    def clean(self):
        if not (
            self.regulatory_calendar_days
            <= self.regulatory_complex_days
            <= self.regulatory_especially_complex_days
        ):
            raise ValidationError(
                {
                    "regulatory_complex_days": _(
                        "An extended ceiling cannot be shorter than the one before it."
                    )
                }
            )
        if self.branch_ceiling_working_days < max(
            self.reply_working_days_simple, self.reply_working_days_complex
        ):
            raise ValidationError(
                {
                    "branch_ceiling_working_days": _(
                        "The branch ceiling cannot be shorter than the reply deadlines."
                    )
                }
            )

    @classmethod
    def current(cls) -> "DeadlinePolicy":
        """The active policy; the defaults from the bank's manual if none is marked active.

        Every registration and recount asks, and a policy is edited a few times a year: read
        from the shared cache, under a version a save or delete of any policy moves on
        (_forget_policies, branchservice.versioned_cache)."""
        version = _POLICIES.version()
        key = f"deadline-policy:{version}"
        policy = cache.get(key)
        if policy is None:
            policy = cls.objects.filter(is_active=True).first()
            if policy is None:
                policy, _created = cls.objects.get_or_create(
                    name="默认时限（服务手册）", defaults={"is_active": True}
                )
            # A bound on what an edit past save() (a queryset update, a data migration)
            # leaves cached.
            cache.set(key, policy, timeout=POLICY_CACHE_SECONDS)
        return policy


_POLICIES = VersionedCache("deadline-policy-version")
POLICY_CACHE_SECONDS = 60 * 60


@receiver([post_save, post_delete], sender=DeadlinePolicy)
def _forget_policies(sender, instance, **kwargs):
    _POLICIES.forget()


class DeadlineStatus(models.TextChoices):
    NONE = "none", _("No deadline")
    ON_TIME = "on_time", _("On time")
    DUE_TODAY = "due_today", _("Due today")
    # Not yet due today, but within the warning window (complaints.deadlines.watched_states).
    DUE_SOON = "due_soon", _("Due soon")
    OVERDUE = "overdue", _("Overdue")
    MET = "met", _("Done in time")
    MISSED = "missed", _("Done late")
    PAUSED = "paused", _("Clock paused")


def end_of_day(day: dt.date) -> dt.datetime:
    """A deadline "on day D" ends at the close of D, local time."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time(23, 59, 59)))


# The customer's phone as digits only: stored numbers are normalised (pii.normalise_phone) but
# a landline may keep its hyphen. Searched through the index of the same expression.
PHONE_DIGITS = Replace("customer_phone", Value("-"), Value(""))
# Reference numbers are TS-<outlet>-<yyyymm>-<seq> (services._next_reference).
REFERENCE_PREFIX = "TS-"


class ComplaintStatus(models.TextChoices):
    REGISTERED = "registered", _("Registered")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    INVESTIGATING = "investigating", _("Investigating")
    # Held above the outlet: which level holds it is Complaint.level (逐级上报).
    ESCALATED = "escalated", _("Escalated")
    RESOLVED = "resolved", _("Replied")
    FOLLOWED_UP = "followed_up", _("Follow-up visit done")
    CLOSED = "closed", _("Closed")
    REVIEWING = "reviewing", _("Under review")
    WITHDRAWN = "withdrawn", _("Withdrawn by the customer")
    MERGED = "merged", _("Merged into another entry")
    VOID = "void", _("Void")


OPEN_STATUSES = (
    ComplaintStatus.REGISTERED,
    ComplaintStatus.ACKNOWLEDGED,
    ComplaintStatus.INVESTIGATING,
    ComplaintStatus.ESCALATED,
    ComplaintStatus.RESOLVED,
    ComplaintStatus.FOLLOWED_UP,
    ComplaintStatus.REVIEWING,
)

# Open entries first: what still needs doing, then what is done (each newest first in the
# list). The complaint list's sort, and the expression of its index (Complaint.Meta.indexes).
OPEN_FIRST = Case(
    When(status__in=OPEN_STATUSES, then=Value(0)),
    default=Value(1),
    output_field=models.IntegerField(),
)


# ---- who complains (art. 13) -------------------------------------------------------------


class ComplainantKind(models.TextChoices):
    CUSTOMER = "customer", _("The customer")
    AGENT = "agent", _("An agent with a power of attorney")
    HEIR = "heir", _("An heir")
    COMPANY = "company", _("A company")


class DocumentType(models.TextChoices):
    """The customer's identity document, or a company's code; each has its own check
    (DOCUMENT_VALIDATORS)."""

    RESIDENT_ID = "resident_id", _("PRC resident ID card")
    PASSPORT = "passport", _("Passport")
    HK_MACAO_PERMIT = "hk_macao_permit", _("Hong Kong / Macao residents' permit")
    TAIWAN_PERMIT = "taiwan_permit", _("Taiwan residents' permit")
    FOREIGN_PERMANENT = "foreign_permanent", _("Foreign permanent resident ID card")
    USCC = "uscc", _("Unified social credit code (company)")


DOCUMENT_VALIDATORS = {
    DocumentType.RESIDENT_ID: pii.validate_resident_id,
    DocumentType.PASSPORT: pii.validate_passport,
    DocumentType.HK_MACAO_PERMIT: pii.validate_hk_macao_permit,
    DocumentType.TAIWAN_PERMIT: pii.validate_taiwan_permit,
    DocumentType.FOREIGN_PERMANENT: pii.validate_foreign_permanent_card,
    DocumentType.USCC: pii.validate_uscc,
}
# Several customers complaining together about one matter: from GROUP_COMPLAINANTS it is a
# group complaint (群体投诉), from MAJOR_COMPLAINANTS a major complaint (重大消费投诉) that
# head office hears of at once (reminders.major_complaint).
GROUP_COMPLAINANTS = 5
MAJOR_COMPLAINANTS = 20


class ComplaintQuerySet(models.QuerySet):
    def search(self, term: str, *, personal_data: bool = True):
        """The register's search box, each kind of term on an index of its own.

        A phone number finds that number exactly, a reference number that entry; anything
        else is part of a customer's name (on PostgreSQL a trigram index serves the
        `LIKE '%…%'`, migration 0006). One term never searches every column at once: an OR
        over them could use no index and read the whole register.
        """
        term = term.strip()
        if not term:
            return self
        if term.upper().startswith(REFERENCE_PREFIX):
            return self.filter(reference=term.upper())
        if not personal_data:
            # A name or a phone number is customer data: a hit would tell a role that sees it
            # masked that the value is there (an oracle, tests/security/test_unmasking.py).
            return self.none()
        digits = pii.phone_digits(term)
        if digits is not None:
            return self.alias(phone_digits=PHONE_DIGITS).filter(phone_digits=digits)
        return self.filter(customer_name__icontains=term)

    def same_customer(self, *, phone_key: str, id_key: str):
        """Entries whose phone or identity document has one of these matching keys (pii), each
        key on an index of its own (Complaint.Meta.indexes); none when both are empty."""
        q = Q(pk__in=[])
        if phone_key:
            q |= Q(customer_phone_key=phone_key)
        if id_key:
            q |= Q(customer_id_key=id_key)
        return self.filter(q)

    def open(self):
        return self.filter(status__in=Complaint.OPEN_STATUSES)

    def counted(self):
        """The entries every count and report is made of: not void, not merged away."""
        return self.exclude(status__in=Complaint.NOT_COUNTED)

    def _pending(self, stage):
        due, done = Complaint.STAGES[stage]
        pending = Q(**{f"{done}__isnull": True, f"{due}__isnull": False})
        if stage in Complaint.UNPAUSED_STAGES:
            return pending & ~Q(status__in=Complaint.NO_FEEDBACK_OWED)
        # While the clock is paused nothing is due (nor overdue, nor reminded).
        return pending & Q(status__in=Complaint.OPEN_STATUSES, paused_since__isnull=True)

    def overdue(self, now=None, stage=None):
        """Open entries with a step (or the given step) past its deadline and not done."""
        now = now or timezone.now()
        stages = [stage] if stage else list(Complaint.STAGES)
        q = Q()
        for name in stages:
            q |= self._pending(name) & Q(**{f"{Complaint.STAGES[name][0]}__lt": now})
        return self.filter(q)

    def due_today(self, now=None, stage=None):
        """Open entries with a pending step due later today (not yet overdue)."""
        now = now or timezone.now()
        end = end_of_day(timezone.localtime(now).date())
        stages = [stage] if stage else list(Complaint.STAGES)
        q = Q()
        for name in stages:
            due = Complaint.STAGES[name][0]
            q |= self._pending(name) & Q(**{f"{due}__gte": now, f"{due}__lte": end})
        return self.filter(q)

    def on_time(self, now=None):
        """Open entries with nothing overdue and nothing due today."""
        now = now or timezone.now()
        return (
            self.open()
            .exclude(pk__in=self.overdue(now).values("pk"))
            .exclude(pk__in=self.due_today(now).values("pk"))
        )

    def due_before(self, moment, stage):
        due, _done = Complaint.STAGES[stage]
        return self.filter(self._pending(stage), **{f"{due}__lt": moment})


class Complaint(VersionedModel):
    """One entry of an outlet's complaint register: a complaint, a suggestion or praise.

    Versioned: two people editing the details at once, the second save is refused (see
    branchservice.concurrency); workflow steps lock the row instead (services._locked)."""

    class Kind(models.TextChoices):
        COMPLAINT = "complaint", _("Complaint")
        SUGGESTION = "suggestion", _("Suggestion")
        PRAISE = "praise", _("Praise")

    class Channel(models.TextChoices):
        ON_SITE = "on_site", _("On-site oral complaint")
        OPINION_BOOK = "opinion_book", _("Customer opinion book")
        LETTER = "letter", _("Letter")
        PHONE = "phone", _("Phone")
        HOTLINE = "hotline", _("Service hotline transfer")
        REGULATOR = "regulator", _("Regulator transfer")
        ONLINE = "online", _("Online / e-mail")
        # Written by the customers themselves on the outlet's public page (opinionbook app).
        OPINION_BOOK_ONLINE = "opinion_book_online", _("Opinion book (online)")

    # Customers may stay anonymous where they write to us without meeting anyone.
    ANONYMOUS_CHANNELS = frozenset(
        {Channel.OPINION_BOOK, Channel.LETTER, Channel.ONLINE, Channel.OPINION_BOOK_ONLINE}
    )
    # Channels only a customer writes through, never a member of staff: what the statistics
    # count as the online opinion book is what customers wrote there.
    CUSTOMER_CHANNELS = frozenset({Channel.OPINION_BOOK_ONLINE})
    # In the order of Channel (the demo draws from it).
    STAFF_CHANNELS = tuple(filterfalse(CUSTOMER_CHANNELS.__contains__, Channel.values))
    # Free text typed at registration (checked by validate_entry to fit its column).
    TYPED_FIELDS = (
        "customer_name",
        "customer_phone",
        "customer_id_number",
        "customer_account",
        "description",
        "customer_request",
        "complained_about",
    )
    # The JR/T 0169 dimensions A, B and C.
    CODED_FIELDS = ("business_channel", "category", "reason")
    # Who complains, registered and edited with the customer's data (_complainant_errors).
    COMPLAINANT_FIELDS = (
        "complainant_kind",
        "representative_name",
        "customer_id_type",
        "complainants",
    )

    # --- Recusal (回避) and regulator transfers (issue 14 items 4 and 6) -----------------------
    class RegulatorBody(models.TextChoices):
        """Who transferred a complaint received through the regulator channel."""

        NFRA = "nfra_12378", _("NFRA hotline 12378")
        PBOC = "pboc_12363", _("PBoC hotline 12363")
        HOTLINE_12345 = "gov_12345", _("12345 government service hotline")
        LETTERS_VISITS = "letters_visits", _("Letters and visits (信访)")
        OTHER = "other", _("Other transferring body")

    # What a regulator transfer carries (Complaint.validate_entry): who sent it, their
    # reference, when they received it, and when they want our feedback.
    REGULATOR_FIELDS = (
        "regulator_body",
        "regulator_reference",
        "regulator_received_on",
        "regulator_feedback_due_at",
    )
    # --- end of recusal and regulator transfers ------------------------------------------------

    Status = ComplaintStatus
    OPEN_STATUSES = OPEN_STATUSES
    # A void entry was a mistake or spam, a merged one a duplicate: neither is an entry of the
    # register in any count (ComplaintQuerySet.counted).
    NOT_COUNTED = (ComplaintStatus.VOID, ComplaintStatus.MERGED)

    # The three tiers of art. 18: the regulatory period is 15, 30 or 60 natural days.
    class Complexity(models.TextChoices):
        SIMPLE = "simple", _("Simple (clear facts, little dispute)")
        COMPLEX = "complex", _("Complex")
        ESPECIALLY_COMPLEX = "especially", _("Especially complex")

    class RootCause(models.TextChoices):
        MARKET = "market", _("Market competition")
        PROCESS = "process", _("Process and rules")
        SKILL = "skill", _("Service skill")
        CUSTOMER = "customer", _("Customer side")

    class ReplyMethod(models.TextChoices):
        IN_PERSON = "in_person", _("In person")
        PHONE = "phone", _("Phone")
        LETTER = "letter", _("Letter")
        SMS = "sms", _("Text message")
        EMAIL = "email", _("E-mail")

    class Satisfaction(models.TextChoices):
        """Outcome of the follow-up visit. Only the first three are ratings (the satisfaction
        rate); the others close a complaint honestly without one (art. 21)."""

        SATISFIED = "satisfied", _("Satisfied")
        BASICALLY = "basically", _("Basically satisfied")
        DISSATISFIED = "dissatisfied", _("Dissatisfied")
        UNREACHABLE = "unreachable", _("Customer unreachable")
        REFUSED = "refused", _("Customer refused the visit")
        ANONYMOUS = "anonymous", _("Anonymous, no reply needed")

    RATINGS = (Satisfaction.SATISFIED, Satisfaction.BASICALLY, Satisfaction.DISSATISFIED)

    class FollowUpMethod(models.TextChoices):
        """How the follow-up visit was done. Every method counts alike in the statistics."""

        PHONE = "phone", _("Phone")
        IN_PERSON = "in_person", _("In person")
        SMS = "sms", _("Text message")
        EMAIL = "email", _("E-mail")
        # The customer's own answer through a one-time link (opinionbook), no staff involved.
        ONLINE = "online", _("Online, answered by the customer")

    # What staff record (all but the last, ONLINE, which only the customer's link records).
    STAFF_FOLLOWUP_METHODS = tuple(FollowUpMethod)[:-1]

    class ReviewOutcome(models.TextChoices):
        UPHELD = "upheld", _("Decision upheld")
        CHANGED = "changed", _("Decision changed")

    # Evidence fixed at acknowledgement: changed afterwards only by an approved correction.
    EVIDENCE_FIELDS = ("received_at", "kind", "channel", "description", "complexity")
    # The earliest receipt the PRC calendar data (and the register) covers.
    EARLIEST_RECEIPT = dt.date(2004, 1, 1)
    # A receipt more than this before its registration is a typing error, except a regulator's
    # transfer, which may arrive long after the customer first wrote.
    MAX_RECEIPT_AGE = dt.timedelta(days=366)

    # stage → (due column, done column): every deadline whose status is shown, filtered and
    # queued, in the order a handler meets them. The two ceilings (DOMAIN.md §2: 7 working
    # days at branch level, the regulator's 15/30/60 natural days) are met by the reply, as the
    # reply deadline is, but after a "handle again" they may fall before the new reply date.
    STAGES = {
        "acknowledge": ("acknowledge_due_at", "acknowledged_at"),
        "reply": ("reply_due_at", "replied_at"),
        "branch": ("branch_due_at", "replied_at"),
        "regulatory": ("regulatory_due_at", "replied_at"),
        "followup": ("followup_due_at", "followed_up_at"),
        "review": ("review_due_at", "reviewed_at"),
        # The feedback a regulator transfer owes its transferring body, by the date it set.
        "regulator_feedback": ("regulator_feedback_due_at", "regulator_feedback_at"),
    }
    # Stages owed whatever became of the complaint and while its clock is paused: the
    # transferring body waits for its feedback all the same. Only a void or merged entry owes
    # none (a merged one's is the earlier entry's). The badges, filters, queue and reminders
    # all read these two.
    UNPAUSED_STAGES = frozenset({"regulator_feedback"})
    NO_FEEDBACK_OWED = ("void", "merged")

    reference = models.CharField(_("reference"), max_length=40, unique=True, editable=False)
    branch = models.ForeignKey(
        Branch,
        verbose_name=_("outlet"),
        on_delete=models.PROTECT,
        related_name="complaints",
        limit_choices_to={"level": Branch.Level.OUTLET},
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.COMPLAINT)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.REGISTERED
    )
    received_at = models.DateTimeField(_("received at"))

    customer_name = models.CharField(_("customer name"), max_length=50, blank=True)
    customer_phone = models.CharField(_("customer phone"), max_length=30, blank=True)
    customer_id_number = models.CharField(_("customer ID number"), max_length=18, blank=True)
    customer_account = models.CharField(_("customer account"), max_length=32, blank=True)

    description = models.TextField(_("what the customer says happened"))
    customer_request = models.TextField(_("what the customer asks for"), blank=True)
    complained_about = models.CharField(
        _("staff or department complained about"), max_length=100, blank=True
    )
    first_responder = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("first responder"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handler"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="handled_complaints",
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registered by"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )

    # The three JR/T 0169 dimensions. No limit_choices_to: a complaint keeps an entry that was
    # retired after it was classified; only a new choice must be active (services, forms).
    business_channel = models.ForeignKey(
        BusinessChannel,
        verbose_name=_("business channel"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    category = models.ForeignKey(
        BusinessCategory,
        verbose_name=_("business category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )
    reason = models.ForeignKey(
        ComplaintReason,
        verbose_name=_("complaint reason"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )
    is_quality = models.BooleanField(_("quality complaint"), default=False)
    complexity = models.CharField(
        _("complexity"), max_length=12, choices=Complexity.choices, default=Complexity.SIMPLE
    )

    # Investigation outcome.
    founded = models.BooleanField(_("founded"), null=True, blank=True)
    bank_at_fault = models.BooleanField(_("bank at fault"), default=False)
    root_cause = models.CharField(
        _("root cause"), max_length=12, choices=RootCause.choices, blank=True
    )
    investigation_notes = models.TextField(_("investigation findings"), blank=True)
    apology = models.TextField(_("apology record"), blank=True)

    # Deadlines, computed by the services and stored (see module docstring).
    policy = models.ForeignKey(
        DeadlinePolicy,
        verbose_name=_("deadline policy"),
        null=True,
        on_delete=models.PROTECT,
        editable=False,
    )
    acknowledge_due_at = models.DateTimeField(_("acknowledge by"), null=True, editable=False)
    reply_due_at = models.DateTimeField(_("reply by"), null=True, editable=False)
    branch_due_at = models.DateTimeField(_("branch ceiling"), null=True, editable=False)
    regulatory_due_at = models.DateTimeField(_("regulatory ceiling"), null=True, editable=False)
    followup_due_at = models.DateTimeField(_("follow-up visit by"), null=True, editable=False)
    review_due_at = models.DateTimeField(_("review by"), null=True, editable=False)

    # Facts the deadlines are computed from besides the receipt (complaints.deadlines).
    extension_tier = models.CharField(
        _("regulatory period extended for"),
        max_length=12,
        choices=Complexity.choices,
        blank=True,
        editable=False,
    )
    period_started_at = models.DateTimeField(
        _("regulatory period restarted at"),
        null=True,
        editable=False,
        help_text=_("New facts or materials restart the regulatory period from that day."),
    )
    paused_since = models.DateTimeField(_("clock paused since"), null=True, editable=False)
    corrected_at = models.DateTimeField(_("evidence corrected at"), null=True, editable=False)

    # Workflow steps.
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, editable=False)
    estimated_reply_at = models.DateTimeField(
        _("estimated handling time given"), null=True, editable=False
    )
    # When it first left the outlet, and the reason of the last escalation; each escalation
    # and hand-back is a line of the timeline naming its level (ComplaintEvent.level).
    escalated_at = models.DateTimeField(_("escalated at"), null=True, editable=False)
    escalation_reason = models.TextField(_("escalation reason"), blank=True, editable=False)
    # The level that holds the complaint (属地管理、分级负责): the outlet, or the sub-branch,
    # tier-1 branch or head office above it that it was escalated to. Only that level's
    # managers move it while it is there (workflow.holds).
    level = models.PositiveSmallIntegerField(
        _("held at"), choices=Branch.Level.choices, default=Branch.Level.OUTLET, editable=False
    )
    replied_at = models.DateTimeField(_("replied at"), null=True, editable=False)
    reply_method = models.CharField(
        _("reply method"), max_length=12, choices=ReplyMethod.choices, blank=True, editable=False
    )
    reply_content = models.TextField(_("reply and solution offered"), blank=True, editable=False)
    # The decision to the customer (art. 19): facts found, grounds, remedies open.
    reply_facts = models.TextField(_("facts found"), blank=True, editable=False)
    reply_grounds = models.TextField(_("grounds of the decision"), blank=True, editable=False)
    reply_remedies = models.TextField(
        _("remedies open to the customer"), blank=True, editable=False
    )
    customer_accepted = models.BooleanField(
        _("customer accepted the solution"), null=True, editable=False
    )
    resolved_on_spot = models.BooleanField(_("resolved on the spot"), default=False, editable=False)
    followed_up_at = models.DateTimeField(_("follow-up visit at"), null=True, editable=False)
    satisfaction = models.CharField(
        _("follow-up outcome"),
        max_length=12,
        choices=Satisfaction.choices,
        blank=True,
        editable=False,
    )
    followup_method = models.CharField(
        _("follow-up method"),
        max_length=12,
        choices=FollowUpMethod.choices,
        blank=True,
        editable=False,
    )
    followup_comment = models.TextField(_("follow-up comment"), blank=True, editable=False)
    reopened_at = models.DateTimeField(_("handled again from"), null=True, editable=False)
    review_right_told = models.BooleanField(
        _("customer told of the right to a review"), default=False, editable=False
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, editable=False)
    review_requested_at = models.DateTimeField(_("review requested at"), null=True, editable=False)
    review_request = models.TextField(_("what the review is asked for"), blank=True, editable=False)
    reviewed_at = models.DateTimeField(_("review decided at"), null=True, editable=False)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("review decided by"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    review_outcome = models.CharField(
        _("review outcome"),
        max_length=10,
        choices=ReviewOutcome.choices,
        blank=True,
        editable=False,
    )
    review_findings = models.TextField(_("review findings"), blank=True, editable=False)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        on_delete=models.PROTECT,
        related_name="merged_entries",
        editable=False,
    )
    voided_at = models.DateTimeField(_("voided at"), null=True, editable=False)
    void_reason = models.TextField(_("void reason"), blank=True, editable=False)

    # --- Recusal (回避) and regulator transfers (issue 14 items 4 and 6) -----------------------
    # The member of staff complained about, besides the free text: they may not take part in
    # the complaint (workflow.recusal_refusal).
    complained_about_staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff member complained about"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_(
            "A member of this outlet's staff: they may not take the complaint down, handle it "
            "or do its follow-up visit (回避)."
        ),
    )
    # Told at once to the sub-branch head as well (reminders.new_entry).
    is_urgent = models.BooleanField(_("urgent"), default=False)
    regulator_body = models.CharField(
        _("transferred by"), max_length=20, choices=RegulatorBody.choices, blank=True
    )
    regulator_reference = models.CharField(
        _("transferring body's reference"), max_length=60, blank=True
    )
    regulator_received_on = models.DateField(
        _("received by the transferring body on"), null=True, blank=True
    )
    regulator_feedback_due_at = models.DateTimeField(
        _("feedback to the transferring body due by"), null=True, blank=True
    )
    regulator_feedback_at = models.DateTimeField(
        _("feedback given to the transferring body at"), null=True, editable=False
    )
    regulator_feedback = models.TextField(
        _("feedback given to the transferring body"), blank=True, editable=False
    )
    # --- end of recusal and regulator transfers ------------------------------------------------
    # --- Who complains (art. 13): the customer, or someone for them, or a company, and how
    # many complain together. Checked by _complainant_errors.
    complainant_kind = models.CharField(
        _("complainant"),
        max_length=10,
        choices=ComplainantKind.choices,
        default=ComplainantKind.CUSTOMER,
    )
    representative_name = models.CharField(
        _("name of the agent or heir"),
        max_length=50,
        blank=True,
        help_text=_("For an agent or an heir: the person who complains for the customer."),
    )
    customer_id_type = models.CharField(
        _("ID type"), max_length=20, choices=DocumentType.choices, default=DocumentType.RESIDENT_ID
    )
    complainants = models.PositiveSmallIntegerField(
        _("number of complainants"),
        default=1,
        validators=[MinValueValidator(1)],
        help_text=format_lazy(
            _("{group} or more is a group complaint; {major} or more a major complaint."),
            group=GROUP_COMPLAINANTS,
            major=MAJOR_COMPLAINANTS,
        ),
    )

    # --- The customer's other entries: keyed hashes of the phone and the identity document
    # (pii.phone_match_key, pii.document_match_key), set on every save, so that entries of one
    # customer are found without reading anyone's number; and whether this complaint repeats
    # one received within the policy's window (services._mark_repeats).
    customer_phone_key = models.CharField(max_length=64, blank=True, editable=False)
    customer_id_key = models.CharField(max_length=64, blank=True, editable=False)
    is_repeat = models.BooleanField(_("repeat complaint"), default=False, editable=False)

    # A random token the registration form carries: a second submit of the same form (a
    # double click) hits the unique constraint instead of registering the complaint twice.
    submission_token = models.UUIDField(null=True, unique=True, editable=False)
    created_at = models.DateTimeField(_("registered at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    # The matching keys and the repeat flag follow from other fields (and other entries).
    history = HistoricalRecords(
        excluded_fields=[
            "submission_token",
            "updated_at",
            "customer_phone_key",
            "customer_id_key",
            "is_repeat",
        ]
    )
    # 整改通知单 issued for this entry (branchservice.rectifications; the ground never names us).
    rectifications = GenericRelation(
        "rectifications.Rectification",
        content_type_field="source_type",
        object_id_field="source_id",
        related_query_name="complaint",
    )
    objects = ComplaintQuerySet.as_manager()

    class Meta:
        verbose_name = _("complaint register entry")
        verbose_name_plural = _("complaint register")
        ordering = ["-received_at", "-id"]
        # Registering at one's own outlet on the tablet intake pages (branchservice.roles).
        permissions = [("intake_complaint", _("Can take an entry down on the intake pages"))]
        indexes = [
            # Changelist of head office: newest first over the whole bank (sorted by receipt)...
            models.Index(fields=["-received_at", "-id"], name="complaint_received_idx"),
            # ... and its default order, open entries first (complaints.admin, OPEN_FIRST).
            models.Index(
                OPEN_FIRST, F("received_at").desc(), F("id").desc(), name="complaint_open_recv_idx"
            ),
            # Changelist of a branch: branch_id IN (subtree) ordered by received_at.
            models.Index(fields=["branch", "-received_at"], name="complaint_branch_recv_idx"),
            # Status filter of the changelist and the open() scans.
            models.Index(fields=["status", "-received_at"], name="complaint_status_recv_idx"),
            # Reminder scan "acknowledgement overdue" and the deadline-status filter.
            models.Index(
                fields=["acknowledge_due_at"],
                condition=Q(acknowledged_at__isnull=True),
                name="complaint_ack_due_idx",
            ),
            # Reminder scan "reply overdue" and the deadline-status filter.
            models.Index(
                fields=["reply_due_at"],
                condition=Q(replied_at__isnull=True),
                name="complaint_reply_due_idx",
            ),
            # Reminder scan "branch 7-working-day ceiling passed".
            models.Index(
                fields=["branch_due_at"],
                condition=Q(replied_at__isnull=True),
                name="complaint_branch_due_idx",
            ),
            # Reminder scan "regulatory ceiling approaching" (warning days before it).
            models.Index(
                fields=["regulatory_due_at"],
                condition=Q(replied_at__isnull=True),
                name="complaint_reg_due_idx",
            ),
            # The standing figures at a period's end (reporting.selectors.collect_standing):
            # complaints not closed by then, and ceilings that fell in the period, replied
            # late or not.
            models.Index(fields=["closed_at"], name="complaint_closed_idx"),
            models.Index(fields=["regulatory_due_at"], name="complaint_reg_due_all_idx"),
            # Search by phone number (ComplaintQuerySet.search).
            models.Index(PHONE_DIGITS, name="complaint_phone_digits_idx"),
            # The customer's other entries (ComplaintQuerySet.same_customer), newest first.
            models.Index(
                fields=["customer_phone_key", "-received_at"],
                condition=~Q(customer_phone_key=""),
                name="complaint_phone_key_idx",
            ),
            models.Index(
                fields=["customer_id_key", "-received_at"],
                condition=~Q(customer_id_key=""),
                name="complaint_id_key_idx",
            ),
            # Reminder scan "follow-up visit overdue" and the deadline-status filter.
            models.Index(
                fields=["followup_due_at"],
                condition=Q(followed_up_at__isnull=True),
                name="complaint_followup_due_idx",
            ),
            # Reminder scan "feedback to the transferring body due" (regulator transfers).
            models.Index(
                fields=["regulator_feedback_due_at"],
                condition=Q(regulator_feedback_at__isnull=True),
                name="complaint_reg_feedback_idx",
            ),
        ]

    def __str__(self):
        return self.reference or str(_("new entry"))

    def customer_keys(self) -> tuple[str, str]:
        """The matching keys of the phone and the document (ComplaintQuerySet.same_customer)."""
        return (
            pii.phone_match_key(self.customer_phone),
            pii.document_match_key(self.customer_id_type, self.customer_id_number),
        )

    def save(self, *args, **kwargs):
        self.customer_phone_key, self.customer_id_key = self.customer_keys()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "customer_phone_key", "customer_id_key"}
        super().save(*args, **kwargs)

    @property
    def is_group(self) -> bool:
        return self.complainants >= GROUP_COMPLAINANTS

    @property
    def is_major(self) -> bool:
        return self.complainants >= MAJOR_COMPLAINANTS

    def clean(self):
        self.validate_entry(timezone.now())

    def validate_entry(self, now: dt.datetime) -> None:
        """Refuse an impossible entry, collecting every error by field; normalise the
        customer's data in place. Used by the admin form (through clean) and the services."""
        errors = {}
        if self.channel not in self.Channel.values:
            errors["channel"] = [_("Choose one of the listed channels.")]
        if self.kind not in self.Kind.values:
            errors["kind"] = [_("Choose complaint, suggestion or praise.")]
        if self.complexity not in self.Complexity.values:
            errors["complexity"] = [_("Choose simple, complex or especially complex.")]
        # A missing time of receipt is refused by the form field (and the NOT NULL column).
        if self.received_at is not None:
            errors.update(self._receipt_errors(now))
        if not (self.description or "").strip():
            errors["description"] = [_("Write down what the customer says happened.")]
        errors.update(self._customer_errors())
        errors.update(self._regulator_errors())
        errors.update(self._complainant_errors())
        # Checked after the normalisation above, on what would be stored.
        typed = (*self.TYPED_FIELDS, "regulator_reference", "representative_name")
        errors = {**unstorable_text(self, *typed), **errors}
        if errors:
            raise ValidationError(errors)

    def _receipt_errors(self, now: dt.datetime) -> dict:
        """A receipt time the register can hold honestly; also what keeps every deadline
        computation to a walk of the days it spans."""
        registered = self.created_at or now
        received = self.received_at
        if received > now:
            message = _("The time of receipt cannot be in the future.")
        elif timezone.localtime(received).date() < self.EARLIEST_RECEIPT:
            message = _("The time of receipt cannot be before 1 January 2004.")
        elif (
            received < registered - self.MAX_RECEIPT_AGE and self.channel != self.Channel.REGULATOR
        ):
            message = _(
                "The time of receipt cannot be more than 366 days before the registration, "
                "unless the regulator transferred the complaint."
            )
        else:
            return {}
        return {"received_at": [message]}

    def _regulator_errors(self) -> dict:
        """A regulator transfer names who transferred it, their reference, when they received
        it and when they want feedback; another channel carries none of it."""
        self.regulator_reference = (self.regulator_reference or "").strip()
        given = [f for f in self.REGULATOR_FIELDS if getattr(self, f)]
        if self.channel != self.Channel.REGULATOR:
            return {
                f: [_("Only a complaint transferred by a regulator carries this.")] for f in given
            }
        missing = {
            "regulator_body": _("Choose the body that transferred the complaint."),
            "regulator_reference": _("Give the transferring body's reference number."),
            "regulator_received_on": _("Give the date the transferring body received it."),
            "regulator_feedback_due_at": _("Give the day the transferring body wants feedback by."),
        }
        errors = {f: [message] for f, message in missing.items() if f not in given}
        if self.regulator_body and self.regulator_body not in self.RegulatorBody.values:
            errors["regulator_body"] = [_("Choose one of the listed bodies.")]
        received_on = self.regulator_received_on
        if received_on and self.received_at and received_on > timezone.localdate(self.received_at):
            errors["regulator_received_on"] = [
                _("The transferring body received it before it reached us, not after.")
            ]
        feedback = self.regulator_feedback_due_at
        if feedback and self.received_at and feedback < self.received_at:
            errors["regulator_feedback_due_at"] = [
                _("The feedback cannot be due before the transfer reached us.")
            ]
        return errors

    def _customer_errors(self) -> dict:
        errors = {}
        self.customer_name = (self.customer_name or "").strip()
        self.customer_phone = pii.normalise_phone(self.customer_phone)
        self.customer_account = (self.customer_account or "").replace(" ", "")
        self.customer_id_number = pii.normalise_document(self.customer_id_number)
        checks = [
            ("customer_phone", pii.validate_phone),
            (
                "customer_id_number",
                DOCUMENT_VALIDATORS.get(self.customer_id_type, pii.validate_resident_id),
            ),
        ]
        for field, validate in checks:
            if getattr(self, field):
                try:
                    validate(getattr(self, field))
                except ValidationError as exc:
                    errors[field] = exc.messages
        if self.customer_account and not self.customer_account.isdigit():
            errors["customer_account"] = [_("An account or card number has digits only.")]
        anonymous_allowed = (
            self.channel in self.ANONYMOUS_CHANNELS or self.kind != self.Kind.COMPLAINT
        )
        if not anonymous_allowed:
            if not self.customer_name:
                errors["customer_name"] = [
                    _("A complaint taken through this channel needs the customer's name.")
                ]
            if not self.customer_phone:
                errors.setdefault("customer_phone", []).append(
                    _("A complaint taken through this channel needs a phone number to reply to.")
                )
        return errors

    def _complainant_errors(self) -> dict:
        errors = {}
        self.representative_name = (self.representative_name or "").strip()
        if self.complainant_kind not in ComplainantKind.values:
            errors["complainant_kind"] = [_("Choose who complains.")]
        if self.customer_id_type not in DocumentType.values:
            errors["customer_id_type"] = [_("Choose one of the listed ID types.")]
        is_company = self.complainant_kind == ComplainantKind.COMPANY
        if is_company and self.customer_id_type != DocumentType.USCC:
            errors["customer_id_type"] = [
                _("A company is identified by its unified social credit code.")
            ]
        if not is_company and self.customer_id_type == DocumentType.USCC:
            errors["customer_id_type"] = [
                _(
                    "A unified social credit code identifies a company: choose a company as the "
                    "complainant, or a person's ID type."
                )
            ]
        representing = self.complainant_kind in (ComplainantKind.AGENT, ComplainantKind.HEIR)
        if representing and not self.representative_name:
            errors["representative_name"] = [
                _("Write down the name of the agent or heir who complains for the customer.")
            ]
        if not representing and self.representative_name:
            errors["representative_name"] = [
                _(
                    "Only an agent or an heir complains for the customer: clear this name or "
                    "choose who complains."
                )
            ]
        if self.complainants is None or self.complainants < 1:
            errors["complainants"] = [_("At least one person complains.")]
        return errors

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    def branch_at(self, level) -> Branch:
        """The outlet, or the branch above it at `level`, that holds the complaint there."""
        if level == self.branch.level:
            return self.branch
        # Asked once per button of the change page: the branches above are read once.
        if "_above" not in self.__dict__:
            self._above = {b.level: b for b in self.branch.ancestors()}
        return self._above[level]

    @property
    def holder(self) -> Branch:
        """The branch that holds the complaint now (its level's, above or at the outlet)."""
        return self.branch_at(self.level)

    # The names of the complaint's branch and of the three above it, nearest first: with
    # `branch__level` and `level`, what held_at_text needs of a row read with values_list.
    HOLDER_NAMES = tuple(f"branch__{'parent__' * up}name" for up in range(4))

    @staticmethod
    def held_at_text(level_label: str, holder_name: str) -> str:
        """The level that holds a complaint and its branch there: "支行：海淀支行"."""
        return f"{level_label}：{holder_name}"

    @property
    def held_at_label(self) -> str:
        """Where the complaint is held, as the change page, the printed form and the export
        show it (held_at_text)."""
        return self.held_at_text(self.get_level_display(), self.holder.name)

    def deadline_status(self, stage: str, now=None) -> DeadlineStatus:
        """On time / due today / overdue for a pending step; done in time / late once done."""
        due_field, done_field = self.STAGES[stage]
        due, done = getattr(self, due_field), getattr(self, done_field)
        if due is None:
            return DeadlineStatus.NONE
        if done is not None:
            return DeadlineStatus.MET if done <= due else DeadlineStatus.MISSED
        if stage in self.UNPAUSED_STAGES:
            if self.status in self.NO_FEEDBACK_OWED:
                return DeadlineStatus.NONE
        elif not self.is_open:
            return DeadlineStatus.NONE
        elif self.paused_since:
            return DeadlineStatus.PAUSED
        now = now or timezone.now()
        if now > due:
            return DeadlineStatus.OVERDUE
        if timezone.localtime(now).date() == timezone.localtime(due).date():
            return DeadlineStatus.DUE_TODAY
        return DeadlineStatus.ON_TIME

    def deadline_statuses(self, now=None) -> dict[str, DeadlineStatus]:
        now = now or timezone.now()
        return {stage: self.deadline_status(stage, now) for stage in self.STAGES}

    def is_overdue(self, now=None) -> bool:
        return DeadlineStatus.OVERDUE in self.deadline_statuses(now).values()


class Move(models.TextChoices):
    """Workflow moves and other recorded actions (see complaints.workflow for who may)."""

    REGISTER = "register", _("Register")
    ACKNOWLEDGE = "acknowledge", _("Acknowledge")
    INVESTIGATE = "investigate", _("Start investigation")
    RESOLVE = "resolve", _("Reply to the customer")
    RESOLVE_ON_SPOT = "resolve_on_spot", _("Resolved on the spot")
    ESCALATE = "escalate", _("Escalate to a higher level")
    HAND_BACK = "hand_back", _("Hand back down")
    REQUEST_EXTENSION = "request_extension", _("Request an extension")
    EXTEND = "extend", _("Decide on the extension")
    PAUSE = "pause", _("Pause the clock")
    RESUME = "resume", _("End the pause")
    NEW_MATERIALS = "new_materials", _("New facts or materials received")
    REQUEST_CORRECTION = "request_correction", _("Request a correction")
    DECIDE_CORRECTION = "decide_correction", _("Decide on the correction")
    NOTIFY = "notify", _("Record a notice to the customer")
    CONTACT_ATTEMPT = "contact_attempt", _("Record a contact attempt")
    FOLLOW_UP = "follow_up", _("Record the follow-up visit")
    HANDLE_AGAIN = "handle_again", _("Handle again")
    CLOSE = "close", _("Close (办结)")
    REQUEST_REVIEW = "request_review", _("Review requested by the customer")
    DECIDE_REVIEW = "decide_review", _("Decide on the review")
    WITHDRAW = "withdraw", _("Withdrawn by the customer")
    MERGE = "merge", _("Merge into an earlier entry")
    REASSIGN = "reassign", _("Hand over to another handler")
    NOTE = "note", _("Add a note")
    RECTIFY = "rectify", _("Issue a rectification notice")
    ATTACH = "attach", _("Attach a file")
    EDIT = "edit", _("Edit details")
    VOID = "void", _("Void")
    RECTIFIED = "rectified", _("Rectification done")
    RECTIFICATION_VERIFIED = "rectification_verified", _("Rectification verified")
    RECTIFICATION_REJECTED = "rectification_rejected", _("Rectification verification rejected")
    RECTIFICATION_REASSIGNED = "rectification_reassigned", _("Rectification reassigned")
    RECTIFICATION_CANCELLED = "rectification_cancelled", _("Rectification cancelled")
    DEADLINE_MOVED = "deadline_moved", _("Deadline moved by a calendar change")
    # Regulator transfers (issue 14 item 6).
    REGULATOR_FEEDBACK = "regulator_feedback", _("Record the feedback to the transferring body")


class ReferenceCounter(models.Model):
    """Last sequence number used per outlet and month, for TS-<outlet>-<yyyymm>-<seq>.

    Registration locks this row (the UPDATE that takes the next number, services._count_on) so
    that two clerks registering at the same moment get consecutive numbers instead of the same
    one.
    """

    branch = models.ForeignKey(Branch, on_delete=models.CASCADE, related_name="+")
    month = models.CharField(max_length=6)
    last_seq = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["branch", "month"], name="complaint_counter_unique")
        ]

    def __str__(self):
        return f"{self.branch_id}/{self.month}: {self.last_seq}"


class ComplaintEvent(models.Model):
    """One line of a complaint's timeline: a workflow step, a note, a hand-over, a file."""

    complaint = models.ForeignKey(
        Complaint, verbose_name=_("complaint"), on_delete=models.CASCADE, related_name="events"
    )
    action = models.CharField(_("action"), max_length=30, choices=Move.choices)
    from_status = models.CharField(
        _("from status"), max_length=20, choices=Complaint.Status.choices, blank=True
    )
    to_status = models.CharField(
        _("to status"), max_length=20, choices=Complaint.Status.choices, blank=True
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    note = models.TextField(_("note"), blank=True)
    # The level an escalation or a hand-back sent the complaint to (reporting counts the
    # escalations by it); blank for every other line.
    level = models.PositiveSmallIntegerField(
        _("to level"), choices=Branch.Level.choices, null=True, blank=True
    )

    class Meta:
        verbose_name = _("timeline event")
        verbose_name_plural = _("timeline events")
        ordering = ["at", "id"]
        # The timeline of one complaint, in order.
        indexes = [models.Index(fields=["complaint", "at"], name="complaint_event_idx")]

    def __str__(self):
        return f"{self.complaint} {self.action} {self.at:%Y-%m-%d %H:%M}"

    @property
    def who(self) -> str:
        """The person who made the move; lines the reminder scan writes have no actor."""
        return str(self.actor) if self.actor_id else str(_("system"))


def attachment_path(instance, filename):
    return f"complaints/{instance.complaint_id}/{filename}"


class Attachment(models.Model):
    """A scan, photo or recording belonging to a complaint; served only by a scoped view."""

    complaint = models.ForeignKey(
        Complaint,
        verbose_name=_("complaint"),
        on_delete=models.PROTECT,
        related_name="attachments",
    )
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=255)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))
    description = models.CharField(_("description"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["uploaded_at", "id"]

    def __str__(self):
        return self.original_name


class Decision(models.TextChoices):
    PENDING = "pending", _("Awaiting decision")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")


class _Requested(models.Model):
    """A request one person makes and a person of the right level decides."""

    complaint = models.ForeignKey(Complaint, verbose_name=_("complaint"), on_delete=models.PROTECT)
    reason = models.TextField(_("reason"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("requested at"))
    decision = models.CharField(
        _("decision"), max_length=10, choices=Decision.choices, default=Decision.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True)
    decision_note = models.TextField(_("why"), blank=True)

    class Meta:
        abstract = True
        ordering = ["requested_at", "id"]


class ExtensionRequest(_Requested):
    """A request to extend the regulatory period to the ceiling of a tier (30 or 60 days)."""

    tier = models.CharField(_("extend for"), max_length=12, choices=Complaint.Complexity.choices)

    class Meta(_Requested.Meta):
        verbose_name = _("extension request")
        verbose_name_plural = _("extension requests")
        default_related_name = "extension_requests"
        constraints = [
            # Two clicks, or two handlers at once: at most one request awaits a decision.
            models.UniqueConstraint(
                fields=["complaint"],
                condition=Q(decision="pending"),
                name="complaint_one_pending_extension",
            )
        ]

    def __str__(self):
        return f"{self.complaint} → {self.get_tier_display()}"


class Correction(_Requested):
    """A correction of fixed evidence (receipt time, kind, channel, facts stated, complexity)
    with the old and new values, as text for the record and as stored for the row."""

    field = models.CharField(_("field"), max_length=30)
    old_value = models.TextField(_("old value"), blank=True)
    new_value = models.TextField(_("new value"))

    class Meta(_Requested.Meta):
        verbose_name = _("evidence correction")
        verbose_name_plural = _("evidence corrections")
        default_related_name = "corrections"
        constraints = [
            models.UniqueConstraint(
                fields=["complaint", "field"],
                condition=Q(decision="pending"),
                name="complaint_one_pending_correction",
            )
        ]

    def __str__(self):
        return f"{self.complaint} · {self.field}"


class Pause(models.Model):
    """Time that does not count toward the deadlines (art. 18, 23): an external appraisal,
    test or valuation, or a mediation."""

    class Reason(models.TextChoices):
        APPRAISAL = "appraisal", _("Appraisal, testing or valuation")
        MEDIATION = "mediation", _("Mediation")

    complaint = models.ForeignKey(
        Complaint, verbose_name=_("complaint"), on_delete=models.PROTECT, related_name="pauses"
    )
    reason = models.CharField(_("pause for"), max_length=12, choices=Reason.choices)
    note = models.TextField(_("details"))
    started_at = models.DateTimeField(_("paused from"))
    ended_at = models.DateTimeField(_("paused until"), null=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("pause of the clock")
        verbose_name_plural = _("pauses of the clock")
        ordering = ["started_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["complaint"],
                condition=Q(ended_at__isnull=True),
                name="complaint_one_open_pause",
            )
        ]

    def __str__(self):
        return f"{self.complaint} · {self.get_reason_display()}"


class CustomerNotice(models.Model):
    """Proof that a notice reached the customer (art. 21): how, when, by whom, the proof."""

    class Subject(models.TextChoices):
        ACKNOWLEDGEMENT = "acknowledgement", _("Acknowledgement")
        EXTENSION = "extension", _("Extension")
        PAUSE = "pause", _("Pause of the clock")
        DECISION = "decision", _("Decision")
        REVIEW = "review", _("Review decision")

    complaint = models.ForeignKey(
        Complaint,
        verbose_name=_("complaint"),
        on_delete=models.PROTECT,
        related_name="notices",
    )
    subject = models.CharField(_("notice of"), max_length=16, choices=Subject.choices)
    method = models.CharField(_("method"), max_length=12, choices=Complaint.ReplyMethod.choices)
    told_at = models.DateTimeField(_("customer told at"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    attachment = models.ForeignKey(
        "Attachment",
        verbose_name=_("proof (attachment)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.TextField(_("what was said, call record"), blank=True)
    extension = models.ForeignKey(
        ExtensionRequest, null=True, on_delete=models.PROTECT, related_name="notices"
    )

    class Meta:
        verbose_name = _("notice to the customer")
        verbose_name_plural = _("notices to the customer")
        ordering = ["told_at", "id"]

    def __str__(self):
        return f"{self.complaint} · {self.get_subject_display()}"


class ContactAttempt(models.Model):
    """A failed attempt to reach the customer for the follow-up visit."""

    complaint = models.ForeignKey(
        Complaint,
        verbose_name=_("complaint"),
        on_delete=models.PROTECT,
        related_name="contact_attempts",
    )
    at = models.DateTimeField(_("attempted at"))
    method = models.CharField(_("method"), max_length=12, choices=Complaint.ReplyMethod.choices)
    note = models.TextField(_("what happened"), blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("contact attempt")
        verbose_name_plural = _("contact attempts")
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.complaint} · {self.at:%Y-%m-%d %H:%M}"
