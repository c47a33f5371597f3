"""Benchmark of a customer classification run on a large generated database.

    python3 benchmark/bench_classification.py --db cs_bench [--shape default|dormant]
        [--customers 100000] [--lines 5000000] [--prepare-only] [--keep]

Creates the database with the addon installed when it is missing, fills it
once with customers and posted customer invoices written the way Odoo writes
them (set-based SQL, far too slow through the ORM at this size), in one of
two shapes (SHAPES): `default`, most customers buying through the whole
period, and `dormant`, three customers in four who stopped buying before the
last twelve full months; both with product costs that are not round numbers
(four decimals, four to six for `dormant`). A database keeps its sizes and
shape in a system parameter; later runs only measure, with `--db` choosing
the database. They print the data's shape, then measure: the bare aggregate
query on the server (the floor), a first run from an unclassified state and
a second run with no new data, each phase against the floor (target: a run
within 2x), the partner and history rows the second run writes as
PostgreSQL counts them (target: none, with the values that changed), and the
peak memory of the process (target: under 1 GB). The classification itself
is rolled back unless --keep, and every run starts from an unclassified
state either way.
"""

import json
import resource
import sys
import time
import tracemalloc
from contextlib import contextmanager
from datetime import date, timedelta

from odoo_session import bench_parser, installed_addon, run_again, superuser_env, vacuum

from odoo.tools import SQL, float_round

DATA_PARAM = "customer_segmentation.benchmark_data"
MONTHS = 36
REFUND_SHARE = 0.05
# The shapes of data a benchmark database can have: the share of each buyer
# profile (upper bounds of one uniform draw, the last profile takes the rest)
# and the product costs, of product n with base price `base`, and the digits
# of Odoo's "Product Price" precision, raised to hold them. Sales prices and
# amounts are the same in every shape: only the customers' timing and the
# costs differ.
SHAPES = {
    # most customers buy through the whole period; costs in ninths with four
    # decimals (3.5556, 6.6667), as a company that prices its costs finely has
    "default": {
        "profiles": (("regular", 0.25), ("fluctuating", 0.50), ("occasional", 0.75), ("lapsed", 0.90), ("new", None)),
        "cost_digits": 4,
        "cost": lambda n, base: float_round(base * 8 / 9, precision_digits=4),
    },
    # a base of dormant customers: three in four stopped buying before the
    # last twelve full months; costs in thirds and sevenths with four to six
    # decimals (2.666667, 6.42857, 7.3333), as averaged purchase costs have
    "dormant": {
        "profiles": (("regular", 0.10), ("fluctuating", 0.17), ("occasional", 0.21), ("new", 0.25), ("lapsed", None)),
        "cost_digits": 6,
        "cost": lambda n, base: float_round(base * (6 / 7 if n % 2 else 2 / 3), precision_digits=6 - n % 3),
    },
}


def product_rows(shape):
    """(name, cost, sales price, unit of measure) of the products sold; lines
    of unit products are sometimes in dozens and lines of kg products in
    pounds, so that the margin goes through the unit conversion of the
    aggregate. The sales price is rounded to cents as Odoo's default
    precision rounds it, whatever precision the shape sets for the costs."""
    cost = SHAPES[shape]["cost"]
    units = [(f"Benchmark Product {n:02d}", n, 4.0 + 3.5 * n, 1.3 + 0.05 * n, "unit") for n in range(18)]
    bulk = [(f"Benchmark Bulk Product {n:02d}", 18 + n, 2.0 + n, 1.6, "kg") for n in range(6)]
    return [
        (name, cost(n, base), float_round(base * markup, precision_digits=2), uom)
        for name, n, base, markup, uom in units + bulk
    ]


def parse_args(argv=None):
    parser = bench_parser(__doc__, "database to use (created when missing)", "8173")
    parser.add_argument("--customers", type=int, help="customers to generate (default: 100,000)")
    parser.add_argument("--lines", type=int, help="posted invoice product lines to generate (default: 5,000,000)")
    parser.add_argument(
        "--shape",
        choices=sorted(SHAPES),
        help="shape of the data to generate (default: default); a database keeps the shape it was generated with",
    )
    parser.add_argument("--keep", action="store_true", help="commit the classification instead of rolling it back")
    parser.add_argument("--no-tracemalloc", action="store_true", help="skip the third run traced by tracemalloc")
    parser.add_argument(
        "--prepare-only",
        action="store_true",
        help="only install the addon, generate the data and commit the database unclassified; measure nothing",
    )
    return parser.parse_args(argv)


# --------------------------------------------------------------------------
# data generation


def generate(env, args):
    """Fill the database once; later runs find the sizes and the shape in a
    system parameter and only measure. Sizes and shape asked for on the
    command line must be the ones the database holds."""
    params = env["ir.config_parameter"].sudo()
    stored = params.get_param(DATA_PARAM)
    if stored:
        data = json.loads(stored)
        # databases generated before the shapes existed have the default shape
        # with round costs: their parameter names no shape
        held = {"customers": data["customers"], "lines": data["lines"], "shape": data.get("shape", "default")}
        asked = [name for name, value in held.items() if getattr(args, name) not in (None, value)]
        if asked:
            sys.exit(
                f"database {args.db} holds {held['customers']} customers and {held['lines']} lines of the "
                f"{held['shape']} shape, not {', '.join(f'{name} {getattr(args, name)}' for name in asked)}: "
                "use another --db"
            )
        print(f"reusing the data generated for a run on {data['run_date']} ({data['seconds']:.0f} s to generate)")
        return
    args.customers = args.customers or 100_000
    args.lines = args.lines or 5_000_000
    shape = args.shape or "default"
    generate_new(
        env,
        args.db,
        DATA_PARAM,
        Generator,
        {"customers": args.customers, "lines": args.lines, "shape": shape},
        f"{args.customers} customers and {args.lines} invoice lines of the {shape} shape",
        cost_digits=SHAPES[shape]["cost_digits"],
    )


