from odoo import api, fields, models
from odoo.tools import SQL

from ..analytics import RELATIVE_COLUMNS
from ..tools.frames import stage_frame
from ..tools.sync import leave_room_for_updates, sync_rows
from .common import MONEY_READERS


class CustomerClassificationStanding(models.Model):
    """Each classified customer's standing in its company's client base: its
    share of the ABC metric, the cumulative share up to it and its rank in
    the priority lists (the res.partner fields of the same names read them
    here). They move with every other customer's figures, so that a run
    after a few documents changed moves nearly all of them: kept in this
    narrow table rather than in the partner's own row, whose rewrite (a wide
    row and some thirty indexes) was the costliest write of a nightly run."""

    _name = "customer.classification.standing"
    _description = "Customer Standing in the Classification"
    _order = "priority_rank"
    _rec_name = "partner_id"
    _log_access = False

    company_id = fields.Many2one("res.company", required=True, readonly=True, ondelete="cascade")
    partner_id = fields.Many2one("res.partner", string="Customer", required=True, readonly=True, ondelete="cascade")
    abc_share = fields.Float(string="Share (%)", digits=(16, 4), readonly=True, groups=MONEY_READERS)
    abc_cumulative_share = fields.Float(
        string="Cumulative Share (%)", digits=(16, 4), readonly=True, groups=MONEY_READERS
    )
    priority_rank = fields.Integer(string="Priority", readonly=True)

    _company_partner_unique = models.UniqueIndex("(company_id, partner_id)")

    def init(self):
        leave_room_for_updates(self)

    @api.model
    def _store(self, company, standings):
        """Make the standings of `company` those of the frame `standings`
        (RELATIVE_COLUMNS, indexed by partner id): the customers missing from
        it have none. Returns the rows written."""
        staged = stage_frame(
            self.env.cr,
            "customer_classification_standing_new",
            {"partner_id": "int4", "abc_share": "numeric", "abc_cumulative_share": "numeric", "priority_rank": "int4"},
            standings.reset_index(),
        )
        written = sync_rows(
            self,
            company,
            SQL("SELECT * FROM %s", staged),
            keys=("partner_id",),
            values=RELATIVE_COLUMNS,
        )
        self.env.cr.execute(SQL("DROP TABLE %s", staged))
        self.env["res.partner"].invalidate_model(list(RELATIVE_COLUMNS))
        return written
