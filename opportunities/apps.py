from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpportunitiesConfig(AppConfig):
    name = "opportunities"
    verbose_name = _("MO: manage opportunities")

    def ready(self) -> None:
        from . import demo, gates, hooks  # noqa: F401  (registers gates, hooks, demo data)
