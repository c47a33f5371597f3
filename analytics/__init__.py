"""Customer analytics engine: pure pandas/numpy, no Odoo import."""

from .classification import (
    ABC_METRICS,
    FACT_COLUMNS,
    MAX_WINDOW_MONTHS,
    OWN_COLUMNS,
    RELATIVE_COLUMNS,
    RESULT_COLUMNS,
    ClassificationRules,
    ClassLimits,
    abc_classes,
    classify,
    computed_abc_limits,
    reconcile,
    share_xyz_limits,
    window_bounds,
    xyz_classes,
    xyz_variation,
)

__all__ = [
    "ABC_METRICS",
    "FACT_COLUMNS",
    "MAX_WINDOW_MONTHS",
    "OWN_COLUMNS",
    "RELATIVE_COLUMNS",
    "RESULT_COLUMNS",
    "ClassLimits",
    "ClassificationRules",
    "abc_classes",
    "classify",
    "computed_abc_limits",
    "reconcile",
    "share_xyz_limits",
    "window_bounds",
    "xyz_classes",
    "xyz_variation",
]
