from django.contrib.admin.utils import unquote
from django.http import Http404, HttpResponseNotAllowed
from django.utils.translation import gettext as _
from simple_history.admin import SimpleHistoryAdmin
from simple_history.models import DeletedObject
from simple_history.template_utils import HistoricalRecordContextHelper

from .admin_site import is_id
from .pii import mask_text

EMPTY = "—"


class LabelledHistoryHelper(HistoricalRecordContextHelper):
    """History deltas as the change page reads them: a choice's label, not its code
    (跟进 "已回访", not `followed_up`), yes or no, and "—" for nothing, not `None` or
    "Deleted 业务类别 (pk=None)" for a reference that was simply empty."""

    def prepare_delta_change_value(self, change, value):
        value = super().prepare_delta_change_value(change, value)
        field = self.model._meta.get_field(change.field)
        if value is None or value == "" or (isinstance(value, DeletedObject) and value.pk is None):
            return EMPTY
        if field.choices:
            return dict(field.flatchoices).get(value, value)
        if isinstance(value, bool):
            return _("Yes") if value else _("No")
        return value


class FreeTextMaskedHistoryHelper(LabelledHistoryHelper):
    """History deltas with the numbers in every text value masked (pii.mask_text), for those
    who do not see customer data unmasked: a dictated phone number may be in any note."""

    def prepare_delta_change_value(self, change, value):
        if isinstance(value, str):
            value = mask_text(value)
        return super().prepare_delta_change_value(change, value)


class HistoryAdmin(SimpleHistoryAdmin):
    """django-simple-history's admin, with history read-only.

    SIMPLE_HISTORY_REVERT_DISABLED only hides the revert button: the page of a past version
    still saves it back on POST, past the services and their workflow rules. History is a
    record, so that page answers GET only. Every admin with history uses this class.

    The history pages look their row up with the id from the URL as it stands, so a made-up
    id (…/abc/history/) raised inside the query: it is simply not found.
    """

    def get_historical_record_context_helper(self, request, historical_record):
        return LabelledHistoryHelper(self.model, historical_record)

    def history_view(self, request, object_id, extra_context=None):
        _known_id_or_404(object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET"])
        _known_id_or_404(object_id)
        return super().history_form_view(request, object_id, version_id, extra_context)


def _known_id_or_404(object_id):
    if not is_id(unquote(object_id)):
        raise Http404
