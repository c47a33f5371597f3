"""Keep stored data equal to what a run computes, writing only the
difference, so that a rerun on unchanged data writes nothing: the rows of a
stored table (sync_rows, or sync_staged from rows already staged in a
temporary table, such as stage_query stages), the per-company values of
records (sync_company_values); and many rows inserted at once
(insert_all)."""

import psycopg2.extensions
from psycopg2 import errors

from odoo.tools import SQL

from .frames import stage_frame

# rows written by one refresh of a table after which it is analyzed at once,
# when they are also this share of its rows (autovacuum's default scale
# factor): a nightly run that writes a few per cent of a large table leaves
# its statistics to autovacuum
ANALYZE_AFTER_ROWS = 10000
ANALYZE_SHARE = 0.1
# how full an insert fills each page of a table that nightly runs update:
# the rest takes the new versions of its updated rows, which PostgreSQL then
# writes in place without new index entries (a heap-only update, about three
# times cheaper: 26,000 plan rows updated in 0.2 s instead of 0.7 s)
UPDATED_TABLE_FILLFACTOR = 90
# rows inserted at once into a table that holds none from which its indexes
# are built after the rows are in (insert_all): below, updating them row by
# row costs less than locking the table and building them again
BULK_INSERT_ROWS = 10000
# how long insert_all waits for the lock that lets it drop the indexes
# (autovacuum gives its own lock up after deadlock_timeout, 1 s by default)
BULK_LOCK_TIMEOUT = "2s"
# the first PostgreSQL with MERGE (15), server and client library (an older
# libpq does not count the rows a MERGE writes); Odoo 19 runs on 13 and 14
# too, where sync_rows updates and inserts in two statements
MERGE_VERSION = 150000


def leave_room_for_updates(model):
    """Keep room in each page of `model`'s table for the updates of the runs
    (UPDATED_TABLE_FILLFACTOR); pages written from then on keep it."""
    model.env.cr.execute(
        SQL("ALTER TABLE %s SET (fillfactor = %s)", SQL.identifier(model._table), UPDATED_TABLE_FILLFACTOR)
    )


def sync_rows(model, company, query, keys, values, nullable_keys=(), scope=None):
    """Make the rows of `company` in `model`'s table (those matching the
    SQL condition `scope` on it, when given) equal to what `query`
    returns (columns `keys` + `values`): delete the rows that are gone,
    update those whose values differ, insert the new ones (all of them at
    once when none is stored yet). `query` returns rows within `scope`
    only; the scope is repeated on each join with the stored rows, so that
    a refresh of a few customers reads theirs through an index rather than
    the whole table. Money columns are numeric, so the comparison is
    exact. Returns the number of rows written."""
    staged = stage_query(model.env.cr, "customer_analysis_rows", query)
    written = sync_staged(model, company, staged, keys, values, nullable_keys, scope)
    model.env.cr.execute(SQL("DROP TABLE %s", staged))
    return written


def stage_query(cr, name, query):
    """A temporary table `name` of the rows of `query`, dropped at the end
    of the transaction; returns its identifier. Through CREATE TABLE AS,
    which PostgreSQL may run in parallel (an INSERT ... SELECT it runs
    alone)."""
    table = SQL.identifier(name)
    cr.execute(SQL("CREATE TEMPORARY TABLE %s ON COMMIT DROP AS %s", table, query))
    return table


