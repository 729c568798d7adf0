"""The one list of rectifications, every source. Nothing is edited in a ModelForm here: each step
(complete, verify, reject, reassign, cancel) has its own page whose form calls the service."""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone, translation
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from branchservice import pii
from branchservice.admin_site import OutletFilter, add_service_errors, is_id
from branchservice.audit import record_download
from branchservice.exports.admin import ExportChangelistMixin
from branchservice.history import FreeTextMaskedHistoryHelper, HistoryAdmin
from branchservice.scoping import ScopedAdminMixin, scope_queryset

from . import services, sources
from .models import OPEN_FIRST, EvidenceFile, Rectification


class OverdueFilter(admin.SimpleListFilter):
    title = _("overdue")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", _("Overdue"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.overdue(timezone.localdate())
        return queryset


class RectificationOutletFilter(OutletFilter):
    field = "outlet"


class _Notes(forms.CharField):
    def __init__(self, label, **kwargs):
        super().__init__(
            label=label, widget=forms.Textarea(attrs={"rows": 4, "cols": 70}), **kwargs
        )


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(item, initial) for item in data]
        return [super().clean(data, initial)] if data else []


class CompleteForm(forms.Form):
    evidence = _Notes(_("Evidence that the action is done"))
    files = MultipleFileField(
        label=_("Photos or scans"), required=False, widget=MultipleFileInput()
    )

    def service_kwargs(self):
        return {"evidence": self.cleaned_data["evidence"], "files": self.cleaned_data["files"]}


class VerifyForm(forms.Form):
    def service_kwargs(self):
        return {}


class RejectForm(forms.Form):
    reason = _Notes(_("Reason the verification was rejected"))

    def service_kwargs(self):
        return {"reason": self.cleaned_data["reason"]}


class CancelForm(RejectForm):
    reason = _Notes(_("Reason for cancelling"))


