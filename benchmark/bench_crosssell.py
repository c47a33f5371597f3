"""Benchmark of the cross-sell mining on a large generated database.

    python3 benchmark/bench_crosssell.py --db cs_bench_xsell [--customers 100000] [--lines 5000000]
        [--products 10000] [--categories 200] [--sample 5000] [--update]

Creates the database with the addon installed when it is missing and fills
it once, with the generator of `bench_classification.py` (same customers,
documents and amounts), except for what is sold: `--products` products in
`--categories` categories, drawn so that customers have tastes (FAMILIES of
categories bought together, a few best sellers per category) and the mining
has rules to find. Then measures, each in a process of its own so that its
peak memory is its own:

- mining the main company at the level of categories, then of products
  (query, engine, bulk write of the rules), with the peak memory;
- the engine against mlxtend's apriori + association_rules on a sample of
  customers mlxtend can handle, same sample and thresholds, the rules
  asserted identical (mlxtend is installed for the benchmark only).

Nothing measured is committed: every mining is rolled back.
"""

import argparse
import json
import resource
import subprocess
import sys
import time
from datetime import date

import psycopg2
from bench_classification import Generator
from odoo_session import addons_path, ensure_addon, open_registry

from odoo import SUPERUSER_ID, api
from odoo.sql_db import connection_info_for
from odoo.tools import SQL

DATA_PARAM = "customer_segmentation.benchmark_crosssell_data"
# categories come in families of FAMILY_SIZE bought together: a customer
# leans to two families (the first ones more often), a line falls in its
# first family with LEAN_FIRST, its second with LEAN_SECOND - LEAN_FIRST,
# anywhere otherwise
FAMILY_SIZE = 5
LEAN_FIRST = 0.55
LEAN_SECOND = 0.85
TARGET_MB = 2048
TARGET_SPEEDUP = 10


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True, help="database to use (created when missing)")
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--lines", type=int, default=5_000_000, help="posted invoice product lines")
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--categories", type=int, default=200)
    parser.add_argument("--sample", type=int, default=5_000, help="customers of the mlxtend comparison")
    parser.add_argument("--addons-path", default="/opt/odoo19/addons", help="Odoo addons, without this addon")
    parser.add_argument("--http-port", default="8175", help="only to keep Odoo off the ports of others")
    parser.add_argument("--update", action="store_true", help="update the addon in the database first")
    parser.add_argument("--step", choices=["prepare", "category", "product", "mlxtend"], help=argparse.SUPPRESS)
    return parser.parse_args(argv)


# --------------------------------------------------------------------------
# data generation


