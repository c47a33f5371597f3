from odoo import api, fields, models
from odoo.tools import SQL

from ..tools.frames import stage_rows
from .res_partner import _classification_field

LIFECYCLE_STATUSES = [
    ("new", "New"),
    ("active", "Active"),
    ("at_risk", "At Risk"),
    ("lost", "Lost"),
    ("returned", "Returned"),
]


class ResPartner(models.Model):
    _inherit = "res.partner"  # pylint: disable=consider-merging-classes-inherited

    lifecycle_status = _classification_field(
        fields.Selection,
        "Lifecycle Status",
        "Where the customer stands in the company's client base, from its monthly purchases and the churn "
        "threshold: new (first purchase within the threshold), active, at risk (no purchase for half the "
        "threshold), lost (none for the whole threshold), returned (bought again after being lost, within the "
        "threshold). Set by the classification run.",
        selection=LIFECYCLE_STATUSES,
    )

    @api.model
    def _write_lifecycle_status(self, company, status):
        """Store `status` (a Series partner_id -> status) as the statuses of
        `company`; customers missing from it lose theirs. Only the partners
        whose status changes are written. Returns how many."""
        key = str(company.id)
        staged = stage_rows(
            self.env.cr,
            "customer_lifecycle_new",
            {"id": "int4", "status": "varchar"},
            [[int(partner) for partner in status.index], [str(value) for value in status]],
        )
        cr = self.env.cr
        cr.execute(
            SQL(
                """
                UPDATE res_partner partner
                   SET lifecycle_status = COALESCE(partner.lifecycle_status, '{}'::jsonb)
                                          || jsonb_build_object(%(key)s, new.status)
                  FROM %(staged)s new
                 WHERE partner.id = new.id
                   AND (partner.lifecycle_status ->> %(key)s) IS DISTINCT FROM new.status
                """,
                key=key,
                staged=staged,
            )
        )
        written = cr.rowcount
        # the customers that lose their status, found by EXCEPT (a hashed set
        # operation): as NOT EXISTS, PostgreSQL planned an anti-join as a
        # nested loop while its statistics lagged (99,026 x 99,026
        # comparisons, four minutes on the benchmark)
        cr.execute(
            SQL(
                """
                UPDATE res_partner partner
                   SET lifecycle_status = partner.lifecycle_status - %(key)s
                  FROM (SELECT id FROM res_partner WHERE lifecycle_status ? %(key)s
                        EXCEPT SELECT id FROM %(staged)s) AS gone
                 WHERE partner.id = gone.id
                """,
                key=key,
                staged=staged,
            )
        )
        written += cr.rowcount
        cr.execute(SQL("DROP TABLE %s", staged))
        self.invalidate_model(["lifecycle_status"])
        return written
