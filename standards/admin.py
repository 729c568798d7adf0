from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from branchservice.admin_site import OutletFilter, ViewOnlyAdminMixin
from branchservice.exports.admin import ExportChangelistMixin
from branchservice.history import HistoryAdmin
from branchservice.models import Branch
from branchservice.scoping import ScopedAdminMixin

from . import manual, selectors, services
from .forms import EVIDENCE, ManualMappingForm, ManualUploadForm
from .models import (
    CatalogueImport,
    Checklist,
    ChecklistAnswer,
    ChecklistEvent,
    ChecklistTemplate,
    MissedChecklistExcuse,
    ServiceProcess,
    StandardScenario,
    TemplateItem,
    TemplateSection,
    TemplateVersion,
    VersionItem,
)

# --- catalogue and templates (bank-wide reference data, not branch-owned) ----------------------


class StandardScenarioInline(admin.StackedInline):
    model = StandardScenario
    extra = 0
    fields = [
        "number",
        "title",
        "situation",
        "expected_action",
        "standard_phrase",
        "responsible_roles",
        "key_control_points",
        "is_active",
    ]

    def get_queryset(self, request):
        # Earlier revisions are what published versions show, not the process's scenarios.
        return super().get_queryset(request).filter(is_current=True)

    def has_change_permission(self, request, obj=None):
        # Added here, changed on the scenario's own page (as a new revision).
        return False


@admin.register(ServiceProcess)
class ServiceProcessAdmin(HistoryAdmin):
    list_display = ["name", "code", "position"]
    inlines = [StandardScenarioInline]


@admin.register(StandardScenario)
class StandardScenarioAdmin(HistoryAdmin):
    list_display = [
        "__str__",
        "process",
        "standard_phrase",
        "responsible_roles",
        "revision",
        "is_current",
        "is_active",
    ]
    list_filter = ["process", "is_current", "is_active"]
    list_select_related = ["process"]
    readonly_fields = ["revision", "is_current"]
    search_fields = ["title", "situation", "expected_action", "standard_phrase"]

    def get_readonly_fields(self, request, obj=None):
        # A number is the scenario's identity across its revisions.
        return [*self.readonly_fields, "number"] if obj else self.readonly_fields

    def save_model(self, request, obj, form, change):
        wording = [name for name in manual.ManualField if name != manual.ManualField.PROCESS]
        if not change or not set(form.changed_data) & {"process", *wording}:
            return super().save_model(request, obj, form, change)
        old = StandardScenario.objects.get(pk=obj.pk)
        if old.is_active != obj.is_active:
            old.is_active = obj.is_active
            old.save(update_fields=["is_active"])
        services.scenario_revise(
            scenario=old,
            process=obj.process,
            **{name: getattr(obj, name) for name in wording if name in form.cleaned_data},
        )


