"""Benchmark of the priority clients screens on the large generated database.

    python3 benchmark/bench_priority.py --db <copy of cs_bench> [--update]

Run it on a copy (createdb -T cs_bench <name>): it commits a classification of
the company (with the rhythm, the ranks and the attention figures) when the
database has none yet, and gives 2,000 customers to a benchmark salesperson
(a user with Sales "own documents only" rights, who may not read money).
Then it measures, in this process and as the web client calls them (server
time, no HTTP):

- "My Priority Clients" for that salesperson: the first page of the list
  (web_search_read of the list view's fields with the action's domain, the
  "My Clients" filter, the list's order and the record count), the same with
  the "Needs Attention" filter, and the kanban grouped by cell;
- the ABC-XYZ matrix for the whole company as a manager, and filtered on the
  salesperson;
- the CRM pipeline with OPPORTUNITIES opportunities of the company's
  customers (created once, 2,000 of them the salesperson's): grouped by the
  customer's cell as a manager (the pipeline analysis: counts and expected
  revenue per cell and won status), the salesperson's Priority Pipeline
  (kanban by stage, ordered by the customer's cell rank) and its "Customer
  Needs Attention" filter.

Each call runs with an empty ORM cache; the best and the median of five are
printed against the target of 1 s.
"""

import statistics
import sys
import time

from lxml import etree
from odoo_session import bench_parser, odoo_env

from odoo.tools import SQL

SALESPERSON_LOGIN = "benchmark_priority_salesperson"
MANAGER_LOGIN = "benchmark_priority_manager"
CUSTOMERS = 2000
OPPORTUNITIES = 10000
REPEAT = 5
TARGET = 1.0
ACTIVITY_FIELDS = (
    "activity_state",
    "activity_summary",
    "activity_type_id",
    "activity_type_icon",
    "activity_exception_decoration",
    "activity_exception_icon",
    "activity_date_deadline",
)


def parse_args(argv=None):
    parser = bench_parser(__doc__, "a copy of the classification benchmark database", "8174")
    parser.add_argument("--reclassify", action="store_true", help="run and commit the classification again")
    return parser.parse_args(argv)


