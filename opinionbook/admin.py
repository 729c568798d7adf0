from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from branchservice.history import HistoryAdmin
from branchservice.scoping import ScopedAdminMixin
from complaints.models import Complaint

from .models import OpinionBook
from .poster import poster_of


@admin.register(OpinionBook)
class OpinionBookAdmin(ScopedAdminMixin, HistoryAdmin):
    """Outlets switch their online opinion book on and off; the entries are in the register."""

    scope_via = "outlet"
    list_display = ["outlet", "is_open", "public_page", "poster", "entries"]
    list_filter = ["is_open"]
    list_select_related = ["outlet"]
    search_fields = ["outlet__code", "outlet__name"]
    fields = ["outlet", "is_open"]
    actions = ["switch_on", "switch_off"]

    def get_queryset(self, request):
        # Counted as every report counts entries: voided spam and merged duplicates are not.
        online = Q(outlet__complaints__channel=Complaint.Channel.OPINION_BOOK_ONLINE) & ~Q(
            outlet__complaints__status__in=Complaint.NOT_COUNTED
        )
        return (
            super()
            .get_queryset(request)
            .annotate(entry_count=Count("outlet__complaints", filter=online))
        )

    def get_fields(self, request, obj=None):
        return [*self.fields, "poster"] if obj is not None else self.fields

    def get_readonly_fields(self, request, obj=None):
        # A book belongs to its outlet for good: its history stays with it.
        return ["outlet", "poster"] if obj is not None else []

    def get_urls(self):
        poster = path(
            "<path:object_id>/poster/",
            self.admin_site.admin_view(self.poster_view),
            name="opinionbook_opinionbook_poster",
        )
        return [poster, *super().get_urls()]

    def poster_view(self, request, object_id):
        """The A4 poster of one outlet's book, to print from the browser."""
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        book = self.get_object(request, object_id)
        if book is None:  # not in the user's scope, or no such book
            raise Http404
        context = {"poster": poster_of(book), "printed_at": timezone.now()}
        return TemplateResponse(request, "admin/opinionbook/opinionbook/poster.html", context)

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("public page"))
    def public_page(self, obj):
        url = reverse("opinionbook:book", args=[obj.outlet.code])
        return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', url, url)

    @admin.display(description=_("poster"))
    def poster(self, obj):
        url = reverse("admin:opinionbook_opinionbook_poster", args=[obj.pk])
        return format_html('<a href="{}" target="_blank">{}</a>', url, _("Print the poster"))

    @admin.display(description=_("online entries"), ordering="entry_count")
    def entries(self, obj):
        query = urlencode(
            {"branch": obj.outlet_id, "channel__exact": Complaint.Channel.OPINION_BOOK_ONLINE}
        )
        url = f"{reverse('admin:complaints_complaint_changelist')}?{query}"
        return format_html('<a href="{}">{}</a>', url, obj.entry_count)

    def _switch(self, request, queryset, is_open):
        changed = 0
        for book in queryset.exclude(is_open=is_open):
            book.is_open = is_open
            book.save()  # one by one: each switch is in the book's history
            changed += 1
        self.message_user(
            request,
            ngettext("%(n)d opinion book switched.", "%(n)d opinion books switched.", changed)
            % {"n": changed},
            messages.SUCCESS,
        )

    @admin.action(
        description=_("Open the selected opinion books to customers"), permissions=["change"]
    )
    def switch_on(self, request, queryset):
        self._switch(request, queryset, True)

    @admin.action(description=_("Close the selected opinion books"), permissions=["change"])
    def switch_off(self, request, queryset):
        self._switch(request, queryset, False)
