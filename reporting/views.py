"""Report centre, downloads, exports and the dashboard. Every lookup goes through scoping."""

import tempfile

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from branchservice.audit import record_download
from branchservice.scoping import get_scoped_or_404

from . import exports, selectors, services
from .forms import BuildSummaryForm, DashboardForm
from .models import ExportJob, JobStatus, ReportFile


def _can_use_centre(user):
    return user.has_perm("reporting.view_reportfile") or user.has_perm("reporting.add_exportjob")


@login_required
def centre(request):
    if not _can_use_centre(request.user):
        raise PermissionDenied
    services.reports_fail_stale()
    context = {
        "summaries": selectors.report_files_for(request.user),
        "exports": ExportJob.objects.for_user(request.user)[:50],
        "form": BuildSummaryForm(user=request.user),
        "now": timezone.now(),
        "export_expiry_days": settings.REPORTING_EXPORT_EXPIRY_DAYS,
        "title": _("Report centre"),
    }
    return render(request, "reporting/centre.html", context)


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
    )
    report_file.refresh_from_db()
    if report_file.status == JobStatus.FAILED and report_file.error == services.BROKER_DOWN:
        messages.error(request, services.broker_down_message())
    elif not created:
        messages.info(request, _("This summary is already being built; it will appear below."))
    elif report_file.status == JobStatus.READY:
        messages.success(request, _("The summary has been built."))
    else:
        messages.success(request, _("The summary is being built; it will appear below."))
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


def start_export(request, *, kind, source, params):
    """The one entry point of every export button: stream now or queue a job."""
    spec = exports.get_spec(kind)
    if spec is None:
        raise Http404
    try:
        qs = exports.export_queryset(spec=spec, user=request.user, source=source, params=params)
        count = qs.count()
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(request.META.get("HTTP_REFERER") or "reporting:centre")
    if count <= settings.REPORTING_EXPORT_SYNC_LIMIT:
        return _stream_export(request, spec, qs)
    job = services.export_job_create(
        user=request.user,
        spec=spec,
        source=source,
        params=params,
        row_count=count,
        language=translation.get_language(),
    )
    job.refresh_from_db()
    if job.status == JobStatus.FAILED and job.error == services.BROKER_DOWN:
        messages.error(request, services.broker_down_message())
    else:
        messages.success(
            request,
            _(
                "%(count)s rows are too many to download at once: the export runs in the "
                "background. Follow its progress here; you will get an e-mail when it is ready."
            )
            % {"count": count},
        )
    return redirect("reporting:centre")


def _stream_export(request, spec, qs):
    # FileResponse closes the file once sent; a temporary file then disappears by itself.
    stream = tempfile.TemporaryFile()  # noqa: SIM115
    exports.write_export(
        spec=spec, rows=qs.iterator(chunk_size=2000), user=request.user, stream=stream
    )
    stream.seek(0)
    name = f"{spec.kind}-{timezone.localtime():%Y%m%d-%H%M%S}.xlsx"
    _record_export_download(request, name, spec)
    return FileResponse(stream, as_attachment=True, filename=name)


def _record_export_download(request, name, spec):
    # An export holds rows of the user's whole scope: the top of it is the user's branch.
    record_download(
        request=request, filename=name, branch=request.user.branch, subject=str(spec.title)
    )


@require_GET
@login_required
def export(request, kind):
    return start_export(
        request, kind=kind, source="filterset", params=exports.querydict_to_params(request.GET)
    )


@require_GET
@login_required
def export_status(request, pk):
    job = get_object_or_404(ExportJob, pk=pk, user=request.user)
    return JsonResponse(
        {
            "status": job.status,
            "status_label": job.get_status_display(),
            "progress": job.progress,
            "row_count": job.row_count,
            "percent": job.percent,
        }
    )


@require_GET
@login_required
def download_export(request, pk):
    # Only the person who asked may fetch it: the rows were chosen with their scope.
    job = get_object_or_404(ExportJob, pk=pk, user=request.user, status=JobStatus.READY)
    if job.is_expired() or not job.file:
        raise Http404(_("This export has expired; please export again."))
    name = f"{job.kind}-{timezone.localtime(job.finished_at):%Y%m%d-%H%M%S}.xlsx"
    _record_export_download(request, name, exports.get_spec(job.kind))
    return FileResponse(job.file.open("rb"), as_attachment=True, filename=name)


@require_GET
@login_required
@permission_required("reporting.view_reportfile", raise_exception=True)
def dashboard(request):
    form = DashboardForm(request.GET or None, user=request.user)
    scope, period = selectors.default_scope(request.user), selectors.last_complete_month()
    if form.is_valid():
        scope = form.cleaned_data["scope"] or scope
        period = form.cleaned_data["period"] or period
    if scope is None:
        raise PermissionDenied
    data = selectors.dashboard_data(scope=scope, period=period)
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
        "heatmap": selectors.checklist_heatmap(scope=scope, period=period),
        "title": _("Dashboard"),
    }
    return render(request, "reporting/dashboard.html", context)
