"""The complaint register in the admin site.

The admin is an interface over `complaints.services`: registration and edits go through
save_model → service, every workflow step is a small page (one form, one service call) reached
from a button that appears only when `complaints.workflow` allows the move for this user.
"""

import json

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import quote
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Max, Min
from django.http import FileResponse, Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.functional import cached_property
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from branchservice import pii
from branchservice.admin_site import IdListFilter, add_service_errors, is_id
from branchservice.audit import record_download
from branchservice.concurrency import VersionedAdminMixin
from branchservice.exports.admin import ExportChangelistMixin
from branchservice.history import FreeTextMaskedHistoryHelper, HistoryAdmin
from branchservice.models import Branch
from branchservice.roles import is_complaint_handler
from branchservice.scoping import ScopedAdminMixin, scope_queryset, visible_branches

from . import forms, selectors, services
from .codetable import code_table_plan
from .deadlines import WATCHED_LABELS, watched_states
from .models import (
    OPEN_FIRST,
    Attachment,
    BusinessCategory,
    BusinessChannel,
    Complaint,
    ComplaintReason,
    DeadlinePolicy,
    DeadlineStatus,
)
from .workflow import Move, allowed_moves, may, may_make, reply_refusal

# Each move's page: its form and the service it calls with the form's data.
MOVE_PAGES = {
    Move.ACKNOWLEDGE: (forms.AcknowledgeForm, services.complaint_acknowledge),
    Move.INVESTIGATE: (forms.InvestigateForm, services.complaint_investigate),
    Move.RESOLVE: (forms.ResolveForm, services.complaint_resolve),
    Move.RESOLVE_ON_SPOT: (forms.ResolveOnSpotForm, services.complaint_resolve_on_spot),
    Move.ESCALATE: (forms.EscalateForm, services.complaint_escalate),
    Move.HAND_BACK: (forms.HandBackForm, services.complaint_hand_back),
    Move.REQUEST_EXTENSION: (forms.ExtensionRequestForm, services.complaint_request_extension),
    Move.EXTEND: (forms.ExtendForm, services.complaint_extend),
    Move.PAUSE: (forms.PauseForm, services.complaint_pause),
    Move.RESUME: (forms.ResumeForm, services.complaint_resume),
    Move.NEW_MATERIALS: (forms.NewMaterialsForm, services.complaint_new_materials),
    Move.REQUEST_CORRECTION: (forms.CorrectionRequestForm, services.complaint_request_correction),
    Move.DECIDE_CORRECTION: (forms.CorrectionDecideForm, services.complaint_decide_correction),
    Move.NOTIFY: (forms.NoticeForm, services.complaint_record_notice),
    Move.CONTACT_ATTEMPT: (forms.ContactAttemptForm, services.complaint_record_contact_attempt),
    Move.FOLLOW_UP: (forms.FollowUpForm, services.complaint_follow_up),
    Move.HANDLE_AGAIN: (forms.HandleAgainForm, services.complaint_handle_again),
    Move.REGULATOR_FEEDBACK: (
        forms.RegulatorFeedbackForm,
        services.complaint_record_regulator_feedback,
    ),
    Move.CLOSE: (forms.CloseForm, services.complaint_close),
    Move.REQUEST_REVIEW: (forms.ReviewRequestForm, services.complaint_request_review),
    Move.DECIDE_REVIEW: (forms.ReviewDecideForm, services.complaint_decide_review),
    Move.WITHDRAW: (forms.WithdrawForm, services.complaint_withdraw),
    Move.MERGE: (forms.MergeForm, services.complaint_merge),
    Move.REASSIGN: (forms.ReassignForm, services.complaint_reassign),
    Move.NOTE: (forms.NoteForm, services.complaint_add_note),
    Move.RECTIFY: (forms.RectifyForm, services.rectification_issue),
    Move.ATTACH: (forms.AttachForm, services.attachment_add),
    Move.VOID: (forms.ReasonForm, services.complaint_void),
}

EMPTY_VALUE = mark_safe("-")


