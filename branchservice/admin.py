from axes.admin import AccessAttemptAdmin, AccessFailureLogAdmin, AccessLogAdmin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm, UserChangeForm, UserCreationForm
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import dateformat, timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import calendar_notices
from .admin_site import ViewOnlyAdminMixin, warn_missing_calendar_years
from .calendar_changes import overrides_changed
from .calendar_keepers import keeps_calendar, may_set_override, override_branches, visible_overrides
from .concurrency import VersionedAdminMixin
from .files import accepted_upload, decoded_text
from .history import HistoryAdmin
from .models import (
    Branch,
    CalendarNotice,
    CalendarOverride,
    FileDownload,
    FirmEngagement,
    InspectionFirm,
    OutletDay,
    User,
)
from .roles import Role
from .scoping import ScopedAdminMixin, scope_queryset, sees_everything
from .staff import grantable_roles, manageable_branches, may_manage, visible_staff
from .twofactor.services import second_factor_reset

# django-otp's own device admins show each key and its QR code: whoever opens them could copy
# someone's second factor. A device is enrolled by its owner only; the user admin resets it.
admin.site.unregister([TOTPDevice, StaticDevice])


class OutletDayInline(admin.TabularInline):
    """An outlet's holiday openings and extra closed days, beside its weekend opening."""

    model = OutletDay
    fields = ["date", "kind", "note"]
    extra = 1
    ordering = ["-date"]


