from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from .selectors import reminders_of
from .services import notification_open, notifications_mark_all_read


@login_required
def my_reminders(request):
    page = Paginator(reminders_of(request.user), 50).get_page(request.GET.get("page"))
    context = {**admin.site.each_context(request), "page": page, "title": _("My reminders")}
    return render(request, "notifications/my_reminders.html", context)


@login_required
def open_reminder(request, pk):
    notification = get_object_or_404(reminders_of(request.user), pk=pk)
    notification_open(notification=notification)
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
