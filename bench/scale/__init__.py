"""The enterprise-size data set of the benchmarks, written by `manage.py generate_scale_data`.

The rows are written directly (not through services), so the generator keeps the invariants
the services would: states match the gates passed and the money, the books reconcile
(`receivables.selectors.reconciliation` is empty), names are normalised, numbers derived.
It writes no audit trail: the generated records have no history.

`shapes` holds the counts and distributions; `generator.ScaleData` runs the parts in order,
each part a mixin: `parties`, `pipeline`, `money`.
"""

from .generator import ScaleData
from .shapes import DEFAULTS

__all__ = ["DEFAULTS", "ScaleData"]
