from odoo import api, models
from odoo.tools import SQL

from ..tools.sql import local_date

# the documents of a customer whose messages are contacts with it: model,
# table, the customer's contact on the document, the document's company and
# the condition that makes it a sales document
CONTACT_DOCUMENTS = (
    ("res.partner", "res_partner", SQL("document.id"), SQL("message.record_company_id"), SQL("TRUE")),
    (
        "crm.lead",
        "crm_lead",
        SQL("document.partner_id"),
        SQL("COALESCE(document.company_id, message.record_company_id)"),
        SQL("TRUE"),
    ),
    ("sale.order", "sale_order", SQL("document.partner_id"), SQL("document.company_id"), SQL("TRUE")),
    (
        "account.move",
        "account_move",
        SQL("document.partner_id"),
        SQL("document.company_id"),
        SQL("document.move_type IN ('out_invoice', 'out_refund')"),
    ),
)


class CustomerContactSource(models.AbstractModel):
    """What counts as a contact with a customer, written once and read by the
    cadence analysis (the contacts per month, the customers' last contact
    and usual interval).

    A contact is, on the customer, one of its contacts, or one of their
    opportunities, quotations, orders or customer invoices:

    - a done activity: the message Odoo posts when an activity is marked as
      done carries its type (`mail_activity_type_id`); the messages are read
      rather than the archived activities because they outlive them;
    - a sent email or quotation: a message an internal user sent to the
      followers (a comment or an outgoing email, of a subtype that is not
      internal: log notes are not contacts), of the activity type it was
      sent for, else of the Email type;
    - a meeting with the customer or one of its contacts among the
      attendees who did not decline it, of the Meeting type.

    Each is attributed to the commercial entity, in the company of its
    document (an opportunity's, else the company it was posted in; a
    meeting's opportunity's, else its organizer's), on its date in that
    company's time zone (a call at 9 in Vladivostok is on that day, not on
    the day before as in UTC; an all-day meeting on its own date), and
    counted once per customer, day and activity type, when that type counts
    as a contact; its cost is the type's contact cost in the company.
    Archived customers and the companies' own partners have no contacts.

    A SQL builder over the messages and meetings, as customer.sales.source
    is over the sales documents: the readers aggregate it at their own
    grain in one set-based query.
    """

    _name = "customer.contact.source"
    _description = "Customer Contact Source"

    @api.model
    def _contacts(self, company, date_from=None, date_to=None, rows=None):
        """SQL of the contacts of `company` dated in [date_from, date_to)
        (either bound optional), one row per customer, day and activity type:
        partner_id (commercial entity), date, activity_type_id and cost
        (numeric, company currency). Read from `rows` when given (SQL of
        rows as `_contact_rows` gives them, such as the stored
        customer.contact.fact), else from the messages and meetings."""
        conditions = [SQL("contact.company_id = %s", company.id)]
        if date_from:
            conditions.append(SQL("contact.date >= %s", date_from))
        if date_to:
            conditions.append(SQL("contact.date < %s", date_to))
        return SQL(
            """
            SELECT contact.partner_id, contact.date, contact.activity_type_id,
                   COALESCE((activity_type.segmentation_contact_cost ->> %(company_key)s)::numeric, 0) AS cost
              FROM (SELECT partner_id, date, activity_type_id
                      FROM (%(rows)s) AS contact
                     WHERE %(conditions)s
                     GROUP BY partner_id, date, activity_type_id) AS contact
              JOIN mail_activity_type activity_type ON activity_type.id = contact.activity_type_id
              JOIN res_partner customer ON customer.id = contact.partner_id
             WHERE activity_type.segmentation_is_contact
               AND customer.active
               AND customer.id NOT IN (SELECT partner_id FROM res_company)
            """,
            company_key=str(company.id),
            rows=rows if rows is not None else self._contact_rows(),
            conditions=SQL(" AND ").join(conditions),
        )

    @api.model
    def _contact_rows(self, message_ids=None, attendee_ids=None):
        """SQL of every message and meeting attendance that may be a contact
        (of the messages `message_ids` and the attendances `attendee_ids`
        only, when either is given), one row each: partner_id (the
        commercial entity), date, activity_type_id, company_id and its key,
        message_id or attendee_id (the other 0). Whether its type counts as a contact, and
        what it costs, is read later (`_contacts`)."""
        scoped = message_ids is not None or attendee_ids is not None
        zones = self.env["res.company"]._segmentation_time_zones()
        sources = [
            self._message_contacts(*document, zones, message_ids if scoped else None)
            for document in CONTACT_DOCUMENTS
            if not scoped or message_ids
        ]
        meeting_type = self.env.ref("mail.mail_activity_data_meeting", raise_if_not_found=False)
        if meeting_type and (not scoped or attendee_ids):
            sources.append(self._meeting_contacts(meeting_type, zones, attendee_ids if scoped else None))
        if not sources:
            return SQL(
                "SELECT NULL::int4 AS partner_id, NULL::date AS date, NULL::int4 AS activity_type_id,"
                " NULL::int4 AS company_id, 0 AS message_id, 0 AS attendee_id WHERE FALSE"
            )
        return SQL(" UNION ALL ").join(sources)

    def _company_day(self, moment, company, zones):
        """SQL of the day of `moment` (SQL of a UTC timestamp) in the time
        zone of the company `company` (SQL of its id), by `zones` (see
        res.company._segmentation_time_zones; UTC for a company without)."""
        if not zones:
            return local_date(moment, SQL("'UTC'"))
        return local_date(
            moment,
            SQL(
                "CASE %s %s ELSE 'UTC' END",
                company,
                SQL(" ").join(SQL("WHEN %s THEN %s", company_id, name) for company_id, name in sorted(zones.items())),
            ),
        )

    def _message_contacts(self, model, table, contact, company, condition, zones, message_ids=None):
        """Done activities and sent emails posted on the documents of `model`."""
        email_type = self.env.ref("mail.mail_activity_data_email", raise_if_not_found=False)
        return SQL(
            """
            SELECT person.commercial_partner_id AS partner_id,
                   %(date)s AS date,
                   COALESCE(message.mail_activity_type_id, %(email_type)s) AS activity_type_id,
                   %(company)s AS company_id,
                   message.id AS message_id,
                   0 AS attendee_id
              FROM mail_message message
              JOIN %(table)s document ON document.id = message.res_id
              JOIN res_partner person ON person.id = %(contact)s
             WHERE message.model = %(model)s AND %(condition)s AND %(scope)s
               AND (message.mail_activity_type_id IS NOT NULL OR %(sent)s)
            """,
            email_type=email_type.id if email_type else None,
            date=self._company_day(SQL("message.date"), company, zones),
            company=company,
            table=SQL.identifier(table),
            contact=contact,
            model=model,
            condition=condition,
            scope=SQL("TRUE") if message_ids is None else SQL("message.id = ANY(%s)", message_ids),
            sent=self._sent_message(),
        )

    def _sent_message(self):
        """The condition that makes a message (alias `message`) an email sent
        to the customer: posted for the followers by an internal user."""
        return SQL(
            """(message.message_type IN ('comment', 'email_outgoing')
                AND message.is_internal IS NOT TRUE
                AND message.subtype_id IN (SELECT id FROM mail_message_subtype WHERE internal IS NOT TRUE)
                AND message.author_id IN (SELECT partner_id FROM res_users WHERE share IS NOT TRUE))"""
        )

    def _meeting_contacts(self, meeting_type, zones, attendee_ids=None):
        """Meetings with the customer or one of its contacts among the
        attendees who did not decline (the internal users are the hosts)."""
        return SQL(
            """
            SELECT person.commercial_partner_id AS partner_id,
                   CASE WHEN event.allday THEN event.start_date ELSE %(day)s END AS date,
                   %(meeting_type)s AS activity_type_id,
                   COALESCE(lead.company_id, organizer.company_id) AS company_id,
                   0 AS message_id,
                   attendee.id AS attendee_id
              FROM calendar_event event
              JOIN calendar_attendee attendee ON attendee.event_id = event.id
              JOIN res_partner person ON person.id = attendee.partner_id
              LEFT JOIN crm_lead lead ON lead.id = event.opportunity_id
              LEFT JOIN res_users organizer ON organizer.id = event.user_id
             WHERE event.active
               AND attendee.state IS DISTINCT FROM 'declined'
               AND attendee.partner_id NOT IN (SELECT partner_id FROM res_users WHERE share IS NOT TRUE)
               AND %(scope)s
            """,
            meeting_type=meeting_type.id,
            day=self._company_day(SQL("event.start"), SQL("COALESCE(lead.company_id, organizer.company_id)"), zones),
            scope=SQL("TRUE") if attendee_ids is None else SQL("attendee.id = ANY(%s)", attendee_ids),
        )
