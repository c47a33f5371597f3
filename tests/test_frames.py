import threading
from unittest.mock import patch

import pandas as pd
import psycopg2

from odoo.tests import TransactionCase, tagged
from odoo.tools import SQL

from ..tools import frames

COPY_THREAD = "customer_segmentation.copy"


@tagged("post_install", "-at_install")
class TestFrames(TransactionCase):
    """The staging of rows and frames through COPY, sent in chunks that a
    thread formats while PostgreSQL reads the ones before (tools.frames)."""

    def staged(self, table, columns="*"):
        return self.env.execute_query(SQL("SELECT %s FROM %s ORDER BY 1", SQL(columns), table))

    def assertNoCopyThread(self):
        self.assertFalse([thread for thread in threading.enumerate() if thread.name == COPY_THREAD])

    @patch.object(frames, "CHUNK_ROWS", 3)
    def test_a_frame_staged_in_chunks(self):
        """Seven rows in chunks of three: every value arrives once, NULLs,
        cents, months and text with CSV's separators included."""
        frame = pd.DataFrame(
            {
                "partner_id": range(1, 8),
                "month": [24300 + number for number in range(7)],
                "amount": [0.01, -2.5, None, 1234567.89, 0.0, 10.1, -0.07],
                "label": ["a", 'quote "b"', "comma, c", None, "line\nbreak", "é", ""],
            }
        )
        table = frames.stage_frame(
            self.env.cr,
            "test_frames_staged",
            {"partner_id": "int4", "month": frames.MONTH, "amount": frames.CENTS, "label": "varchar"},
            frame,
        )
        self.assertEqual(
            # the amounts as PostgreSQL spells them: exact, in cents
            self.staged(table, "partner_id, month::text, amount::text, label"),
            [
                (1, "2025-01-01", "0.01", "a"),
                (2, "2025-02-01", "-2.50", 'quote "b"'),
                (3, "2025-03-01", None, "comma, c"),
                (4, "2025-04-01", "1234567.89", None),
                (5, "2025-05-01", "0.00", "line\nbreak"),
                (6, "2025-06-01", "10.10", "é"),
                # an empty text is NULL in CSV, as it was before the chunks
                (7, "2025-07-01", "-0.07", None),
            ],
        )
        self.assertNoCopyThread()

    @patch.object(frames, "CHUNK_ROWS", 2)
    def test_rows_staged_in_chunks(self):
        table = frames.stage_rows(
            self.env.cr,
            "test_rows_staged",
            {"id": "int4", "flag": "bool", "name": "varchar"},
            [[1, 2, 3, 4, 5], [True, False, None, True, False], ["x", None, "y, z", "w", "v"]],
        )
        self.assertEqual(
            self.staged(table),
            [(1, True, "x"), (2, False, None), (3, None, "y, z"), (4, True, "w"), (5, False, "v")],
        )
        self.assertNoCopyThread()

    @patch.object(frames, "CHUNK_ROWS", 1)
    def test_an_error_while_formatting_ends_the_copy(self):
        """A chunk that cannot be formatted raises its error from the COPY,
        which loses nothing staged before it: the transaction is rolled
        back to before the COPY, and the thread is gone."""
        self.env.cr.execute("CREATE TEMPORARY TABLE test_frames_failed (id int4)")

        def chunk(start, _end):
            if start == 2:
                raise ValueError("not a row")
            return f"{start}\n"

        with self.assertRaisesRegex(ValueError, "not a row"), self.env.cr.savepoint():
            frames._copy_chunks(self.env.cr, SQL("COPY test_frames_failed FROM STDIN WITH (FORMAT csv)"), 6, chunk)
        self.assertEqual(self.staged(SQL("test_frames_failed")), [])
        self.assertNoCopyThread()

    @patch.object(frames, "CHUNK_ROWS", 1)
    def test_an_exit_while_formatting_is_raised(self):
        """Not only errors: an exit raised while formatting ends the COPY
        and is raised as itself, rather than leaving the COPY waiting for a
        chunk that never comes."""
        self.env.cr.execute("CREATE TEMPORARY TABLE test_frames_exit (id int4)")

        def chunk(start, _end):
            if start == 1:
                raise SystemExit("stopped")
            return f"{start}\n"

        with self.assertRaises(SystemExit), self.env.cr.savepoint():
            frames._copy_chunks(self.env.cr, SQL("COPY test_frames_exit FROM STDIN WITH (FORMAT csv)"), 4, chunk)
        self.assertNoCopyThread()

    @patch.object(frames, "CHUNK_ROWS", 1)
    def test_a_value_refused_raises_its_error(self):
        with self.assertRaises(psycopg2.errors.InvalidTextRepresentation), self.env.cr.savepoint():
            frames.stage_rows(self.env.cr, "test_frames_refused", {"id": "int4"}, [["x", *range(50)]])
        self.assertNoCopyThread()

    @patch.object(frames, "CHUNK_ROWS", 1)
    def test_a_copy_ended_early_stops_the_thread(self):
        """A COPY that stops reading (its connection lost) leaves no thread
        waiting to hand over the chunks still to come."""
        read = []

        class LostCursor:
            def mogrify(self, query):
                return b"COPY ..."

            def copy_expert(self, _statement, file):
                read.append(file.read())
                raise psycopg2.OperationalError("connection lost")

        with self.assertRaisesRegex(psycopg2.OperationalError, "connection lost"):
            frames._copy_chunks(LostCursor(), SQL("COPY ..."), 50, lambda start, _end: f"{start}\n")
        self.assertEqual(read, ["0\n"])
        self.assertNoCopyThread()
