from axes.apps import AppConfig as AxesAppConfig
from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class BranchServiceConfig(AppConfig):
    default = True
    name = "branchservice"
    verbose_name = _("Organisation")

    def ready(self):
        from django.db.models.signals import post_migrate

        # Imported for their signal receivers: the calendar's cache invalidation, the
        # session refresh time noted at login, whether the session owes a second factor, and
        # the end of the sessions that passed it with a device that is removed.
        from . import calendar, sessions  # noqa: F401
        from .roles import sync_role_permissions
        from .twofactor import middleware  # noqa: F401

        # Permissions of every app exist only after migrate; keep each role's set in step
        # with the table in roles.py whenever the schema changes.
        post_migrate.connect(sync_role_permissions, dispatch_uid="branchservice.roles")

        # Services queue tasks by name (branchservice.jobs). A worker registers every app's
        # tasks.py when it starts; web processes (and eager tests) need them registered too,
        # or a task queued by name would bypass them. All models are loaded by now.
        from .celery import app as celery_app

        celery_app.autodiscover_tasks(force=True)


class BranchServiceAdminConfig(admin_apps.AdminConfig):
    default = False
    default_site = "branchservice.admin_site.BranchServiceAdminSite"


class AxesConfig(AxesAppConfig):
    """django-axes with a name in the admin's list of apps: its own is the bare label "Axes",
    untranslated, at the top of the auditors' and head office's admin."""

    verbose_name = _("Login records")
