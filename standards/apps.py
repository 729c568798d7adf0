from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StandardsConfig(AppConfig):
    name = "standards"
    verbose_name = _("Service standards")

    def ready(self):
        from branchservice.exports.registry import register

        from .exports import SPECS

        for spec in SPECS:
            register(spec)
