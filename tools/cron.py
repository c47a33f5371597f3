"""The loop of the scheduled runs: one committed step per record."""

import logging
from datetime import timedelta

from psycopg2 import errors

from odoo import fields
from odoo.exceptions import LockError, UserError

_logger = logging.getLogger(__name__)

# another transaction holds the record: skip it, a later run takes it
BUSY_ERRORS = (LockError, errors.LockNotAvailable, errors.SerializationFailure)
# how much later the scheduled action comes back for the records it skipped
BUSY_RETRY = timedelta(minutes=1)


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


def wake_up(env, xmlid):
    """Trigger the scheduled action `xmlid` now, for work queued for it; a
    UserError when it is archived, since nothing would then do that work."""
    cron = env.ref(xmlid).sudo()
    if not cron.active:
        raise UserError(
            env._(
                "The scheduled action “%(action)s” is archived, so nothing would run what you ask: an administrator "
                "can activate it under Settings > Technical > Scheduled Actions.",
                action=cron.name,
            )
        )
    cron._trigger()


def run_committed_steps(records, step, on_error, label, start=None):
    """Call `step(record)` for each record in its own committed step of the
    running scheduled action, so that a run cut short resumes with what is
    left. `start(record)`, when given, is committed before the step: what
    others may read of a step under way (when it started). A record another
    transaction is working on is skipped (logged), and the scheduled action
    triggered again BUSY_RETRY later to take it then; any other error is
    logged, rolled back and handed to `on_error(record, message)` (see
    run_error_message) while the others go on."""
    env = records.env
    cron = env["ir.cron"]
    busy = False
    cron._commit_progress(remaining=len(records))
    for record in records:
        try:
            if start:
                with env.cr.savepoint():
                    start(record)
                cron._commit_progress()
            with env.cr.savepoint():
                step(record)
        except BUSY_ERRORS:
            env.invalidate_all(flush=False)
            busy = True
            _logger.info("%s %s is busy in another transaction; it is taken later", label, record.id)
        except Exception as error:  # one record must not stop the others
            env.invalidate_all(flush=False)
            _logger.exception("%s %s failed", label, record.id)
            with env.cr.savepoint():
                on_error(record, run_error_message(env, error))
        if cron._commit_progress(1) <= 0:
            break
    if busy and env.context.get("cron_id"):
        cron.browse(env.context["cron_id"])._trigger(fields.Datetime.now() + BUSY_RETRY)
