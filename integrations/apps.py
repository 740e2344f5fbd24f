from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegrationsConfig(AppConfig):
    """Machinery for systems that talk to the CRM: API keys, idempotent POSTs, webhooks.

    It sits at the top of the value stream: it listens to every stage's business events
    (core.hooks) and nothing below imports it.
    """

    name = "integrations"
    verbose_name = _("Integrations")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import listeners
        from .api import schema  # noqa: F401  (registers the OpenAPI auth scheme)

        listeners.register()
