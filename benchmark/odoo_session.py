"""What both benchmarks need to run the addon in a real Odoo database:
the repository exposed under the addon's name, Odoo's options, the addon
installed or updated with Odoo itself, and a registry."""

import os
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import psycopg2

from odoo.modules.registry import Registry
from odoo.sql_db import db_connect
from odoo.tools import config

REPO = Path(__file__).resolve().parent.parent
MODULE = "customer_segmentation"


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
