from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from .selectors import reminders_of
from .services import notification_open, notifications_mark_all_read, notifications_settle

# The reminder page's filter: what still needs doing (first), what was done since, all.
SHOW = {"todo": _("Still to do"), "done": _("Done"), "all": _("All")}


@login_required
def my_reminders(request):
    mine = reminders_of(request.user)
    # Settled here, for the reader, so that the list is of the present, not of the last scan.
    notifications_settle(notifications=mine.unsettled().select_related("content_type"))
    show = request.GET.get("show") if request.GET.get("show") in SHOW else "todo"
    shown = {"todo": mine.still_to_do(), "done": mine.exclude(done_at=None), "all": mine}[show]
    page = Paginator(shown, 50).get_page(request.GET.get("page"))
    context = {
        **admin.site.each_context(request),
        "page": page,
        "show": show,
        "filters": list(SHOW.items()),
        "title": _("My reminders"),
    }
    return render(request, "notifications/my_reminders.html", context)


@login_required
def open_reminder(request, pk):
    notification = get_object_or_404(reminders_of(request.user), pk=pk)
    notification_open(notification=notification)
    notifications_settle(notifications=[notification])
    if notification.url and url_has_allowed_host_and_scheme(
        notification.url, allowed_hosts={request.get_host()}
    ):
        return redirect(notification.url)
    return redirect("notifications:mine")


@require_POST
@login_required
def mark_all_read(request):
    notifications_mark_all_read(user=request.user)
    return redirect("notifications:mine")