class CrosssellGenerator(Generator):
    """The classification benchmark's customers and documents, selling
    `products` products in `categories` categories with tastes: categories
    in families bought together, and within a category a few best sellers
    (product n of a category is drawn with a probability falling as n^3)."""

    def __init__(self, env, company, journal, run_date, customers, lines, products, categories):
        super().__init__(env, company, journal, run_date, customers, lines)
        self.product_total, self.category_total = products, categories

    def create_products(self):
        """Categories and products through the ORM, in batches: the
        company-dependent cost is stored exactly as Odoo stores it."""
        unit = self.env.ref("uom.product_uom_unit")
        per_category = self.product_total // self.category_total
        categories = self.env["product.category"].create(
            [{"name": f"Benchmark Category {n:03d}"} for n in range(self.category_total)]
        )
        products = self.env["product.product"]
        for first in range(0, self.product_total, 1000):
            values = []
            for n in range(first, min(first + 1000, self.product_total)):
                price = round(5 + (n * 7919 % 1000) / 5, 2)
                values.append(
                    {
                        "name": f"Benchmark Item {n:05d}",
                        "categ_id": categories[n // per_category].id,
                        "list_price": price,
                        "standard_price": round(price * 0.6, 2),
                        "uom_id": unit.id,
                        "type": "consu",
                    }
                )
            products |= self.env["product.product"].create(values)
            self.env.flush_all()
            self.env.invalidate_all()
            print(f"    {len(products)} products", flush=True)
        income = products[0].product_tmpl_id._get_product_accounts()["income"] or self.journal.default_account_id
        self.income_account = income.id
        self.receivable_account = self.company.partner_id.with_company(self.company).property_account_receivable_id.id
        self.execute("DROP TABLE IF EXISTS bench_product")
        self.execute(
            """
            CREATE TEMP TABLE bench_product AS
            SELECT row_number() OVER (ORDER BY product.id) - 1 AS idx,
                   product.id, template.uom_id, template.list_price,
                   template.name ->> 'en_US' AS name,
                   %(dozen)s AS alt_uom_id, 0.1 AS alt_share, alt.factor / base.factor AS alt_ratio
              FROM product_product product
              JOIN product_template template ON template.id = product.product_tmpl_id
              JOIN uom_uom base ON base.id = template.uom_id
              JOIN uom_uom alt ON alt.id = %(dozen)s
             WHERE product.id IN %(ids)s;
            CREATE UNIQUE INDEX ON bench_product (idx);
            ANALYZE bench_product;
            """,
            dozen=self.env.ref("uom.product_uom_dozen").id,
            ids=tuple(products.ids),
        )
        self.product_count = len(products)
        self.per_category = per_category
        self.execute(
            """
            CREATE OR REPLACE FUNCTION pg_temp.draw(key int8, seed int4) RETURNS float8
            LANGUAGE sql IMMUTABLE PARALLEL SAFE
            AS $$ SELECT (hashint8extended(key, seed) & 2147483647)::float8 / 2147483648.0 $$
            """
        )

    def product_index(self, move):
        """A category from the customer's two families (or any), then one
        of its products, best sellers first."""
        families = self.category_total // FAMILY_SIZE
        line = SQL("%s.key * 1024 + j", SQL.identifier(move))
        customer = SQL("(%s.key >> 16)", SQL.identifier(move))
        in_family = SQL("floor(%s * pg_temp.draw(%s, 34) ^ 1.5)", FAMILY_SIZE, line)
        category = SQL(
            """CASE WHEN pg_temp.draw(%(line)s, 33) < %(first)s
                         THEN floor(%(families)s * pg_temp.draw(%(customer)s, 41) ^ 2) * %(size)s + %(in_family)s
                    WHEN pg_temp.draw(%(line)s, 33) < %(second)s
                         THEN floor(%(families)s * pg_temp.draw(%(customer)s, 42) ^ 2) * %(size)s + %(in_family)s
                    ELSE floor(%(categories)s * pg_temp.draw(%(line)s, 34)) END""",
            line=line,
            customer=customer,
            first=LEAN_FIRST,
            second=LEAN_SECOND,
            families=families,
            size=FAMILY_SIZE,
            in_family=in_family,
            categories=self.category_total,
        )
        # an int8 like bench_product.idx, so that its index serves the join
        return SQL(
            "((%s) * %s + floor(%s * draw.r_product ^ 3))::int8",
            category,
            self.per_category,
            self.per_category,
        )


def generate(env, args):
    params = env["ir.config_parameter"].sudo()
    stored = params.get_param(DATA_PARAM)
    sizes = {
        "customers": args.customers,
        "lines": args.lines,
        "products": args.products,
        "categories": args.categories,
    }
    if stored:
        data = json.loads(stored)
        if {key: data[key] for key in sizes} != sizes:
            sys.exit(f"database {args.db} holds {data}, not {sizes}: use another --db")
        print(f"reusing the data generated for a run on {data['run_date']} ({data['seconds']:.0f} s to generate)")
        return
    company = env.ref("base.main_company")
    journal = env["account.journal"].search([("type", "=", "sale"), ("company_id", "=", company.id)], limit=1)
    if env["account.move"].search_count([("journal_id", "=", journal.id)]):
        sys.exit(f"database {args.db} already has moves in the {journal.name} journal: use a new --db")
    run_date = date.today()
    print(f"generating {sizes} ...", flush=True)
    started = time.perf_counter()
    CrosssellGenerator(env, company, journal, run_date, *sizes.values()).run()
    seconds = time.perf_counter() - started
    params.set_param(DATA_PARAM, json.dumps({**sizes, "run_date": run_date.isoformat(), "seconds": seconds}))
    print(f"  generated in {seconds:.0f} s", flush=True)


def prepare(args, paths):
    registry = open_registry(args, paths)
    with registry.cursor() as cr:
        generate(api.Environment(cr, SUPERUSER_ID, {}), args)
    _name, info = connection_info_for(args.db)
    connection = psycopg2.connect(**info)
    try:
        connection.autocommit = True
        with connection.cursor() as cr:
            for table in ("res_partner", "account_move", "account_move_line", "product_product", "product_template"):
                cr.execute(f"VACUUM (ANALYZE) {table}")
    finally:
        connection.close()


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv=None):
    args = parse_args(argv)
    with addons_path(args) as paths:
        if args.step == "prepare":
            prepare(args, paths)
            return
        ensure_addon(args, paths, "customer_classification_history")
        argv = argv or sys.argv[1:]
        argv = [arg for arg in argv if arg != "--update"]
        subprocess.run([sys.executable, __file__, *argv, "--step", "prepare"], check=True)


if __name__ == "__main__":
    sys.stdout.reconfigure(line_buffering=True)
    main()