class BranchFilter(IdListFilter):
    """A branch in the user's scope; a branch above outlets shows its whole subtree.

    Outlets are offered one by one only when the user's scope has few of them: head office's
    list would otherwise run to hundreds of links (the sub-branch narrows it instead).
    """

    title = _("branch")
    parameter_name = "branch"
    MAX_OUTLETS_LISTED = 30

    def lookups(self, request, model_admin):
        branches = visible_branches(request.user)
        outlets = branches.filter(level=Branch.Level.OUTLET)
        if outlets.count() > self.MAX_OUTLETS_LISTED:
            branches = branches.exclude(level=Branch.Level.OUTLET)
        return [
            (pk, f"{'　' * (level - 1)}{name}")
            for pk, name, level in branches.values_list("pk", "name", "level")
        ]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        branch = visible_branches(request.user).filter(pk=self.value()).first()
        if branch is None:
            return queryset.none()
        return queryset.filter(branch__path__startswith=branch.path)


class DeadlineFilter(admin.SimpleListFilter):
    title = _("deadline status")
    parameter_name = "deadline"

    def lookups(self, request, model_admin):
        return [
            (DeadlineStatus.OVERDUE, DeadlineStatus.OVERDUE.label),
            (DeadlineStatus.DUE_TODAY, DeadlineStatus.DUE_TODAY.label),
            (DeadlineStatus.ON_TIME, DeadlineStatus.ON_TIME.label),
        ]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == DeadlineStatus.OVERDUE:
            return queryset.overdue(now)
        if self.value() == DeadlineStatus.DUE_TODAY:
            return queryset.due_today(now)
        if self.value() == DeadlineStatus.ON_TIME:
            return queryset.on_time(now)
        return queryset


class CategoryFilter(IdListFilter):
    title = _("business category")
    parameter_name = "category"

    def lookups(self, request, model_admin):
        return [(c.pk, str(c)) for c in BusinessCategory.objects.all()]

    def queryset(self, request, queryset):
        return queryset.filter(category=self.value()) if self.value() else queryset


class CappedPaginator(Paginator):
    """Counts at most CAP rows: counting a whole register of a million entries costs more than
    the page itself, and nobody pages past the 200th page (filters and search are for that)."""

    CAP = 10_000

    @cached_property
    def count(self):
        # Without the list's ORDER BY, so that the database may stop at any CAP + 1 rows
        # instead of walking the date index until it has found that many in the user's scope.
        return self.object_list.order_by()[: self.CAP + 1].count()

    @property
    def capped(self):
        return self.count > self.CAP


def received_navigation(cl) -> dict:
    """Year → month navigation over the time of receipt, for the changelist.

    Django's own date hierarchy lists the years and months that have entries with a DISTINCT
    over every matching row, a full scan of a large register. This offers the years between the
    first and last receipt in the user's scope and the twelve months of a chosen year; the
    links are the date hierarchy's own parameters, which the admin turns into a range filter.
    """
    year, month = (cl.params.get(f"received_at__{part}") for part in ("year", "month"))
    field_generic = "received_at__"

    def link(params):
        return cl.get_query_string(params, [field_generic])

    if year:
        months = [timezone.datetime(int(year), m, 1) for m in range(1, 13)]
        return {
            "show": True,
            "back": {"link": link({}), "title": _("All dates")},
            "choices": [
                {
                    "link": link({"received_at__year": year, "received_at__month": m.month}),
                    "title": date_format(m, "YEAR_MONTH_FORMAT"),
                }
                for m in months
            ]
            if not month
            else [{"title": date_format(months[int(month) - 1], "YEAR_MONTH_FORMAT")}],
        }
    # The span of the whole register in scope, not of the filtered rows: with the scope alone
    # MIN and MAX are the two ends of the received_at index, whereas a filter such as
    # "overdue" would make the database walk that index until it meets a matching row.
    span = cl.root_queryset.aggregate(first=Min("received_at"), last=Max("received_at"))
    if not span["first"]:
        return {"show": False}
    first, last = (timezone.localtime(span[k]).year for k in ("first", "last"))
    return {
        "show": True,
        "back": None,
        "choices": [
            {"link": link({"received_at__year": y}), "title": str(y)}
            for y in range(last, first - 1, -1)
        ],
    }


class PageLabels:
    """What every row of one changelist page shows in words, translated once for the page:
    a lazy label per cell costs a translation lookup each time it is rendered."""

    def __init__(self):
        self.now = timezone.now()  # one "now" for every badge on the page
        self.choices = {
            name: {value: str(label) for value, label in Complaint._meta.get_field(name).choices}
            for name in ("status", "kind", "channel", "level")
        }
        self.stages = {stage: str(label) for stage, label in WATCHED_LABELS.items()}
        self.deadline = {status.value: str(status.label) for status in DeadlineStatus}


