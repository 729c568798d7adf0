"""The audit trail beyond model history.

- Changes to rows: django-simple-history on each model (who, when, what; m2m roles included).
- Logins, logouts and failed logins: django-axes' AccessLog and AccessFailureLog; a wrong
  second-factor code is a failed login too (`record_wrong_second_factor`).
- File downloads: `record_download`, which every view that hands out a file calls.
All three are read-only in the admin, for head office and auditors within their scope.
"""

from axes.helpers import (
    get_client_http_accept,
    get_client_ip_address,
    get_client_path_info,
    get_client_user_agent,
)
from axes.models import AccessFailureLog
from django.http import HttpRequest

from .models import Branch, FileDownload


def record_download(
    *, request: HttpRequest, filename: str, branch: Branch | None, subject: str = ""
) -> FileDownload:
    """Record that `request.user` downloaded `filename`.

    `branch` is the branch whose data the file holds (a complaint's branch for an attachment,
    the root of a report's scope for a workbook; None for a bank-wide file, which only head
    office then sees in the log). `subject` says what it was, e.g. "投诉 TS-2026-00017 附件";
    it must not contain customer personal data. Call it when the response is built, before the
    file is returned.
    """
    user = request.user if request.user.is_authenticated else None
    return FileDownload.objects.create(
        user=user,
        username=user.get_username() if user else "",
        branch=branch,
        filename=filename[:255],
        subject=subject[:255],
        ip_address=get_client_ip_address(request),
    )


def record_wrong_second_factor(request: HttpRequest) -> AccessFailureLog:
    """A wrong code after the right password, in the failed-login log: it tells the auditors
    that someone else knows `request.user`'s password (the path says it was the code page)."""
    return AccessFailureLog.objects.create(
        username=request.user.get_username(),
        ip_address=get_client_ip_address(request),
        user_agent=get_client_user_agent(request)[:255],
        http_accept=get_client_http_accept(request)[:1025],
        path_info=get_client_path_info(request)[:255],
    )
