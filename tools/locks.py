from odoo.exceptions import LockError


def lock_or_raise(records, message):
    """Lock `records` for this transaction (other transactions may still
    reference them: new invoices of a locked company go on), or raise a
    LockError with `message` when another transaction holds them: one run or
    change at a time, and the user, or the scheduled run that skips busy
    records, is told so at once rather than kept waiting."""
    try:
        records.lock_for_update(allow_referencing=True)
    except LockError:
        raise LockError(message) from None
