from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpinionBookConfig(AppConfig):
    name = "opinionbook"
    verbose_name = _("Customer opinion book (online)")
