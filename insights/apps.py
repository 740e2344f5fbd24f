from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightsConfig(AppConfig):
    name = "insights"
    verbose_name = _("Insights")

    def ready(self) -> None:
        from core.jobs import register_job  # the on-demand jobs (ADR 15)

        from . import hooks, rules  # noqa: F401  (registers the panel, expression and rule)

        register_job(
            name="insights-gate-flow",
            task="insights.tasks.gate_flow_refresh",
            label=_("Gate-flow rollup"),
            description=_(
                "Bring the gate-flow rollup up to date: the steps of every deal whose audit "
                "trail changed since the last run, rebuilt from its trail."
            ),
        )
        register_job(
            name="insights-win-model",
            task="insights.tasks.win_model_train",
            label=_("Win model"),
            description=_(
                "Retrain the win model from the closed deals and predict every open deal "
                "(nightly by itself)."
            ),
        )
