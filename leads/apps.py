from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LeadsConfig(AppConfig):
    name = "leads"
    verbose_name = _("ML: manage leads")

    def ready(self) -> None:
        from . import demo, hooks  # noqa: F401  (registers the demo seeder and home panel)