class ComplaintChangeList(ChangeList):
    def get_queryset(self, request, exclude_parameters=None):
        # The pending deadlines' states as the work queue computes them (due soon included),
        # so that a badge here and in the queue never disagree.
        policies = list(DeadlinePolicy.objects.only("pk", "regulatory_warning_days"))
        return (
            super()
            .get_queryset(request, exclude_parameters)
            .annotate(**watched_states(self.now, policies))
        )

    @cached_property
    def now(self):
        return timezone.now()

    def get_results(self, request):
        super().get_results(request)
        labels = PageLabels()
        for complaint in self.result_list:
            complaint.page_labels = labels
        # Each row links to its change page: one reverse() for the page, not one per row.
        self._change_url = reverse("admin:complaints_complaint_change", args=["0"])

    def url_for_result(self, result):
        return self._change_url.replace("/0/", f"/{quote(result.pk)}/", 1)


class MaskedHistoryHelper(FreeTextMaskedHistoryHelper):
    """History deltas with customer personal data masked (for users without full access)."""

    def prepare_delta_change_value(self, change, value):
        mask = ComplaintAdmin.PII_FIELDS.get(change.field)
        if mask is not None:
            return mask[1](value or "")
        return super().prepare_delta_change_value(change, value)


@admin.register(Complaint)
class ComplaintAdmin(ScopedAdminMixin, VersionedAdminMixin, ExportChangelistMixin, HistoryAdmin):
    export_kind = "complaints"
    form = forms.ComplaintForm
    paginator = CappedPaginator
    change_form_template = "admin/complaints/complaint/change_form.html"
    # What a handler looks at first comes first: what it is, where it stands, what is due.
    # The kind is a badge among the flags, on suggestions and praise only: a column of
    # "complaint" on nearly every row pushed the list past a laptop's pane (issue 15 item 5).
    list_display = [
        "reference_label",
        "outlet",
        "received_at",
        "status_label",
        "deadlines",
        "channel_label",
        "category",
        "handler_name",
        "customer",
        "flags",
    ]
    list_display_links = ["reference_label"]
    # Open entries first (closed ones after them), newest first in each: the index of that.
    ordering = [OPEN_FIRST.asc(), "-received_at", "-id"]
    list_filter = [
        BranchFilter,
        "status",
        "kind",
        "channel",
        DeadlineFilter,
        CategoryFilter,
        "reason",
        "founded",
        "is_repeat",
    ]
    date_hierarchy = "received_at"
    # The search box: get_search_results hands the term to ComplaintQuerySet.search, which
    # picks the one column (and its index) a term can mean.
    search_fields = ["reference", "customer_name", "customer_phone"]
    search_help_text = _("Reference number, customer name or full phone number")
    list_select_related = ["branch", "category", "handler"]
    list_per_page = 50
    # A dropdown of every active colleague in scope grew with the bank (over half of the
    # change page's time at head office); these search as one types instead.
    autocomplete_fields = [
        "first_responder",
        "handler",
        *Complaint.CODED_FIELDS,
        "complained_about_staff",
    ]

    class Media:
        css = {"all": ["complaints/complaints.css"]}

    # Counting the whole register again for "x of y" costs a full scan on a large table.
    show_full_result_count = False
    # Only those who void entries get the checkboxes (an action nobody may take is hidden).
    actions = ["void_selected"]

    fieldsets = [
        (None, {"fields": ["branch", "kind", "channel", "received_at", "is_urgent"]}),
        (
            _("Customer"),
            {
                "fields": [
                    "customer_name",
                    "customer_phone",
                    "customer_id_number",
                    "customer_account",
                ]
            },
        ),
        (
            _("Who complains"),
            {
                "fields": [
                    "complainant_kind",
                    "representative_name",
                    "customer_id_type",
                    "complainants",
                ]
            },
        ),
        (
            _("What happened"),
            {
                "fields": [
                    "description",
                    "customer_request",
                    "complained_about",
                    "complained_about_staff",
                ]
            },
        ),
        # Regulator transfers (issue 14 item 6): required for the regulator channel only.
        (
            _("Regulator transfer"),
            {
                "fields": list(Complaint.REGULATOR_FIELDS),
                "description": _("Only for a complaint transferred by a regulator."),
            },
        ),
        (
            _("Handling and classification"),
            {
                "fields": [
                    "first_responder",
                    "handler",
                    *Complaint.CODED_FIELDS,
                    "is_quality",
                    "complexity",
                ]
            },
        ),
    ]
    # Customer data and, since customers dictate their numbers into them, the free-text
    # fields: shown (and in history) masked to those without full access, the free text with
    # every phone, ID and card number in it masked (pii.mask_text, as in exports and logs).
    PII_FIELDS = {
        "customer_name": ("masked_name", pii.mask_name),
        "customer_phone": ("masked_phone", pii.mask_phone),
        "customer_id_number": ("masked_id_number", pii.mask_id_number),
        "customer_account": ("masked_account", pii.mask_account),
        "representative_name": ("masked_representative_name", pii.mask_name),
        "description": ("masked_description", pii.mask_text),
        "customer_request": ("masked_customer_request", pii.mask_text),
        "complained_about": ("masked_complained_about", pii.mask_text),
    }
    # Searched only by those who see them unmasked (DeclaredFiltersOnlyMixin); the matching
    # keys too, or a lookup by another entry's key would tell who else that customer is.
    personal_data_fields = (
        *PII_FIELDS,
        "customer_id_type",
        "customer_phone_key",
        "customer_id_key",
    )

    def sees_personal_data(self, request):
        return pii.sees_unmasked(request.user)

    # --- list -------------------------------------------------------------------------------

    def get_list_display(self, request):
        # An outlet's own staff see one outlet: the column would repeat its name on every row.
        branch = request.user.branch
        if branch is not None and branch.level == Branch.Level.OUTLET:
            return [name for name in self.list_display if name != "outlet"]
        return self.list_display

    @admin.display(
        description=Complaint._meta.get_field("reference").verbose_name, ordering="reference"
    )
    def reference_label(self, obj):
        # TS-BJ0101-202612-0008 may break after the outlet's code, nowhere else: whole, it was
        # the widest word of the list.
        outlet, _sep, number = obj.reference.rpartition("-")
        outlet, _sep, month = outlet.rpartition("-")
        if not outlet:
            return obj.reference
        return format_html("{}-<wbr>{}-{}", outlet, month, number)

    @admin.display(description=_("outlet"), ordering="branch__code")
    def outlet(self, obj):
        return obj.branch.name

    @admin.display(description=_("handler"), ordering="handler__last_name")
    def handler_name(self, obj):
        return obj.handler.get_full_name() if obj.handler_id else "—"

    @admin.display(description=_("customer"))
    def customer(self, obj):
        name = pii.mask_name(obj.customer_name)
        phone = pii.mask_phone(obj.customer_phone)
        return " ".join(part for part in (name, phone) if part) or "—"

    @admin.display(description=Complaint._meta.get_field("status").verbose_name, ordering="status")
    def status_label(self, obj):
        choices = obj.page_labels.choices
        label = choices["status"].get(obj.status, obj.status)
        if obj.status == Complaint.Status.ESCALATED:
            # Which level holds it (逐级上报): 已上报 · 分行.
            return f"{label} · {choices['level'][obj.level]}"
        return label

    @admin.display(
        description=Complaint._meta.get_field("channel").verbose_name, ordering="channel"
    )
    def channel_label(self, obj):
        return obj.page_labels.choices["channel"].get(obj.channel, obj.channel)

    @admin.display(description=_("deadlines"))
    def deadlines(self, obj):
        labels = obj.page_labels
        badges = []
        for stage in Complaint.STAGES:
            # A pending deadline of an open entry: the queue's state (ComplaintChangeList);
            # one met or missed: the model's.
            state = getattr(obj, f"dl_{stage}", "") if obj.is_open else ""
            state = state or obj.deadline_status(stage, labels.now)
            if state != DeadlineStatus.NONE:
                badges.append((state, labels.stages[stage], labels.deadline[state]))
        return format_html_join(" ", '<span class="cmpl-badge cmpl-{}">{}：{}</span>', badges)

    @admin.display(description=_("flags"))
    def flags(self, obj):
        """A suggestion or praise; repeat, group and major complaint (the customer's history,
        who complains)."""
        flags = entry_flags(obj)
        if obj.kind != Complaint.Kind.COMPLAINT:
            flags.insert(0, ("kind", obj.page_labels.choices["kind"].get(obj.kind, obj.kind)))
        return format_html_join(" ", '<span class="cmpl-badge cmpl-{}">{}</span>', flags)

    def get_changelist(self, request, **kwargs):
        return ComplaintChangeList

    def get_empty_value_display(self):
        # Asked for every cell of the page; the site's "-" needs no lookup each time.
        return EMPTY_VALUE

    def get_search_results(self, request, queryset, search_term):
        personal_data = self.sees_personal_data(request)
        return queryset.search(search_term, personal_data=personal_data), False

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        context = getattr(response, "context_data", None)
        if context and "cl" in context:
            context["received_navigation"] = received_navigation(context["cl"])
        return response

    # --- permissions --------------------------------------------------------------------------

    def has_delete_permission(self, request, obj=None):
        # Complaint files are archived, never deleted; head office voids with a reason.
        return False

    def has_add_permission(self, request):
        return super().has_add_permission(request) and is_complaint_handler(request.user)

    def has_change_permission(self, request, obj=None):
        if not super().has_change_permission(request, obj):
            return False
        return obj is None or may(obj, request.user, Move.EDIT)

    # --- change page ----------------------------------------------------------------------------

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)  # with the version the user saw
        if obj is not None:
            # Where the complaint is now: the outlet, or the level it was escalated to.
            (first, options), *rest = fieldsets
            fieldsets = [(first, {**options, "fields": [*options["fields"], "held_at"]}), *rest]
        if obj is None or pii.sees_unmasked(request.user):
            return fieldsets
        masked = [
            (
                name,
                {
                    **options,
                    "fields": [
                        self.PII_FIELDS[f][0] if f in self.PII_FIELDS else f
                        for f in options["fields"]
                    ],
                },
            )
            for name, options in fieldsets
        ]
        return masked

    def get_readonly_fields(self, request, obj=None):
        readonly = ["reference"] if obj else []
        if obj is not None:
            readonly.append("branch")  # an entry stays in the register it was made in
            readonly.append("held_at")
            readonly.append("handler")  # changed by the hand-over step, which records it
            if obj.status != Complaint.Status.REGISTERED:
                # Evidence, fixed at acknowledgement: corrected by an approved step only.
                readonly += list(Complaint.EVIDENCE_FIELDS)
            if not pii.sees_unmasked(request.user):
                readonly += [masked for masked, _mask in self.PII_FIELDS.values()]
        return readonly

    @admin.display(description=_("held at"))
    def held_at(self, obj):
        return obj.held_at_label

    @admin.display(description=_("customer name"))
    def masked_name(self, obj):
        return pii.mask_name(obj.customer_name)

    @admin.display(description=_("customer phone"))
    def masked_phone(self, obj):
        return pii.mask_phone(obj.customer_phone)

    @admin.display(description=_("customer ID number"))
    def masked_id_number(self, obj):
        return pii.mask_id_number(obj.customer_id_number)

    @admin.display(description=_("name of the agent or heir"))
    def masked_representative_name(self, obj):
        return pii.mask_name(obj.representative_name)

    @admin.display(description=_("customer account"))
    def masked_account(self, obj):
        return pii.mask_account(obj.customer_account)

    @admin.display(description=_("what the customer says happened"))
    def masked_description(self, obj):
        return pii.mask_text(obj.description)

    @admin.display(description=_("what the customer asks for"))
    def masked_customer_request(self, obj):
        return pii.mask_text(obj.customer_request)

    @admin.display(description=_("staff or department complained about"))
    def masked_complained_about(self, obj):
        return pii.mask_text(obj.complained_about)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        if obj is not None:
            form.base_fields.pop("submission_token", None)
            if obj.status != Complaint.Status.REGISTERED:
                # Declared on the form, so not dropped with the read-only fields by themselves.
                form.base_fields.pop("received_at", None)
        return form

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "complained_about_staff" and field is not None:
            # Whom a customer complains about works at an outlet (services._check_recusal
            # holds them to the complaint's own); the search offers outlet staff in scope.
            field.queryset = field.queryset.filter(branch__level=Branch.Level.OUTLET)
        return field

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        branch = request.user.branch
        if branch is not None and branch.level == Branch.Level.OUTLET:
            initial.setdefault("branch", branch.pk)
            initial.setdefault("first_responder", request.user.pk)
        return initial

    def save_model(self, request, obj, form, change):
        data = {f: form.cleaned_data[f] for f in form.changed_data if f in services.EDITABLE_FIELDS}
        if change:
            saved = services.complaint_update(
                user=request.user,
                complaint=obj,
                data=data,
                expected_version=form.cleaned_data["seen_version"],
            )
        else:
            try:
                saved = services.complaint_register(
                    user=request.user,
                    branch=form.cleaned_data["branch"],
                    handler=form.cleaned_data.get("handler"),
                    submission_token=form.cleaned_data.get("submission_token"),
                    **{f: form.cleaned_data[f] for f in services.EDITABLE_FIELDS},
                )
            except services.DuplicateSubmission as duplicate:
                # A double click: show the entry the first click registered.
                messages.warning(request, duplicate.message)
                saved = duplicate.complaint
        # The admin goes on with `obj` (messages, redirect): make it the saved row.
        obj.pk, obj.reference, obj._state = saved.pk, saved.reference, saved._state

    def response_post_save_add(self, request, obj):
        # "Save" of a new entry lands on it (its deadlines, its first step), not on the list
        # where it would have to be looked for.
        return HttpResponseRedirect(self._change_url(obj))

    def add_view(self, request, form_url="", extra_context=None):
        context = {**(extra_context or {})}
        if self.sees_personal_data(request):
            context["customer_history_url"] = reverse("admin:complaints_complaint_customer_history")
        return super().add_view(request, form_url, context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # Outside the user's scope is "not found", not the admin's redirect to its index.
        complaint = self._complaint(request, object_id)
        context = {
            **(extra_context or {}),
            **complaint_page_context(complaint, request.user),
        }
        return super().change_view(request, object_id, form_url, context)

    # History is read by everyone who may view the complaint (auditors above all). Its list
    # shows old and new values of every changed field: customer data there is masked by the
    # same rule as on the change page; a past version's page uses get_fieldsets above.
    def get_historical_record_context_helper(self, request, historical_record):
        if pii.sees_unmasked(request.user):
            return super().get_historical_record_context_helper(request, historical_record)
        return MaskedHistoryHelper(self.model, historical_record)

    # --- workflow pages -----------------------------------------------------------------------

    def has_void_permission(self, request):
        return may_make(request.user, Move.VOID)

    @admin.action(description=_("Void the selected entries (spam, entries made in error)…"),
                  permissions=["void"])  # fmt: skip
    def void_selected(self, request, queryset):
        """Spam floods an opinion book by the dozen: void them in one go, with one reason,
        each entry on its own record. Asks for the reason first, naming the entries."""
        limit = services.MAX_VOID_AT_ONCE
        entries = list(queryset.select_related("branch").order_by("received_at")[: limit + 1])
        if len(entries) > limit:
            self.message_user(
                request,
                _("At most %(n)d entries can be voided at once: narrow the list.") % {"n": limit},
                messages.ERROR,
            )
            return None
        form = forms.VoidEachForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            voided, refused = services.complaint_void_each(
                user=request.user, complaints=entries, reason=form.cleaned_data["reason"]
            )
            if voided:
                self.message_user(
                    request,
                    ngettext("%(n)d entry voided.", "%(n)d entries voided.", len(voided))
                    % {"n": len(voided)},
                    messages.SUCCESS,
                )
            if refused:
                self.message_user(
                    request,
                    _("Not voided: %(entries)s")
                    % {"entries": "; ".join(f"{c.reference} ({why})" for c, why in refused)},
                    messages.WARNING,
                )
            return None
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Void entries"),
            "entries": pii.free_text_for(request.user, entries),
            "form": form,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/complaints/complaint/void_selected.html", context)

    def customer_history_view(self, request):
        """The customer's earlier entries while a new entry is being typed in (POST: the
        numbers stay out of URLs and logs). Only for those who see customer data unmasked and
        may search by it: to anyone else any number typed would be an oracle."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not (self.has_add_permission(request) and self.sees_personal_data(request)):
            raise PermissionDenied
        form = forms.CustomerLookupForm(request.POST)
        form.is_valid()
        context = {"customer_history": selectors.customer_history(form.instance, request.user)}
        return TemplateResponse(
            request, "admin/complaints/complaint/customer_history.html", context
        )

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path(
                "customer-history/",
                wrap(self.customer_history_view),
                name="complaints_complaint_customer_history",
            ),
            path(
                "<path:object_id>/move/<str:move>/",
                wrap(self.move_view),
                name="complaints_complaint_move",
            ),
            path(
                "<path:object_id>/print/",
                wrap(self.print_view),
                name="complaints_complaint_print",
            ),
            path(
                "<path:object_id>/attachments/<int:attachment_id>/",
                wrap(self.attachment_view),
                name="complaints_complaint_attachment",
            ),
            *super().get_urls(),
        ]

    def _complaint(self, request, object_id) -> Complaint:
        """The complaint if the user may see it; 404 otherwise (also for view permission)."""
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        if not is_id(object_id):
            # A made-up id in the URL (…/complaint/abc/change/) is not found either, not a 500.
            raise Http404
        queryset = scope_queryset(
            Complaint.objects.select_related("branch", "handler"), request.user
        )
        return get_object_or_404(queryset, pk=object_id)

    def move_view(self, request, object_id, move):
        complaint = self._complaint(request, object_id)
        if move not in MOVE_PAGES:
            raise Http404
        if move not in allowed_moves(complaint, request.user):
            raise PermissionDenied
        form_class, service = MOVE_PAGES[move]
        form = form_class(
            request.POST or None, request.FILES or None, complaint=complaint, user=request.user
        )
        if request.method == "POST" and form.is_valid():
            try:
                service(user=request.user, complaint=complaint, **form.service_kwargs())
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("%(move)s: done for %(ref)s.")
                    % {"move": Move(move).label, "ref": complaint.reference},
                )
                return HttpResponseRedirect(self._change_url(complaint))
        return self._render_step(request, complaint, Move(move).label, form)

    def print_view(self, request, object_id):
        """客户投诉处理单: the decision to the customer on the bank's form, to print and sign."""
        complaint = self._complaint(request, object_id)
        full = pii.sees_unmasked(request.user)
        customer = {
            field: getattr(complaint, field) if full else mask(getattr(complaint, field))
            for field, (_masked, mask) in self.PII_FIELDS.items()
        }
        user = request.user
        context = {
            # Free text with the numbers in it masked too, for those without unmasked access.
            "complaint": pii.free_text_for(user, [complaint])[0],
            "customer": customer,
            "bank": complaint.branch.bank_name(),
            "events": pii.free_text_for(user, complaint.events.select_related("actor")),
            "notices": pii.free_text_for(user, complaint.notices.select_related("recorded_by")),
            "printed_at": timezone.now(),
        }
        return TemplateResponse(request, "admin/complaints/complaint/print.html", context)

    def attachment_view(self, request, object_id, attachment_id):
        complaint = self._complaint(request, object_id)
        attachment = get_object_or_404(Attachment, pk=attachment_id, complaint=complaint)
        # Stored in the audit log: in the bank's language, whatever the downloader's.
        with translation.override(settings.LANGUAGE_CODE):
            subject = _("Attachment of complaint %(ref)s") % {"ref": complaint.reference}
        record_download(
            request=request,
            filename=attachment.original_name,
            branch=complaint.branch,
            subject=str(subject),
        )
        return FileResponse(
            attachment.file.open("rb"),
            as_attachment=True,
            filename=attachment.original_name,
            content_type=attachment.content_type,
        )

    def _change_url(self, complaint):
        return reverse("admin:complaints_complaint_change", args=[complaint.pk])

    def _render_step(self, request, complaint, title, form):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": title,
            "subtitle": complaint.reference,
            "complaint": complaint,
            "original": complaint,
            "form": form,
            "change_url": self._change_url(complaint),
        }
        return TemplateResponse(request, "admin/complaints/complaint/move.html", context)


