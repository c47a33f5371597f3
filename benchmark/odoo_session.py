"""What the benchmarks need to run the addon in a real Odoo database: their
common command-line options, the repository exposed under the addon's name,
Odoo's options, the addon installed or updated with Odoo itself, a registry
and a superuser environment on it, the script run again in a process of its
own, and the tables vacuumed between a committed setup and a measurement.

A benchmark that measures in one transaction of one process:

    parser = bench_parser(__doc__, "database with (or to get) the addon", "8171")
    parser.add_argument(...)  # its own options
    args = parser.parse_args(argv)
    with odoo_env(args, "a_table_it_needs") as env:
        ...
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import psycopg2

from odoo import SUPERUSER_ID, api
from odoo.modules.registry import Registry
from odoo.sql_db import close_db, connection_info_for, db_connect
from odoo.tools import config

REPO = Path(__file__).resolve().parent.parent
MODULE = "customer_segmentation"


def bench_parser(doc, db_help, http_port):
    """A parser described by the first paragraph of `doc` (the script's
    docstring) with the options every benchmark has: the database (`db_help`
    says which), Odoo's addons, an HTTP port of its own (`http_port`, to keep
    off the ports of the other benchmarks) and --update. The script adds its
    own options."""
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument("--db", required=True, help=db_help)
    parser.add_argument("--addons-path", default="/opt/odoo19/addons", help="Odoo addons, without this addon")
    parser.add_argument("--http-port", default=http_port, help="only to keep Odoo off the ports of others")
    parser.add_argument("--update", action="store_true", help="update the addon in the database first")
    return parser


@contextmanager
def addons_path(args):
    """Odoo finds an addon by its folder name: expose the repository as
    `customer_segmentation` in a scratch folder, whatever it is checked out as."""
    folder = tempfile.mkdtemp(prefix="cs_bench_addons_")
    try:
        os.symlink(REPO, os.path.join(folder, MODULE))
        yield f"{args.addons_path},{folder}"
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def odoo_options(args, paths):
    return [
        "-d",
        args.db,
        "--addons-path",
        paths,
        "--http-port",
        args.http_port,
        "--http-interface",
        "127.0.0.1",
        "--log-level",
        "warn",
    ]


def module_state(db, table):
    """The addon's state in `db`, None when the database or `table` (a table
    the benchmark needs) is missing."""
    try:
        with db_connect(db).cursor() as cr:
            cr.execute("SELECT state FROM ir_module_module WHERE name = %s", [MODULE])
            row = cr.fetchone()
            cr.execute("SELECT to_regclass(%s) IS NOT NULL", [table])
            has_table = cr.fetchone()[0]
    except psycopg2.Error:
        return None
    return row and has_table and row[0]


def ensure_addon(args, paths, table):
    """Install the addon with Odoo itself (which creates the database) when
    it is not there yet, or update it when `table` is missing or on request."""
    state = module_state(args.db, table)
    if state == "installed" and not args.update:
        return
    installed = module_state(args.db, "ir_module_module") == "installed"
    action = "-u" if installed else "-i"
    print(f"{'updating' if installed else 'installing'} {MODULE} in database {args.db} ...", flush=True)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as scratch:
        subprocess.run(
            [sys.executable, "-m", "odoo", *odoo_options(args, paths), action, MODULE, "--stop-after-init"],
            cwd=scratch,
            check=True,
        )
    print(f"  done in {time.perf_counter() - started:.0f} s", flush=True)


def open_registry(args, paths):
    config.parse_config(odoo_options(args, paths), setup_logging=True)
    return Registry(args.db)


@contextmanager
def installed_addon(args, table):
    """The addon exposed, then installed or updated (see `ensure_addon`):
    yields the addons path, for the registries and processes of a script
    that needs several of them."""
    with addons_path(args) as paths:
        ensure_addon(args, paths, table)
        yield paths


@contextmanager
def superuser_env(args, paths):
    """A superuser environment on a new cursor of the database's registry;
    what is not rolled back is committed when the block ends without error."""
    registry = open_registry(args, paths)
    with registry.cursor() as cr:
        yield api.Environment(cr, SUPERUSER_ID, {})


@contextmanager
def database_copy(args, suffix):
    """The options of a copy of the database named with `suffix`, made from
    it and dropped when the block ends, however it ends: a benchmark that
    commits or forgets leaves the database it was given as it was."""
    copy = argparse.Namespace(**{**vars(args), "db": f"{args.db}{suffix}"})
    close_db(args.db)  # the pooled connections would keep createdb from copying it
    subprocess.run(["dropdb", "--if-exists", copy.db], check=True)
    subprocess.run(["createdb", "-T", args.db, copy.db], check=True)
    try:
        yield copy
    finally:
        close_db(copy.db)
        subprocess.run(["dropdb", "--if-exists", copy.db], check=True)


@contextmanager
def odoo_env(args, table):
    """The superuser environment of a benchmark that runs in one transaction:
    the addon exposed, installed or updated when `table` is missing (or on
    --update), the registry opened."""
    with installed_addon(args, table) as paths, superuser_env(args, paths) as env:
        yield env


def run_again(script, argv, *options, **kwargs):
    """`script` in a process of its own (its memory its own), with the
    options of this run (`argv`, or the command line's) but --update, done
    by then, and `options`; `kwargs` go to subprocess.run."""
    argv = [option for option in argv or sys.argv[1:] if option != "--update"]
    return subprocess.run([sys.executable, script, *argv, *options], check=True, **kwargs)


def vacuum(db, tables):
    """VACUUM (ANALYZE) `tables` of `db`, outside any transaction (as
    autovacuum would after a bulk load): the measured transaction then finds
    neither dead rows nor stale statistics."""
    _name, info = connection_info_for(db)
    connection = psycopg2.connect(**info)
    try:
        connection.autocommit = True
        with connection.cursor() as cr:
            for table in tables:
                cr.execute(f"VACUUM (ANALYZE) {table}")
    finally:
        connection.close()