def sync_staged(model, company, staged, keys, values, nullable_keys=(), scope=None):
    """sync_rows from the rows of the temporary table `staged` (with the
    columns `keys` + `values`, any other left out), which stays: a caller
    that staged the rows itself (through COPY, or to read them again)
    spares copying them into another table."""
    cr = model.env.cr
    scope = scope or SQL("TRUE")
    table = SQL.identifier(model._table)
    columns = column_list((*keys, *values))
    cr.execute(
        SQL(
            "SELECT EXISTS (SELECT 1 FROM %s stored WHERE stored.company_id = %s AND %s)",
            table,
            company.id,
            scope,
        )
    )
    if not cr.fetchone()[0]:
        # nothing stored yet (a first run): every row is new
        [(staged_rows,)] = model.env.execute_query(
            SQL("SELECT COUNT(*) FROM (SELECT FROM %s LIMIT %s) AS staged", staged, BULK_INSERT_ROWS)
        )
        written = insert_all(
            model,
            staged_rows,
            SQL(
                "INSERT INTO %(table)s (company_id, %(columns)s) SELECT %(company)s, %(columns)s FROM %(staged)s",
                table=table,
                columns=columns,
                company=company.id,
                staged=staged,
            ),
        )
        return _written(model, written)
    # the statistics the join with the stored rows is planned from: those of
    # the keys alone, in a quarter of the time of every column's (0.04 s
    # against 0.17 s for the 95,000 dynamics rows of 20,000 customers)
    cr.execute(SQL("ANALYZE %s (%s)", staged, column_list(keys)))

    same_key = key_match(company, keys, nullable_keys)
    cr.execute(
        SQL(
            "DELETE FROM %(table)s stored WHERE stored.company_id = %(company)s AND %(scope)s"
            " AND NOT EXISTS (SELECT 1 FROM %(staged)s new WHERE %(same_key)s)",
            table=table,
            company=company.id,
            scope=scope,
            staged=staged,
            same_key=same_key,
        )
    )
    written = cr.rowcount
    merges = min(cr.connection.server_version, psycopg2.extensions.libpq_version()) >= MERGE_VERSION
    statement = _merge if merges else _update_then_insert
    written += statement(cr, table, staged, company, (*keys, *values), values, same_key, scope)
    return _written(model, written)


def key_match(company, keys, nullable_keys=(), alias="new"):
    """SQL matching a stored row (alias `stored`) of `company` with a row of
    alias `alias` on `keys` (those of `nullable_keys` may both be NULL)."""

    def match(key):
        operator = SQL("IS NOT DISTINCT FROM") if key in nullable_keys else SQL("=")
        return SQL("stored.%s %s %s.%s", SQL.identifier(key), operator, SQL.identifier(alias), SQL.identifier(key))

    return SQL(" AND ").join([SQL("stored.company_id = %s", company.id), *(match(key) for key in keys)])


def _merge(cr, table, staged, company, columns, values, same_key, scope):
    """Update the stored rows whose `values` differ from the staged ones and
    insert the staged rows not stored yet (all their `columns`), in one join
    of the staged rows with the stored ones (MERGE); returns the rows
    written."""
    cr.execute(
        SQL(
            "MERGE INTO %(table)s stored USING %(staged)s new ON %(same_key)s AND %(scope)s"
            " WHEN MATCHED AND (%(stored_values)s) IS DISTINCT FROM (%(new_values)s) THEN UPDATE SET %(assignments)s"
            " WHEN NOT MATCHED THEN INSERT (company_id, %(columns)s) VALUES (%(company)s, %(new_columns)s)",
            table=table,
            staged=staged,
            same_key=same_key,
            scope=scope,
            stored_values=column_list(values, "stored"),
            new_values=column_list(values, "new"),
            assignments=SQL(", ").join(
                SQL("%s = new.%s", SQL.identifier(value), SQL.identifier(value)) for value in values
            ),
            columns=column_list(columns),
            company=company.id,
            new_columns=column_list(columns, "new"),
        )
    )
    return cr.rowcount


