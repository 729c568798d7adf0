"""Export downloads: the button's entry point (stream now or queue a job) and the jobs' pages.

The list of a user's jobs is shown by the page settings.EXPORTS_LIST_URL_NAME names (the
report centre), which this ground app does not import.
"""

import tempfile

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from branchservice.audit import record_download

from . import services
from .models import ExportJob, JobStatus
from .registry import get_spec
from .selectors import export_queryset, querydict_to_params
from .writer import write_export


def start_export(request, *, kind, source, params):
    """The one entry point of every export button: stream now or queue a job."""
    spec = get_spec(kind)
    if spec is None:
        raise Http404
    try:
        qs = export_queryset(spec=spec, user=request.user, source=source, params=params)
        count = qs.count()
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        # Back to the list the button was on; a Referer naming another site is not followed.
        back = request.META.get("HTTP_REFERER", "")
        if not url_has_allowed_host_and_scheme(
            back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            back = settings.EXPORTS_LIST_URL_NAME
        return redirect(back)
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
    return redirect(settings.EXPORTS_LIST_URL_NAME)


def _stream_export(request, spec, qs):
    # FileResponse closes the file once sent; a temporary file then disappears by itself.
    stream = tempfile.TemporaryFile()  # noqa: SIM115
    write_export(spec=spec, queryset=qs, user=request.user, stream=stream)
    stream.seek(0)
    name = f"{spec.kind}-{timezone.localtime():%Y%m%d-%H%M%S}.xlsx"
    _record_export_download(request, name, spec)
    return FileResponse(stream, as_attachment=True, filename=name)


def _record_export_download(request, name, spec):
    # An export holds rows of the user's whole scope: the top of it is the user's branch.
    record_download(
        request=request, filename=name, branch=request.user.branch, subject=str(spec.title)
    )


# Exports start on POST (the button is a form with the list's query string in its action): a
# GET could be set off by a link, an <img> on another site or a browser's prefetch, and each
# one runs a query over the user's whole scope and records a download in their name.
@require_POST
@login_required
def export(request, kind):
    return start_export(
        request, kind=kind, source="filterset", params=querydict_to_params(request.GET)
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
    _record_export_download(request, name, get_spec(job.kind))
    return FileResponse(job.file.open("rb"), as_attachment=True, filename=name)
