"""Customer analytics engine: pure pandas/numpy, no Odoo import."""

from .classification import (
    ABC_METRICS,
    FACT_COLUMNS,
    MAX_WINDOW_MONTHS,
    RESULT_COLUMNS,
    ClassificationRules,
    abc_classes,
    classify,
    reconcile,
    window_bounds,
    xyz_classes,
)

__all__ = [
    "ABC_METRICS",
    "FACT_COLUMNS",
    "MAX_WINDOW_MONTHS",
    "RESULT_COLUMNS",
    "ClassificationRules",
    "abc_classes",
    "classify",
    "reconcile",
    "window_bounds",
    "xyz_classes",
]
