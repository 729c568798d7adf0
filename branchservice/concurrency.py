"""Optimistic locking: two people editing the same record, the second save is refused.

A model that needs it inherits `VersionedModel` (a `version` counter). The edit form carries
the version the user saw (`VersionedFormMixin`, field `seen_version`); saving goes through
`save_versioned`, which bumps the counter with `UPDATE ... WHERE version = seen` in the same
transaction as the save, so of two concurrent saves exactly one wins, on SQLite and on
PostgreSQL alike. The loser gets a clear message naming who changed the record meanwhile
(taken from django-simple-history, when the model has it) instead of silently overwriting.

In the admin: `class XAdmin(ScopedAdminMixin, VersionedAdminMixin, HistoryAdmin)`.
In a service: `save_versioned(obj, expected_version=seen_version)` inside its transaction.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F
from django.http import HttpResponseRedirect
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class VersionedModel(models.Model):
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    class Meta:
        abstract = True


class ConcurrentChange(ValidationError):
    """Raised when the row changed since the user loaded it."""


def changed_meanwhile_message(obj) -> str:
    """ "王五 changed this calendar override meanwhile (14:05)…", from the newest history row."""
    latest = None
    if hasattr(obj, "history"):
        latest = obj.history.select_related("history_user").order_by("-history_id").first()
    params = {"model": obj._meta.verbose_name}
    if latest is not None and latest.history_user is not None:
        params["who"] = latest.history_user.get_full_name()
        params["when"] = timezone.localtime(latest.history_date).strftime("%Y-%m-%d %H:%M")
        return (
            gettext(
                "%(who)s changed this %(model)s meanwhile (at %(when)s). Reload the page to "
                "see their changes, then make yours again."
            )
            % params
        )
    return (
        gettext(
            "Someone else changed this %(model)s meanwhile. Reload the page to see their "
            "changes, then make yours again."
        )
        % params
    )


def current_version(obj) -> int | None:
    return type(obj)._base_manager.filter(pk=obj.pk).values_list("version", flat=True).first()


def save_versioned(obj, *, expected_version: int, **save_kwargs) -> None:
    """Save `obj` only if its row still has `expected_version`; the saved row gets the next
    version. Raises ConcurrentChange (and saves nothing) otherwise."""
    with transaction.atomic():
        # The UPDATE takes the row lock: a concurrent saver waits, then finds the new version
        # and updates nothing.
        bumped = (
            type(obj)
            ._base_manager.filter(pk=obj.pk, version=expected_version)
            .update(version=F("version") + 1)
        )
        if not bumped:
            raise ConcurrentChange(changed_meanwhile_message(obj), code="changed_meanwhile")
        obj.version = expected_version + 1
        obj.save(**save_kwargs)


class VersionedFormMixin(forms.Form):
    """ModelForm mixin: carries the version the user loaded and refuses a stale save early,
    with the message on the form (save_versioned still guards the last instant)."""

    seen_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.fields["seen_version"].initial = self.instance.version

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is not None:
            seen = cleaned.get("seen_version")
            if seen is None or seen != current_version(self.instance):
                raise ConcurrentChange(
                    changed_meanwhile_message(self.instance), code="changed_meanwhile"
                )
        return cleaned


class VersionedAdminMixin:
    """ModelAdmin mixin for a VersionedModel: the change form refuses stale saves."""

    def get_form(self, request, obj=None, change=False, **kwargs):
        base = kwargs.get("form", self.form)
        if not issubclass(base, VersionedFormMixin):
            kwargs["form"] = type(base.__name__, (VersionedFormMixin, base), {})
        return super().get_form(request, obj, change, **kwargs)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or any("seen_version" in opts["fields"] for _name, opts in fieldsets):
            return fieldsets
        return [*fieldsets, (None, {"fields": ["seen_version"]})]

    def save_model(self, request, obj, form, change):
        if change:
            save_versioned(obj, expected_version=form.cleaned_data["seen_version"])
        else:
            super().save_model(request, obj, form, change)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # A save that lost the race in the last instant (after the form's own check): the
        # admin's transaction has rolled back; tell the user and show the current record.
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ConcurrentChange as exc:
            self.message_user(request, exc.messages[0], messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())