def generate_new(env, db, param, generator_class, sizes, label, **recorded):
    """Fill `db`, a database without invoices yet, with
    `generator_class`(env, company, journal, run date, *`sizes`) in its main
    company's sales journal, and record in the system parameter `param` the
    `sizes`, `recorded`, the run date and the seconds it took."""
    company = env.ref("base.main_company")
    journal = env["account.journal"].search([("type", "=", "sale"), ("company_id", "=", company.id)], limit=1)
    if env["account.move"].search_count([("journal_id", "=", journal.id)]):
        sys.exit(f"database {db} already has moves in the {journal.name} journal: use a new --db")
    run_date = date.today()
    print(f"generating {label} ...", flush=True)
    started = time.perf_counter()
    generator_class(env, company, journal, run_date, *sizes.values()).run()
    seconds = time.perf_counter() - started
    data = {**sizes, **recorded, "run_date": run_date.isoformat(), "seconds": seconds}
    env["ir.config_parameter"].sudo().set_param(param, json.dumps(data))
    print(f"  generated in {seconds:.0f} s", flush=True)


class Generator:
    """Customers and posted customer invoices in set-based SQL.

    Each customer gets a profile that shapes its purchases so that every
    ABC and XYZ class is well populated: regular buyers (the same amount
    every month, little noise: X and Y), fluctuating ones (Y and Z),
    occasional ones (Z), lapsed ones that bought only before the last twelve
    full months (no class) and new ones (too short a history for XYZ), in
    the proportions of the shape (SHAPES). Amounts per customer
    are log-normal, so revenue concentrates on few customers as in real
    books. About 5 % of the documents are credit notes. Random draws are
    hashes of the row keys: the same sizes always give the same data.
    """

    def __init__(self, env, company, journal, run_date, customers, lines, shape="default"):
        self.env, self.cr = env, env.cr
        self.shape = SHAPES[shape]
        self.company, self.journal = company, journal
        self.run_date = run_date
        self.customers, self.lines = customers, lines
        self.shape_name = shape
        # month 0 is the first of the 36 months before the month of the run;
        # month 36 is the month of the run, up to the day before it
        self.start = date(run_date.year - MONTHS // 12, run_date.month, 1)
        self.last_month = MONTHS if run_date.day > 1 else MONTHS - 1

    def run(self):
        for step in (self.create_products, self.plan_customers, self.plan_moves):
            self.timed(step)
        with self.bulk_load(("res_partner", "account_move", "account_move_line")):
            for step in (self.insert_partners, self.insert_moves, self.insert_lines):
                self.timed(step)

    def timed(self, step):
        clock = time.perf_counter()
        step()
        print(f"  {step.__name__:<18} {time.perf_counter() - clock:7.1f} s", flush=True)

    @contextmanager
    def bulk_load(self, tables):
        """Load as pg_restore does: without the foreign key triggers (the
        rows reference what was just created) and with the indexes built
        once at the end, ten times faster than row by row; the tables and
        indexes end up the same."""
        self.execute(
            """
            SELECT index.indexrelid::regclass::text, pg_get_indexdef(index.indexrelid)
              FROM pg_index index
             WHERE index.indrelid::regclass::text IN %(tables)s
               AND NOT EXISTS (SELECT 1 FROM pg_constraint WHERE pg_constraint.conindid = index.indexrelid)
            """,
            tables=tuple(tables),
        )
        indexes = self.cr.fetchall()
        for name, _definition in indexes:
            self.execute("DROP INDEX %(name)s", name=SQL(name))
        self.execute("SET LOCAL session_replication_role = replica")
        yield
        self.execute("SET LOCAL session_replication_role = DEFAULT")
        self.execute("SET LOCAL maintenance_work_mem = '1GB'")
        clock = time.perf_counter()
        for _name, definition in indexes:
            self.execute(definition)
        print(f"  {'create_indexes':<18} {time.perf_counter() - clock:7.1f} s", flush=True)

    def execute(self, query, **params):
        self.cr.execute(SQL(query, **params))

    def create_products(self):
        """Through the ORM: a handful of rows, and the company-dependent cost
        is stored exactly as Odoo stores it, at a "Product Price" precision
        that holds the shape's costs."""
        precision = self.env.ref("product.decimal_price")
        precision.digits = max(precision.digits, self.shape["cost_digits"])
        uoms = {"unit": self.env.ref("uom.product_uom_unit"), "kg": self.env.ref("uom.product_uom_kgm")}
        products = self.env["product.product"].create(
            [
                {"name": name, "standard_price": cost, "list_price": price, "uom_id": uoms[uom].id, "type": "consu"}
                for name, cost, price, uom in product_rows(self.shape_name)
            ]
        )
        self.env.flush_all()
        # the unit of a line: the product's, or dozens / pounds for a share
        unit = uoms["unit"].id
        dozen, pound = self.env.ref("uom.product_uom_dozen").id, self.env.ref("uom.product_uom_lb").id
        self.sell_products(
            products,
            alt_uom=SQL("CASE template.uom_id WHEN %s THEN %s ELSE %s END", unit, dozen, pound),
            alt_share=SQL("CASE template.uom_id WHEN %s THEN 0.1 ELSE 0.2 END", unit),
        )

    def sell_products(self, products, alt_uom, alt_share):
        """What the documents are drawn from once `products` exist: the
        accounts of their lines, the temporary table `bench_product` that
        numbers them (`idx`, from 0) with the other unit of a line (`alt_uom`,
        SQL on the product's `template`) for a share of the lines
        (`alt_share`, SQL too), and pg_temp.draw, a uniform draw in [0, 1)
        hashed from a row key and a seed."""
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
                   %(alt_uom)s AS alt_uom_id, %(alt_share)s AS alt_share, alt.factor / base.factor AS alt_ratio
              FROM product_product product
              JOIN product_template template ON template.id = product.product_tmpl_id
              JOIN uom_uom base ON base.id = template.uom_id
              JOIN uom_uom alt ON alt.id = %(alt_uom)s
             WHERE product.id IN %(ids)s
            """,
            alt_uom=alt_uom,
            alt_share=alt_share,
            ids=tuple(products.ids),
        )
        self.product_count = len(products)
        self.execute(
            """
            CREATE OR REPLACE FUNCTION pg_temp.draw(key int8, seed int4) RETURNS float8
            LANGUAGE sql IMMUTABLE PARALLEL SAFE
            AS $$ SELECT (hashint8extended(key, seed) & 2147483647)::float8 / 2147483648.0 $$
            """
        )

    def plan_customers(self):
        """One row per customer: profile, active months, number of invoices
        and credit notes, lines, amount level; the lines are shared out so
        that their total is exactly the number asked for."""
        self.execute("DROP TABLE IF EXISTS bench_customer")
        self.execute(
            """
            CREATE TEMP TABLE bench_customer AS
            WITH draws AS (
                SELECT i, pg_temp.draw(i, 1) AS r1, pg_temp.draw(i, 2) AS r2, pg_temp.draw(i, 3) AS r3,
                       pg_temp.draw(i, 4) AS r4, pg_temp.draw(i, 5) AS r5, pg_temp.draw(i, 6) AS r6,
                       pg_temp.draw(i, 7) AS r7, pg_temp.draw(i, 8) AS r8, pg_temp.draw(i, 9) AS r9,
                       pg_temp.draw(i, 10) AS r10, pg_temp.draw(i, 11) AS r11
                  FROM generate_series(1, %(customers)s) AS i
            ), profiled AS (
                SELECT *, %(profile)s AS profile
                  FROM draws
            ), timed AS (
                SELECT *,
                       CASE profile WHEN 'regular' THEN floor(r2 * 12) WHEN 'fluctuating' THEN floor(r2 * 24)
                                    WHEN 'occasional' THEN floor(r2 * 30) WHEN 'lapsed' THEN floor(r2 * 12)
                                    ELSE %(last)s - floor(r2 * 6) END::int4 AS first_month,
                       CASE profile WHEN 'lapsed' THEN 12 + floor(r3 * 12) ELSE %(last)s END::int4 AS last_month
                  FROM profiled
            )
            SELECT i, profile, first_month, last_month, last_month - first_month + 1 AS span,
                   CASE profile
                        WHEN 'regular' THEN (CASE WHEN r4 < 0.7 THEN 1 WHEN r4 < 0.95 THEN 2 ELSE 4 END)
                                            * (last_month - first_month + 1)
                        WHEN 'new' THEN (CASE WHEN r4 < 0.7 THEN 1 ELSE 2 END) * (last_month - first_month + 1)
                        WHEN 'fluctuating' THEN greatest(1, round((last_month - first_month + 1) * (0.4 + 0.8 * r4)))
                        ELSE 1 + floor(r4 * 12)
                   END::int4 AS invoices,
                   profile IN ('regular', 'fluctuating', 'new') AS spread,
                   CASE WHEN profile IN ('regular', 'new') THEN 0.02 + 0.5 * r5 ELSE 0.5 + r5 END AS noise,
                   300 * exp(sqrt(-2 * ln(1 - r6)) * cos(2 * pi() * r7)) AS level,
                   1 + 3 * r8 * r8 AS lines_factor,
                   r9 < 0.1 AS has_contact,
                   r10 >= 0.01 AS active,
                   r11
              FROM timed
            """,
            customers=self.customers,
            last=self.last_month,
            profile=self.profile_case(),
        )
        # credit notes come on top of the invoices, so that a regular buyer
        # keeps one invoice a month
        self.execute(
            """
            ALTER TABLE bench_customer ADD COLUMN refunds int4;
            UPDATE bench_customer
               SET refunds = CASE WHEN invoices >= 2 THEN floor(invoices * %(share)s + r11)::int4 ELSE 0 END
            """,
            share=REFUND_SHARE / (1 - REFUND_SHARE),
        )
        # every document has a line; the lines left over go to the customers
        # in proportion to their documents and lines per document; when the
        # lines do not even cover the documents, the documents are cut down
        self.execute("DROP TABLE IF EXISTS bench_budget")
        self.execute(
            """
            CREATE TEMP TABLE bench_budget AS
            WITH weights AS (
                SELECT c.*, (invoices + refunds)::numeric AS documents,
                       sum((invoices + refunds)::numeric) OVER () AS all_documents,
                       sum((invoices + refunds)::numeric) OVER (ORDER BY i) AS documents_through,
                       sum(round(((invoices + refunds) * lines_factor)::numeric, 6)) OVER () AS all_weight,
                       sum(round(((invoices + refunds) * lines_factor)::numeric, 6)) OVER (ORDER BY i) AS weight_through
                  FROM bench_customer c
            ), shares AS (
                SELECT *,
                       CASE WHEN %(lines)s >= all_documents THEN documents
                            ELSE floor(%(lines)s * documents_through / all_documents)
                                 - floor(%(lines)s * (documents_through - documents) / all_documents)
                       END::int4 AS moves,
                       greatest(%(lines)s - all_documents, 0) AS extra
                  FROM weights
            )
            SELECT i, profile, first_month, last_month, span, spread, noise, level, has_contact, active,
                   least(invoices, moves) AS invoices, moves - least(invoices, moves) AS refunds, moves,
                   moves + (floor(extra * weight_through / all_weight)
                            - floor(extra * (weight_through - round((documents * lines_factor)::numeric, 6))
                                    / all_weight))::int4 AS lines
              FROM shares
            """,
            lines=self.lines,
        )
        self.partner_base = self.reserve("res_partner_id_seq", 2 * self.customers)

    def profile_case(self):
        """The profile of a customer from its first draw `r1`."""
        *bounded, (last, _none) = self.shape["profiles"]
        return SQL(
            "CASE %s ELSE %s END",
            SQL(" ").join(SQL("WHEN r1 < %s THEN %s", bound, profile) for profile, bound in bounded),
            last,
        )

    def reserve(self, sequence, count):
        """First of `count` ids taken from `sequence` at once, as many
        single nextval() would have given."""
        self.execute("SELECT nextval(%(seq)s)", seq=sequence)
        first = self.cr.fetchone()[0]
        self.execute("SELECT setval(%(seq)s, %(last)s)", seq=sequence, last=first + count - 1)
        return first

    def plan_moves(self):
        """One row per document, numbered as the journal numbers them: in
        date order, per year, apart for credit notes."""
        self.execute("DROP TABLE IF EXISTS bench_move_draft")
        self.execute(
            """
            CREATE TEMP TABLE bench_move_draft AS
            WITH documents AS (
                SELECT b.*, k, (b.i::int8 << 16) + k AS key, k >= b.invoices AS is_refund,
                       (floor(b.lines * (k + 1)::numeric / b.moves) - floor(b.lines * k::numeric / b.moves))::int4
                           AS line_count
                  FROM bench_budget b
                 CROSS JOIN LATERAL generate_series(0, b.moves - 1) AS k
            ), months AS (
                SELECT *,
                       CASE WHEN spread AND NOT is_refund THEN first_month + (k * span) / invoices
                            ELSE first_month + floor(pg_temp.draw(key, 21) * span)::int4 END AS month
                  FROM documents
            ), dated AS (
                SELECT *, (%(start)s::date + month * interval '1 month')::date AS month_start
                  FROM months
            )
            SELECT i, key, is_refund, has_contact, line_count,
                   month_start + floor(pg_temp.draw(key, 22)
                       * (least((month_start + interval '1 month')::date, %(run_date)s::date) - month_start))::int4
                       AS invoice_date,
                   greatest(round((level * exp(noise * (2 * pg_temp.draw(key, 23) - 1))
                                   * CASE WHEN is_refund THEN 0.2 ELSE 1 END / line_count)::numeric, 2), 0.01)
                       AS line_amount
              FROM dated
            """,
            start=self.start,
            run_date=self.run_date,
        )
        move_count = self.scalar("SELECT count(*) FROM bench_move_draft")
        line_count = self.scalar("SELECT coalesce(sum(line_count), 0) FROM bench_move_draft")
        self.move_base = self.reserve("account_move_id_seq", move_count)
        self.line_base = self.reserve("account_move_line_id_seq", move_count + line_count)
        # totals first: the move carries them and its receivable line balances them
        self.execute("DROP TABLE IF EXISTS bench_move")
        self.execute(
            """
            CREATE TEMP TABLE bench_move AS
            WITH numbered AS (
                SELECT d.*, row_number() OVER (ORDER BY invoice_date, key) - 1 AS position,
                       CASE WHEN is_refund THEN 'RINV/' ELSE 'INV/' END
                           || extract(year FROM invoice_date)::text || '/' AS prefix
                  FROM bench_move_draft d
            ), sequenced AS (
                SELECT n.*, row_number() OVER (PARTITION BY n.prefix ORDER BY n.position) AS number
                  FROM numbered n
            )
            SELECT n.key, n.is_refund, n.line_count, n.invoice_date, n.line_amount, n.prefix, n.number,
                   n.prefix || lpad(n.number::text, greatest(5, length(n.number::text)), '0') AS name,
                   %(move_base)s + n.position AS id,
                   %(line_base)s + sum(n.line_count + 1) OVER (ORDER BY n.position) - n.line_count - 1 AS first_line_id,
                   CASE WHEN n.has_contact THEN %(partner_base)s + %(customers)s + n.i - 1
                        ELSE %(partner_base)s + n.i - 1 END AS partner_id,
                   %(partner_base)s + n.i - 1 AS commercial_partner_id,
                   n.invoice_date + time '09:00' AS created,
                   total.amount
              FROM sequenced n
             CROSS JOIN LATERAL (SELECT sum(line.subtotal) AS amount FROM (%(lines)s) line) total
             ORDER BY n.position
            """,
            move_base=self.move_base,
            line_base=self.line_base,
            partner_base=self.partner_base,
            customers=self.customers,
            lines=self.product_lines("n"),
        )
        self.move_count, self.line_count = move_count, line_count

    def product_lines(self, move):
        """Product lines of the document aliased `move`: product, unit and
        quantity drawn from the line key, the price derived so that the
        line is worth the amount planned for it."""
        return SQL(
            """
            SELECT j, product.id AS product_id, product.name,
                   CASE WHEN alternative THEN product.alt_uom_id ELSE product.uom_id END AS uom_id,
                   quantity, price_unit, round(quantity * price_unit, 2) AS subtotal
              FROM generate_series(1, %(move)s.line_count) AS j
             CROSS JOIN LATERAL (
                   SELECT pg_temp.draw(%(move)s.key * 1024 + j, 31) AS r_product,
                          pg_temp.draw(%(move)s.key * 1024 + j, 32) AS r_uom) draw
              JOIN bench_product product ON product.idx = %(index)s
             CROSS JOIN LATERAL (SELECT draw.r_uom < product.alt_share AS alternative) unit
             CROSS JOIN LATERAL (
                   SELECT greatest(1, round(%(move)s.line_amount
                          / (product.list_price * CASE WHEN alternative THEN product.alt_ratio ELSE 1 END)::numeric))
                          AS quantity) qty
             CROSS JOIN LATERAL (SELECT greatest(round(%(move)s.line_amount / quantity, 2), 0.01) AS price_unit) price
            """,
            move=SQL.identifier(move),
            index=self.product_index(move),
        )

    def product_index(self, move):
        """The `bench_product.idx` of line `j` of the document aliased
        `move`, from its draw `draw.r_product`: any product, uniformly."""
        return SQL("floor(draw.r_product * %s)", self.product_count)

    def scalar(self, query, **params):
        self.execute(query, **params)
        return self.cr.fetchone()[0]

    def insert_partners(self):
        """Companies (customer_rank counts their documents, as posting does)
        and, for one in ten, an invoicing contact the documents are addressed
        to; 1 % of the customers are archived."""
        self.execute(
            """
            INSERT INTO res_partner
                   (id, name, complete_name, commercial_partner_id, commercial_company_name, type, is_company,
                    active, lang, color, partner_share, message_bounce, supplier_rank, customer_rank,
                    autopost_bills, create_uid, write_uid, create_date, write_date)
            SELECT %(base)s + i - 1, name, name, %(base)s + i - 1, name, 'contact', TRUE,
                   active, 'en_US', 0, TRUE, 0, 0, moves, 'ask', %(uid)s, %(uid)s, now, now
              FROM bench_budget,
                   LATERAL (SELECT 'Benchmark Customer ' || lpad(i::text, greatest(6, length(i::text)), '0') AS name,
                                   now() AT TIME ZONE 'UTC' AS now) named
             ORDER BY i;
            INSERT INTO res_partner
                   (id, name, complete_name, parent_id, commercial_partner_id, commercial_company_name, type,
                    is_company, active, lang, color, partner_share, message_bounce, supplier_rank, customer_rank,
                    autopost_bills, create_uid, write_uid, create_date, write_date)
            SELECT %(base)s + %(customers)s + i - 1, 'Accounts Payable', company_name || ', Accounts Payable',
                   %(base)s + i - 1, %(base)s + i - 1, company_name, 'invoice', FALSE,
                   active, 'en_US', 0, TRUE, 0, 0, moves, 'ask', %(uid)s, %(uid)s, now, now
              FROM bench_budget,
                   LATERAL (SELECT 'Benchmark Customer ' || lpad(i::text, greatest(6, length(i::text)), '0')
                                       AS company_name,
                                   now() AT TIME ZONE 'UTC' AS now) named
             WHERE has_contact
             ORDER BY i
            """,
            base=self.partner_base,
            customers=self.customers,
            uid=self.uid,
        )

    @property
    def uid(self):
        return self.env.ref("base.user_admin").id

    def insert_moves(self):
        """Posted, not paid, untaxed documents in company currency, as
        action_post leaves them."""
        team = self.env.ref("sales_team.team_sales_department", raise_if_not_found=False)
        self.execute(
            """
            INSERT INTO account_move
                   (id, name, sequence_prefix, sequence_number, journal_id, company_id, currency_id, move_type,
                    state, auto_post, date, invoice_date, invoice_date_due, partner_id, commercial_partner_id,
                    partner_shipping_id, invoice_partner_display_name, invoice_user_id, team_id,
                    payment_reference, payment_state, invoice_currency_rate,
                    amount_untaxed, amount_tax, amount_total, amount_residual,
                    amount_untaxed_signed, amount_untaxed_in_currency_signed, amount_tax_signed,
                    amount_total_signed, amount_total_in_currency_signed, amount_residual_signed,
                    always_tax_exigible, checked, posted_before, made_sequence_gap, is_manually_modified,
                    create_uid, write_uid, create_date, write_date)
            SELECT m.id, m.name, m.prefix, m.number, %(journal)s, %(company)s, %(currency)s,
                   CASE WHEN m.is_refund THEN 'out_refund' ELSE 'out_invoice' END,
                   'posted', 'no', m.invoice_date, m.invoice_date, m.invoice_date,
                   m.partner_id, m.commercial_partner_id, m.partner_id, partner.complete_name, %(uid)s, %(team)s,
                   CASE WHEN NOT m.is_refund THEN m.name END, 'not_paid', 1.0,
                   m.amount, 0.0, m.amount, m.amount,
                   signed.amount, signed.amount, 0.0, signed.amount, signed.amount, signed.amount,
                   FALSE, TRUE, TRUE, FALSE, FALSE,
                   %(uid)s, %(uid)s, m.created, m.created
              FROM bench_move m
              JOIN res_partner partner ON partner.id = m.partner_id
             CROSS JOIN LATERAL (SELECT CASE WHEN m.is_refund THEN -m.amount ELSE m.amount END AS amount) signed
            """,
            journal=self.journal.id,
            company=self.company.id,
            currency=self.company.currency_id.id,
            uid=self.uid,
            team=team.id if team else None,
        )

    def insert_lines(self):
        """The product lines then the receivable (payment term) line of each
        move, ids in that order as Odoo creates them; income is credited on
        invoices and debited on credit notes."""
        self.execute(
            """
            INSERT INTO account_move_line
                   (id, move_id, move_name, journal_id, company_id, company_currency_id, currency_id, parent_state,
                    date, invoice_date, date_maturity, partner_id, account_id, display_type, sequence, name,
                    product_id, product_uom_id, quantity, price_unit, price_subtotal, price_total, discount,
                    discount_amount_currency, discount_balance,
                    debit, credit, balance, amount_currency, amount_residual, amount_residual_currency,
                    is_storno, reconciled, no_followup, deductible_amount,
                    create_uid, write_uid, create_date, write_date)
            SELECT m.first_line_id + line.j - 1, m.id, m.name, %(journal)s, %(company)s, %(currency)s, %(currency)s,
                   'posted', m.invoice_date, m.invoice_date, CASE WHEN line.receivable THEN m.invoice_date END,
                   m.commercial_partner_id, CASE WHEN line.receivable THEN %(receivable)s ELSE %(income)s END,
                   CASE WHEN line.receivable THEN 'payment_term' ELSE 'product' END,
                   CASE WHEN line.receivable THEN 12000 ELSE 100 END, line.name,
                   line.product_id, line.uom_id, line.quantity, line.price_unit, line.subtotal, line.subtotal, 0.0,
                   CASE WHEN line.receivable THEN 0.0 END, CASE WHEN line.receivable THEN 0.0 END,
                   greatest(line.balance, 0.0), greatest(-line.balance, 0.0), line.balance, line.balance,
                   CASE WHEN line.receivable THEN line.balance ELSE 0.0 END,
                   CASE WHEN line.receivable THEN line.balance ELSE 0.0 END,
                   FALSE, FALSE, FALSE, 100.0,
                   %(uid)s, %(uid)s, m.created, m.created
              FROM bench_move m
             CROSS JOIN LATERAL (
                   SELECT product_line.j, product_line.product_id, product_line.name, product_line.uom_id,
                          product_line.quantity, product_line.price_unit, product_line.subtotal, FALSE AS receivable,
                          CASE WHEN m.is_refund THEN product_line.subtotal ELSE -product_line.subtotal END AS balance
                     FROM (%(lines)s) product_line
                    UNION ALL
                   SELECT m.line_count + 1, NULL, CASE WHEN NOT m.is_refund THEN m.name END, NULL,
                          0.0, 0.0, 0.0, TRUE, CASE WHEN m.is_refund THEN -m.amount ELSE m.amount END) line
            """,
            journal=self.journal.id,
            company=self.company.id,
            currency=self.company.currency_id.id,
            receivable=self.receivable_account,
            income=self.income_account,
            uid=self.uid,
            lines=self.product_lines("m"),
        )


# --------------------------------------------------------------------------
# measurement


def reset_classification(env, state_columns):
    """Back to a database that was never classified: no classes, no history,
    no facts (a first run builds them from the documents)."""
    env.cr.execute(
        SQL(
            "UPDATE res_partner SET %s WHERE %s",
            SQL(", ").join(SQL("%s = NULL", SQL.identifier(column)) for column in state_columns),
            SQL(" OR ").join(SQL("%s IS NOT NULL", SQL.identifier(column)) for column in state_columns),
        )
    )
    for table in (
        "customer_classification_history",
        "customer_classification_standing",
        "customer_sales_document",
        "customer_sales_month",
    ):
        env.cr.execute(SQL("DELETE FROM %s", SQL.identifier(table)))
    env.cr.execute("UPDATE res_company SET segmentation_facts_since = NULL, segmentation_last_run_key = NULL")
    env.invalidate_all()


def floor_query(env, company):
    """The floor of a run: one scan of the sale lines grouped by customer
    and month, what any run from the documents costs at least."""
    return SQL(
        """
        SELECT partner_id, date_trunc('month', date) AS month, SUM(revenue) AS revenue,
               SUM(revenue - cost) AS margin, COUNT(DISTINCT document_id) AS documents
          FROM (%s) AS line
         GROUP BY partner_id, date_trunc('month', date)
        """,
        env["customer.sales.source"]._sale_lines(company),
    )


def time_floor(env, query):
    """The aggregate executed on the server, result discarded there.

    EXPLAIN ANALYZE runs the query to the end and computes every output
    column; `SELECT count(*) FROM (query)` would let the planner drop the
    sums and with them the product and unit joins.
    """
    clock = time.perf_counter()
    env.cr.execute(SQL("EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) %s", query))
    seconds = time.perf_counter() - clock
    plan = env.cr.fetchone()[0][0]
    return seconds, plan["Plan"].get("Actual Rows")


def time_copy(env, query):
    """The aggregate through COPY to this process, not parsed."""

    class Sink:
        def write(self, data):
            return len(data)

    clock = time.perf_counter()
    env.cr.copy_expert(env.cr.mogrify(SQL("COPY (%s) TO STDOUT WITH (FORMAT csv, HEADER)", query)).decode(), Sink())
    return time.perf_counter() - clock


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def verdict(ok):
    return "PASS" if ok else "FAIL"


def describe_data(env, company, data, run_date):
    """What the database holds, read from the data itself: the shape it was
    generated with, the product costs, and how many customers bought in the
    twelve full months before the run."""
    shape = data.get("shape")
    print(
        f"data: {data['customers']} customers, {data['lines']} lines, "
        + (f"shape {shape}" if shape else "shape default, generated before shapes were recorded (round costs)")
        + f", generated for a run on {run_date} in {data['seconds']:.0f} s"
    )
    env.cr.execute(
        SQL(
            """
            SELECT product.standard_price ->> %(company)s
              FROM product_product product
              JOIN product_template template ON template.id = product.product_tmpl_id
             WHERE template.name ->> 'en_US' LIKE 'Benchmark %%'
             ORDER BY product.id
            """,
            company=str(company.id),
        )
    )
    costs = [cost for (cost,) in env.cr.fetchall()]
    decimals = max((len(cost.partition(".")[2]) for cost in costs if cost), default=0)
    print(
        f"product costs: {len(costs)} products, up to {decimals} decimals (e.g. {', '.join(costs[:4])}); "
        f'"Product Price" precision {env["decimal.precision"].precision_get("Product Price")} digits'
    )
    end = run_date.replace(day=1)
    start = end.replace(year=end.year - 1)
    env.cr.execute(
        """
        SELECT count(DISTINCT move.commercial_partner_id),
               count(DISTINCT move.commercial_partner_id) FILTER (WHERE move.invoice_date >= %s
                                                                    AND move.invoice_date < %s)
          FROM account_move move
         WHERE move.company_id = %s AND move.state = 'posted' AND move.move_type = 'out_invoice'
        """,
        [start, end, company.id],
    )
    buyers, recent = env.cr.fetchone()
    print(
        f"customers with invoices {buyers}, of which {recent} ({100 * recent / max(buyers, 1):.0f} %) "
        f"bought from {start} to {end - timedelta(days=1)} (the last 12 full months)",
        flush=True,
    )


def written_rows(env):
    """Rows this transaction has updated in res_partner, inserted into the
    history and written in the standings (shares and ranks) so far, as
    PostgreSQL counts them (whatever the run reports)."""
    env.cr.execute(
        """
        SELECT relname, n_tup_upd, n_tup_ins, n_tup_del
          FROM pg_stat_xact_user_tables
         WHERE relname IN ('res_partner', 'customer_classification_history', 'customer_classification_standing')
        """
    )
    counts = {name: (updated, inserted, deleted) for name, updated, inserted, deleted in env.cr.fetchall()}
    return (
        counts.get("res_partner", (0, 0, 0))[0],
        counts.get("customer_classification_history", (0, 0, 0))[1],
        sum(counts.get("customer_classification_standing", (0, 0, 0))),
    )


def snapshot_state(env, company, state_columns):
    """The stored classification of `company`, to tell afterwards which values
    a run changed."""
    env.cr.execute("DROP TABLE IF EXISTS bench_state")
    env.cr.execute(
        SQL(
            "CREATE TEMP TABLE bench_state AS SELECT id, %s FROM res_partner WHERE %s",
            SQL(", ").join(
                SQL("%s -> %s AS %s", SQL.identifier(column), str(company.id), SQL.identifier(column))
                for column in state_columns
            ),
            SQL(" OR ").join(SQL("%s ? %s", SQL.identifier(column), str(company.id)) for column in state_columns),
        )
    )


def changed_values(env, company, state_columns, examples=3):
    """Per column, the customers whose stored value differs from the
    snapshot, and a few of the changes."""
    key = str(company.id)
    differs = {
        column: SQL("partner.%s -> %s IS DISTINCT FROM old.%s", SQL.identifier(column), key, SQL.identifier(column))
        for column in state_columns
    }
    env.cr.execute(
        SQL(
            "SELECT %s FROM res_partner partner FULL JOIN bench_state old ON old.id = partner.id",
            SQL(", ").join(SQL("count(*) FILTER (WHERE %s)", condition) for condition in differs.values()),
        )
    )
    counts = {column: count for column, count in zip(state_columns, env.cr.fetchone(), strict=True) if count}
    samples = {}
    for column in counts:
        env.cr.execute(
            SQL(
                """
                SELECT partner.id, old.%(column)s, partner.%(column)s -> %(key)s
                  FROM res_partner partner JOIN bench_state old ON old.id = partner.id
                 WHERE %(differs)s
                 ORDER BY partner.id
                 LIMIT %(limit)s
                """,
                column=SQL.identifier(column),
                key=key,
                differs=differs[column],
                limit=examples,
            )
        )
        samples[column] = env.cr.fetchall()
    return counts, samples


def measure(env, args):
    from odoo.addons.customer_segmentation.models.customer_classification import STATE_COLUMNS

    data = json.loads(env["ir.config_parameter"].sudo().get_param(DATA_PARAM))
    run_date = date.fromisoformat(data["run_date"])
    company = env.ref("base.main_company")
    classification = env["customer.classification"]
    print(f"database {args.db}")
    describe_data(env, company, data, run_date)
    env.cr.execute(
        """
        SELECT count(*)
          FROM account_move_line line JOIN account_move move ON move.id = line.move_id
         WHERE move.company_id = %s AND move.state = 'posted' AND line.display_type = 'product'
           AND move.move_type IN ('out_invoice', 'out_refund')
        """,
        [company.id],
    )
    lines = env.cr.fetchone()[0]
    print(f"{lines} posted invoice product lines", flush=True)

    # prepare() left the database unclassified and committed
    query = floor_query(env, company)
    floors = [time_floor(env, query) for _attempt in range(2)]
    floor, aggregate_rows = min(floors)
    copy_seconds = time_copy(env, query)
    print(
        f"floor (sale lines per customer and month, best of 2): {floor:.2f} s"
        f"  [{', '.join(f'{s:.2f}' for s, _r in floors)}]"
    )
    print(f"floor through COPY, unparsed: {copy_seconds:.2f} s", flush=True)

    rss_before = peak_rss_mb()
    runs = []
    for number in (1, 2):
        if number == 2:
            snapshot_state(env, company, STATE_COLUMNS)
        before = written_rows(env)
        clock = time.perf_counter()
        stats = classification._run(company, run_date)
        stats["total_seconds"] = time.perf_counter() - clock
        after = written_rows(env)
        stats["partner_rows"], stats["history_rows"], stats["standing_rows"] = (
            done - was for was, done in zip(before, after, strict=True)
        )
        runs.append(stats)
        print(f"run {number}: {stats}", flush=True)
    rss_peak = peak_rss_mb()
    changed, samples = changed_values(env, company, STATE_COLUMNS)

    traced = None
    if not args.no_tracemalloc:
        reset_classification(env, STATE_COLUMNS)
        tracemalloc.start()
        classification._run(company, run_date)
        traced = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()

    if args.keep:
        env.cr.commit()
    else:
        env.cr.rollback()

    print()
    print(
        f"database {args.db}, shape {data.get('shape', 'default (round costs)')}: {data['customers']} customers, "
        f"{lines} invoice lines, {aggregate_rows} aggregate rows"
    )
    print(f"floor (bare aggregate) {floor:.2f} s")
    for number, stats in enumerate(runs, 1):
        ratio = stats["total_seconds"] / floor
        phases = "  ".join(
            f"{name} {stats[key]:.2f} s ({stats[key] / floor:.2f}x)"
            for name, key in (
                ("facts", "facts_seconds"),
                ("aggregate", "aggregate_seconds"),
                ("engine", "engine_seconds"),
                ("write-back", "write_seconds"),
            )
        )
        print(
            f"run {number}: {phases}  total {stats['total_seconds']:.2f} s ({ratio:.2f}x floor, target 2x) "
            f"{verdict(ratio <= 2)}"
        )
        print(
            f"       {stats['customers']} customers, {stats['partner_rows']} partner rows and "
            f"{stats['history_rows']} history rows written (the run reports {stats['written']} and {stats['changes']})"
        )
    second = runs[1]
    print(
        f"second run, no new data: {second['partner_rows']} partner rows written (target 0) "
        f"{verdict(second['partner_rows'] == 0)}, {second['history_rows']} history rows written (target 0) "
        f"{verdict(second['history_rows'] == 0)}, {second['standing_rows']} standing rows written (target 0) "
        f"{verdict(second['standing_rows'] == 0)}"
    )
    for column, count in changed.items():
        shown = ", ".join(f"partner {partner}: {old} -> {new}" for partner, old, new in samples[column])
        print(f"       {column} changed on {count} customers, e.g. {shown}")
    print(
        f"peak memory {rss_peak:.0f} MB RSS ({rss_before:.0f} MB before the runs; target 1024 MB) "
        f"{verdict(rss_peak < 1024)}"
    )
    if traced is not None:
        print(f"tracemalloc peak of a first run {traced:.0f} MB (a third run, traced, not timed)")
    return runs


def main(argv=None):
    args = parse_args(argv)
    with installed_addon(args, "customer_classification_history") as paths:
        if args.prepare_only:
            prepare(args, paths)
            return
        # data in a process of its own: the peak memory measured here is the
        # one of the classification
        run_again(__file__, argv, "--prepare-only")
        with superuser_env(args, paths) as env:
            measure(env, args)


def prepare(args, paths):
    """Generate the data if needed and commit an unclassified state, then
    vacuum: a first run finds the rows as a first run in production does,
    not rows already rewritten by the current transaction (whose foreign
    keys PostgreSQL checks again), whatever an earlier --keep left."""
    with superuser_env(args, paths) as env:
        from odoo.addons.customer_segmentation.models.customer_classification import STATE_COLUMNS

        generate(env, args)
        reset_classification(env, STATE_COLUMNS)
    vacuum(
        args.db,
        (
            "res_partner",
            "account_move",
            "account_move_line",
            "product_product",
            "product_template",
            "customer_classification_history",
        ),
    )


if __name__ == "__main__":
    sys.stdout.reconfigure(line_buffering=True)
    main()