@admin.register(OutletDay)
class OutletDayAdmin(ScopedAdminMixin, HistoryAdmin):
    """The same dates as the outlet's inline, for branch managers, who see their outlets
    but do not edit the branch tree."""

    list_display = ["date", "branch", "kind", "note"]
    list_filter = ["kind"]
    search_fields = ["branch__code", "branch__name", "note"]
    list_select_related = ["branch"]
    date_hierarchy = "date"
    fields = ["branch", "date", "kind", "note"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "branch":
            field.queryset = field.queryset.filter(level=Branch.Level.OUTLET)
        return field


@admin.register(Branch)
class BranchAdmin(ScopedAdminMixin, HistoryAdmin):
    scope_via = ""
    list_display = ["code", "name", "level", "parent", "hotline", "opens_on_weekends", "is_active"]
    list_filter = ["level", "opens_on_weekends", "is_active"]
    search_fields = ["code", "name", "address"]
    list_select_related = ["parent"]
    ordering = ["path"]
    fields = [
        "code",
        "name",
        "level",
        "parent",
        "address",
        "hotline",
        "customer_base",
        "opens_on_weekends",
        ("opens_at", "closes_at"),
        "is_active",
    ]

    def get_inlines(self, request, obj):
        # Opening days are an outlet's: the daily checklist is due on them.
        return [OutletDayInline] if obj is not None and obj.is_outlet else []

    def has_delete_permission(self, request, obj=None):
        # Branches carry complaint and checklist history: deactivate, never delete.
        return False


class RoleFilter(admin.SimpleListFilter):
    title = _("role")
    parameter_name = "role"

    def lookups(self, request, model_admin):
        return Role.choices

    def queryset(self, request, queryset):
        # Only a role it offers: anything else (a NUL byte is a database error on PostgreSQL)
        # is ignored, as by the other choice filters.
        if self.value() in Role.values:
            return queryset.filter(groups__name=self.value())
        return queryset


class AuditedPasswordChangeForm(AdminPasswordChangeForm):
    """The admin's "set password" form. The hash stays out of history, but that someone set
    another person's password, and who, is in it."""

    def save(self, commit=True):
        self.user._change_reason = gettext("Password set by an administrator")
        return super().save(commit)


class FirmInspectorFormMixin:
    """An inspection firm's user is an inspector and nothing else, outside the bank's tree:
    any other role would open that role's pages for the firm's outlets."""

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("firm") is None:
            return cleaned
        groups = cleaned.get("groups")
        if groups is not None and {group.name for group in groups} != {Role.INSPECTOR}:
            self.add_error("groups", _("An inspection firm's user holds the inspector role only."))
        if cleaned.get("branch") is not None:
            self.add_error("branch", _("An inspection firm's user belongs to no branch."))
        return cleaned


class StaffChangeForm(FirmInspectorFormMixin, UserChangeForm):
    pass


class StaffCreationForm(FirmInspectorFormMixin, UserCreationForm):
    pass


@admin.register(User)
class UserAdmin(ScopedAdminMixin, DjangoUserAdmin, HistoryAdmin):
    list_display = [
        "username", "full_name", "branch", "roles", "second_factor", "is_staff", "is_active"
    ]  # fmt: skip
    list_filter = [RoleFilter, "branch__level", "is_active", "is_staff"]
    search_fields = ["username", "first_name", "last_name", "email", "branch__name"]
    list_select_related = ["branch"]
    ordering = ["branch__path", "username"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (_("Personal info"), {"fields": ["last_name", "first_name", "email"]}),
        (
            _("Branch and role"),
            {"fields": ["branch", "firm", "groups", "is_staff", "is_active"]},
        ),
        (_("Important dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    superuser_fieldsets = [
        *fieldsets,
        (_("Permissions"), {"fields": ["is_superuser", "user_permissions"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": [
                    *["username", "password1", "password2"],
                    *["branch", "firm", "groups", "is_staff"],
                ],
            },
        ),
    ]
    readonly_fields = ["last_login", "date_joined"]

    form = StaffChangeForm
    add_form = StaffCreationForm
    change_password_form = AuditedPasswordChangeForm
    actions = ["reset_second_factor"]

    def get_queryset(self, request):
        queryset = super().get_queryset(request).prefetch_related("groups")
        queryset = queryset.annotate(
            has_second_factor=Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True))
        )
        return visible_staff(queryset, request.user)

    @admin.display(description=_("sign-in codes"), boolean=True, ordering="has_second_factor")
    def second_factor(self, obj):
        return obj.has_second_factor

    @admin.action(
        description=_("Reset the sign-in codes (second factor) of the selected staff"),
        permissions=["reset_second_factor"],
    )
    def reset_second_factor(self, request, queryset):
        for user in queryset:
            second_factor_reset(user=user, by=request.user)
        self.message_user(
            request,
            _(
                "Sign-in codes reset for %(count)d staff: each sets up an authenticator app "
                "again at the next sign-in."
            )
            % {"count": len(queryset)},
        )

    def has_reset_second_factor_permission(self, request):
        # A reset hands the account to whoever next signs in with its password: superusers only.
        return request.user.is_superuser

    # Changing an account (its password and active flag included: Django's password page asks
    # this too) is managing it: branchservice/staff.py says who may.
    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (
            obj is None or may_manage(request.user, obj)
        )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "branch":
            field.queryset = manageable_branches(request.user)
        elif db_field.name == "firm" and not sees_everything(request.user):
            # Firms are head office's to keep (HeadOfficeOnlyMixin).
            field.queryset = InspectionFirm.objects.none()
        return field

    def get_fieldsets(self, request, obj=None):
        if obj is not None and request.user.is_superuser:
            return self.superuser_fieldsets
        return super().get_fieldsets(request, obj)

    @admin.display(description=_("name"), ordering="last_name")
    def full_name(self, obj):
        return obj.get_full_name()

    @admin.display(description=_("roles"))
    def roles(self, obj):
        labels = dict(Role.choices)
        return "、".join(str(labels.get(g.name, g.name)) for g in obj.groups.all())

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "groups":
            kwargs["queryset"] = Group.objects.filter(name__in=grantable_roles(request.user))
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class HeadOfficeOnlyMixin:
    """Firms and their engagements decide who sees which outlets: head office keeps them, and
    no one else sees them (the permissions are head office's only; this holds even if a role
    were given them by mistake)."""

    def has_module_permission(self, request):
        return sees_everything(request.user) and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return sees_everything(request.user) and super().has_view_permission(request, obj)

    def has_add_permission(self, request):
        return sees_everything(request.user) and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        return sees_everything(request.user) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return sees_everything(request.user) and super().has_delete_permission(request, obj)


@admin.register(InspectionFirm)
class InspectionFirmAdmin(HeadOfficeOnlyMixin, HistoryAdmin):
    list_display = ["name", "credit_code"]
    search_fields = ["name", "credit_code"]


@admin.register(FirmEngagement)
class FirmEngagementAdmin(HeadOfficeOnlyMixin, HistoryAdmin):
    list_display = ["firm", "starts_on", "ends_on", "note"]
    list_filter = ["firm"]
    list_select_related = ["firm"]
    date_hierarchy = "starts_on"
    fields = ["firm", "outlets", "starts_on", "ends_on", "note"]
    filter_horizontal = ["outlets"]


# The preview's month grids head their columns with one character, Monday first.
WEEKDAY_INITIALS = [
    pgettext_lazy("weekday initial", "Mo"),
    pgettext_lazy("weekday initial", "Tu"),
    pgettext_lazy("weekday initial", "We"),
    pgettext_lazy("weekday initial", "Th"),
    pgettext_lazy("weekday initial", "Fr"),
    pgettext_lazy("weekday initial", "Sa"),
    pgettext_lazy("weekday initial", "Su"),
]


class NoticeForm(forms.Form):
    """The State Council notice, pasted or as a .txt file, and the year it is for."""

    year = forms.IntegerField(label=_("year"), min_value=2000, max_value=2100)
    text = forms.CharField(
        label=_("notice text"),
        required=False,
        max_length=calendar_notices.MAX_NOTICE_CHARS,
        widget=forms.Textarea(attrs={"rows": 14, "cols": 90}),
        help_text=_("Paste the whole notice as published, title included."),
    )
    file = forms.FileField(
        label=_("or a text file"),
        required=False,
        help_text=_("A .txt file saved in UTF-8 or GBK."),
    )
    fingerprint = forms.CharField(widget=forms.HiddenInput, required=False)

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("file")
        if upload:
            accepted_upload(
                upload,
                types={"txt": "text/plain"},
                max_bytes=calendar_notices.MAX_NOTICE_CHARS * 4,
                refusal=_("Choose a .txt file."),
            )
            cleaned["text"] = decoded_text(upload)
        if not (cleaned.get("text") or "").strip():
            raise ValidationError(_("Paste the notice or choose its file."))
        return cleaned


class RegionFilter(admin.SimpleListFilter):
    title = _("applies to")
    parameter_name = "region"

    def lookups(self, request, model_admin):
        return [("national", _("Nationwide")), ("regional", _("A region"))]

    def queryset(self, request, queryset):
        if self.value() in ("national", "regional"):
            return queryset.filter(branch__isnull=self.value() == "national")
        return queryset


class CalendarOverrideForm(forms.ModelForm):
    """Refuses an override its user may not set (calendar_keepers), with why."""

    user = None  # set by the admin's get_form

    def clean(self):
        cleaned = super().clean()
        if "branch" in cleaned and not may_set_override(self.user, cleaned["branch"]):
            if cleaned["branch"] is None:
                self.add_error(
                    "branch",
                    _(
                        "Only head office sets nationwide holidays and working days: "
                        "choose your branch or one below it."
                    ),
                )
            else:
                self.add_error("branch", OUT_OF_SCOPE)
        return cleaned


OUT_OF_SCOPE = _("This branch is outside your scope: you cannot set its holidays.")


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(VersionedAdminMixin, HistoryAdmin):
    form = CalendarOverrideForm
    fields = ["date", "kind", "branch", "note", "notice"]
    readonly_fields = ["notice"]
    list_display = ["date", "weekday", "kind", "applies_to", "note", "updated_at"]
    list_filter = ["kind", RegionFilter]
    list_select_related = ["branch"]
    date_hierarchy = "date"
    search_fields = ["note", "branch__name", "branch__code"]

    @admin.display(description=_("weekday"))
    def weekday(self, obj):
        return dateformat.format(obj.date, "l")

    @admin.display(description=_("applies to"), ordering="branch__path")
    def applies_to(self, obj):
        return obj.branch or gettext("Nationwide")

    def get_queryset(self, request):
        return visible_overrides(super().get_queryset(request), request.user)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        form.user = request.user
        return form

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "branch":
            field.queryset = override_branches(request.user)
            # A branch posted from outside the choices is refused with why, not as a
            # bare "not one of the available choices".
            field.error_messages["invalid_choice"] = OUT_OF_SCOPE
        return field

    def has_add_permission(self, request):
        return super().has_add_permission(request) and keeps_calendar(request.user)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (
            keeps_calendar(request.user)
            if obj is None
            else may_set_override(request.user, obj.branch)
        )

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and (
            keeps_calendar(request.user)
            if obj is None
            else may_set_override(request.user, obj.branch)
        )

    # Each write tells the apps which days flipped, and where, so that stored deadlines
    # follow: a region's date recounts that region only.
    def save_model(self, request, obj, form, change):
        before = [(form.initial["date"], form.initial["kind"])] if change else []
        was = form.initial.get("branch") if change else obj.branch_id
        super().save_model(request, obj, form, change)
        after = [(obj.date, obj.kind)]
        if was == obj.branch_id:
            overrides_changed(before=before, after=after, branch=obj.branch)
        else:  # moved to another region: gone from the one, new in the other
            overrides_changed(before=before, branch=Branch.objects.filter(pk=was).first())
            overrides_changed(after=after, branch=obj.branch)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        overrides_changed(before=[(obj.date, obj.kind)], branch=obj.branch)

    def delete_queryset(self, request, queryset):
        rows = list(queryset.select_related("branch"))
        super().delete_queryset(request, queryset)
        by_branch = {}
        for row in rows:
            by_branch.setdefault(row.branch_id, (row.branch, []))[1].append((row.date, row.kind))
        for branch, before in by_branch.values():
            overrides_changed(before=before, branch=branch)

    def may_enter_notice(self, request):
        # Applying a notice adds, changes and deletes nationwide overrides: head office's.
        return (
            self.has_add_permission(request)
            and self.has_change_permission(request)
            and self.has_delete_permission(request)
            and may_set_override(request.user, None)
        )

    def get_urls(self):
        return [
            path(
                "notice/",
                self.admin_site.admin_view(self.notice_view),
                name="branchservice_calendaroverride_notice",
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra_context = extra_context or {}
        if self.may_enter_notice(request):
            this_year = timezone.localdate().year
            extra_context["year_statuses"] = [
                calendar_notices.year_status(year) for year in (this_year, this_year + 1)
            ]
        else:
            warn_missing_calendar_years(request)
        return super().changelist_view(request, extra_context)

    def notice_view(self, request):
        if not self.may_enter_notice(request):
            raise PermissionDenied
        next_year = timezone.localdate().year + 1
        draft = CalendarNotice.objects.filter(applied_at__isnull=True, year=next_year).first()
        initial = {"year": next_year, "text": draft.text if draft else ""}
        form = NoticeForm(request.POST or None, request.FILES or None, initial=initial)
        preview = refusals = None
        errors = []
        if request.method == "POST" and form.is_valid():
            text, year = form.cleaned_data["text"], form.cleaned_data["year"]
            if "apply" in request.POST:
                try:
                    applied = calendar_notices.apply_notice(
                        user=request.user,
                        text=text,
                        year=year,
                        fingerprint=form.cleaned_data["fingerprint"],
                    )
                except ValidationError as exc:
                    errors = exc.messages
                else:
                    messages.success(request, _applied_message(year, applied))
                    return HttpResponseRedirect(
                        reverse("admin:branchservice_calendaroverride_changelist")
                    )
            preview = calendar_notices.preview_notice(text, year)
            refusals = calendar_notices.refusals(preview, today=timezone.localdate())
            # The confirm button posts the text as understood, not the file again.
            form = NoticeForm(
                initial={"year": year, "text": text, "fingerprint": preview.fingerprint}
            )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": gettext("Enter a year from the State Council notice"),
            "form": form,
            "preview": preview,
            "refusals": refusals,
            "errors": errors,
            "weekday_names": WEEKDAY_INITIALS,
            "is_sample": preview is not None
            and calendar_notices.SAMPLE_MARK in form.initial["text"],
        }
        return TemplateResponse(
            request, "admin/branchservice/calendaroverride/notice.html", context
        )


def _applied_message(year, applied):
    if not applied.changes:
        return gettext("%(year)s: the calendar already says this; nothing changed.") % {
            "year": year
        }
    return gettext("%(year)s: %(added)s dates added, %(changed)s changed, %(removed)s removed.") % {
        "year": year,
        **applied.counts,
    }


# Roles are declared in roles.py and kept in step by post_migrate; editing a group's
# permissions by hand would be silently undone, so groups are read-only here.
admin.site.unregister(Group)


@admin.register(Group)
class RoleGroupAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["name"]


class ReadOnlyAuditAdminMixin(ViewOnlyAdminMixin):
    """Audit records are evidence: nobody adds, edits or deletes them through the portal."""

    actions = None


class LoginAuditAdminMixin(ReadOnlyAuditAdminMixin):
    """Axes records carry a user name, not a user: scope them through the staff a viewer may
    see. Attempts with unknown user names are seen by head office only."""

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if sees_everything(request.user):
            return queryset
        staff = scope_queryset(User.objects.all(), request.user)
        return queryset.filter(username__in=staff.values("username"))


@admin.register(AccessLog)
class LoginLogAdmin(LoginAuditAdminMixin, AccessLogAdmin):
    pass


@admin.register(AccessFailureLog)
class FailedLoginLogAdmin(LoginAuditAdminMixin, AccessFailureLogAdmin):
    pass


@admin.register(AccessAttempt)
class LoginLockoutAdmin(LoginAuditAdminMixin, AccessAttemptAdmin):
    """Current failure counters. A superuser unlocks someone by deleting their row (or with
    `manage.py axes_reset_username NAME`); nobody else may."""

    def has_delete_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser


@admin.register(FileDownload)
class FileDownloadAdmin(ScopedAdminMixin, ReadOnlyAuditAdminMixin, admin.ModelAdmin):
    list_display = ["downloaded_at", "username", "branch", "filename", "subject", "ip_address"]
    list_filter = ["downloaded_at"]
    search_fields = ["username", "filename", "subject", "branch__name", "branch__code"]
    list_select_related = ["branch"]
    date_hierarchy = "downloaded_at"
