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
import sys
import time
from datetime import timedelta

import numpy as np
import pandas as pd
from bench_classification import Generator, generate_new, peak_rss_mb, verdict
from odoo_session import addons_path, bench_parser, ensure_addon, run_again, superuser_env, vacuum

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
    parser = bench_parser(__doc__, "database to use (created when missing)", "8175")
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--lines", type=int, default=5_000_000, help="posted invoice product lines")
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--categories", type=int, default=200)
    parser.add_argument("--sample", type=int, default=5_000, help="customers of the mlxtend comparison")
    parser.add_argument("--step", choices=["prepare", "category", "product"], help=argparse.SUPPRESS)
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
        self.sell_products(products, alt_uom=SQL("%s", self.env.ref("uom.product_uom_dozen").id), alt_share=SQL("0.1"))
        self.execute("CREATE UNIQUE INDEX ON bench_product (idx); ANALYZE bench_product")
        self.per_category = per_category

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
    generate_new(env, args.db, DATA_PARAM, CrosssellGenerator, sizes, str(sizes))


def prepare(args, paths):
    with superuser_env(args, paths) as env:
        generate(env, args)
    vacuum(args.db, ("res_partner", "account_move", "account_move_line", "product_product", "product_template"))


# --------------------------------------------------------------------------
# measurement


def mine(args, paths, level):
    """Mine the main company at `level` with its default thresholds, rolled
    back; prints one line of JSON for the parent process."""
    with superuser_env(args, paths) as env:
        company = env.ref("base.main_company")
        company.write({"crosssell_item_level": level})
        env.flush_all()
        before = peak_rss_mb()
        clock = time.perf_counter()
        stats = company._mine_crosssell_rules()
        stats["total_seconds"] = time.perf_counter() - clock
        stats["rss_before_mb"] = before
        stats["peak_rss_mb"] = peak_rss_mb()
        env.cr.execute(
            "SELECT count(*) FILTER (WHERE array_length(antecedent, 1) = 2) FROM ("
            " SELECT ARRAY(SELECT category_id FROM customer_crosssell_rule_antecedent_category_rel WHERE rule_id = r.id"
            " UNION ALL SELECT product_id FROM customer_crosssell_rule_antecedent_product_rel WHERE rule_id = r.id)"
            " AS antecedent FROM customer_crosssell_rule r WHERE r.company_id = %s) x",
            [company.id],
        )
        stats["two_item_rules"] = env.cr.fetchone()[0]
        # what a user waits for: the customers to call of the rule with the most of them, and the
        # suggestions of one of them (its customer form)
        rule = env["customer.crosssell.rule"].search(
            [("company_id", "=", company.id)], order="missing_customer_count DESC", limit=1
        )
        if rule:
            clock = time.perf_counter()
            action = rule.action_open_missing_customers()
            stats["open_missing_seconds"] = time.perf_counter() - clock
            stats["open_missing_customers"] = len(action["domain"][0][2])
            customer = env["res.partner"].browse(action["domain"][0][2][:1]).with_company(company)
            clock = time.perf_counter()
            env["customer.crosssell.mining"]._suggestions(customer, company)
            customer.former_product_ids  # noqa: B018
            stats["customer_suggestions_seconds"] = time.perf_counter() - clock
        stats["thresholds"] = company._crosssell_settings().thresholds()
        env.cr.rollback()
    print("RESULT " + json.dumps(stats))


def run_step(argv, step):
    """`step` in a process of its own; its RESULT line."""
    output = run_again(__file__, argv, "--step", step, capture_output=True, text=True).stdout
    for line in output.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT ") :])
    raise RuntimeError(f"no result from step {step}: {output[-2000:]}")


def mlxtend_rules(baskets, min_support, min_confidence, min_lift, min_customers):
    """The same rules through mlxtend's apriori + association_rules: itemsets
    of up to three items, rules with one item on the right and one or two on
    the left, the same minimums, and the engine's rule for two items on the
    left (a confidence above those of each item alone)."""
    from mlxtend.frequent_patterns import apriori, association_rules

    n = baskets.customer_count
    # dense, as mlxtend's apriori works best on; string column names, as it asks for
    onehot = pd.DataFrame(baskets.matrix.toarray().astype(bool), columns=[str(item) for item in baskets.item_ids])
    itemsets = apriori(onehot, min_support=min_support, use_colnames=True, max_len=3)
    rules = association_rules(itemsets, num_itemsets=n, metric="confidence", min_threshold=min_confidence)
    rules = rules[
        (rules["consequents"].map(len) == 1)
        & (rules["lift"] >= min_lift)
        & ((rules["support"] * n).round() >= min_customers)
    ]
    for column in ("antecedents", "consequents"):
        rules[column] = rules[column].map(lambda items: frozenset(int(item) for item in items))
    itemsets["itemsets"] = itemsets["itemsets"].map(lambda items: frozenset(int(item) for item in items))
    support = dict(zip(itemsets["itemsets"], itemsets["support"], strict=True))

    def confidence(item, consequent):
        return support[frozenset((item, consequent))] / support[frozenset((item,))]

    keep = []
    for antecedent, consequent, rule_confidence in zip(
        rules["antecedents"], rules["consequents"], rules["confidence"], strict=True
    ):
        (consequent,) = consequent
        keep.append(len(antecedent) == 1 or rule_confidence > max(confidence(i, consequent) for i in antecedent))
    return rules[keep]


