from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class BranchServiceConfig(AppConfig):
    default = True
    name = "branchservice"
    verbose_name = _("Organisation")

    def ready(self):
        from django.db.models.signals import post_migrate

        # Imported for their signal receivers: the calendar's cache invalidation, and the
        # session refresh time noted at login.
        from . import calendar, sessions  # noqa: F401
        from .roles import sync_role_permissions

        # Permissions of every app exist only after migrate; keep each role's set in step
        # with the table in roles.py whenever the schema changes.
        post_migrate.connect(sync_role_permissions, dispatch_uid="branchservice.roles")


class BranchServiceAdminConfig(admin_apps.AdminConfig):
    default = False
    default_site = "branchservice.admin_site.BranchServiceAdminSite"
