"""The customer's side of the complaint register: each outlet's public opinion book and the
lookup codes its entries are followed with.

Entries themselves are ordinary register entries (complaints.Complaint, channel "opinion book
(online)"), created through complaints.services; this app only keeps what the public pages
need besides them.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from branchservice.models import Branch
from complaints.models import Complaint


class OpinionBookQuerySet(models.QuerySet):
    def open(self):
        """Books a customer may write in: switched on, at an outlet that is still open."""
        return self.filter(is_open=True, outlet__is_active=True, outlet__level=Branch.Level.OUTLET)


class OpinionBook(models.Model):
    """An outlet's online opinion book. An outlet without one has no public page."""

    outlet = models.OneToOneField(
        Branch,
        verbose_name=_("outlet"),
        on_delete=models.PROTECT,
        related_name="opinion_book",
        limit_choices_to={"level": Branch.Level.OUTLET},
    )
    is_open = models.BooleanField(
        _("open to customers"),
        default=True,
        help_text=_(
            "Switched off, the outlet's page and poster link tell customers to use "
            "the hotline or the paper book instead."
        ),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords()
    objects = OpinionBookQuerySet.as_manager()

    class Meta:
        verbose_name = _("online opinion book")
        verbose_name_plural = _("online opinion books")
        ordering = ["outlet__path"]

    def __str__(self):
        return str(self.outlet)


class LookupCode(models.Model):
    """The code a customer follows their entry with, kept only as a keyed hash (services).

    Wrong codes are counted here: the fifth locks the reference for a while, so that the code
    cannot be guessed however many addresses try."""

    complaint = models.OneToOneField(
        Complaint, on_delete=models.PROTECT, related_name="lookup_code"
    )
    code_hash = models.CharField(max_length=64)
    failures = models.PositiveSmallIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("lookup code")
        verbose_name_plural = _("lookup codes")

    def __str__(self):
        return str(self.complaint)


class SatisfactionLinkQuerySet(models.QuerySet):
    def live(self, now):
        return self.filter(used_at__isnull=True, expires_at__gt=now)


class SatisfactionLink(models.Model):
    """A one-time link with which the customer rates the reply: the follow-up visit done
    online. Only a keyed hash of its token is kept; it works once, until it expires, and only
    while the entry awaits its follow-up. A new link for the same entry ends the earlier one."""

    complaint = models.ForeignKey(
        Complaint, on_delete=models.PROTECT, related_name="satisfaction_links"
    )
    # Unique: a token is found by its hash, so no comparison of secrets is made in Python.
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    objects = SatisfactionLinkQuerySet.as_manager()

    class Meta:
        verbose_name = _("satisfaction link")
        verbose_name_plural = _("satisfaction links")

    def __str__(self):
        return str(self.complaint)
