import datetime as dt
from urllib.parse import urlencode

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from branchservice.admin_site import IdListFilter, ViewOnlyAdminMixin
from branchservice.exports.admin import ExportChangelistMixin
from branchservice.history import HistoryAdmin
from branchservice.models import Branch
from branchservice.scoping import ScopedAdminMixin, can_see_branch, visible_branches

from . import importing, selectors, services
from .catalogue import PLACEHOLDER_NOTE
from .forms import FindingForm, MappingForm, ResultsForm, TimingForm, UploadForm, month_start
from .models import (
    ColumnMapping,
    Finding,
    Teller,
    Ticket,
    TicketImport,
    TimeStandard,
    TransactionGroup,
    TransactionType,
)
from .templatetags.servicetimes import clock

# --- the standard table (bank-wide reference data) -------------------------------------------


class TransactionTypeInline(admin.TabularInline):
    model = TransactionType
    extra = 0
    fields = ["position", "code", "name", "aliases", "is_active"]


@admin.register(TransactionGroup)
class TransactionGroupAdmin(HistoryAdmin):
    list_display = ["name", "code", "position"]
    inlines = [TransactionTypeInline]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(TransactionType)
class TransactionTypeAdmin(HistoryAdmin):
    list_display = ["name", "code", "group", "standard_today", "is_active"]
    list_filter = ["group", "is_active"]
    list_select_related = ["group"]
    search_fields = ["name", "code", "aliases"]

    @admin.display(description=_("standard in force today"))
    def standard_today(self, kind):
        standard = (
            TimeStandard.objects.filter(transaction_type=kind)
            .in_force_on(timezone.localdate())
            .first()
        )
        if standard is None:
            return "—"
        return _("%(handling)s s handling, %(wait)s s waiting") % {
            "handling": standard.handling_seconds,
            "wait": standard.target_wait_seconds,
        }

    def has_delete_permission(self, request, obj=None):
        return False


