"""Names, the segment members field and the scheduled-run loop shared by
the addon's models."""

import logging

from psycopg2 import errors

from odoo import fields
from odoo.exceptions import LockError, UserError

_logger = logging.getLogger(__name__)

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
# another transaction holds the record: skip it, the next run takes it
BUSY_ERRORS = (LockError, errors.LockNotAvailable, errors.SerializationFailure)


class SegmentMembers(fields.Many2many):
    """The members of the segments (`customer.segment.partner_ids` and its
    inverse `res.partner.segment_ids`): a many2many that Odoo reads, searches
    and groups by as any other, through MEMBER_TABLE, a view over the open
    stays of `customer.segment.membership`. A customer's stay is thus written
    once, as one history row, instead of a relation row plus a history row
    (each with its foreign key checks: most of the first refresh of a large
    segment). Odoo creates no relation table and no foreign key for it;
    members change through `customer.segment._apply_members` only."""

    def update_db(self, model, columns):
        return None


def run_error_message(env, error):
    """What a scheduled run keeps of an error for the administrator to read
    (as the company's or the segment's last error): the message of an error
    meant for users; for anything else, such as a database error, a sentence
    that points to the server log, which has the details, never the raw
    text of the database."""
    if isinstance(error, UserError):
        return error.args[0]
    return env._(
        "The run stopped on an unexpected error (%(kind)s). Nothing of this run was saved; the server log has "
        "the details.",
        kind=type(error).__name__,
    )


def run_committed_steps(records, step, on_error, label):
    """Call `step(record)` for each record in its own committed step of the
    running scheduled action, so that a run cut short resumes with what is
    left. A record another transaction is working on is skipped (logged,
    taken by the next run); any other error is logged, rolled back and
    handed to `on_error(record, message)` (see run_error_message) while the
    others go on."""
    env = records.env
    cron = env["ir.cron"]
    cron._commit_progress(remaining=len(records))
    for record in records:
        try:
            with env.cr.savepoint():
                step(record)
        except BUSY_ERRORS:
            env.invalidate_all(flush=False)
            _logger.info("%s %s is busy in another transaction; the next run takes it", label, record.id)
        except Exception as error:  # one record must not stop the others
            env.invalidate_all(flush=False)
            _logger.exception("%s %s failed", label, record.id)
            with env.cr.savepoint():
                on_error(record, run_error_message(env, error))
        if cron._commit_progress(1) <= 0:
            break
