import logging
import time

from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError

from ..analytics import ClassificationRules
from .common import SEGMENTATION_MANAGER, run_committed_steps

_logger = logging.getLogger(__name__)

RULE_FIELDS = {
    "metric": "segmentation_abc_metric",
    "abc_window_months": "segmentation_abc_window_months",
    "xyz_window_months": "segmentation_xyz_window_months",
    "abc_threshold_a": "segmentation_abc_threshold_a",
    "abc_threshold_b": "segmentation_abc_threshold_b",
    "xyz_threshold_x": "segmentation_xyz_threshold_x",
    "xyz_threshold_y": "segmentation_xyz_threshold_y",
    "min_history_months": "segmentation_min_history_months",
}


class ResCompany(models.Model):
    _inherit = "res.company"

    segmentation_sales_source = fields.Selection(
        [("invoice", "Posted invoices"), ("order", "Confirmed sales orders")],
        string="Sales Source",
        default="invoice",
        required=True,
        help="Invoices count untaxed amounts in company currency on their invoice date; "
        "sales orders count untaxed amounts converted at the order's rate on their order date.",
    )
    segmentation_include_refunds = fields.Boolean(
        string="Net Credit Notes",
        default=True,
        help="Credit notes reduce the revenue of the month they are dated in; without this, only invoices count.",
    )
    segmentation_abc_metric = fields.Selection(
        [("revenue", "Revenue"), ("margin", "Gross margin"), ("count", "Number of invoices / orders")],
        string="ABC Metric",
        default="revenue",
        required=True,
    )
    segmentation_abc_window_months = fields.Integer(
        string="ABC Window (months)", default=12, help="Full calendar months before the run that ABC ranks."
    )
    segmentation_xyz_window_months = fields.Integer(
        string="XYZ Window (months)", default=12, help="Full calendar months whose revenue XYZ measures."
    )
    segmentation_abc_threshold_a = fields.Float(
        string="A up to (%)", default=80.0, help="Customers are A while the cumulative share before them is below this."
    )
    segmentation_abc_threshold_b = fields.Float(
        string="B up to (%)", default=95.0, help="Customers are B while the cumulative share before them is below this."
    )
    segmentation_xyz_threshold_x = fields.Float(
        string="X up to (%)", default=10.0, help="Largest coefficient of variation, in percent, of an X customer."
    )
    segmentation_xyz_threshold_y = fields.Float(
        string="Y up to (%)", default=25.0, help="Largest coefficient of variation, in percent, of a Y customer."
    )
    segmentation_min_history_months = fields.Integer(
        string="Minimum History (months)",
        default=3,
        help="Customers with fewer months since their first purchase get no XYZ class.",
    )
    segmentation_auto_recompute = fields.Boolean(
        string="Recompute on Schedule", default=True, help="Include this company in the scheduled classification."
    )
    segmentation_last_run = fields.Datetime(string="Last Classification", readonly=True, copy=False)
    segmentation_last_error = fields.Text(string="Last Classification Error", readonly=True, copy=False)

    @api.constrains(*RULE_FIELDS.values())
    def _check_segmentation_rules(self):
        messages = {
            "metric": self.env._("Choose revenue, gross margin or number of documents as the ABC metric."),
            "abc_thresholds": self.env._(
                "ABC thresholds must satisfy 0 < A < B < 100 (for example A up to 80 %, B up to 95 %)."
            ),
            "xyz_thresholds": self.env._(
                "XYZ thresholds must satisfy 0 < X < Y (for example X up to 10 %, Y up to 25 %)."
            ),
            "windows": self.env._("The ABC and XYZ windows must cover at least one month."),
            "min_history": self.env._(
                "The minimum history must be at least one month and no longer than the XYZ window."
            ),
        }
        for company in self:
            problems = company._segmentation_rules().violations()
            if problems:
                raise ValidationError(
                    self.env._(
                        "Customer segmentation settings of %(company)s: %(problems)s",
                        company=company.name,
                        problems=" ".join(messages[code] for code in problems),
                    )
                )

    def _segmentation_rules(self):
        self.ensure_one()
        return ClassificationRules(**{rule: self[field] for rule, field in RULE_FIELDS.items()})

    def action_recompute_customer_classification(self):
        """Recompute the customer classes of the companies in `self` now."""
        if not self.env.su and not self.env.user.has_group(SEGMENTATION_MANAGER):
            raise AccessError(self.env._("Only segmentation administrators can recompute customer classes."))
        classified = changed = 0
        for company in self.sudo():
            stats = company._recompute_customer_classification()
            classified += stats["customers"]
            changed += stats["written"]
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "title": self.env._("Customer classes recomputed"),
                "message": self.env._(
                    "%(customers)s customers classified, %(changed)s updated.", customers=classified, changed=changed
                ),
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def _recompute_customer_classification(self):
        self.ensure_one()
        started = time.monotonic()
        stats = self.env["customer.classification"]._run(self)
        self.write({"segmentation_last_run": fields.Datetime.now(), "segmentation_last_error": False})
        _logger.info(
            "Classified %s customers of company %s (%s updated) in %.1f s",
            stats["customers"],
            self.id,
            stats["written"],
            time.monotonic() - started,
        )
        return stats

    @api.model
    def _cron_recompute_customer_classification(self):
        """Classify every company that asks for it, each in its own committed
        step, those that waited longest first: a failure is kept on its
        company and the others still run."""
        companies = self.search(
            [("segmentation_auto_recompute", "=", True)], order="segmentation_last_run ASC NULLS FIRST, id"
        )
        run_committed_steps(
            companies,
            lambda company: company._recompute_customer_classification(),
            lambda company, error: company.write({"segmentation_last_error": str(error)}),
            "Customer classification of company",
        )
