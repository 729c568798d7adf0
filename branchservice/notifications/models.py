from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from branchservice.models import Branch

from .registry import headline_template, kind_choices
from .wecom import validate_webhook_url


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

    def still_to_do(self):
        """What the bell counts and the reminder page shows first: not yet done."""
        return self.filter(done_at=None)

    def unsettled(self):
        """Not yet found done nor cancelled: what notifications_settle looks at."""
        return self.filter(done_at=None, cancelled_at=None)


class Notification(models.Model):
    """One reminder to one person about one object, created once and delivered once.

    The unique key (object, kind, stage, occurrence, recipient) makes creation idempotent: a
    second scan, a retried task or a restarted beat inserts nothing new. `occurrence` tells
    apart reminders that legitimately repeat for one object: the due date (a moved deadline
    deserves a new reminder) or the business day of a checklist.
    """

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
    # Declared by the app that owns the scanner (registry.register_kinds), not here.
    kind = models.CharField(_("kind"), max_length=40, choices=kind_choices)
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
    # Sent within working hours on a day off too, not held for the next working day: the
    # reminder is about work done that day (a weekend-open outlet's checklist).
    on_days_off = models.BooleanField(_("sent on days off"), default=False, editable=False)
    # NULL, not "", means unclaimed: the claim is `UPDATE … WHERE claimed_by IS NULL`.
    claimed_by = models.CharField(max_length=64, null=True, blank=True, editable=False)  # noqa: DJ001
    claimed_at = models.DateTimeField(null=True, blank=True, editable=False)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    failed_at = models.DateTimeField(_("failed"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    # The object was handled after the reminder went out: kept in the person's log, greyed,
    # no longer counted by the bell (services.notifications_settle).
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
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
        template = headline_template(self.kind, self.stage) or _("%(object)s needs your attention.")
        due = (
            formats.date_format(timezone.localtime(self.due_at), "SHORT_DATETIME_FORMAT")
            if self.due_at
            else ""
        )
        return str(template) % {"object": self.object_label, "due": due}

    @property
    def status(self) -> str:
        if self.done_at:
            return _("Done")
        if self.sent_at:
            return _("Sent")
        if self.failed_at:
            return _("Failed")
        if self.cancelled_at:
            return _("Cancelled")
        return _("Waiting")


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

    def clean(self):
        # Checked again at every send (wecom.post_json); here so that staff hear of it at once.
        try:
            validate_webhook_url(self.url)
        except ValidationError as exc:
            raise ValidationError({"url": exc}) from exc
