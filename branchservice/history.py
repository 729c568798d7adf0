from django.http import HttpResponseNotAllowed
from simple_history.admin import SimpleHistoryAdmin


class HistoryAdmin(SimpleHistoryAdmin):
    """django-simple-history's admin, with history read-only.

    SIMPLE_HISTORY_REVERT_DISABLED only hides the revert button: the page of a past version
    still saves it back on POST, past the services and their workflow rules. History is a
    record, so that page answers GET only. Every admin with history uses this class.
    """

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET"])
        return super().history_form_view(request, object_id, version_id, extra_context)
