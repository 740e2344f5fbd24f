"""The cash-in forecast from payment history (ADR 29): when each open milestone is expected
to be paid, the cash-in curve per week or month, and a backtest against the plan.

- `model`: the statistics (a customer's days-late histogram blended with a pool);
- `history`: the paid history, counted in SQL;
- `refresh`: predict the open milestones into `CashForecast` (a Celery beat job);
- `curve`: the viewer's cash-in curve and milestone predictions, policy-scoped;
- `backtest`: the forecast's error on held-out periods, against the plan.
"""

from .curve import cash_curve, milestone_forecasts
from .refresh import refresh

__all__ = ["cash_curve", "milestone_forecasts", "refresh"]
