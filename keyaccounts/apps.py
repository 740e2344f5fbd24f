from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KeyAccountsConfig(AppConfig):
    name = "keyaccounts"
    verbose_name = _("Key-account management")

    def ready(self) -> None:
        from . import demo, hooks  # noqa: F401  (registers hooks, panels and demo data)
