from odoo.tools import SQL


def partner_scope(alias, partner_ids):
    """The condition on `alias`.partner_id that keeps the customers
    `partner_ids` (any iterable of ids), or every row when it is None: one
    refresh serves a whole company and the few customers a change touched."""
    if partner_ids is None:
        return SQL("TRUE")
    return SQL("%s = ANY(%s)", SQL.identifier(alias, "partner_id"), sorted(partner_ids))


def month_pairs(pairs):
    """A table (partner_id, month) of the (customer, first day of a month)
    `pairs`, each once: the months a run re-aggregated, to join on."""
    partners, months = (list(column) for column in zip(*sorted(set(pairs)), strict=True))
    return SQL("(SELECT * FROM unnest(%s::int4[], %s::date[]) AS pair (partner_id, month))", partners, months)


def local_date(moment, zone):
    """SQL of the date of `moment` (SQL of a timestamp in UTC, as Odoo stores
    them) in the time zone `zone` (SQL of its name)."""
    return SQL("(%s AT TIME ZONE 'UTC' AT TIME ZONE %s)::date", moment, zone)
