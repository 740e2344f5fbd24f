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
        from core.audit import ACTION_LABELS
        from core.jobs import register_job  # the on-demand jobs (ADR 15)

        from . import listeners, rules  # noqa: F401  (rules: named permissions)
        from .api import schema  # noqa: F401  (registers the OpenAPI auth scheme)

        listeners.register()
        ACTION_LABELS.setdefault("webhook.replayed", _("Webhook delivery replayed"))
        ACTION_LABELS.setdefault("webhook.delivery_failed", _("Webhook delivery failed for good"))
        ACTION_LABELS.setdefault("revoked", _("Revoked"))

        register_job(
            name="integrations-purge-idempotency-keys",
            task="integrations.tasks.purge_idempotency_records",
            label=_("Idempotency key purge"),
            description=_("Forget idempotency keys older than a day."),
        )
        register_job(
            name="integrations-publish-milestone-events",
            task="integrations.tasks.publish_milestone_events",
            label=_("Milestone events"),
            description=_("Announce payment milestones that fell due or overdue (once each)."),
        )
