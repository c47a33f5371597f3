from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.fields import Domain

from ..analytics import RESULT_COLUMNS

ABC_CLASSES = [("A", "A"), ("B", "B"), ("C", "C")]
XYZ_CLASSES = [("X", "X"), ("Y", "Y"), ("Z", "Z")]
ABC_XYZ_CELLS = [(abc + xyz, abc + xyz) for abc, _label in ABC_CLASSES for xyz, _label2 in XYZ_CLASSES]
SEGMENTATION_MANAGER = "customer_segmentation.group_customer_segmentation_manager"
CLASSIFICATION_FIELDS = frozenset(RESULT_COLUMNS)


def _classification_field(field_type, string, help_text, **kwargs):
    """A per-company figure written by the classification run only.

    No btree index: searches read the company's key in the JSON column, which
    such an index does not serve, and every index slows the bulk write-back.
    """
    return field_type(
        string=string, help=help_text, company_dependent=True, readonly=True, copy=False, index=False, **kwargs
    )


class ResPartner(models.Model):
    _inherit = "res.partner"

    abc_class = _classification_field(
        fields.Selection,
        "ABC Class",
        "Importance of the customer in the company's sales: the manual class when an administrator set one, "
        "otherwise the computed class.",
        selection=ABC_CLASSES,
    )
    abc_class_computed = _classification_field(
        fields.Selection,
        "Computed ABC Class",
        "ABC class from the last classification run.",
        selection=ABC_CLASSES,
    )
    abc_class_manual = fields.Selection(
        ABC_CLASSES,
        string="Manual ABC Class",
        company_dependent=True,
        copy=False,
        index=False,
        groups=SEGMENTATION_MANAGER,
        help="Set by an administrator, this class wins over the computed one until it is cleared.",
    )
    abc_class_overridden = fields.Boolean(
        string="Class Set by Hand",
        compute="_compute_abc_class_overridden",
        search="_search_abc_class_overridden",
        help="The ABC class was set by hand and differs from the computed class.",
    )
    xyz_class = _classification_field(
        fields.Selection,
        "XYZ Class",
        "Stability of monthly purchases: X regular, Y fluctuating, Z occasional.",
        selection=XYZ_CLASSES,
    )
    abc_xyz_class = _classification_field(
        fields.Selection,
        "ABC-XYZ Cell",
        "ABC class and XYZ class together.",
        selection=ABC_XYZ_CELLS,
    )
    abc_metric_value = _classification_field(
        fields.Float,
        "ABC Metric",
        "Value of the ABC metric (revenue, margin or number of documents) in the ABC window.",
    )
    abc_share = _classification_field(fields.Float, "Share (%)", "Share of the company's ABC metric in the window.")
    abc_cumulative_share = _classification_field(
        fields.Float,
        "Cumulative Share (%)",
        "Share of the customers ranked up to and including this one.",
    )
    classification_revenue = _classification_field(
        fields.Float,
        "Revenue in Window",
        "Net untaxed revenue in company currency over the ABC window.",
        digits="Account",
    )
    classification_margin = _classification_field(
        fields.Float,
        "Margin in Window",
        "Revenue minus product cost over the ABC window.",
        digits="Account",
    )
    classification_document_count = _classification_field(
        fields.Integer, "Documents in Window", "Invoices or sales orders in the ABC window."
    )
    xyz_variation = _classification_field(
        fields.Float,
        "Coefficient of Variation",
        "Standard deviation of monthly revenue divided by its mean, over the XYZ window.",
        digits=(16, 4),
    )
    purchase_month_count = _classification_field(
        fields.Integer, "Months with Purchases", "Calendar months of the ABC window with at least one sale."
    )
    first_purchase_date = _classification_field(fields.Date, "First Purchase", "Date of the first sale ever.")
    last_purchase_date = _classification_field(fields.Date, "Last Purchase", "Date of the latest sale.")
    class_change_date = _classification_field(
        fields.Date, "Class Changed On", "Date of the run that last changed the computed ABC or XYZ class."
    )
    classification_history_ids = fields.One2many(
        "customer.classification.history",
        "partner_id",
        string="Class History",
        domain=lambda self: [("company_id", "=", self.env.company.id)],
    )

    @api.depends_context("company")
    @api.depends("abc_class", "abc_class_computed")
    def _compute_abc_class_overridden(self):
        for partner in self:
            partner.abc_class_overridden = partner.abc_class != partner.abc_class_computed

    def _search_abc_class_overridden(self, operator, value):
        if operator != "in":
            return NotImplemented
        # only the few customers with a manual class can differ
        with_manual = self.env["res.partner"].sudo().with_context(active_test=False)
        with_manual = with_manual.search([("abc_class_manual", "!=", False)])
        overridden = with_manual.filtered(lambda p: p.abc_class != p.abc_class_computed)
        condition = Domain("id", "in", overridden.ids)
        return condition if True in value else ~condition

    def write(self, vals):
        computed = vals.keys() & CLASSIFICATION_FIELDS
        if computed and not self.env.su:
            if not self.env.context.get("customer_segmentation_skip_classification"):
                raise AccessError(
                    self.env._(
                        "Customer classes are computed by the classification run; "
                        "an administrator can set a manual ABC class instead."
                    )
                )
            vals = {name: value for name, value in vals.items() if name not in computed}
        result = super().write(vals)
        if "abc_class_manual" in vals:
            self._apply_manual_abc_class()
        return result

    def _apply_manual_abc_class(self):
        """Make the effective class and cell follow a manual class that was
        just set or cleared, in the current company."""
        partners = self.sudo()
        for (manual, computed, xyz), group in partners.grouped(
            lambda p: (p.abc_class_manual, p.abc_class_computed, p.xyz_class)
        ).items():
            effective = manual or computed
            group.write({"abc_class": effective, "abc_xyz_class": effective and xyz and effective + xyz})