def _update_then_insert(cr, table, staged, company, columns, values, same_key, scope):
    """_merge for PostgreSQL before MERGE: an UPDATE, then an INSERT of the
    staged rows not stored yet, which joins them with the stored ones
    twice."""
    cr.execute(
        SQL(
            "UPDATE %(table)s stored SET (%(names)s) = ROW(%(new_values)s) FROM %(staged)s new"
            " WHERE %(same_key)s AND %(scope)s AND (%(stored_values)s) IS DISTINCT FROM (%(new_values)s)",
            table=table,
            names=SQL(", ").join(SQL.identifier(value) for value in values),
            new_values=column_list(values, "new"),
            stored_values=column_list(values, "stored"),
            staged=staged,
            same_key=same_key,
            scope=scope,
        )
    )
    written = cr.rowcount
    # the rows not stored yet are staged apart first, in a statement of
    # their own: an INSERT whose NOT EXISTS reads the table it fills is
    # planned as a nested loop over that table when PostgreSQL knows it
    # empty (analyzed with no rows), and the loop rescans every page the
    # INSERT adds, one scan per new row; the staged rows stay as they are
    new_rows = stage_query(
        cr,
        "customer_analysis_new_rows",
        SQL(
            "SELECT * FROM %(staged)s new"
            " WHERE NOT EXISTS (SELECT 1 FROM %(table)s stored WHERE %(same_key)s AND %(scope)s)",
            table=table,
            staged=staged,
            same_key=same_key,
            scope=scope,
        ),
    )
    cr.execute(
        SQL(
            "INSERT INTO %(table)s (company_id, %(columns)s) SELECT %(company)s, %(columns)s FROM %(new_rows)s",
            table=table,
            columns=column_list(columns),
            company=company.id,
            new_rows=new_rows,
        )
    )
    written += cr.rowcount
    cr.execute(SQL("DROP TABLE %s", new_rows))
    return written


def insert_all(model, rows, insert):
    """Run `insert`, an INSERT of `rows` rows (or at least `rows`, when
    that is BULK_INSERT_ROWS) into `model`'s table that relies on none of
    its indexes (no ON CONFLICT); returns the rows inserted. Into a table that holds no row at all (the first run of the
    first company), BULK_INSERT_ROWS rows or more go in before its indexes
    are built rather than update them row by row: 500,000 document rows
    took 3.0 s with their three indexes, 0.5 s without and 0.6 s to build
    them. The table stays locked until the transaction ends (DROP INDEX:
    its screens and another company's run wait for this one), so this is
    done only when the lock comes within BULK_LOCK_TIMEOUT; otherwise the
    rows go in with the indexes as they are. The indexes come back as they
    were, also when the transaction fails."""
    cr = model.env.cr
    table = SQL.identifier(model._table)
    indexes = []
    if rows >= BULK_INSERT_ROWS:
        cr.execute(SQL("SELECT NOT EXISTS (SELECT 1 FROM %s)", table))
        if cr.fetchone()[0]:
            indexes = _indexes_to_build(model)
    for name, _definition in indexes:
        cr.execute(SQL("DROP INDEX %s", SQL.identifier(name)))
    cr.execute(insert)
    inserted = cr.rowcount
    for _name, definition in indexes:
        # the definition PostgreSQL gives of the index dropped above
        cr.execute(SQL(definition.replace("%", "%%")))
    return inserted


def _indexes_to_build(model):
    """[(name, definition)] of the indexes of `model`'s table that no
    constraint stands on (the primary key is kept), once the table is
    locked; [] when the lock does not come within BULK_LOCK_TIMEOUT."""
    cr = model.env.cr
    [(timeout,)] = model.env.execute_query(SQL("SELECT current_setting('lock_timeout')"))
    try:
        with cr.savepoint(flush=False):
            cr.execute(SQL("SELECT set_config('lock_timeout', %s, TRUE)", BULK_LOCK_TIMEOUT))
            cr.execute(
                SQL("LOCK TABLE %s IN ACCESS EXCLUSIVE MODE", SQL.identifier(model._table)),
                log_exceptions=False,
            )
            cr.execute(SQL("SELECT set_config('lock_timeout', %s, TRUE)", timeout))
    except errors.LockNotAvailable:
        # the savepoint rolled back brings the timeout back too
        return []
    return model.env.execute_query(
        SQL(
            """
            SELECT index_class.relname, pg_get_indexdef(pg_index.indexrelid)
              FROM pg_index
              JOIN pg_class index_class ON index_class.oid = pg_index.indexrelid
             WHERE pg_index.indrelid = %s::regclass
               AND NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conindid = pg_index.indexrelid)
             ORDER BY index_class.relname
            """,
            model._table,
        )
    )


