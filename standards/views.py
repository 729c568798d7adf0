"""The lobby manager's pages: the outlet's checklists today, filling one, and its history."""

import datetime as dt
import math
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.formats import time_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from branchservice import sessions
from branchservice.models import Branch
from branchservice.rectifications import sources as rectification_sources
from branchservice.rectifications.models import Rectification
from branchservice.scoping import get_scoped_or_404, visible_branches

from . import selectors, services
from .forms import AnswerForm, ChecklistForm
from .models import Checklist, ChecklistAnswer, ChecklistPart, ChecklistTemplate

HISTORY_PAGE_SIZE = 30


def checklist_page(view):
    """Logged in (on the checklist login page) and allowed to see checklists at all."""

    @login_required(login_url=reverse_lazy("standards:login"))
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.has_perm("standards.view_checklist"):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def _outlet(request, branch_id):
    return get_scoped_or_404(
        Branch.objects.filter(level=Branch.Level.OUTLET), request.user, via="", pk=branch_id
    )


def _checklist(request, pk):
    return get_scoped_or_404(
        Checklist.objects.seen_by(request.user).select_related(
            "branch", "template", "template_version", "updated_by", "submitted_by"
        ),
        request.user,
        pk=pk,
    )


@checklist_page
def home(request):
    """Straight to the user's outlet; someone above outlets picks one."""
    user = request.user
    if user.branch_id and user.branch.is_outlet:
        return redirect("standards:outlet", branch_id=user.branch_id)
    outlets = visible_branches(user).filter(level=Branch.Level.OUTLET, is_active=True)
    return render(request, "standards/outlets.html", {"outlets": outlets})


@checklist_page
def outlet(request, branch_id):
    branch = _outlet(request, branch_id)
    today = timezone.localdate()
    checklists_today = {
        c.template_id: c
        for c in Checklist.objects.filter(branch=branch, business_date=today).select_related(
            "template"
        )
    }
    # Visits and inspections are listed to inspectors only; the outlet sees them once done,
    # in its recent checklists.
    templates = [
        {
            "template": t,
            "checklist": checklists_today.get(t.pk),
            "may_fill": services.may_fill(request.user, branch, t),
        }
        for t in ChecklistTemplate.objects.filter(
            is_active=True, current_version__isnull=False
        ).order_by("kind", "code")
        if services.may_fill_kind(request.user, branch, t)
    ]
    missing = selectors.missed_and_pending_checklists(
        branches_qs=Branch.objects.filter(pk=branch.pk),
        date_from=today - dt.timedelta(days=30),
        date_to=today - dt.timedelta(days=1),
    )
    context = {
        "branch": branch,
        "today": today,
        "templates": templates,
        "may_excuse": request.user.has_perm("standards.add_missedchecklistexcuse"),
        "recent": selectors.outlet_checklists(branch=branch, user=request.user)[:7],
        "actions": rectification_sources.for_user(
            Rectification.objects.open().filter(
                outlet=branch, source_kind__in=services.RECTIFICATION_SOURCES
            ),
            request.user,
        ).select_related("owner"),
        "missed": [m for m in missing if m.is_missed],
    }
    return render(request, "standards/outlet.html", context)


@checklist_page
def history(request, branch_id):
    branch = _outlet(request, branch_id)
    page = Paginator(
        selectors.outlet_checklists(branch=branch, user=request.user), HISTORY_PAGE_SIZE
    ).get_page(request.GET.get("page"))
    return render(request, "standards/history.html", {"branch": branch, "page": page})