class TimeStandardPlaceholderFilter(admin.SimpleListFilter):
    title = _("figures")
    parameter_name = "placeholder"

    def lookups(self, request, model_admin):
        return [("yes", _("Illustrative, still to be set by the bank"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(note=PLACEHOLDER_NOTE)
        return queryset


@admin.register(TimeStandard)
class TimeStandardAdmin(HistoryAdmin):
    """Versions of the standard. Saving one re-judges the tickets it governs (the service)."""

    list_display = [
        "transaction_type",
        "effective_from",
        "handling_seconds",
        "target_wait_seconds",
        "note",
    ]
    list_filter = [TimeStandardPlaceholderFilter, "transaction_type__group", "transaction_type"]
    list_select_related = ["transaction_type__group"]
    date_hierarchy = "effective_from"

    def changelist_view(self, request, extra_context=None):
        if TimeStandard.objects.filter(note=PLACEHOLDER_NOTE).exists():
            messages.warning(
                request,
                _(
                    "Some time standards are still the illustrative defaults shipped with the "
                    "portal. They are the bank's to set: add a version of each with the bank's "
                    "own figures and the date they take effect."
                ),
            )
        return super().changelist_view(request, extra_context)

    def save_model(self, request, obj, form, change):
        services.time_standard_save(standard=obj, by=request.user)

    def has_delete_permission(self, request, obj=None):
        # Tickets were judged against it: a version is corrected, or superseded, not removed.
        return False


# --- outlets' tellers, imports and tickets -------------------------------------------------------


class OutletFilter(IdListFilter):
    """The outlets the user may see (a plain related filter lists every branch of the bank)."""

    title = _("outlet")
    parameter_name = "outlet"

    def lookups(self, request, model_admin):
        outlets = visible_branches(request.user).filter(level=Branch.Level.OUTLET)
        return [(str(pk), name) for pk, name in outlets.values_list("pk", "name")]

    def queryset(self, request, queryset):
        return queryset.filter(branch_id=self.value()) if self.value() else queryset


class OutletOnlyMixin:
    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "branch":
            field.queryset = field.queryset.filter(level=Branch.Level.OUTLET)
        return field


@admin.register(Teller)
class TellerAdmin(OutletOnlyMixin, ScopedAdminMixin, HistoryAdmin):
    """The outlet's tellers as its queue system numbers them: an import matches these."""

    list_display = ["code", "name", "branch", "user", "is_active"]
    list_filter = [OutletFilter, "is_active"]
    list_select_related = ["branch", "user"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["user"]

    def has_delete_permission(self, request, obj=None):
        return False


class PageMixin:
    """The admin's frame for a page of its own (upload, mapping, results, timing)."""

    def page_context(self, request, title, **extra):
        return {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": title,
            **extra,
        }


@admin.register(TicketImport)
class TicketImportAdmin(PageMixin, ScopedAdminMixin, ViewOnlyAdminMixin, admin.ModelAdmin):
    """Upload → map the columns (with a preview) → import; the page of an import shows its
    progress, or the rows that stopped it."""

    list_display = [
        "uploaded_at",
        "branch",
        "original_name",
        "status",
        "tickets",
        "error_count",
        "date_from",
        "date_to",
        "uploaded_by",
    ]
    list_filter = [OutletFilter, "status"]
    list_select_related = ["branch", "uploaded_by"]
    fields = [
        "branch",
        "original_name",
        "status",
        "progress",
        "tickets",
        "date_from",
        "date_to",
        "error_count",
        "error_rows",
        "uploaded_by",
        "uploaded_at",
        "finished_at",
    ]
    readonly_fields = fields
    change_form_template = "admin/servicetimes/ticketimport/change_form.html"
    change_list_template = "admin/servicetimes/ticketimport/change_list.html"

    def has_upload_permission(self, request):
        return request.user.has_perm("servicetimes.add_ticketimport")

    @admin.display(description=_("progress"))
    def progress(self, obj):
        if obj.status == TicketImport.Status.RUNNING:
            return _("%(done)s rows checked") % {"done": f"{obj.rows_done:,}"}
        return f"{obj.rows_done:,} / {obj.rows_total:,}" if obj.rows_total else "—"

    @admin.display(description=_("errors"))
    def error_rows(self, obj):
        if not obj.errors:
            return "—"
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td></tr>",
            ((number or "—", message) for number, message in obj.errors),
        )
        return format_html(
            '<table class="import-errors"><thead><tr><th>{}</th><th>{}</th></tr></thead>'
            "<tbody>{}</tbody></table>",
            _("Row"),
            _("What is wrong"),
            rows,
        )

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("upload/", view(self.upload_view), name="servicetimes_ticketimport_upload"),
            path("<int:pk>/map/", view(self.map_view), name="servicetimes_ticketimport_map"),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "can_upload": self.has_upload_permission(request)}
        return super().changelist_view(request, extra_context)

    def upload_view(self, request):
        if not self.has_upload_permission(request):
            raise PermissionDenied
        form = UploadForm(request.POST or None, request.FILES or None, user=request.user)
        if request.method == "POST" and form.is_valid():
            try:
                ticket_import = services.ticket_import_upload(
                    branch=form.cleaned_data["branch"],
                    upload=form.cleaned_data["file"],
                    by=request.user,
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                return redirect("admin:servicetimes_ticketimport_map", ticket_import.pk)
        context = self.page_context(request, _("Import a queue system file"), form=form)
        return TemplateResponse(request, "admin/servicetimes/ticketimport/upload.html", context)

    def map_view(self, request, pk):
        if not self.has_upload_permission(request):
            raise PermissionDenied
        ticket_import = self.get_queryset(request).filter(pk=pk).first()
        if ticket_import is None:
            raise Http404
        if ticket_import.status != TicketImport.Status.UPLOADED:
            return redirect("admin:servicetimes_ticketimport_change", ticket_import.pk)
        try:
            headers = services.open_import(ticket_import).headers
        finally:
            ticket_import.file.close()
        saved = ColumnMapping.objects.filter(branch=ticket_import.branch).first()
        guessed = importing.guess_columns(headers, saved.columns if saved else None)
        form = MappingForm(request.POST or None, headers=headers, initial_columns=guessed)
        columns = guessed
        if request.method == "POST" and form.is_valid():
            columns = form.columns()
            if "import" in request.POST:
                try:
                    ticket_import = services.ticket_import_start(
                        ticket_import=ticket_import, columns=columns, by=request.user
                    )
                except ValidationError as exc:
                    form.add_error(None, exc)
                else:
                    return redirect("admin:servicetimes_ticketimport_change", ticket_import.pk)
        problems = importing.column_errors(columns, headers)
        rows = (
            []
            if problems
            else services.ticket_import_preview(ticket_import=ticket_import, columns=columns)
        )
        used = set(columns.values())
        context = self.page_context(
            request,
            _("Map the columns of %(file)s") % {"file": ticket_import.original_name},
            ticket_import=ticket_import,
            form=form,
            problems=problems,
            rows=rows,
            ignored=[h for h in headers if h and h not in used],
            saved=saved,
        )
        return TemplateResponse(request, "admin/servicetimes/ticketimport/map.html", context)


@admin.register(Ticket)
class TicketAdmin(
    PageMixin, ScopedAdminMixin, ExportChangelistMixin, ViewOnlyAdminMixin, admin.ModelAdmin
):
    """Every ticket as imported (or timed): looked at and exported, never edited. The results
    page summarises them per outlet, teller and transaction type."""

    export_kind = "tickets"
    list_display = [
        "business_date",
        "branch",
        "ticket_number",
        "transaction_type",
        "teller",
        "issued_at",
        "called_at",
        "finished_at",
        "wait_seconds",
        "handling_seconds",
        "source",
    ]
    list_filter = [
        OutletFilter,
        "source",
        "transaction_type",
        ("business_date", admin.DateFieldListFilter),
    ]
    list_select_related = ["branch", "transaction_type", "teller"]
    date_hierarchy = "business_date"
    # Millions of rows: one page query, no full count.
    show_full_result_count = False
    search_fields = ["ticket_number", "teller__code"]
    change_list_template = "admin/servicetimes/ticket/change_list.html"

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("results/", view(self.results_view), name="servicetimes_ticket_results"),
            path("time/", view(self.timing_view), name="servicetimes_ticket_time"),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "can_time": self._can_time(request)}
        return super().changelist_view(request, extra_context)

    def _can_time(self, request):
        return request.user.has_perm("servicetimes.add_ticket")

    def timing_view(self, request):
        """The tablet's stopwatch: an outlet head or inspector times a transaction at the
        counter (start, stop, type, teller); the page then offers the next timing."""
        if not self._can_time(request):
            raise PermissionDenied
        form = TimingForm(request.POST or None, user=request.user, initial=request.GET.dict())
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                timed = services.ticket_time(by=request.user, **data)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                standard = timed.standard.handling_seconds if timed.standard else None
                self.message_user(
                    request,
                    _("Timed: %(type)s by %(teller)s, %(time)s (standard %(standard)s).")
                    % {
                        "type": timed.transaction_type,
                        "teller": timed.teller,
                        "time": clock(timed.handling_seconds),
                        "standard": clock(standard),
                    },
                    messages.SUCCESS if standard is None or timed.handling_seconds <= standard
                    else messages.WARNING,
                )  # fmt: skip
                # The next timing keeps the outlet and the teller: one tap to start again.
                query = urlencode({"branch": data["branch"].pk, "teller": data["teller"].pk})
                return redirect(f"{request.path}?{query}")
        today = timezone.localdate()
        timed_today = (
            Ticket.objects.filter(
                branch__in=form.fields["branch"].queryset,
                business_date=today,
                source=Ticket.Source.MANUAL,
            )
            .select_related("branch", "transaction_type", "teller", "standard")
            .order_by("-called_at")[:20]
        )
        context = self.page_context(
            request, _("Time a transaction"), form=form, timed_today=timed_today
        )
        return TemplateResponse(request, "admin/servicetimes/ticket/time.html", context)

    def results_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = ResultsForm(request.GET or None, user=request.user)
        scope = visible_branches(request.user).order_by("level", "path").first()
        today = timezone.localdate()
        period = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
        if form.is_valid():
            scope = form.cleaned_data["scope"] or scope
            period = month_start(form.cleaned_data["period"], period)
        if scope is None or not can_see_branch(request.user, scope):
            raise PermissionDenied
        date_to = selectors.month_end(period)
        context = self._context_for(request, scope, period)
        if scope.is_outlet:
            finding_form, recorded = self._finding(request, scope, period)
            if recorded:
                return redirect(request.get_full_path())
            context.update(
                results=selectors.outlet_results(outlet=scope, date_from=period, date_to=date_to),
                finding_form=finding_form,
                findings=Finding.objects.filter(branch=scope, period=period)
                .select_related("transaction_type", "teller", "recorded_by")
                .prefetch_related("rectifications"),
            )
        else:
            context["league"] = selectors.outlet_league(
                scope=scope, date_from=period, date_to=date_to
            )
        context["form"] = form
        return TemplateResponse(request, "admin/servicetimes/ticket/results.html", context)

    def _context_for(self, request, scope, period):
        title = _("Time limits and waiting: %(scope)s, %(month)s") % {
            "scope": scope.name,
            "month": f"{period:%Y-%m}",
        }
        return {
            **self.page_context(request, title),
            "scope": scope,
            "period": period,
            "training_min_count": selectors.TRAINING_NEED_MIN_COUNT,
            "training_share": selectors.TRAINING_NEED_SHARE,
            "gap_share": selectors.LARGE_GAP_SHARE,
            "export_url": reverse("admin:servicetimes_ticket_export")
            + f"?business_date__year={period.year}&business_date__month={period.month}"
            + f"&outlet={scope.pk}" * scope.is_outlet,
        }

    def _finding(self, request, outlet, period):
        """The page's finding form (None without the permission), and whether a posted
        finding was recorded."""
        if not request.user.has_perm("servicetimes.add_finding"):
            return None, False
        if request.method != "POST":
            return FindingForm(outlet=outlet), False
        form = FindingForm(request.POST, outlet=outlet)
        if form.is_valid():
            try:
                services.finding_record(
                    branch=outlet, period=period, by=request.user, **form.cleaned_data
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                self.message_user(request, _("The finding was recorded."))
                return None, True
        return form, False


@admin.register(Finding)
class FindingAdmin(ScopedAdminMixin, ViewOnlyAdminMixin, HistoryAdmin):
    """Findings are recorded on the results page of an outlet and month."""

    list_display = ["period", "branch", "cause", "transaction_type", "teller", "recorded_by"]
    list_filter = [OutletFilter, "cause"]
    list_select_related = ["branch", "transaction_type", "teller", "recorded_by"]
    fields = [
        "branch",
        "period",
        "cause",
        "transaction_type",
        "teller",
        "description",
        "recorded_by",
        "recorded_at",
    ]
    readonly_fields = fields
