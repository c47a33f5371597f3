"""Names and the segment members field shared by the addon's models."""

from odoo import fields

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
