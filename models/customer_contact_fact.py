from odoo import api, fields, models
from odoo.tools import SQL

from ..tools.sync import sync_rows
from .customer_contact_source import CONTACT_DOCUMENTS

KEYS = ("message_id", "attendee_id")
VALUES = ("partner_id", "date", "activity_type_id")


class CustomerContactFact(models.Model):
    """Each message and meeting attendance of a company that may be a
    contact (customer.contact.source), with the customer and day it counts
    for: the grain at which the contacts are kept up to date, as
    customer.sales.document is for the sales.

    A run re-reads only the messages and attendances written since the last
    one, those posted on the documents and partners written since (a
    quotation given to another customer, a contact moved to another
    company) and those deleted; their rows here say which customer they
    counted for before, so only the customers on either side of a change
    are counted again. Whether a type counts as a contact, and what it
    costs, is applied when the rows are read, so a change of the activity
    types needs no new scan of the messages."""

    _name = "customer.contact.fact"
    _description = "Customer Contact Fact"
    _order = "date desc, id desc"
    _log_access = False

    company_id = fields.Many2one("res.company", required=True, readonly=True, ondelete="cascade")
    partner_id = fields.Many2one("res.partner", string="Customer", required=True, readonly=True, ondelete="cascade")
    date = fields.Date(required=True, readonly=True)
    activity_type_id = fields.Many2one("mail.activity.type", required=True, readonly=True, ondelete="cascade")
    # the key of a row: its message, or its attendance (the other is 0, so
    # that rows are matched by plain equality, which PostgreSQL can hash)
    message_id = fields.Integer(readonly=True, help="The message of a done activity or of an email sent.")
    attendee_id = fields.Integer(readonly=True, help="The attendance of a meeting.")

    _company_key_unique = models.UniqueIndex("(company_id, message_id, attendee_id)")
    _message_idx = models.Index("(message_id) WHERE message_id <> 0")
    _attendee_idx = models.Index("(attendee_id) WHERE attendee_id <> 0")
    _company_partner_date_idx = models.Index("(company_id, partner_id, date)")
    _company_date_idx = models.Index("(company_id, date)")

    @api.model
    def _rows(self, company):
        """SQL of the stored rows of `company`, as customer.contact.source
        `_contacts` reads them."""
        return SQL(
            "SELECT partner_id, date, activity_type_id, company_id FROM %s WHERE company_id = %s",
            SQL.identifier(self._table),
            company.id,
        )

    @api.model
    def _refresh(self, company, since=None):
        """Bring the rows of `company` up to date: all of them when `since`
        is None, else those of the messages and attendances changed since
        `since` (see `_changed_keys`). Returns the customers whose contacts
        may have changed: those of the rows written on either side, and the
        customers written since (archived, or a company's own partner now);
        None when they all may have (a rebuild, activity types changed)."""
        self.env.flush_all()
        source = self.env["customer.contact.source"]
        if since is None:
            sync_rows(self, company, self._source_query(company, source._contact_rows()), keys=KEYS, values=VALUES)
            return None
        [(types_changed,)] = self.env.execute_query(
            SQL("SELECT EXISTS (SELECT 1 FROM mail_activity_type WHERE write_date >= %s)", since)
        )
        message_ids, attendee_ids = self._changed_keys(company, since)
        affected = None if types_changed else self.env["res.partner"]._entities_written_since(since)
        if not message_ids and not attendee_ids:
            return affected
        scope = SQL(
            "(stored.message_id = ANY(%s) OR stored.attendee_id = ANY(%s))", message_ids or [], attendee_ids or []
        )
        before = self._customers_in(company, scope)
        written = sync_rows(
            self,
            company,
            self._source_query(company, source._contact_rows(message_ids, attendee_ids)),
            keys=KEYS,
            values=VALUES,
            scope=scope,
        )
        if affected is None or not written:
            return affected
        return affected | before | self._customers_in(company, scope)

    def _source_query(self, company, rows):
        return SQL(
            "SELECT %s FROM (%s) AS contact WHERE company_id = %s",
            SQL(", ").join(SQL.identifier(column) for column in (*KEYS, *VALUES)),
            rows,
            company.id,
        )

    def _customers_in(self, company, scope):
        rows = self.env.execute_query(
            SQL(
                "SELECT DISTINCT partner_id FROM %s stored WHERE stored.company_id = %s AND %s",
                SQL.identifier(self._table),
                company.id,
                scope,
            )
        )
        return {partner_id for (partner_id,) in rows}

    def _changed_keys(self, company, since):
        """(message ids, attendee ids) whose rows may differ from what is
        stored: written since `since`; posted on a partner written since, or
        on an opportunity, order or invoice written since or of such a
        partner (its customer changed, or the customer's commercial entity
        did); attendances of meetings, or of opportunities, written since;
        and those stored whose message or attendance is gone. Read through
        the indexes on write_date (mail.message, res.partner, the documents)
        and on the documents' partner, but for the meetings (a small table)
        and the pass over the stored keys."""
        [(persons,)] = self.env.execute_query(
            SQL("SELECT COALESCE(ARRAY_AGG(id), '{}') FROM res_partner WHERE write_date >= %s", since)
        )
        # the messages posted on the partners and documents written since, or on those of such a partner
        documents = [
            SQL(
                """
                SELECT message.id FROM mail_message message
                  JOIN (SELECT id FROM %(table)s document WHERE %(condition)s AND write_date >= %(since)s
                        UNION
                        SELECT id FROM %(table)s document WHERE %(condition)s AND %(contact)s = ANY(%(persons)s)
                       ) AS document ON message.res_id = document.id
                 WHERE message.model = %(model)s
                """,
                table=SQL.identifier(table),
                condition=condition,
                contact=contact,
                since=since,
                persons=persons,
                model=model,
            )
            for model, table, contact, _company, condition in CONTACT_DOCUMENTS
        ]
        fact = SQL.identifier(self._table)
        [(message_ids, attendee_ids)] = self.env.execute_query(
            SQL(
                """
                SELECT (SELECT COALESCE(ARRAY_AGG(DISTINCT id), '{}') FROM (
                            SELECT id FROM mail_message WHERE write_date >= %(since)s
                             UNION ALL
                            %(documents)s
                             UNION ALL
                            SELECT stored.message_id FROM %(fact)s stored
                             WHERE stored.company_id = %(company)s AND stored.message_id <> 0
                               AND NOT EXISTS (SELECT 1 FROM mail_message message WHERE message.id = stored.message_id)
                        ) AS changed),
                       (SELECT COALESCE(ARRAY_AGG(DISTINCT id), '{}') FROM (
                            SELECT attendee.id FROM calendar_attendee attendee
                              JOIN calendar_event event ON event.id = attendee.event_id
                              LEFT JOIN crm_lead lead ON lead.id = event.opportunity_id
                             WHERE attendee.write_date >= %(since)s OR event.write_date >= %(since)s
                                OR lead.write_date >= %(since)s OR attendee.partner_id = ANY(%(persons)s)
                             UNION ALL
                            SELECT stored.attendee_id FROM %(fact)s stored
                             WHERE stored.company_id = %(company)s AND stored.attendee_id <> 0
                               AND NOT EXISTS (SELECT 1 FROM calendar_attendee attendee
                                                WHERE attendee.id = stored.attendee_id)
                        ) AS changed)
                """,
                since=since,
                persons=persons,
                documents=SQL(" UNION ALL ").join(documents),
                fact=fact,
                company=company.id,
            )
        )
        return message_ids, attendee_ids
