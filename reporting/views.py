"""Report centre (summaries and the user's exports), downloads and the dashboard.

Every lookup goes through scoping. The export buttons and jobs themselves are
branchservice.exports; the centre lists a user's export jobs.
"""

import io

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from branchservice.audit import record_download
from branchservice.exports.models import ExportJob
from branchservice.exports.selectors import can_export
from branchservice.exports.services import BROKER_DOWN, broker_down_message
from branchservice.models import Branch
from branchservice.roles import is_complaint_handler
from branchservice.scoping import get_scoped_or_404
from complaints.deadlines import URGENT
from complaints.models import DeadlineStatus

from . import analysis, overview, selectors, services, work_queue
from . import league as leagues
from .forms import BuildSummaryForm, DashboardForm, LeagueForm, OverviewForm, ReportFilterForm
from .models import JobStatus, ReportFile
from .periods import Period, recent_periods


def _can_use_centre(user):
    return user.has_perm("reporting.view_reportfile") or can_export(user)


def _page(request, template, context):
    """A page of the portal in the admin's shell: its header with the user's name, the bell,
    the language switcher and logout (admin/base_site.html needs the site's context)."""
    return render(request, template, {**admin.site.each_context(request), **context})


@login_required
def centre(request):
    if not _can_use_centre(request.user):
        raise PermissionDenied
    services.reports_fail_stale()
    filters = ReportFilterForm(request.GET or None)
    # An unknown period in the address shows the form's message and the whole list.
    chosen = filters.cleaned_data if filters.is_valid() else {}
    context = {
        "summaries": selectors.report_files_for(
            request.user,
            period=chosen.get("period"),
            period_kind=chosen.get("period_kind", ""),
        ),
        "filters": filters,
        "period_choices": recent_periods(timezone.localdate()),
        "exports": ExportJob.objects.for_user(request.user)[:50],
        "form": BuildSummaryForm(user=request.user),
        "now": timezone.now(),
        "export_expiry_days": settings.REPORTING_EXPORT_EXPIRY_DAYS,
        "title": _("Report centre"),
    }
    return _page(request, "reporting/centre.html", context)


@require_POST
@login_required
@permission_required("reporting.add_reportfile", raise_exception=True)
def build(request):
    form = BuildSummaryForm(request.POST, user=request.user)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("reporting:centre")
    report_file, created = services.report_build_request(
        scope=form.cleaned_data["scope"],
        period=form.cleaned_data["period"],
        user=request.user,
        language=translation.get_language(),
        kind=form.cleaned_data["kind"],
    )
    report_file.refresh_from_db()
    if report_file.status == JobStatus.FAILED and report_file.error == BROKER_DOWN:
        messages.error(request, broker_down_message())
    elif not created:
        messages.info(request, _("This report is already being built; it will appear below."))
    elif report_file.status == JobStatus.READY:
        messages.success(request, _("The report has been built."))
    else:
        messages.success(request, _("The report is being built; it will appear below."))
    return redirect("reporting:centre")


@require_GET
@login_required
@permission_required("reporting.view_reportfile", raise_exception=True)
def download_report(request, pk):
    report_file = get_scoped_or_404(
        ReportFile.objects.ready().select_related("scope"), request.user, via="scope", pk=pk
    )
    services.report_download_record(report_file=report_file, user=request.user)
    name = report_file.download_name()
    record_download(
        request=request, filename=name, branch=report_file.scope, subject=str(report_file)
    )
    return FileResponse(report_file.file.open("rb"), as_attachment=True, filename=name)


@require_GET
@login_required
@permission_required("reporting.view_reportfile", raise_exception=True)
def dashboard(request):
    form = DashboardForm(request.GET or None, user=request.user)
    scope = selectors.default_scope(request.user)
    period = Period.month(selectors.last_complete_month())
    if form.is_valid():
        scope = form.cleaned_data["scope"] or scope
        period = form.cleaned_data["period"] or period
    if scope is None:
        raise PermissionDenied
    today = timezone.localdate()
    data = selectors.dashboard_data(scope=scope, period=period)
    # A quarter's or a year's heat map would be hundreds of columns: its latest month begun.
    heatmap_month = Period.month(max(period.start, min(period.last_day, today)))
    context = {
        "form": form,
        "scope": scope,
        "period": period,
        "data": data,
        "chart_data": {key: data[key] for key in ("trend", "by_reason", "completion")},
        "chart_labels": {
            "complaints": _("Complaints"),
            "on_time": _("Replied on time %"),
            "completion": _("Checklist completion %"),
            "trend_title": _("Complaints and on-time reply rate, last 12 months"),
            "reason_title": _("Complaints by reason"),
            "completion_title": _("Checklist completion by outlet"),
        },
        "analysis": analysis.written_analysis(
            scope=scope, period=period, rows=data["rows"], today=today
        ),
        "heatmap": selectors.checklist_heatmap(
            scope=scope, period=heatmap_month, checklist_days=data["checklist_days"]
        ),
        "heatmap_month": heatmap_month,
        "period_choices": recent_periods(today),
        "title": _("Dashboard"),
    }
    return _page(request, "reporting/dashboard.html", context)


