"""DB-to-pandas plumbing: whole result sets through COPY, both ways."""

import csv
import io

import pandas as pd

from odoo.tools import SQL


def copy_frame(cr, query):
    """Run `query` through COPY into a DataFrame: far faster than fetching
    rows one by one for the hundreds of thousands of rows of a large client
    base. PostgreSQL's CSV spells booleans t and f."""
    buffer = io.StringIO()
    cr.copy_expert(cr.mogrify(SQL("COPY (%s) TO STDOUT WITH (FORMAT csv, HEADER)", query)).decode(), buffer)
    buffer.seek(0)
    return pd.read_csv(buffer)


def stage_rows(cr, name, columns, values):
    """A temporary table `name` of `columns` ({name: SQL type}) filled
    through COPY with `values`, one list per column (None for NULL); dropped
    at the end of the transaction. Returns its identifier."""
    table = SQL.identifier(name)
    cr.execute(
        SQL(
            "CREATE TEMPORARY TABLE %s (%s) ON COMMIT DROP",
            table,
            SQL(", ").join(SQL("%s %s", SQL.identifier(column), SQL(kind)) for column, kind in columns.items()),
        )
    )
    buffer = io.StringIO()
    csv.writer(buffer).writerows(zip(*values, strict=True))
    buffer.seek(0)
    cr.copy_expert(f"COPY {name} FROM STDIN WITH (FORMAT csv)", buffer)
    return table


def copy_values(series, kind):
    """The values of a frame's column as stage_rows takes them for a column
    of SQL type `kind`: None where missing, dates for "date", integers for
    "int4", Python's numbers and strings otherwise."""
    convert = {"date": lambda value: pd.Timestamp(value).date(), "int4": int, "numeric": float, "float8": float}.get(
        kind, str
    )
    return [None if value is None or pd.isna(value) else convert(value) for value in series]
