"""Delivery channels: e-mail to the person, and the WeCom group bot of their branch.

A channel sends one message for a batch of reminders to one person. It raises
TemporaryFailure for what a later attempt may fix (mail server down, webhook 500 or hanging)
and PermanentFailure for what it cannot (no e-mail address).
"""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from . import wecom


class TemporaryFailure(Exception):
    pass


class PermanentFailure(Exception):
    pass


def _absolute(url: str) -> str:
    return f"{settings.NOTIFICATIONS_SITE_URL.rstrip('/')}{url}" if url.startswith("/") else url


def _render(name, recipient, notifications, language) -> str:
    """Render a message template in the recipient's language."""
    with translation.override(language):
        items = [{"n": n, "headline": n.headline, "link": _absolute(n.url)} for n in notifications]
        context = {
            "recipient": recipient,
            "items": items,
            "item": items[0],
            "mine_url": _absolute(reverse("notifications:mine")),
        }
        return render_to_string(name, context)


class EmailChannel:
    name = "email"

    def applies_to(self, recipient) -> bool:
        return True

    def send(self, recipient, notifications, *, language):
        if not recipient.email:
            raise PermanentFailure(
                _("%(person)s has no e-mail address; the reminder is shown in the portal only.")
                % {"person": recipient}
            )
        # One reminder gets its own mail; several (the morning digest) go in one.
        name = "reminder" if len(notifications) == 1 else "digest"
        args = (recipient, notifications, language)
        subject = _render(f"notifications/email/{name}_subject.txt", *args)
        message = EmailMultiAlternatives(
            subject=" ".join(subject.split()),
            body=_render(f"notifications/email/{name}.txt", *args),
            to=[recipient.email],
            # Which stored reminders this mail carries: lets support trace a complaint about a
            # missing or doubled mail back to the rows.
            headers={"X-Branchservice-Reminders": ",".join(str(n.pk) for n in notifications)},
        )
        message.attach_alternative(_render(f"notifications/email/{name}.html", *args), "text/html")
        try:
            message.send()
        except OSError as exc:  # smtplib's errors are OSErrors, as are refused connections
            raise TemporaryFailure(_("Mail server: %(error)s") % {"error": exc}) from exc


class WeComChannel:
    """Posts to the group bot configured for the recipient's branch, if there is one."""

    name = "wecom"

    def _webhook(self, recipient):
        from .models import WeComWebhook

        return WeComWebhook.objects.filter(branch_id=recipient.branch_id, is_active=True).first()

    def applies_to(self, recipient) -> bool:
        return recipient.branch_id is not None and self._webhook(recipient) is not None

    def send(self, recipient, notifications, *, language):
        webhook = self._webhook(recipient)
        text = _render("notifications/wecom.txt", recipient, notifications, language).strip()
        try:
            answer = wecom.post_json(
                webhook.url,
                {"msgtype": "text", "text": {"content": text}},
                timeout=settings.NOTIFICATIONS_WECOM_TIMEOUT_SECONDS,
            )
        except wecom.SendFailed as exc:
            raise TemporaryFailure(_("WeCom group bot: %(error)s") % {"error": exc}) from exc
        # What the bot says (errmsg) is not repeated: only that it refused.
        if answer.get("errcode", 0) != 0:
            raise TemporaryFailure(_("WeCom group bot refused the message."))