class ReassignForm(forms.Form):
    owner = forms.ModelChoiceField(label=_("Responsible person"), queryset=None)
    responsible_department = forms.CharField(
        label=_("Responsible department"), max_length=100, required=False
    )
    due_date = forms.DateField(label=_("Due date"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, user, rectification, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = scope_queryset(
            get_user_model().objects.filter(is_active=True), user
        ).order_by("branch__path", "last_name", "first_name")
        self.initial.setdefault("owner", rectification.owner_id)
        self.initial.setdefault("due_date", rectification.due_date)
        self.initial.setdefault("responsible_department", rectification.responsible_department)

    def service_kwargs(self):
        return dict(self.cleaned_data)


STEP_PAGES = {
    "complete": (CompleteForm, services.rectification_complete),
    "verify": (VerifyForm, services.rectification_verify),
    "reject": (RejectForm, services.rectification_reject),
    "reassign": (ReassignForm, services.rectification_reassign),
    "cancel": (CancelForm, services.rectification_cancel),
}


@admin.register(Rectification)
class RectificationAdmin(ScopedAdminMixin, ExportChangelistMixin, HistoryAdmin):
    export_kind = "rectifications"
    scope_via = "outlet"
    change_form_template = "admin/rectifications/rectification/change_form.html"
    list_display = [
        "required_action_short",
        "outlet_name",
        "source_kind",
        "source_label",
        "owner_name",
        "due_date",
        "status",
        "overdue",
    ]
    list_filter = ["source_kind", "status", RectificationOutletFilter, OverdueFilter]
    list_select_related = ["outlet", "owner"]
    search_fields = ["source_label", "required_action", "outlet__code", "outlet__name"]
    fields = [
        "outlet",
        "source_kind",
        "source_label",
        "required_action",
        "responsible_department",
        "owner",
        "due_date",
        "status",
        "raised_by",
        "created_at",
        "evidence",
        "evidence_files",
        "completed_by",
        "completed_at",
        "verified_by",
        "verified_at",
        "rejection_reason",
        "rejected_at",
        "cancel_reason",
        "cancelled_at",
    ]
    readonly_fields = fields
    actions = None
    # Staff type what a customer dictated into these too: searched only by those who see
    # customer data unmasked (DeclaredFiltersOnlyMixin), shown masked to the others.
    personal_data_fields = ("required_action", "evidence", "rejection_reason", "cancel_reason")

    def sees_personal_data(self, request):
        return pii.sees_unmasked(request.user)

    def get_queryset(self, request):
        return sources.for_user(super().get_queryset(request), request.user)

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        # The admin saves what this returns on POST: only a viewer's copy is masked, and
        # those who see data masked (auditors, lobby managers) only view rectifications.
        if obj is not None and not self.has_change_permission(request, obj):
            return pii.free_text_for(request.user, [obj])[0]
        return obj

    def render_history_view(self, request, template, context, **kwargs):
        # The title and breadcrumbs name the rectification by its required action.
        version = context.get("original")  # a past version's page (history_form_view)
        if version is not None and not pii.sees_unmasked(request.user):
            # A throwaway instance built from the history row (the page answers GET only):
            # masked in place, since the form and its read-only fields show this very object.
            version.__dict__.update(pii.masked_free_text(version).__dict__)
            context = {**context, "title": self.history_form_view_title(request, version)}
        obj = context.get("object")
        if obj is not None and not self.has_change_permission(request, obj):
            masked = pii.free_text_for(request.user, [obj])[0]
            context = {
                **context,
                "object": masked,
                "title": self.history_view_title(request, masked),
            }
            # Each version is named after its own required action too.
            page = context["page_obj"]
            page.object_list = pii.free_text_for(request.user, page.object_list)
        return super().render_history_view(request, template, context, **kwargs)

    def get_historical_record_context_helper(self, request, historical_record):
        if pii.sees_unmasked(request.user):
            return super().get_historical_record_context_helper(request, historical_record)
        return FreeTextMaskedHistoryHelper(self.model, historical_record)

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        changelist.result_list = pii.free_text_for(request.user, changelist.result_list)
        return changelist

    def get_ordering(self, request):
        return [OPEN_FIRST, "due_date", "pk"]

    def has_add_permission(self, request):
        # Raised from their finding (a complaint's reply, a checklist), never from nothing.
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("required action"))
    def required_action_short(self, obj):
        return obj.required_action[:40]

    # Names only: the list must fit a 1366-pixel laptop beside its filters.
    @admin.display(description=_("outlet"), ordering="outlet__path")
    def outlet_name(self, obj):
        return obj.outlet.name

    @admin.display(description=_("responsible person"), ordering="owner__last_name")
    def owner_name(self, obj):
        return obj.owner.get_full_name() or obj.owner.username

    @admin.display(description=_("past due"), boolean=True)
    def overdue(self, obj):
        return obj.is_overdue()

    @admin.display(description=_("evidence files"))
    def evidence_files(self, obj):
        return format_html_join(
            ", ",
            '<a href="{}">{}</a>',
            (
                (
                    reverse("admin:rectifications_rectification_file", args=[obj.pk, f.pk]),
                    f.original_name,
                )
                for f in obj.files.all()
            ),
        ) or format_html("{}", "-")

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path(
                "<path:object_id>/step/<str:step>/",
                wrap(self.step_view),
                name="rectifications_rectification_step",
            ),
            path(
                "<path:object_id>/print/",
                wrap(self.print_view),
                name="rectifications_rectification_print",
            ),
            path(
                "<path:object_id>/files/<int:file_id>/",
                wrap(self.file_view),
                name="rectifications_rectification_file",
            ),
            *super().get_urls(),
        ]

    def _rectification(self, request, object_id) -> Rectification:
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        if not is_id(unquote(object_id)):  # …/abc/print/ is not found, not a query error
            raise Http404
        return get_object_or_404(self.get_queryset(request), pk=unquote(object_id))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self._rectification(request, object_id)
        steps = [
            {
                "label": step.label,
                "url": reverse("admin:rectifications_rectification_step", args=[obj.pk, step.name]),
            }
            for step in services.allowed_steps(obj, request.user)
        ]
        extra_context = {
            **(extra_context or {}),
            "steps": steps,
            "print_url": reverse("admin:rectifications_rectification_print", args=[obj.pk]),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def step_view(self, request, object_id, step):
        obj = self._rectification(request, object_id)
        if step not in STEP_PAGES:
            raise Http404
        if step not in {s.name for s in services.allowed_steps(obj, request.user)}:
            raise PermissionDenied
        form_class, service = STEP_PAGES[step]
        extra = {"user": request.user, "rectification": obj} if form_class is ReassignForm else {}
        form = form_class(request.POST or None, request.FILES or None, **extra)
        change_url = reverse("admin:rectifications_rectification_change", args=[obj.pk])
        if request.method == "POST" and form.is_valid():
            try:
                service(user=request.user, rectification=obj, **form.service_kwargs())
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(
                    request, _("%(step)s: done.") % {"step": services.STEPS[step].label}
                )
                return HttpResponseRedirect(change_url)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": services.STEPS[step].label,
            "original": obj,
            "form": form,
            "change_url": change_url,
        }
        return TemplateResponse(request, "admin/rectifications/rectification/step.html", context)

    def print_view(self, request, object_id):
        """整改通知单: the notice handed to the outlet, signed for, and filed with the evidence."""
        obj = self._rectification(request, object_id)
        context = {
            # Numbers typed into the free text are masked for those without unmasked access.
            "rectification": pii.free_text_for(request.user, [obj])[0],
            "bank": obj.outlet.bank_name(),
            "printed_at": timezone.now(),
        }
        return TemplateResponse(request, "admin/rectifications/rectification/print.html", context)

    def file_view(self, request, object_id, file_id):
        obj = self._rectification(request, object_id)
        stored = get_object_or_404(EvidenceFile, pk=file_id, rectification=obj)
        # Stored in the audit log: in the bank's language, whatever the downloader's.
        with translation.override(settings.LANGUAGE_CODE):
            subject = _("Evidence of rectification %(id)s") % {"id": obj.pk}
        record_download(
            request=request, filename=stored.original_name, branch=obj.outlet, subject=str(subject)
        )
        return FileResponse(
            stored.file.open("rb"),
            as_attachment=True,
            filename=stored.original_name,
            content_type=stored.content_type,
        )
