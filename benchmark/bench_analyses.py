"""Benchmark of the client-base analyses and the review PDF.

    python3 benchmark/bench_analyses.py --db <copy of cs_bench> [--update] [--plans 10000]

Runs against a database with the addon (installed or updated first when the
analyses' tables are missing), at full size a COPY of the benchmark database
(createdb -T cs_bench <name>). It commits: the analyses are stored.

1. the classification run with the analyses (the nightly run), twice: the
   second run, on unchanged data, must write nothing;
2. `--plans` quarterly plans for the current year (customers with sales);
3. each report's first screen as the web client asks for it: the
   formatted_read_group calls of its default view (pivot: every combination
   of its row and column groupings; graph: its grouping) with the action's
   default filters, as an administrator (record rules apply), five times
   with an empty ORM cache. Target: median < 1 s;
4. the review PDF of the company (values, then the whole PDF through
   wkhtmltopdf). Target < 30 s.
"""

import statistics
import sys
import time

from odoo_session import bench_parser, odoo_env

from odoo.tools import SQL

TARGET_SCREEN = 1.0
REPEAT = 5  # each first screen, with an empty ORM cache: the median is held to the target
TARGET_PDF = 30.0


def parse_args(argv=None):
    parser = bench_parser(__doc__, "database with (or to get) the addon; a copy of cs_bench", "8173")
    parser.add_argument("--plans", type=int, default=10000, help="customers that get quarterly plans")
    parser.add_argument("--skip-run", action="store_true", help="reuse the stored analyses")
    return parser.parse_args(argv)


def run(env, company):
    clock = time.perf_counter()
    stats = company._recompute_customer_classification()
    env.cr.commit()
    analyses = stats["analyses"]
    print(
        f"  classification + analyses: {time.perf_counter() - clock:.1f} s (analyses {analyses['seconds']:.1f} s: "
        + ", ".join(f"{key} {value}" for key, value in analyses.items() if key != "seconds")
        + ")"
    )
    return stats


def rows_written(stats):
    """The rows a run wrote, as its figures count them: the facts, the
    classes, the analyses and the contact cadence (a part that had nothing
    to do says nothing)."""
    parts = (stats["facts"], stats["analyses"], stats["analyses"].get("cadence", {}))
    written = sum(value for part in parts for key, value in part.items() if key.endswith("_written"))
    return written + stats["written"]


def create_plans(env, company, count):
    env.cr.execute(SQL("DELETE FROM customer_sales_plan WHERE company_id = %s", company.id))
    year = company._segmentation_today().year
    env.cr.execute(
        SQL(
            """
            INSERT INTO customer_sales_plan
                   (partner_id, company_id, user_id, period_type, date_start, date_end, amount,
                    create_uid, create_date, write_uid, write_date)
            SELECT customer.partner_id, %(company)s, partner.user_id, 'quarter', quarter::date,
                   (quarter + INTERVAL '3 months' - INTERVAL '1 day')::date, ROUND(customer.revenue / 4, 2),
                   1, now(), 1, now()
              FROM (SELECT partner_id, SUM(revenue) AS revenue FROM customer_sales_month
                     WHERE company_id = %(company)s AND month >= %(last_year)s AND month < %(this_year)s
                     GROUP BY partner_id HAVING SUM(revenue) > 0
                     ORDER BY partner_id LIMIT %(count)s) AS customer
              JOIN res_partner partner ON partner.id = customer.partner_id
             CROSS JOIN generate_series(%(this_year)s::timestamp, %(end)s::timestamp, INTERVAL '3 months') AS quarter
            """,
            company=company.id,
            last_year=f"{year - 1}-01-01",
            this_year=f"{year}-01-01",
            end=f"{year}-10-01",
            count=count,
        )
    )
    print(f"  {env.cr.rowcount} quarterly plans for {count} customers")
    # what autovacuum does after a bulk load; without statistics PostgreSQL
    # plans the plan-vs-actual anti-join as a nested loop over every month
    env.cr.execute("ANALYZE customer_sales_plan")
    # the plans were inserted in SQL, past the ORM that refreshes their rows
    clock = time.perf_counter()
    written = env["customer.plan.actual.report"]._refresh(company)
    env.cr.commit()
    print(f"  plan vs actual refreshed: {written} rows written in {time.perf_counter() - clock:.1f} s")


