from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from branchservice.models import Branch


class NotificationQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(sent_at=None, failed_at=None, cancelled_at=None)

    def deliverable(self, now):
        """Pending, held no longer, and not claimed by a live delivery.

        A claim older than NOTIFICATIONS_CLAIM_TIMEOUT belongs to a worker that died (its task
        time limit is shorter), so the row is free again.
        """
        stale = now - timezone.timedelta(seconds=settings.NOTIFICATIONS_CLAIM_TIMEOUT_SECONDS)
        return (
            self.pending()
            .filter(scheduled_for__lte=now)
            .filter(Q(claimed_by=None) | Q(claimed_at__lt=stale))
        )

    def unread(self):
        return self.filter(read_at=None)


class Notification(models.Model):
    """One reminder to one person about one object, created once and delivered once.

    The unique key (object, kind, stage, occurrence, recipient) makes creation idempotent: a
    second scan, a retried task or a restarted beat inserts nothing new. `occurrence` tells
    apart reminders that legitimately repeat for one object: the due date (a moved deadline
    deserves a new reminder) or the business day of a checklist.
    """

    class Kind(models.TextChoices):
        COMPLAINT_ACKNOWLEDGE = "complaint_acknowledge", _("Complaint acknowledgement")
        COMPLAINT_REPLY = "complaint_reply", _("Complaint reply")
        COMPLAINT_REGULATORY = "complaint_regulatory", _("Regulatory deadline")
        COMPLAINT_FOLLOWUP = "complaint_followup", _("Follow-up visit")
        COMPLAINT_EXTENSION_NOTICE = "complaint_extension_notice", _("Extension notice")
        COMPLAINT_PAUSE = "complaint_pause", _("Long pause of the clock")
        COMPLAINT_REVIEW = "complaint_review", _("Review (核查)")
        RECTIFICATION = "rectification", _("Rectification notice")
        CORRECTIVE_ACTION = "corrective_action", _("Corrective action")
        CHECKLIST = "checklist", _("Daily checklist")

    class Stage(models.TextChoices):
        DUE = "due", _("Due today")
        WARNING = "warning", _("Deadline approaching")
        OVERDUE = "overdue", _("Overdue")
        ESCALATED = "escalated", _("Escalated")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("kind"), max_length=40, choices=Kind.choices)
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices)
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("content_type", "object_id")
    occurrence = models.CharField(max_length=40, blank=True, default="")
    # Snapshots taken at creation, so the bell and the mail still make sense if the object
    # is deleted before anyone reads them.
    object_label = models.CharField(_("about"), max_length=200)
    url = models.CharField(_("link"), max_length=300, blank=True)
    due_at = models.DateTimeField(_("deadline"), null=True, blank=True)

    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    scheduled_for = models.DateTimeField(_("send from"))
    # NULL, not "", means unclaimed: the claim is `UPDATE … WHERE claimed_by IS NULL`.
    claimed_by = models.CharField(max_length=64, null=True, blank=True, editable=False)  # noqa: DJ001
    claimed_at = models.DateTimeField(null=True, blank=True, editable=False)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    failed_at = models.DateTimeField(_("failed"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    # Channels that already carried this reminder, so a retry after a half-failed delivery
    # does not mail it a second time.
    channels_done = models.JSONField(default=list, blank=True, editable=False)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "kind", "stage", "occurrence", "recipient"],
                name="notification_once_per_object_kind_stage_recipient",
            ),
        ]
        indexes = [
            # The dispatch query: pending reminders whose hold has ended.
            models.Index(
                fields=["scheduled_for"],
                condition=Q(sent_at=None, failed_at=None, cancelled_at=None),
                name="notification_pending_idx",
            ),
            # The bell on every admin page: unread count for one person.
            models.Index(
                fields=["recipient"], condition=Q(read_at=None), name="notification_unread_idx"
            ),
        ]

    def __str__(self):
        return self.headline

    @property
    def headline(self) -> str:
        """One sentence saying what is due, in the active language."""
        template = HEADLINES.get((self.kind, self.stage), _("%(object)s needs your attention."))
        due = (
            formats.date_format(timezone.localtime(self.due_at), "SHORT_DATETIME_FORMAT")
            if self.due_at
            else ""
        )
        return str(template) % {"object": self.object_label, "due": due}

    @property
    def status(self) -> str:
        if self.sent_at:
            return _("Sent")
        if self.failed_at:
            return _("Failed")
        if self.cancelled_at:
            return _("Cancelled")
        return _("Waiting")


