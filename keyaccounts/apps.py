from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KeyAccountsConfig(AppConfig):
    name = "keyaccounts"
    verbose_name = _("Key-account management")

    def ready(self) -> None:
        from core.jobs import register_job  # the on-demand jobs (ADR 15)

        from . import demo, hooks, rules  # noqa: F401  (registers hooks, panels, rules, demo data)
        from .services import may_recompute_tiers

        register_job(
            name="keyaccounts-recompute-tiers",
            task="keyaccounts.tasks.recompute_tiers",
            label=_("Tier recompute"),
            description=_("Place every customer the tier criteria cover in its tier."),
            may_run=may_recompute_tiers,
            pass_by=True,
        )
        register_job(
            name="keyaccounts-refresh-funnel-rollup",
            task="keyaccounts.tasks.refresh_funnel_rollup_dirty",
            label=_("Funnel rollup refresh"),
            description=_("Recount the manager funnel's rollup where deals changed since."),
        )
        register_job(
            name="keyaccounts-rebuild-funnel-rollup",
            task="keyaccounts.tasks.refresh_funnel_rollup",
            label=_("Funnel rollup rebuild"),
            description=_("Rebuild the manager funnel's rollup."),
        )
        register_job(
            name="keyaccounts-refresh-matrix",
            task="keyaccounts.tasks.refresh_matrix",
            label=_("Customer matrix refresh"),
            description=_("Recompute every profile's potential and matrix quadrant."),
        )
        register_job(
            name="keyaccounts-open-renewals",
            task="keyaccounts.tasks.open_renewal_opportunities",
            label=_("Renewal opportunities"),
            description=_("Open the renewal opportunities due today (one per contract, ever)."),
        )