@require_GET
@login_required
@permission_required("reporting.view_reportfile", raise_exception=True)
def league(request):
    """The branch league table; `?format=xlsx` downloads every row of it (not one page)."""
    default = selectors.default_scope(request.user)
    if default is None:
        raise PermissionDenied
    # The form always names a scope, so that its select shows the one the table is of.
    data = request.GET.copy()
    data.setdefault("scope", str(default.pk))
    form = LeagueForm(data, user=request.user, columns=leagues.COLUMNS)
    choice = form.cleaned_data if form.is_valid() else {}
    scope = choice.get("scope") or default
    levels = leagues.levels_below(scope) or [scope.level]
    level = choice.get("level") if choice.get("level") in levels else levels[0]
    sort = choice.get("sort") or leagues.DEFAULT_SORT
    worst_first = choice.get("order") != "best"
    period = choice.get("period") or Period.month(selectors.last_complete_month())
    table = leagues.league_table(
        scope=scope,
        period=period,
        level=level,
        sort=sort,
        worst_first=worst_first,
        # The download has every row, the page one page of them.
        page=None if request.GET.get("format") == "xlsx" else choice.get("page") or 1,
        with_links=request.GET.get("format") != "xlsx",
    )
    if request.GET.get("format") == "xlsx":
        return _league_download(request, table)
    query = request.GET.copy()
    query.pop("page", None)
    headers = []
    for stat in leagues.columns():
        # A click sorts by the column worst first; on the sorted column it turns the order.
        query["sort"] = stat.key
        query["order"] = "best" if stat.key == sort and worst_first else "worst"
        headers.append({"stat": stat, "url": f"?{query.urlencode()}", "sorted": stat.key == sort})
    query["sort"], query["order"] = sort, "best" if not worst_first else "worst"
    context = {
        "form": form,
        "league": table,
        "headers": headers,
        "levels": [(value, Branch.Level(value).label) for value in levels],
        "query": query.urlencode(),
        "period_choices": recent_periods(timezone.localdate()),
        "title": _("Branch league table"),
        # Eighteen columns need the width the admin's navigation sidebar takes.
        "is_nav_sidebar_enabled": False,
    }
    return _page(request, "reporting/league.html", context)


def _league_download(request, table):
    name = f"league-{table.scope.code}-{table.period.key}.xlsx"
    stream = io.BytesIO()
    leagues.write_workbook(table, stream)
    stream.seek(0)
    record_download(
        request=request, filename=name, branch=table.scope, subject=str(_("Branch league table"))
    )
    return FileResponse(stream, as_attachment=True, filename=name)


@require_GET
@login_required
@permission_required("reporting.view_reportfile", raise_exception=True)
def outlet(request, pk):
    """One outlet on one page (reporting.overview), reached from every outlet name."""
    branch = get_scoped_or_404(
        Branch.objects.filter(level=Branch.Level.OUTLET).select_related("parent"),
        request.user,
        via="",
        pk=pk,
    )
    form = OverviewForm(request.GET or None)
    period = (form.is_valid() and form.cleaned_data["period"]) or selectors.last_complete_month()
    context = {
        "outlet": branch,
        "period": period,
        "form": form,
        **overview.outlet_overview(outlet=branch, period=period, user=request.user),
        "title": branch.name,
        "is_nav_sidebar_enabled": False,  # four parts side by side need the width
    }
    return _page(request, "reporting/outlet.html", context)


def admin_home(site, request):
    """The admin index of those who handle complaints: their work queue (reporting.work_queue);
    of those who only read the reports (auditors): the report centre."""
    if not is_complaint_handler(request.user):
        return redirect("reporting:centre") if _can_use_centre(request.user) else None
    queue = work_queue.work_queue(user=request.user, view=request.GET.get("view"))
    context = {
        **site.each_context(request),
        "title": _("My work queue"),
        "queue": queue,
        "views": [(view, work_queue.View.LABELS[view]) for view in queue.views],
        "urgent": [(state, DeadlineStatus(state).label, queue.counts[state]) for state in URGENT],
        "limit": work_queue.LIMIT,
    }
    request.current_app = site.name
    return render(request, "reporting/work_queue.html", context)