def entry_flags(complaint) -> list[tuple[str, str]]:
    """(css class, label) of each flag an entry carries, for the list and the change page."""
    flags = []
    if complaint.is_repeat:
        flags.append(("repeat", _("Repeat complaint")))
    if complaint.is_major:
        flags.append(("major", _("Major complaint")))
    elif complaint.is_group:
        flags.append(("group", _("Group complaint")))
    return flags


def complaint_page_context(complaint, user) -> dict:
    """What the change page shows around the form: buttons, deadlines, notices, files, timeline."""
    now = timezone.now()
    moves = [m for m in allowed_moves(complaint, user) if m in MOVE_PAGES]
    deadlines = [
        {
            "label": WATCHED_LABELS[stage],
            "due": getattr(complaint, due),
            "done": getattr(complaint, done),
            "status": complaint.deadline_status(stage, now),
        }
        for stage, (due, done) in Complaint.STAGES.items()
    ]
    return {
        "print_url": reverse("admin:complaints_complaint_print", args=[complaint.pk]),
        "reply_refusal": reply_refusal(complaint, user),
        "workflow_moves": [
            {
                "label": m.label,
                "url": reverse("admin:complaints_complaint_move", args=[complaint.pk, m.value]),
            }
            for m in moves
        ],
        "deadlines": deadlines,
        "entry_flags": entry_flags(complaint),
        "customer_history": selectors.customer_history(complaint, user),
        # Numbers typed into any of these are masked for those without unmasked access.
        "complaint": pii.free_text_for(user, [complaint])[0],
        **{
            name: pii.free_text_for(user, rows)
            for name, rows in {
                "extension_requests": complaint.extension_requests.select_related(
                    "requested_by", "decided_by"
                ),
                "pauses": complaint.pauses.all(),
                "corrections": complaint.corrections.select_related("requested_by", "decided_by"),
                "notices": complaint.notices.select_related("recorded_by", "attachment"),
                "contact_attempts": complaint.contact_attempts.select_related("by"),
                "events": complaint.events.select_related("actor"),
                "attachments": complaint.attachments.select_related("uploaded_by"),
                "rectifications": complaint.rectifications.select_related("owner"),
            }.items()
        },
    }