@admin.register(CatalogueImport)
class CatalogueImportAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    """Upload the bank's manual → map its columns, with a preview of every row → import it
    (all rows or none); the page of an import says what it changed."""

    list_display = [
        "uploaded_at",
        "original_name",
        "status",
        "created_scenarios",
        "revised_scenarios",
        "unchanged_scenarios",
        "uploaded_by",
    ]
    list_filter = ["status"]
    list_select_related = ["uploaded_by"]
    fields = [
        "original_name",
        "status",
        "created_scenarios",
        "revised_scenarios",
        "unchanged_scenarios",
        "drafts_to_publish",
        "uploaded_by",
        "uploaded_at",
        "imported_at",
    ]
    readonly_fields = fields
    change_list_template = "admin/standards/catalogueimport/change_list.html"

    def has_upload_permission(self, request):
        return request.user.has_perm(services.IMPORT_PERMISSION)

    @admin.display(description=_("drafts to publish"))
    def drafts_to_publish(self, obj):
        return "、".join(obj.changed_drafts) or "—"

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("upload/", view(self.upload_view), name="standards_catalogueimport_upload"),
            path("<int:pk>/map/", view(self.map_view), name="standards_catalogueimport_map"),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "can_upload": self.has_upload_permission(request)}
        return super().changelist_view(request, extra_context)

    def _page(self, request, template, title, **extra):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": title,
            **extra,
        }
        return TemplateResponse(request, f"admin/standards/catalogueimport/{template}", context)

    def upload_view(self, request):
        if not self.has_upload_permission(request):
            raise PermissionDenied
        form = ManualUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                record = services.catalogue_import_upload(
                    upload=form.cleaned_data["file"], by=request.user
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                return redirect("admin:standards_catalogueimport_map", record.pk)
        return self._page(request, "upload.html", _("Import the service manual"), form=form)

    def map_view(self, request, pk):
        if not self.has_upload_permission(request):
            raise PermissionDenied
        record = CatalogueImport.objects.filter(pk=pk).first()
        if record is None:
            raise Http404
        if record.status != CatalogueImport.Status.UPLOADED:
            return redirect("admin:standards_catalogueimport_change", record.pk)
        try:
            headers = services.open_catalogue_import(record).headers
        finally:
            record.file.close()
        last = (
            CatalogueImport.objects.filter(status=CatalogueImport.Status.IMPORTED)
            .order_by("-imported_at")
            .first()
        )
        guessed = manual.guess_columns(headers, last.columns if last else None)
        form = ManualMappingForm(request.POST or None, headers=headers, initial_columns=guessed)
        columns = guessed
        if request.method == "POST" and form.is_valid():
            columns = form.columns()
            if "import" in request.POST:
                try:
                    services.catalogue_import(
                        catalogue_import=record, columns=columns, by=request.user
                    )
                except ValidationError as exc:
                    form.add_error(None, exc)
                else:
                    self.message_user(request, _("The manual was imported."))
                    return redirect("admin:standards_catalogueimport_change", record.pk)
        plan = services.catalogue_import_preview(catalogue_import=record, columns=columns)
        used = set(columns.values())
        return self._page(
            request,
            "map.html",
            _("Map the columns of %(file)s") % {"file": record.original_name},
            record=record,
            form=form,
            rows=plan.rows,
            problems=plan.errors,
            counts={
                "new": plan.count(manual.ManualRow.NEW),
                "revised": plan.count(manual.ManualRow.REVISED),
                "unchanged": plan.count(manual.ManualRow.UNCHANGED),
                "errors": plan.error_rows,
            },
            ignored=[h for h in headers if h and h not in used],
        )


class TemplateSectionInline(admin.TabularInline):
    model = TemplateSection
    extra = 0
    fields = ["position", "title", "part", "edit_items"]
    readonly_fields = ["edit_items"]
    show_change_link = True

    @admin.display(description=_("items"))
    def edit_items(self, section):
        if not section.pk:
            return ""
        url = reverse("admin:standards_templatesection_change", args=[section.pk])
        return format_html('<a href="{}">{}</a>', url, _("Edit items"))


@admin.register(ChecklistTemplate)
class ChecklistTemplateAdmin(HistoryAdmin):
    list_display = ["name", "code", "kind", "current_version", "is_active"]
    list_filter = ["kind", "is_active"]
    list_select_related = ["current_version__template"]
    readonly_fields = ["current_version"]
    inlines = [TemplateSectionInline]
    actions = ["publish"]

    @admin.action(description=_("Publish the draft as a new version"), permissions=["change"])
    def publish(self, request, queryset):
        for template in queryset:
            try:
                version = services.template_publish(template=template, by=request.user)
            except ValidationError as exc:
                self.message_user(request, f"{template}: {' '.join(exc.messages)}", messages.ERROR)
            else:
                self.message_user(request, _("Published: %(version)s") % {"version": version})


class TemplateItemInline(admin.StackedInline):
    model = TemplateItem
    extra = 0
    autocomplete_fields = ["scenario"]
    fields = [
        ("position", "text"),
        "scenario",
        ("answer_type", "max_score", "weight"),
        ("is_critical", "failure_needs_comment", "failure_needs_photo"),
    ]


@admin.register(TemplateSection)
class TemplateSectionAdmin(HistoryAdmin):
    list_display = ["title", "template", "part", "position"]
    list_filter = ["template"]
    list_select_related = ["template"]
    inlines = [TemplateItemInline]


class VersionItemInline(admin.TabularInline):
    model = VersionItem
    extra = 0
    fields = ["section", "text", "answer_type", "max_score", "weight", "is_critical"]
    readonly_fields = fields
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("section")

    def has_add_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("standards.view_templateversion")


@admin.register(TemplateVersion)
class TemplateVersionAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    """Published versions are a record: they are looked at, never changed."""

    list_display = ["template", "number", "published_at", "published_by", "note"]
    list_filter = ["template"]
    list_select_related = ["template", "published_by"]
    inlines = [VersionItemInline]


# --- filled checklists --------------------------------------------------------------------------


class ScoreBandFilter(admin.SimpleListFilter):
    title = _("score band")
    parameter_name = "score_band"
    BANDS = {
        "lt60": (_("below 60%"), Q(score__lt=60)),
        "60-80": (_("60% to 80%"), Q(score__gte=60, score__lt=80)),
        "80-95": (_("80% to 95%"), Q(score__gte=80, score__lt=95)),
        "ge95": (_("95% and above"), Q(score__gte=95)),
    }

    def lookups(self, request, model_admin):
        return [(key, label) for key, (label, _q) in self.BANDS.items()]

    def queryset(self, request, queryset):
        band = self.BANDS.get(self.value())
        return queryset.filter(band[1]) if band else queryset


class CriticalFailuresFilter(admin.SimpleListFilter):
    title = _("critical failures")
    parameter_name = "critical"

    def lookups(self, request, model_admin):
        return [("yes", _("With critical failures")), ("no", _("Without"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.with_critical_failures()
        if self.value() == "no":
            return queryset.filter(critical_failures=0)
        return queryset


class ReadOnlyChecklistInline(admin.TabularInline):
    """Rows of a checklist shown on its (read-only) page to whoever may see the checklist."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("standards.view_checklist")


class ChecklistAnswerInline(ReadOnlyChecklistInline):
    model = ChecklistAnswer
    fields = ["item", "result", "score", "passed_mark", "comment", "evidence_links"]
    readonly_fields = fields

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("item__section")
            .order_by("item__section__position", "item__position")
        )

    # The stored flag is "failed": shown as a boolean it put a green tick on every failure.
    @admin.display(description=_("passed"), boolean=True)
    def passed_mark(self, answer):
        return answer.passed

    @admin.display(description=_("evidence"))
    def evidence_links(self, answer):
        links = [
            format_html(
                '<a href="{}" target="_blank">{}</a>',
                reverse(evidence.url_name, args=[answer.checklist_id, answer.item_id]),
                evidence.label,
            )
            for evidence in EVIDENCE
            if getattr(answer, evidence.kind)
        ]
        return format_html_join(" · ", "{}", ((link,) for link in links))


class ChecklistEventInline(ReadOnlyChecklistInline):
    model = ChecklistEvent
    fields = ["action", "at", "by", "note"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("by")


class ReviewForm(forms.Form):
    note = forms.CharField(
        label=_("Note or reason"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=_("A reason is required to reopen."),
    )
    raise_actions_for = forms.ModelMultipleChoiceField(
        label=_("Raise rectifications for these failures"),
        queryset=ChecklistAnswer.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, checklist, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["raise_actions_for"]
        field.queryset = (
            ChecklistAnswer.objects.filter(checklist=checklist, failed=True)
            .exclude(rectifications__isnull=False)
            .select_related("item")
        )

    def visible_fields(self):
        # The picks are ticked in the failures table, one beside each failure, not listed again
        # below it (plain_form_fields renders the rest).
        return [field for field in super().visible_fields() if field.name != "raise_actions_for"]


@admin.register(Checklist)
class ChecklistAdmin(ScopedAdminMixin, ExportChangelistMixin, ViewOnlyAdminMixin, admin.ModelAdmin):
    """Review of filled checklists. Nobody edits one here: the outlet head signs it off or
    reopens it (with a reason) on the review page, which calls the services."""

    export_kind = "checklists"

    # The review link leads: at the end of ten columns it sat off screen on a 1366 px laptop.
    list_display = [
        "review_link",
        "business_date",
        "branch",
        "template",
        "status",
        "score",
        "critical_failures",
        "submitted_at",
        "submitted_by",
        "reviewed_by",
    ]
    list_display_links = ["business_date"]
    list_filter = [
        OutletFilter,
        ("business_date", admin.DateFieldListFilter),
        "template",
        "status",
        ScoreBandFilter,
        CriticalFailuresFilter,
    ]
    list_select_related = ["branch", "template", "submitted_by", "reviewed_by"]
    date_hierarchy = "business_date"
    # The list stays one page query plus a count even with millions of answers behind it.
    show_full_result_count = False
    search_fields = ["branch__code", "branch__name"]
    fields = [
        "branch",
        "business_date",
        "template_version",
        "status",
        "score",
        "failed_items",
        "critical_failures",
        "submitted_at",
        "submitted_by",
        "reviewed_at",
        "reviewed_by",
        "review_note",
        "review_link",
    ]
    readonly_fields = fields
    inlines = [ChecklistAnswerInline, ChecklistEventInline]
    actions = ["sign_off"]

    def get_queryset(self, request):
        return super().get_queryset(request).seen_by(request.user)

    @admin.display(description=_("review"))
    def review_link(self, checklist):
        if not checklist.is_done:
            return ""
        url = reverse("admin:standards_checklist_review", args=[checklist.pk])
        return format_html('<a href="{}">{}</a>', url, _("Review"))

    def get_urls(self):
        review = path(
            "<int:pk>/review/",
            self.admin_site.admin_view(self.review_view),
            name="standards_checklist_review",
        )
        return [review, *super().get_urls()]

    def has_review_permission(self, request):
        return request.user.has_perm("standards.review_checklist")

    @admin.action(description=_("Sign off selected submitted checklists"), permissions=["review"])
    def sign_off(self, request, queryset):
        done = 0
        for checklist in queryset.filter(status=Checklist.Status.SUBMITTED):
            services.checklist_sign_off(checklist=checklist, by=request.user)
            done += 1
        self.message_user(request, _("%(count)s checklists signed off.") % {"count": done})

    def review_view(self, request, pk):
        if not self.has_review_permission(request):
            raise PermissionDenied
        checklist = self.get_queryset(request).filter(pk=pk).first()
        if checklist is None:
            raise Http404
        form = ReviewForm(request.POST or None, checklist=checklist)
        if request.method == "POST" and form.is_valid():
            note = form.cleaned_data["note"]
            try:
                if "reopen" in request.POST:
                    services.checklist_reopen(checklist=checklist, by=request.user, reason=note)
                    self.message_user(request, _("The checklist was reopened."))
                elif checklist.status == Checklist.Status.REVIEWED:
                    services.checklist_rectifications_raise(
                        checklist=checklist,
                        answers=form.cleaned_data["raise_actions_for"],
                        by=request.user,
                    )
                    self.message_user(request, _("Rectifications raised."))
                else:
                    services.checklist_sign_off(
                        checklist=checklist,
                        by=request.user,
                        note=note,
                        raise_actions_for=form.cleaned_data["raise_actions_for"],
                    )
                    self.message_user(request, _("The checklist was signed off."))
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                # Back to the same page, which now shows the new status and rectifications.
                return redirect("admin:standards_checklist_review", checklist.pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Review %(checklist)s") % {"checklist": checklist},
            "checklist": checklist,
            "review": selectors.checklist_review(checklist=checklist),
            "form": form,
        }
        return TemplateResponse(request, "admin/standards/checklist/review.html", context)


# --- excused missed days ---------------------------------------------------------------------


class MissedChecklistExcuseForm(forms.ModelForm):
    """Checks the excuse with the service's rules before the admin saves it."""

    class Meta:
        model = MissedChecklistExcuse
        fields = ["branch", "business_date", "reason"]

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            try:
                services.missed_checklist_excuse_check(
                    branch=cleaned["branch"],
                    business_date=cleaned["business_date"],
                    reason=cleaned["reason"],
                )
            except ValidationError as exc:
                self.add_error(None, exc)
        return cleaned


@admin.register(MissedChecklistExcuse)
class MissedChecklistExcuseAdmin(ScopedAdminMixin, HistoryAdmin):
    form = MissedChecklistExcuseForm
    list_display = ["business_date", "branch", "reason", "excused_by", "excused_at"]
    list_filter = [OutletFilter, ("business_date", admin.DateFieldListFilter)]
    list_select_related = ["branch", "excused_by"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "branch":
            field.queryset = field.queryset.filter(level=Branch.Level.OUTLET)
        return field

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        saved = services.missed_checklist_excuse(
            branch=obj.branch, business_date=obj.business_date, reason=obj.reason, by=request.user
        )
        obj.pk = saved.pk