@checklist_page
@require_POST
def start(request, branch_id, template_id):
    """Open today's checklist of a template, creating it on the first tap."""
    branch = _outlet(request, branch_id)
    template = ChecklistTemplate.objects.filter(pk=template_id, is_active=True).first()
    if template is None:
        raise Http404
    try:
        checklist = services.checklist_start(
            branch=branch, template=template, business_date=timezone.localdate(), by=request.user
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("standards:outlet", branch_id=branch.pk)
    return redirect("standards:checklist", pk=checklist.pk)


@checklist_page
def checklist(request, pk):
    checklist = _checklist(request, pk)
    if not checklist.is_editable:
        return _result(request, checklist)
    may_fill = services.may_fill(request.user, checklist.branch, checklist.template)
    sections, answers = selectors.checklist_for_page(checklist=checklist)
    if request.method != "POST":
        form = ChecklistForm(sections=sections, answers=answers)
        return _fill_page(request, checklist, form, may_fill)
    if not may_fill:
        raise PermissionDenied
    form = ChecklistForm(request.POST, request.FILES, sections=sections, answers=answers)
    if not form.is_valid():
        messages.error(request, _("Some entries could not be accepted; see the marked items."))
        return _fill_page(request, checklist, form, may_fill, status=400)
    submit = request.POST.get("action") == ChecklistForm.SUBMIT
    revision = _posted_revision(request)
    inputs = form.answer_inputs()
    # Before the outlet closes the page offers no submit; a request that submits all the same
    # is kept as a draft and told from when it can be submitted.
    closing_locked = selectors.closing_items_locked_until(checklist=checklist)
    try:
        if submit and closing_locked is None and form.check_complete(inputs):
            services.checklist_submit(
                checklist=checklist,
                answers=inputs,
                by=request.user,
                revision=revision,
            )
            messages.success(request, _("Checklist submitted."))
            return redirect("standards:checklist", pk=checklist.pk)
        # A draft save, or a submit that is not complete yet: what was entered is kept either
        # way, so a refused submit loses nothing (photos included).
        services.checklist_save_draft(
            checklist=checklist, answers=inputs, by=request.user, revision=revision
        )
    except services.ChecklistLocked:
        messages.info(request, _("This checklist has already been submitted."))
        return redirect("standards:checklist", pk=checklist.pk)
    except services.StaleChecklist:
        checklist.refresh_from_db()
        messages.error(
            request,
            _(
                "This checklist was saved on another device or tab at %(time)s. Nothing was "
                "saved from this page: your entries are still shown below. Check them and "
                "save again to keep them."
            )
            % {"time": time_format(timezone.localtime(checklist.updated_at), "H:i")},
        )
        return _fill_page(request, checklist, form, may_fill, status=409)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return _fill_page(request, checklist, form, may_fill, status=400)
    if submit and closing_locked is not None:
        messages.error(
            request,
            services.closing_checks_message(closing_locked[0])
            + " "
            + _("What you entered has been saved as a draft."),
        )
        return _fill_page(request, checklist, form, may_fill, status=400)
    if submit:
        messages.error(
            request,
            _(
                "Not submitted yet: %(count)s items need attention (marked below). What you "
                "entered has been saved as a draft."
            )
            % {"count": len({key for key in form.errors})},
        )
        answers = selectors.checklist_for_page(checklist=checklist)[1]
        form.answers = answers
        for row in (r for s in form.sections for r in s["rows"]):
            row["answer"] = answers.get(row["item"].pk)
        return _fill_page(request, checklist, form, may_fill, status=400)
    messages.success(
        request,
        _("Draft saved at %(time)s.")
        % {"time": time_format(timezone.localtime(checklist.updated_at), "H:i")},
    )
    return redirect("standards:checklist", pk=checklist.pk)


@checklist_page
@require_POST
def answer(request, pk):
    """Save one answer as it is given (static/standards/checklist.js), answering in JSON.

    Refusals carry a `code` the page acts on: "stale" (saved elsewhere: the page shows what
    it could not save and offers to overwrite), "locked" (already submitted), "invalid"."""
    checklist = _checklist(request, pk)
    form = AnswerForm(request.POST)
    if not form.is_valid():
        return _refused("invalid", _("This answer could not be read. Reload the page."), 400)
    try:
        services.checklist_answer_save(
            checklist=checklist,
            item_id=form.cleaned_data["item"],
            answer=form.answer_input(),
            by=request.user,
            revision=form.cleaned_data["revision"],
        )
    except ValidationError as exc:
        return _refused("invalid", " ".join(exc.messages), 400)
    except services.ChecklistLocked:
        return _refused(
            "locked",
            _(
                "This checklist has already been submitted: this answer was not saved. "
                "Ask your outlet head to reopen the checklist if it must be corrected."
            ),
            409,
        )
    except services.StaleChecklist:
        current = Checklist.objects.select_related("updated_by").get(pk=checklist.pk)
        return _refused(
            "stale",
            _(
                "This checklist was saved on another device or tab at %(time)s by %(who)s. "
                "Your answers below were not saved."
            )
            % {
                "time": time_format(timezone.localtime(current.updated_at), "H:i"),
                "who": current.updated_by.get_full_name() if current.updated_by else "",
            },
            409,
            revision=current.revision,
        )
    return JsonResponse(
        {
            "revision": checklist.revision,
            "saved_at": time_format(timezone.localtime(checklist.updated_at), "H:i"),
            "session_seconds": sessions.seconds_left(request),
        }
    )


@checklist_page
@require_POST
def stay_signed_in(request):
    """The checklist page's "stay signed in", two minutes before the session would end."""
    sessions.refresh(request)
    return JsonResponse({"session_seconds": sessions.seconds_left(request)})


def _refused(code, message, status, **extra):
    return JsonResponse({"code": code, "message": message, **extra}, status=status)


def _posted_revision(request) -> int:
    try:
        return int(request.POST.get("revision", ""))
    except ValueError:
        return 0


def _fill_page(request, checklist, form, may_fill, status=200):
    answered = sum(
        1
        for s in form.sections
        for r in s["rows"]
        if r["answer"] and (r["answer"].result or r["answer"].score is not None)
    )
    sections = form.layout()
    parts = selectors.checklist_parts(
        checklist=checklist, sections=[block["section"] for block in sections], answers=form.answers
    )
    if parts is not None:
        for block in sections:
            block["due"] = parts.due[block["section"].part]
    # The closing checks are shown but cannot be answered, nor the checklist submitted, before
    # the outlet closes (services refuse it too).
    locked = selectors.closing_items_locked_until(checklist=checklist)
    closing_from = locked[0] if locked else None
    if closing_from:
        for block in sections:
            if block["section"].part == ChecklistPart.CLOSING:
                block["locked_until"] = closing_from
    context = {
        "checklist": checklist,
        "form": form,
        "sections": sections,
        "parts": parts,
        "closing_from": closing_from,
        # The page opens the closing checks by itself then: counted from the server's clock,
        # not the tablet's, which may be minutes off.
        "closing_in": math.ceil((closing_from - timezone.now()).total_seconds())
        if closing_from
        else None,
        "may_fill": may_fill,
        "answered": answered,
        "total": len(form.items),
        "page_text": _fill_page_text(),
        "session_seconds": sessions.seconds_left(request),
    }
    return render(request, "standards/checklist_fill.html", context, status=status)


def _fill_page_text():
    """What the page's script (static/standards/checklist.js) says, translated here so that it
    stays in this app's catalogue; the page hands it over as JSON."""
    return {
        "saving": _("Saving…"),
        "saved": _("Saved at %(time)s"),
        "pending": _("Answers waiting to be saved: %(count)s"),
        "offline": _(
            "No connection: your answers are kept on this device and sent when it is back."
        ),
        "error": _("Not saved: the server did not answer. Trying again shortly."),
        "kept_on_device": _("Not sent yet: your answers are kept on this device."),
        "signed_out": _(
            "You have been signed out. Sign in again and the answers kept on this device "
            "are sent at once."
        ),
        "sign_in_again": _("Sign in again"),
        "not_saved": _("Not saved"),
        "overwrite": _("Overwrite with my answers"),
        "discard": _("Discard my answers"),
        "dismiss": _("Dismiss"),
        "unanswered": _("not answered"),
        "conflict_on_load": _(
            "These answers were given on this device but not saved, and the checklist has "
            "been saved elsewhere since. Compare them with the page, then keep yours or "
            "discard them."
        ),
        "session_ending": _("You will be signed out in %(time)s for inactivity."),
        "stay_signed_in": _("Stay signed in"),
        "all_pass": _("All pass"),
        "all_pass_help": _(
            "Mark every pass/fail item of this section that is not answered yet as passed"
        ),
        "submit": _("Submit"),
        "wait_before_submit": _(
            "Not sent: answers not on the server yet: %(count)s. Try again once they are saved."
        ),
    }


def _result(request, checklist):
    sections, answers = selectors.checklist_for_page(checklist=checklist)
    context = {
        "checklist": checklist,
        "sections": [
            {
                "section": section,
                "rows": [(item, answers.get(item.pk)) for item in section.items.all()],
            }
            for section in sections
        ],
        "failed_critical": [
            (item, answers[item.pk])
            for section in sections
            for item in section.items.all()
            if item.is_critical and item.pk in answers and answers[item.pk].failed
        ],
        "actions": Rectification.objects.filter(checklist_answer__checklist=checklist)
        .select_related("owner")
        .order_by("pk"),
        "events": checklist.events.select_related("by"),
    }
    return render(request, "standards/checklist_result.html", context)


@checklist_page
def evidence(request, pk, item_id, kind):
    """An answer's photo or audio note (`kind`), for people who may see the checklist only."""
    checklist = _checklist(request, pk)
    answer = ChecklistAnswer.objects.filter(checklist=checklist, item_id=item_id).first()
    if answer is None or not getattr(answer, kind):
        raise Http404
    # The type is the one its content was recognised as, not one guessed from the name.
    return FileResponse(getattr(answer, kind).open("rb"), content_type=answer.evidence_type(kind))