def column_list(columns, alias=None):
    """`columns` as an SQL list, each of the table `alias` when given."""
    if alias is None:
        return SQL(", ").join(SQL.identifier(column) for column in columns)
    return SQL(", ").join(SQL("%s.%s", SQL.identifier(alias), SQL.identifier(column)) for column in columns)


def _written(model, written):
    """After `written` rows of `model`'s table were written: statistics
    refreshed when they were many, the cache of the model dropped."""
    if written >= ANALYZE_AFTER_ROWS and written >= ANALYZE_SHARE * _estimated_rows(model):
        # fresh statistics now rather than when autovacuum comes by: the
        # reports' grouped reads are planned from them right after the run
        model.env.cr.execute(SQL("ANALYZE %s", SQL.identifier(model._table)))
    model.invalidate_model()
    return written


def _estimated_rows(model):
    """The rows of `model`'s table as its last statistics counted them (0
    when never analyzed)."""
    [(rows,)] = model.env.execute_query(
        SQL("SELECT GREATEST(reltuples, 0) FROM pg_class WHERE oid = %s::regclass", model._table)
    )
    return rows


def sync_company_values(model, company, values, types):
    """Make the company-dependent columns `types` ({column: SQL type}) of
    `model`'s records hold, for `company`, the values of the frame `values`
    (indexed by record id, one column per key of `types`; a missing value
    removes the company's key), and nothing for the records missing from
    it. Only the records whose values change are written; returns how many.
    The values are COPYed into a temporary table and merged in two UPDATEs,
    as the classification writes its own."""
    cr = model.env.cr
    key = str(company.id)
    columns = list(types)
    staged = stage_frame(cr, "customer_company_values", {"id": "int4", **types}, values.rename_axis("id").reset_index())
    table = SQL.identifier(model._table)
    assignments = SQL(", ").join(
        SQL(
            "%(column)s = CASE WHEN new.%(column)s IS NULL THEN stored.%(column)s - %(key)s"
            " ELSE COALESCE(stored.%(column)s, '{}'::jsonb) || jsonb_build_object(%(key)s, new.%(column)s) END",
            column=SQL.identifier(column),
            key=key,
        )
        for column in columns
    )
    differs = SQL(" OR ").join(
        SQL(
            "(stored.%(column)s ->> %(key)s)::%(kind)s IS DISTINCT FROM new.%(column)s",
            column=SQL.identifier(column),
            key=key,
            kind=SQL(types[column]),
        )
        for column in columns
    )
    cr.execute(
        SQL(
            "UPDATE %(table)s stored SET %(assignments)s FROM %(staged)s new"
            " WHERE stored.id = new.id AND (%(differs)s)",
            table=table,
            assignments=assignments,
            staged=staged,
            differs=differs,
        )
    )
    written = cr.rowcount
    # the records that lose their values, found by EXCEPT (a hashed set
    # operation rather than a lookup per record)
    cr.execute(
        SQL(
            """
            UPDATE %(table)s stored SET %(removals)s
              FROM (SELECT id FROM %(table)s WHERE %(has_any)s EXCEPT SELECT id FROM %(staged)s) AS gone
             WHERE stored.id = gone.id
            """,
            table=table,
            removals=SQL(", ").join(
                SQL("%(column)s = stored.%(column)s - %(key)s", column=SQL.identifier(column), key=key)
                for column in columns
            ),
            has_any=SQL(" OR ").join(SQL("%s ? %s", SQL.identifier(column), key) for column in columns),
            staged=staged,
        )
    )
    written += cr.rowcount
    cr.execute(SQL("DROP TABLE %s", staged))
    model.invalidate_model(columns)
    return written