def prepare(env, args):
    """A committed classification and a salesperson with CUSTOMERS customers."""
    company = env.ref("base.main_company")
    env.cr.execute(SQL("SELECT count(*) FROM customer_classification_standing WHERE company_id = %s", company.id))
    ranked = env.cr.fetchone()[0]
    if not ranked or args.reclassify:
        print("classifying the company (committed) ...", flush=True)
        clock = time.perf_counter()
        stats = env["customer.classification"]._run(company)
        env.cr.commit()
        print(f"  {stats['customers']} customers in {time.perf_counter() - clock:.1f} s", flush=True)
    salesperson = benchmark_user(env, company, SALESPERSON_LOGIN, "Benchmark Salesperson", "group_sale_salesman")
    manager = benchmark_user(env, company, MANAGER_LOGIN, "Benchmark Sales Manager", "group_sale_manager")
    # every step-th ranked customer (50th of 100,000), so that the
    # salesperson's customers spread over all cells and ranks like the
    # company's; the step fits the customers ranked, so that CUSTOMERS are his
    env.cr.execute(SQL("SELECT count(*) FROM customer_classification_standing WHERE company_id = %s", company.id))
    step = max(env.cr.fetchone()[0] // CUSTOMERS, 1)
    env.cr.execute(
        SQL(
            """
            WITH ranked AS (
                SELECT partner_id AS id, ROW_NUMBER() OVER (ORDER BY priority_rank) AS n
                  FROM customer_classification_standing WHERE company_id = %(company)s
            )
            UPDATE res_partner partner SET user_id = %(user)s
              FROM ranked
             WHERE ranked.id = partner.id AND ranked.n %% %(step)s = 0 AND ranked.n <= %(last)s
               AND partner.user_id IS DISTINCT FROM %(user)s
            """,
            company=company.id,
            user=salesperson.id,
            step=step,
            last=step * CUSTOMERS,
        )
    )
    env.cr.commit()
    count = env["res.partner"].search_count([("user_id", "=", salesperson.id)])
    print(f"{salesperson.name}: {count} customers", flush=True)
    create_opportunities(env, company, salesperson)
    return company, salesperson, manager


def benchmark_user(env, company, login, name, sales_group):
    """The user `login` of `company`, created once with the Sales rights
    `sales_group` (a group of sales_team)."""
    Users = env["res.users"].with_context(no_reset_password=True)
    user = Users.search([("login", "=", login)])
    if not user:
        user = Users.create(
            {
                "name": name,
                "login": login,
                "company_id": company.id,
                "company_ids": [(6, 0, company.ids)],
                "group_ids": [(6, 0, [env.ref(f"sales_team.{sales_group}").id])],
            }
        )
    return user


def create_opportunities(env, company, salesperson):
    """OPPORTUNITIES opportunities, once: one for every tenth customer of
    the company (classified or not) in rank order, in the stages in turn, each
    for its customer's salesperson; the salesperson's customers come first so
    that 2,000 are theirs."""
    Lead = env["crm.lead"].with_company(company)
    missing = OPPORTUNITIES - Lead.search_count([("type", "=", "opportunity")])
    if missing <= 0:
        return
    print(f"creating {missing} opportunities (committed) ...", flush=True)
    clock = time.perf_counter()
    env.cr.execute(
        SQL(
            """
            SELECT id, user_id FROM res_partner
             WHERE is_company AND active AND (user_id = %(user)s OR id %% 10 = 0)
             ORDER BY user_id IS NOT DISTINCT FROM %(user)s DESC, id
             LIMIT %(missing)s
            """,
            user=salesperson.id,
            missing=missing,
        )
    )
    customers = env.cr.fetchall()
    stages = env["crm.stage"].search([], order="sequence, id").ids
    creator = Lead.with_context(tracking_disable=True, mail_create_nolog=True, mail_notrack=True)
    for start in range(0, len(customers), 1000):
        creator.create(
            [
                {
                    "name": f"Benchmark deal {start + index}",
                    "type": "opportunity",
                    "partner_id": partner_id,
                    "user_id": user_id,
                    "stage_id": stages[(start + index) % len(stages)],
                    "expected_revenue": 1000 + (partner_id * 37) % 50000,
                    "company_id": company.id,
                }
                for index, (partner_id, user_id) in enumerate(customers[start : start + 1000])
            ]
        )
    env.cr.commit()
    print(f"  in {time.perf_counter() - clock:.1f} s", flush=True)


def list_specification(env):
    """What the web client reads for the priority list: the fields of the
    list view as the salesperson gets it."""
    view = env.ref("customer_segmentation.res_partner_view_list_priority")
    arch = env["res.partner"].get_view(view.id, "list")["arch"]
    specification = {}
    fields = env["res.partner"]._fields
    for node in etree.fromstring(arch).iter("field"):
        name = node.get("name")
        field = fields[name]
        if field.type == "many2one":
            specification[name] = {"fields": {"display_name": {}}}
        elif name == "segment_ids":
            specification[name] = {"fields": {"display_name": {}, "color": {}}}
        elif field.type in ("one2many", "many2many"):
            specification[name] = {"fields": {}}
        else:
            specification[name] = {}
    specification.update({name: {} for name in ACTIVITY_FIELDS})
    specification["activity_type_id"] = {"fields": {"display_name": {}}}
    return specification


def timed(env, call):
    """Best and median seconds of REPEAT calls, each with an empty cache."""
    seconds = []
    result = None
    for _attempt in range(REPEAT):
        env.invalidate_all()
        env.registry.clear_cache()
        clock = time.perf_counter()
        result = call()
        seconds.append(time.perf_counter() - clock)
        env.cr.rollback()
    return min(seconds), statistics.median(seconds), result


def report(label, best, median, detail=""):
    verdict = "PASS" if median < TARGET else "FAIL"
    print(f"{label}: best {best:.3f} s  median {median:.3f} s  {detail}  {verdict}", flush=True)
    return median


def measure(env, company, salesperson, manager):
    domain = [("priority_rank", ">", 0)]
    mine = [*domain, ("user_id", "=", salesperson.id)]
    as_salesperson = env(user=salesperson.id, context={"allowed_company_ids": company.ids})
    as_manager = env(user=manager.id, context={"allowed_company_ids": company.ids})
    partners = as_salesperson["res.partner"]
    specification = list_specification(as_salesperson)

    def first_page(extra=()):
        return partners.web_search_read(
            [*mine, *extra], specification, offset=0, limit=80, order="priority_rank", count_limit=10001
        )

    best, median, page = timed(env, first_page)
    names = [record["complete_name"] for record in page["records"][:3]]
    medians = [report(f"priority list, first page (80 of {page['length']})", best, median, f"first: {names}")]
    best, median, page = timed(env, lambda: first_page([("needs_attention", "=", True)]))
    medians.append(report(f"priority list, needs attention ({page['length']})", best, median))

    def kanban():
        return partners.with_context(read_group_expand=True).web_read_group(
            mine,
            ["abc_xyz_class"],
            order="priority_rank",
            auto_unfold=True,
            unfold_read_specification={"complete_name": {}, "abc_xyz_class": {}, "attention_reasons": {}},
            unfold_read_default_limit=40,
        )

    best, median, groups = timed(env, kanban)
    medians.append(report(f"priority kanban grouped by cell ({groups['length']} groups)", best, median))

    best, median, matrix = timed(env, lambda: as_manager["res.partner"].get_abc_xyz_matrix())
    counts = sum(entry["count"] for entry in matrix)
    medians.append(report("matrix, whole company", best, median, f"{counts} customers in the nine cells"))
    best, median, matrix = timed(
        env, lambda: as_manager["res.partner"].get_abc_xyz_matrix([("user_id", "=", salesperson.id)])
    )
    counts = sum(entry["count"] for entry in matrix)
    medians.append(report("matrix, one salesperson", best, median, f"{counts} customers"))
    return medians + measure_pipeline(as_salesperson, as_manager, salesperson)


def measure_pipeline(as_salesperson, as_manager, salesperson):
    """The CRM screens that read the customer's class from each opportunity."""
    opportunities = [("type", "=", "opportunity")]
    leads = as_manager["crm.lead"]
    medians = []

    def by_cell():
        return leads.formatted_read_group(
            opportunities, ["customer_abc_xyz_class", "won_status"], ["__count", "expected_revenue:sum"]
        )

    best, median, groups = timed(as_manager, by_cell)
    total = sum(group["__count"] for group in groups)
    detail = f"{len(groups)} groups, {total} opportunities"
    medians.append(report("pipeline analysis by customer cell and won status", best, median, detail))

    mine = [*opportunities, ("user_id", "=", salesperson.id)]

    def priority_pipeline(extra=()):
        return as_salesperson["crm.lead"].web_read_group(
            [*mine, *extra],
            ["stage_id"],
            ["expected_revenue:sum"],
            auto_unfold=True,
            unfold_read_specification={
                "name": {},
                "customer_abc_xyz_class": {},
                "customer_needs_attention": {},
                "customer_attention_reasons": {},
                "expected_revenue": {},
                "partner_id": {"fields": {"display_name": {}}},
            },
            unfold_read_default_limit=80,
            order="customer_cell_rank, expected_revenue desc, id desc",
        )

    best, median, groups = timed(as_salesperson, priority_pipeline)
    count = sum(group["__count"] for group in groups["groups"])
    detail = f"{count} opportunities in {groups['length']} stages"
    medians.append(report("priority pipeline, kanban by stage in cell order", best, median, detail))
    best, median, groups = timed(as_salesperson, lambda: priority_pipeline([("customer_needs_attention", "=", True)]))
    count = sum(group["__count"] for group in groups["groups"])
    medians.append(report("priority pipeline, customer needs attention", best, median, f"{count} opportunities"))
    return medians


def main(argv=None):
    args = parse_args(argv)
    with odoo_env(args, "customer_classification_history") as env:
        company, salesperson, manager = prepare(env, args)
        medians = measure(env, company, salesperson, manager)
    sys.exit(0 if all(median < TARGET for median in medians) else 1)


if __name__ == "__main__":
    sys.stdout.reconfigure(line_buffering=True)
    main()