class ReferenceDataAdmin(HistoryAdmin):
    def has_delete_permission(self, request, obj=None):
        # Past complaints point at these rows: deactivate instead of deleting.
        return False


class CodeListAdmin(ReferenceDataAdmin):
    """A JR/T 0169 code list. The complaint form searches it as one types (autocomplete),
    offering active entries only."""

    list_display = ["code", "name", "level", "parent", "is_active"]
    list_filter = ["is_active", "level"]
    list_select_related = ["parent"]
    search_fields = ["code", "name"]
    fields = ["code", "name", "parent", "is_active"]
    autocomplete_fields = ["parent"]

    change_list_template = "admin/complaints/code_list/change_list.html"

    def get_urls(self):
        opts = self.model._meta
        return [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name=f"{opts.app_label}_{opts.model_name}_import",
            ),
            *super().get_urls(),
        ]

    def import_view(self, request):
        """Upload the official table, see what it would change, then apply it."""
        if not (self.has_add_permission(request) and self.has_change_permission(request)):
            raise PermissionDenied
        opts = self.model._meta
        changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        # Apply takes the rows that were previewed, never a file chosen meanwhile.
        files = None if "apply" in request.POST else request.FILES or None
        form = forms.CodeTableForm(request.POST or None, files)
        plan = None
        if request.method == "POST" and form.is_valid():
            rows = form.cleaned_data["rows"]
            if "apply" in request.POST:
                try:
                    done = services.code_list_import(model=self.model, rows=rows)
                except ValidationError as error:
                    form.add_error(None, error)
                else:
                    messages.success(
                        request,
                        _("Code table applied: %(changes)d changes.") % {"changes": done.changes},
                    )
                    return HttpResponseRedirect(changelist)
            plan = code_table_plan(model=self.model, rows=rows)
        context = {
            **self.admin_site.each_context(request),
            "opts": opts,
            "title": _("Import the code table: %(list)s") % {"list": opts.verbose_name_plural},
            "form": form,
            "plan": plan,
            "rows_json": json.dumps(plan.rows, ensure_ascii=False) if plan else "",
            "changelist_url": changelist,
        }
        return TemplateResponse(request, "admin/complaints/code_list/import.html", context)

    def get_readonly_fields(self, request, obj=None):
        # A complaint keeps the code it was classified with: an entry's code and place are
        # fixed once made; a new code is a new entry (and the old one is retired).
        return ["code", "parent"] if obj is not None else []

    def changelist_view(self, request, extra_context=None):
        # The seeded codes are provisional until someone compares them with the standard.
        messages.warning(request, CODE_LIST_WARNING)
        return super().changelist_view(request, extra_context)

    def get_search_results(self, request, queryset, search_term):
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if request.resolver_match and request.resolver_match.url_name == "autocomplete":
            # A retired entry stays on the complaints classified with it but is not offered
            # for a new classification (nor as a parent).
            queryset = queryset.filter(is_active=True)
        return queryset, may_have_duplicates


CODE_LIST_WARNING = _(
    "The seeded entries follow the top-level classes of JR/T 0169-2018 as far as they are "
    "known here: check every code and name against the standard's text (or import the "
    "official code table) before reporting to the regulator."
)


@admin.register(BusinessChannel)
class BusinessChannelAdmin(CodeListAdmin):
    pass


@admin.register(BusinessCategory)
class BusinessCategoryAdmin(CodeListAdmin):
    pass


@admin.register(ComplaintReason)
class ComplaintReasonAdmin(CodeListAdmin):
    pass


@admin.register(DeadlinePolicy)
class DeadlinePolicyAdmin(ReferenceDataAdmin):
    list_display = [
        "name",
        "is_active",
        "acknowledge_working_days",
        "reply_working_days_simple",
        "reply_working_days_complex",
        "branch_ceiling_working_days",
        "regulatory_calendar_days",
        "followup_working_days",
        "updated_at",
    ]
