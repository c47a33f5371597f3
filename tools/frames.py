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


def stage_frame(cr, name, types, frame):
    """A temporary table `name` of the columns `types` ({name: SQL type})
    filled through COPY with those columns of `frame` (a missing value is
    NULL), converted and written column-wise by pandas: a run stages hundreds
    of thousands of rows. Dropped at the end of the transaction; returns its
    identifier."""
    table = SQL.identifier(name)
    cr.execute(
        SQL(
            "CREATE TEMPORARY TABLE %s (%s) ON COMMIT DROP",
            table,
            SQL(", ").join(SQL("%s %s", SQL.identifier(column), SQL(kind)) for column, kind in types.items()),
        )
    )
    buffer = io.StringIO()
    pd.DataFrame({column: _typed(frame[column], kind) for column, kind in types.items()}).to_csv(
        buffer, header=False, index=False, na_rep=""
    )
    buffer.seek(0)
    cr.copy_expert(f"COPY {name} FROM STDIN WITH (FORMAT csv)", buffer)
    return table


def _typed(series, kind):
    """`series` as COPY reads a column of SQL type `kind`."""
    if kind == "date":
        return pd.to_datetime(series).dt.strftime("%Y-%m-%d")
    if kind == "int4":
        return pd.to_numeric(series).round().astype("Int64")
    if kind in ("numeric", "float8"):
        return pd.to_numeric(series).astype(float)
    return series
