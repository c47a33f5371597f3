"""DB-to-pandas plumbing: whole result sets through COPY, both ways."""

import csv
import io

import pandas as pd

from odoo.tools import SQL

from .sql import month_date

# a column of stage_frame holding money already rounded to cents (it is
# written as whole cents: a value between two cents would be rounded)
CENTS = "cents"
# a column of stage_frame holding month numbers
# (analytics.lifecycle.month_index), staged as the months' first days
MONTH = "month"
# the types of stage_frame written in one column and staged in another,
# which PostgreSQL generates from it: {type: (written type, staged type,
# the SQL of the staged value from that of the written one)}
GENERATED = {
    CENTS: ("int8", "numeric", lambda written: SQL("%s * 0.01", written)),
    MONTH: ("int4", "date", month_date),
}


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
    identifier.

    The type `cents` is money already rounded to cents: a numeric column,
    written as whole cents and divided back by PostgreSQL (the same
    numbers, exactly), because pandas writes integers in less than half
    the time it takes for floats: the cadence report of a first run at
    100,000 customers stages 5.7 million amounts, 3.1 s as floats and
    1.2 s as cents. The type `month` is month numbers, written as numbers
    and staged as dates by PostgreSQL, for the same reason (pandas formats
    dates slowly)."""
    table = SQL.identifier(name)
    definitions = []
    for column, kind in types.items():
        if kind in GENERATED:
            written_type, staged_type, generated = GENERATED[kind]
            definitions.append(SQL("%s %s", SQL.identifier(_written_column(column, kind)), SQL(written_type)))
            definitions.append(
                SQL(
                    "%s %s GENERATED ALWAYS AS (%s) STORED",
                    SQL.identifier(column),
                    SQL(staged_type),
                    generated(SQL.identifier(_written_column(column, kind))),
                )
            )
        else:
            definitions.append(SQL("%s %s", SQL.identifier(column), SQL(kind)))
    cr.execute(SQL("CREATE TEMPORARY TABLE %s (%s) ON COMMIT DROP", table, SQL(", ").join(definitions)))
    written = {_written_column(column, kind): _typed(frame[column], kind) for column, kind in types.items()}
    buffer = io.StringIO()
    pd.DataFrame(written).to_csv(buffer, header=False, index=False, na_rep="")
    buffer.seek(0)
    copied = SQL(", ").join(SQL.identifier(column) for column in written)
    cr.copy_expert(cr.mogrify(SQL("COPY %s (%s) FROM STDIN WITH (FORMAT csv)", table, copied)).decode(), buffer)
    return table


def _written_column(column, kind):
    """The column written for the staged column `column` of `kind`."""
    return f"{column}_{kind}" if kind in GENERATED else column


def _typed(series, kind):
    """`series` as COPY reads a column of `kind` (an SQL type; CENTS: whole
    cents; MONTH: month numbers)."""
    if kind == "date":
        return pd.to_datetime(series).dt.strftime("%Y-%m-%d")
    if kind in ("int4", MONTH):
        return pd.to_numeric(series).round().astype("Int64")
    if kind == CENTS:
        return (pd.to_numeric(series) * 100).round().astype("Int64")
    if kind in ("numeric", "float8"):
        return pd.to_numeric(series).astype(float)
    return series
