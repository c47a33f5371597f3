from odoo.tools import SQL


def partner_scope(alias, partner_ids):
    """The condition on `alias`.partner_id that keeps the customers
    `partner_ids` (any iterable of ids), or every row when it is None: one
    refresh serves a whole company and the few customers a change touched."""
    if partner_ids is None:
        return SQL("TRUE")
    return SQL("%s = ANY(%s)", SQL.identifier(alias, "partner_id"), sorted(partner_ids))
