"""Names, labels and the fields of their own kind shared by the addon's
models, with what a deletion does to the rows of those without a foreign
key (apply_ondelete)."""

from odoo import fields
from odoo.tools import SQL
from odoo.tools.translate import LazyTranslate

_lt = LazyTranslate(__name__)

SEGMENTATION_MANAGER = "customer_segmentation.group_customer_segmentation_manager"
SALES_USER = "sales_team.group_sale_salesman"
# Money summed from the sales documents: readable by whoever may read every
# posted invoice and confirmed order of a customer, never more widely.
MONEY_READERS = "sales_team.group_sale_salesman_all_leads,account.group_account_invoice,account.group_account_readonly"
# the current members of the segments: a view over the open stays of their
# history, created by customer.segment.membership (see SegmentMembers)
MEMBER_TABLE = "customer_segment_res_partner_rel"
# "bought in the last N months" criteria of segment rules
PURCHASE_WINDOWS = (3, 6, 12)

# The names of empty groups: a grouped view (pivot, graph, grouped list)
# names the rows without a value by their field's `falsy_value_label`, or
# "None" when it has none; the review names its empty groups by the same
# attribute of the report field it groups by. Translated when shown.
NO_SALESPERSON = _lt("No salesperson")
NO_SALES_TEAM = _lt("No sales team")
NOT_CLASSIFIED = _lt("Not classified")
NO_XYZ_CLASS = _lt("No XYZ class")
NO_SEGMENT = _lt("No segment")
NO_COUNTRY = _lt("No country")
NO_STATE = _lt("No state")
NO_INDUSTRY = _lt("No industry")
NO_TAGS = _lt("No tags")
NO_PRICELIST = _lt("No pricelist")
NO_PAYMENT_TERMS = _lt("No payment terms")
NO_STATUS = _lt("No status")
NOT_COMPARED = _lt("Not compared")
WITHOUT_PLAN = _lt("Without a plan")
# who compared: the run, for the comparisons it makes itself
CLASSIFICATION_RUN = _lt("Classification run")


class SegmentMembers(fields.Many2many):
    """The members of the segments (`customer.segment.partner_ids` and its
    inverse `res.partner.segment_ids`): a many2many that Odoo reads, searches
    and groups by as any other, through MEMBER_TABLE, a view over the open
    stays of `customer.segment.membership`. A customer's stay is thus written
    once, as one history row, instead of a relation row plus a history row
    (each with its foreign key checks: most of the first refresh of a large
    segment). Odoo creates no relation table and no foreign key for it;
    members change through `customer.segment._apply_members` only.

    Core has no many2many over a view. It stays because the alternative, a
    relation table kept beside the history, wrote every member twice and
    made the first refresh of 50 segments on 100,000 customers exceed its
    3x target (see the segment benchmark); it goes if core ever offers a
    many2many read from a query."""

    def update_db(self, model, columns):
        return None


class Many2oneWithoutForeignKey(fields.Many2one):
    """The customer, company, salesperson, team, plan or comparing user of
    a row that a run derives from the sales and contacts and rewrites (the
    documents' facts and the analyses kept per customer, month or period):
    a many2one that Odoo reads, searches and groups by as any other, without
    a foreign key. A company's first run inserts some 68 such rows per
    customer, and PostgreSQL checked each against res_partner and
    res_company (an index lookup and a row lock per row and key): 39 % of
    that run at 25,000 customers (31.0 s against 19.0 s without); the
    salesperson and team of the plan and cadence rows about 10 % more where
    every customer has a salesperson (19.5 and 21.1 s against 21.6 and
    23.0 s). Even a key left empty costs its check: the plan of the 1.5
    million plan-vs-actual rows of 100,000 customers, nearly all without
    one, took 4.2 s to insert with its foreign key, 3.3 s without.

    What the foreign key did is done where it happens: when records are
    deleted, `apply_ondelete` (called by their unlink) deletes the rows that
    point at them (ondelete="cascade") or empties the field ("set null"),
    but for a deleted plan, whose rows the refresh of its customers run by
    its unlink rewrites (customer.sales.plan.unlink);
    the merge of customers removes or moves the rows of the merged ones
    itself (see base.partner.merge.automatic.wizard); a run only writes
    rows of the customers, company and salespeople it reads. A model of
    another addon that declares these fields again with fields.Many2one gets
    the foreign key back. It goes if PostgreSQL ever checks the keys of a
    bulk insert set-wise."""

    def update_db_foreign_key(self, model, column):
        return None


def apply_ondelete(records):
    """Do to the rows whose Many2oneWithoutForeignKey points at `records`
    (deleted) what a foreign key would: delete them (ondelete="cascade") or
    empty the field (otherwise). Returns {model name: ids of the companies
    of the rows deleted or changed}, of the models that had any."""
    env = records.env
    touched = {}
    for model_name, model in env.registry.items():
        for field in model._fields.values():
            if isinstance(field, Many2oneWithoutForeignKey) and field.comodel_name == records._name and field.store:
                # the tables' indexes start with the company: name them all
                companies = (
                    SQL("TRUE") if field.name == "company_id" else SQL("company_id IN (SELECT id FROM res_company)")
                )
                column = SQL.identifier(field.name)
                if field.ondelete == "cascade":
                    statement = SQL("DELETE FROM %s", SQL.identifier(model._table))
                else:
                    assert field.ondelete == "set null", (
                        f"{field}: ondelete={field.ondelete!r} cannot be applied without a key"
                    )
                    statement = SQL("UPDATE %s SET %s = NULL", SQL.identifier(model._table), column)
                rows = env.execute_query(
                    SQL(
                        "WITH touched AS (%s WHERE %s AND %s = ANY(%s) RETURNING company_id)"
                        " SELECT DISTINCT company_id FROM touched",
                        statement,
                        companies,
                        column,
                        records.ids,
                    )
                )
                if rows:
                    touched[model_name] = {company_id for (company_id,) in rows}
                    env[model_name].invalidate_model()
    return touched
