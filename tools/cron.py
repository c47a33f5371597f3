"""The loop of the scheduled runs: one committed step per record."""

import logging

from psycopg2 import errors

from odoo.exceptions import LockError, UserError

_logger = logging.getLogger(__name__)

# another transaction holds the record: skip it, the next run takes it
BUSY_ERRORS = (LockError, errors.LockNotAvailable, errors.SerializationFailure)


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