SCREENS = {
    # report: (model, default domain, view groupings (rows, columns), measures)
    "Sales dynamics (pivot)": (
        "customer.dynamics.report",
        [("period_kind", "=", "calendar")],
        (["abc_xyz_class"], ["year"]),
        ["revenue:sum", "margin:sum", "revenue_change_percent:avg"],
    ),
    "Profitability (pivot)": (
        "customer.dynamics.report",
        [("period_kind", "=", "rolling"), ("is_latest", "=", True)],
        (["team_id"], []),
        [
            "revenue:sum",
            "margin:sum",
            "margin_percent:avg",
            "customer_count:sum",
            "average_document_amount:avg",
            "revenue_per_customer:avg",
        ],
    ),
    "Plan vs actual (pivot)": (
        "customer.plan.actual.report",
        "this_year",
        (["user_id"], ["date_start:quarter"]),
        ["planned_amount:sum", "actual_amount:sum", "gap_amount:sum", "achievement_percent:avg"],
    ),
    "Growth and churn (graph)": (
        "customer.base.report",
        [("period_type", "=", "month")],
        (["date:month"], []),
        ["active_count:sum"],
    ),
}


def first_screens(env, company):
    admin = env.ref("base.user_admin")
    user_env = env(user=admin, context={"allowed_company_ids": [company.id], "tz": "UTC"})
    year = company._segmentation_today().year
    slowest = 0.0
    for label, (model, domain, (rows, columns), measures) in SCREENS.items():
        if domain == "this_year":
            domain = [("date_start", ">=", f"{year}-01-01"), ("date_start", "<=", f"{year}-12-31")]
        groupings = [[], rows, columns, rows + columns] if columns else [[], rows]
        timings = []
        for _attempt in range(REPEAT):
            env.invalidate_all()
            clock = time.perf_counter()
            groups = 0
            for groupby in groupings:
                groups += len(user_env[model].formatted_read_group(domain, groupby, measures))
            timings.append(time.perf_counter() - clock)
        median = statistics.median(timings)
        slowest = max(slowest, median)
        print(
            f"  {label:<28} median {median * 1000:5.0f} ms, best {min(timings) * 1000:5.0f} ms "
            f"({len(groupings)} read_groups, {groups} groups)"
        )
    return slowest


def review(env, company):
    Report = env["ir.actions.report"]
    clock = time.perf_counter()
    values = env["report.customer_segmentation.report_client_base_review"]._get_report_values(company.ids)
    data_seconds = time.perf_counter() - clock
    clock = time.perf_counter()
    pdf, _kind = Report._render_qweb_pdf("customer_segmentation.action_report_client_base_review", company.ids)
    pdf_seconds = time.perf_counter() - clock
    print(f"  review figures {data_seconds:.1f} s; whole PDF {pdf_seconds:.1f} s ({len(pdf) // 1024} KiB)")
    print("  conclusion: " + " | ".join(values["reviews"][company.id]["conclusions"]))
    return pdf_seconds


def measure(env, args):
    company = env.ref("base.main_company")
    customers = env["customer.sales.month"].search_count([("company_id", "=", company.id)])
    if not args.skip_run or not customers:
        print("nightly run (classification and analyses), then again on unchanged data:")
        run(env, company)
        second = run(env, company)
        print(f"  second run wrote {rows_written(second)} rows (expected 0)")
    print("plans:")
    create_plans(env, company, args.plans)
    print("first screens (server time):")
    slowest = first_screens(env, company)
    print("review PDF:")
    pdf_seconds = review(env, company)
    ok = slowest < TARGET_SCREEN and pdf_seconds < TARGET_PDF
    print(
        f"slowest first screen (median) {slowest * 1000:.0f} ms (target {TARGET_SCREEN * 1000:.0f} ms), "
        f"PDF {pdf_seconds:.1f} s (target {TARGET_PDF:.0f} s): {'OK' if ok else 'MISSED'}"
    )


def main(argv=None):
    args = parse_args(argv)
    with odoo_env(args, "customer_dynamics_report") as env:
        measure(env, args)


if __name__ == "__main__":
    sys.stdout.reconfigure(line_buffering=True)
    main()
