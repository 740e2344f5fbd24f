"""Pages of key-account management, one module per page family. Writes go through the services;
figures through the same selectors as the API, so a page's table and the API always agree."""

from .customers import (
    CriteriaCreatePage,
    CriteriaEditPage,
    CriteriaListPage,
    DriverCreatePage,
    OverviewPage,
    ProfileEditPage,
    RecomputeView,
    SettingsPage,
    TierOverrideClearView,
    TierOverridePage,
)
from .dashboards import (
    CollectionsPage,
    DashboardPage,
    FunnelPage,
    PipelinePage,
    PresalesPage,
    RenewalsPage,
)
from .home import home_panel
from .plans import (
    ActionStatusView,
    PlanActionCreatePage,
    PlanCreatePage,
    PlanListPage,
    PlanPage,
    PlanTargetCreatePage,
)
from .targets import (
    CommitmentCreatePage,
    CommitmentsPage,
    TargetAdjustPage,
    TargetCreatePage,
    TargetListPage,
    TargetPage,
)

__all__ = [
    "ActionStatusView",
    "CollectionsPage",
    "CommitmentCreatePage",
    "CommitmentsPage",
    "CriteriaCreatePage",
    "CriteriaEditPage",
    "CriteriaListPage",
    "DashboardPage",
    "DriverCreatePage",
    "FunnelPage",
    "OverviewPage",
    "PipelinePage",
    "PlanActionCreatePage",
    "PlanCreatePage",
    "PlanListPage",
    "PlanPage",
    "PlanTargetCreatePage",
    "PresalesPage",
    "ProfileEditPage",
    "RecomputeView",
    "RenewalsPage",
    "SettingsPage",
    "TargetAdjustPage",
    "TargetCreatePage",
    "TargetListPage",
    "TargetPage",
    "TierOverrideClearView",
    "TierOverridePage",
    "home_panel",
]
