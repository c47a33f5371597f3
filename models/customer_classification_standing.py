from odoo import api, fields, models
from odoo.tools import SQL

from ..analytics import RELATIVE_COLUMNS
from ..tools.frames import stage_frame
from ..tools.sync import leave_room_for_updates, sync_staged
from .common import MONEY_READERS, Many2oneWithoutForeignKey

# the SQL type of each figure (RELATIVE_COLUMNS)
FIGURE_TYPES = {"abc_share": "numeric", "abc_cumulative_share": "numeric", "priority_rank": "int4"}


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

    company_id = Many2oneWithoutForeignKey("res.company", required=True, readonly=True, ondelete="cascade")
    partner_id = Many2oneWithoutForeignKey(
        "res.partner", string="Customer", required=True, readonly=True, ondelete="cascade"
    )
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
            {"partner_id": "int4", **FIGURE_TYPES},
            standings.reset_index(),
        )
        written = sync_staged(self, company, staged, keys=("partner_id",), values=RELATIVE_COLUMNS)
        self.env.cr.execute(SQL("DROP TABLE %s", staged))
        self.env["res.partner"].invalidate_model(list(RELATIVE_COLUMNS))
        return written

    @api.model
    def _figures(self, company, partner_ids):
        """{partner id: (share, cumulative share, rank)} of the customers
        `partner_ids` with a standing in `company`."""
        rows = self.env.execute_query(
            SQL(
                "SELECT partner_id, abc_share, abc_cumulative_share, priority_rank FROM %s"
                " WHERE company_id = %s AND partner_id = ANY(%s)",
                SQL.identifier(self._table),
                company.id,
                partner_ids,
            )
        )
        return {partner_id: tuple(figures) for partner_id, *figures in rows}

    @api.model
    def _store_figure(self, company, fname, values):
        """Set the figure `fname` ({partner id: value}) of customers of
        `company`, their other figures as they are (a new standing has none)."""
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO %(table)s (company_id, partner_id, %(column)s)
                SELECT %(company)s, * FROM unnest(%(partners)s::int4[], %(values)s::%(type)s[])
                    ON CONFLICT (company_id, partner_id) DO UPDATE SET %(column)s = EXCLUDED.%(column)s
                """,
                table=SQL.identifier(self._table),
                column=SQL.identifier(fname),
                company=company.id,
                partners=list(values),
                values=list(values.values()),
                type=SQL(FIGURE_TYPES[fname]),
            )
        )
        self.invalidate_model([fname])
        self.env["res.partner"].invalidate_model([fname])

    @api.model
    def _forget(self, partners):
        """Delete the standings of `partners` in every company (merged into
        another customer, whose own standing stands until the next run)."""
        self.env.cr.execute(SQL("DELETE FROM %s WHERE partner_id = ANY(%s)", SQL.identifier(self._table), partners.ids))
        self.invalidate_model()