# What each reminder says. "%(object)s" is the object's label, "%(due)s" its deadline.
HEADLINES = {
    (Notification.Kind.COMPLAINT_ACKNOWLEDGE, Notification.Stage.OVERDUE): _(
        "Complaint %(object)s was not acknowledged to the customer by %(due)s."
    ),
    (Notification.Kind.COMPLAINT_REPLY, Notification.Stage.DUE): _(
        "The reply to complaint %(object)s is due today, by %(due)s."
    ),
    (Notification.Kind.COMPLAINT_REPLY, Notification.Stage.OVERDUE): _(
        "The reply to complaint %(object)s is overdue: it was due by %(due)s."
    ),
    (Notification.Kind.COMPLAINT_REPLY, Notification.Stage.ESCALATED): _(
        "Escalation: complaint %(object)s is still unanswered, its reply was due by %(due)s."
    ),
    (Notification.Kind.COMPLAINT_REGULATORY, Notification.Stage.WARNING): _(
        "Complaint %(object)s approaches the regulatory deadline of %(due)s."
    ),
    (Notification.Kind.COMPLAINT_REGULATORY, Notification.Stage.OVERDUE): _(
        "Complaint %(object)s has passed the regulatory deadline of %(due)s without a reply."
    ),
    (Notification.Kind.COMPLAINT_FOLLOWUP, Notification.Stage.DUE): _(
        "The follow-up visit for complaint %(object)s is due today, by %(due)s."
    ),
    (Notification.Kind.COMPLAINT_FOLLOWUP, Notification.Stage.OVERDUE): _(
        "The follow-up visit for complaint %(object)s is overdue: it was due by %(due)s."
    ),
    (Notification.Kind.COMPLAINT_EXTENSION_NOTICE, Notification.Stage.OVERDUE): _(
        "The customer of complaint %(object)s has not been told of the approved extension; "
        "the notice was due by %(due)s."
    ),
    (Notification.Kind.COMPLAINT_PAUSE, Notification.Stage.WARNING): _(
        "The clock of complaint %(object)s has been paused beyond the policy's limit (%(due)s)."
    ),
    (Notification.Kind.COMPLAINT_REVIEW, Notification.Stage.DUE): _(
        "The review of complaint %(object)s is due today, by %(due)s."
    ),
    (Notification.Kind.COMPLAINT_REVIEW, Notification.Stage.OVERDUE): _(
        "The review of complaint %(object)s is overdue: it was due by %(due)s."
    ),
    (Notification.Kind.RECTIFICATION, Notification.Stage.DUE): _(
        "Rectification notice %(object)s is due today."
    ),
    (Notification.Kind.RECTIFICATION, Notification.Stage.OVERDUE): _(
        "Rectification notice %(object)s is overdue: it was due by %(due)s."
    ),
    (Notification.Kind.CORRECTIVE_ACTION, Notification.Stage.DUE): _(
        "Corrective action %(object)s is due today."
    ),
    (Notification.Kind.CORRECTIVE_ACTION, Notification.Stage.OVERDUE): _(
        "Corrective action %(object)s is overdue: it was due by %(due)s."
    ),
    (Notification.Kind.CHECKLIST, Notification.Stage.OVERDUE): _(
        "Today's service checklist of %(object)s has not been submitted (due by %(due)s)."
    ),
    (Notification.Kind.CHECKLIST, Notification.Stage.ESCALATED): _(
        "Today's service checklist of %(object)s is still not submitted (due by %(due)s)."
    ),
}


class NotificationPreference(models.Model):
    """The language a person's reminders are written in (the portal's default otherwise)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff member"),
        on_delete=models.CASCADE,
        related_name="notification_preference",
    )
    language = models.CharField(
        _("language of reminders"),
        max_length=10,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
    )

    class Meta:
        verbose_name = _("reminder preference")
        verbose_name_plural = _("reminder preferences")

    def __str__(self):
        return f"{self.user} · {self.get_language_display()}"


class WeComWebhook(models.Model):
    """A WeCom (企业微信) group bot that receives the reminders of one branch's staff."""

    branch = models.OneToOneField(
        Branch,
        verbose_name=_("branch"),
        on_delete=models.CASCADE,
        related_name="wecom_webhook",
    )
    url = models.URLField(
        _("webhook address"),
        max_length=300,
        help_text=_("The group bot's webhook address, copied from the WeCom group settings."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("WeCom group bot")
        verbose_name_plural = _("WeCom group bots")

    def __str__(self):
        return str(self.branch)