def compare_with_mlxtend(args, paths):
    """The engine and mlxtend side by side on the same sample of customers
    and the same thresholds, at both item levels; the rules asserted
    identical."""
    results = {}
    with superuser_env(args, paths) as env:
        from odoo.addons.customer_segmentation.analytics.crosssell import Baskets, mine_rules

        company = env.ref("base.main_company")
        Mining = env["customer.crosssell.mining"]
        settings = company._crosssell_settings()
        date_from, date_to = Mining._window(company, settings)
        frame = Mining._fetch_bought(company, date_from, date_to + timedelta(days=1))
        customers = np.sort(frame["partner_id"].unique())
        step = max(len(customers) // args.sample, 1)
        sample = frame[frame["partner_id"].isin(customers[::step][: args.sample])]
        thresholds = settings.thresholds()
        for level, item in (("category", "categ_id"), ("product", "product_id")):
            baskets = Baskets(sample["partner_id"].to_numpy(), sample[item].astype(np.int64).to_numpy())
            clock = time.perf_counter()
            ours = mine_rules(baskets, **thresholds)
            ours_seconds = time.perf_counter() - clock
            clock = time.perf_counter()
            theirs = mlxtend_rules(baskets, **thresholds)
            theirs_seconds = time.perf_counter() - clock
            mine_keyed = {
                (tuple(a), int(c)): (s, f, lift)
                for a, c, s, f, lift in zip(
                    ours["antecedent"],
                    ours["consequent"],
                    ours["support"],
                    ours["confidence"],
                    ours["lift"],
                    strict=True,
                )
            }
            their_keyed = {
                (tuple(sorted(int(i) for i in a)), int(next(iter(c)))): (s, f, lift)
                for a, c, s, f, lift in zip(
                    theirs["antecedents"],
                    theirs["consequents"],
                    theirs["support"],
                    theirs["confidence"],
                    theirs["lift"],
                    strict=True,
                )
            }
            assert mine_keyed.keys() == their_keyed.keys(), (
                f"{level}: {len(mine_keyed.keys() - their_keyed.keys())} rules only in the engine, "
                f"{len(their_keyed.keys() - mine_keyed.keys())} only in mlxtend"
            )
            worst = max(
                (abs(a - b) for key in mine_keyed for a, b in zip(mine_keyed[key], their_keyed[key], strict=True)),
                default=0.0,
            )
            assert worst < 1e-9, f"{level}: metrics differ by {worst}"
            results[level] = {
                "customers": baskets.customer_count,
                "items": len(baskets.item_ids),
                "rules": len(ours),
                "two_item_rules": int((ours["antecedent"].map(len) == 2).sum()),
                "engine_seconds": ours_seconds,
                "mlxtend_seconds": theirs_seconds,
                "max_metric_difference": worst,
            }
        env.cr.rollback()
    return thresholds, results


def main(argv=None):
    args = parse_args(argv)
    with addons_path(args) as paths:
        if args.step == "prepare":
            prepare(args, paths)
            return
        if args.step in ("category", "product"):
            mine(args, paths, args.step)
            return
        ensure_addon(args, paths, "customer_crosssell_rule")
        run_again(__file__, argv, "--step", "prepare")
        report(args, paths, argv)


def report(args, paths, argv):
    mined = {}
    for level in ("category", "product"):
        mined[level] = run_step(argv, level)
        print(f"mined by {level}: {mined[level]}", flush=True)
    thresholds, compared = compare_with_mlxtend(args, paths)
    print()
    print(
        f"database {args.db}: {args.customers} customers, {args.lines} invoice lines, "
        f"{args.products} products in {args.categories} categories"
    )
    for level, stats in mined.items():
        print(
            f"mining by {level}: {stats['customers']} customers x {stats['items']} items "
            f"({stats['pairs']} customer x product rows), {stats['rules']} rules "
            f"({stats['two_item_rules']} with two items on the left), {stats['bundles']} bundles; "
            f"query {stats['query_seconds']:.2f} s, engine {stats['engine_seconds']:.2f} s, "
            f"write {stats['write_seconds']:.2f} s, total {stats['total_seconds']:.2f} s; "
            f"peak memory {stats['peak_rss_mb']:.0f} MB RSS ({stats['rss_before_mb']:.0f} MB before mining) "
            f"{verdict(stats['peak_rss_mb'] < TARGET_MB)}"
        )
        if "open_missing_seconds" in stats:
            print(
                f"  customers to call of the largest rule ({stats['open_missing_customers']} customers): "
                f"{stats['open_missing_seconds']:.2f} s; one customer's suggestions and former products: "
                f"{stats['customer_suggestions_seconds']:.2f} s"
            )
    print(f"thresholds {thresholds}")
    for level, stats in compared.items():
        speedup = stats["mlxtend_seconds"] / max(stats["engine_seconds"], 1e-9)
        print(
            f"mlxtend comparison by {level}: sample of {stats['customers']} customers x {stats['items']} items, "
            f"{stats['rules']} identical rules ({stats['two_item_rules']} with two items on the left, metrics within "
            f"{stats['max_metric_difference']:.1e}); engine {stats['engine_seconds']:.3f} s, "
            f"mlxtend apriori + association_rules {stats['mlxtend_seconds']:.3f} s: {speedup:.0f}x "
            f"{verdict(speedup >= TARGET_SPEEDUP)}"
        )


if __name__ == "__main__":
    sys.stdout.reconfigure(line_buffering=True)
    main()
