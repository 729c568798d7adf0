from django.contrib import admin, messages
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from branchservice.scoping import ScopedAdminMixin

from .models import Notification, NotificationPreference, WeComWebhook
from .services import notification_retry


class StatusFilter(admin.SimpleListFilter):
    title = _("status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [
            ("waiting", _("Waiting")),
            ("sent", _("Sent")),
            ("failed", _("Failed")),
            ("cancelled", _("Cancelled")),
            ("done", _("Done")),
        ]

    def queryset(self, request, queryset):
        match self.value():
            case "waiting":
                return queryset.pending()
            case "sent":
                return queryset.exclude(sent_at=None)
            case "failed":
                return queryset.exclude(failed_at=None)
            case "cancelled":
                return queryset.exclude(cancelled_at=None)
            case "done":
                return queryset.exclude(done_at=None)
        return queryset


@admin.register(Notification)
class NotificationAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """Every reminder sent or waiting, with why a failed one failed. Read-only: reminders are
    made by the scans; the one thing to do here is to send a failed one again."""

    scope_via = "recipient__branch"
    list_display = [
        "created_at",
        "recipient",
        "kind",
        "stage",
        "object_label",
        "due_at",
        "status_label",
        "sent_at",
        "attempts",
        "last_error",
    ]
    list_filter = [StatusFilter, "kind", "stage"]
    list_select_related = ["recipient"]
    search_fields = ["object_label", "recipient__username", "recipient__last_name"]
    date_hierarchy = "created_at"
    actions = ["send_again"]
    readonly_fields = [
        "recipient",
        "kind",
        "stage",
        "object_label",
        "url",
        "due_at",
        "created_at",
        "scheduled_for",
        "sent_at",
        "read_at",
        "failed_at",
        "cancelled_at",
        "done_at",
        "attempts",
        "last_error",
    ]
    fields = readonly_fields

    @admin.display(description=_("status"))
    def status_label(self, obj):
        return obj.status

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Send the selected failed reminders again"), permissions=["change"])
    def send_again(self, request, queryset):
        failed = list(queryset.exclude(failed_at=None))
        for notification in failed:
            notification_retry(notification=notification)
        self.message_user(
            request,
            ngettext(
                "%(count)d reminder will be sent again at the next scan.",
                "%(count)d reminders will be sent again at the next scan.",
                len(failed),
            )
            % {"count": len(failed)},
            messages.SUCCESS,
        )


@admin.register(WeComWebhook)
class WeComWebhookAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["branch", "is_active"]
    list_select_related = ["branch"]
    list_filter = ["is_active"]
    # Group-bot webhooks are served over HTTPS: a pasted address without a scheme means https.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(ScopedAdminMixin, admin.ModelAdmin):
    scope_via = "user__branch"
    list_display = ["user", "language"]
    list_select_related = ["user"]
    autocomplete_fields = ["user"]
