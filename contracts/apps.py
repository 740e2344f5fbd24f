from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContractsConfig(AppConfig):
    name = "contracts"
    verbose_name = _("MCE: manage contract execution")

    def ready(self) -> None:
        from . import demo, gates, hooks  # noqa: F401  (registers gates, hooks, demo data)
