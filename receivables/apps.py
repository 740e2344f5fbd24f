from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReceivablesConfig(AppConfig):
    name = "receivables"
    verbose_name = _("Cash: collections")

    def ready(self) -> None:
        from . import demo, hooks  # noqa: F401  (registers hooks and demo data)
