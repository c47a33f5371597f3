"""Benchmark of the contact cadence: the refresh against one scan of the contacts.

    python3 benchmark/bench_cadence.py --db <copy of cs_bench> [--update] [--activities 2000000]

Runs against a database with the addon (installed or updated first when the
cadence tables are missing), at full size a COPY of the benchmark database
(createdb -T cs_bench <name>: 100,000 customers). It commits.

1. generates (once) `--activities` done activities over the last three
   years, as the messages Odoo keeps of them (calls, visits and emails of
   the Call, Meeting and Email types) on the customers with sales per month
   (the classification with the analyses runs first when there are none),
   the larger customers contacted more often, and gives calls and visits a
   cost;
2. times one scan of the contacts (customer.contact.source, counted), then
   the cadence refresh (customer.cadence) three times: the first from
   nothing stored (every message read), a rerun with nothing new (target: 0
   rows written), and a nightly refresh after a day of new done activities
   (the generated count spread over three years, dated today): target the
   nightly refresh within 1.5x of the scan;
3. the first screens of the cadence report, the recommendations and the
   "Contact Overdue" filter of the priority clients, as an administrator,
   five times with an empty ORM cache. Target: median < 1 s.
"""

import statistics
import sys
import time
from datetime import timedelta

from odoo_session import bench_parser, odoo_env, vacuum

from odoo.tools import SQL

MARK = "cs_bench_cadence"  # the subject of the generated messages: generated once
TARGET_RATIO = 1.5
TARGET_SCREEN = 1.0
REPEAT = 5
# share of each kind of contact among the generated ones, and the cost of a call and a visit
KINDS = (("mail.mail_activity_data_call", 0.6), ("mail.mail_activity_data_meeting", 0.2))
COSTS = {"mail.mail_activity_data_call": 15.0, "mail.mail_activity_data_meeting": 120.0}


def parse_args(argv=None):
    parser = bench_parser(__doc__, "database with (or to get) the addon; a copy of cs_bench", "8177")
    parser.add_argument("--activities", type=int, default=2000000, help="done activities to generate (once)")
    return parser.parse_args(argv)


def generate(env, company, count):
    """`count` done activities on the company's customers over three years,
    when none were generated yet; returns how many there are."""
    env.cr.execute(SQL("SELECT COUNT(*) FROM mail_message WHERE subject = %s", MARK))
    existing = env.cr.fetchone()[0]
    types = {xmlid: env.ref(xmlid) for xmlid in (*COSTS, "mail.mail_activity_data_email")}
    for xmlid, activity_type in types.items():
        activity_type.segmentation_is_contact = True
        if xmlid in COSTS:
            activity_type.with_company(company).segmentation_contact_cost = COSTS[xmlid]
    env.flush_all()
    if existing:
        return existing
    (call, call_share), (meeting, meeting_share) = ((types[xmlid], share) for xmlid, share in KINDS)
    clock = time.perf_counter()
    env.cr.execute(
        SQL(
            """
            WITH customer AS (
                SELECT partner_id, (row_number() OVER (ORDER BY SUM(revenue) DESC, partner_id) - 1)::int AS rank
                  FROM customer_sales_month WHERE company_id = %(company)s GROUP BY partner_id
            ), drawn AS (
                SELECT floor(power(random(), 2) * (SELECT COUNT(*) FROM customer))::int AS rank,
                       random() AS kind, random() AS age
                  FROM generate_series(1, %(count)s)
            )
            INSERT INTO mail_message (model, res_id, message_type, subtype_id, mail_activity_type_id, author_id,
                                      record_company_id, date, subject, body,
                                      create_uid, create_date, write_uid, write_date)
            SELECT 'res.partner', customer.partner_id, 'notification', %(subtype)s,
                   CASE WHEN drawn.kind < %(call_share)s THEN %(call)s
                        WHEN drawn.kind < %(call_share)s + %(meeting_share)s THEN %(meeting)s
                        ELSE %(email)s END,
                   %(author)s, %(company)s,
                   date_trunc('day', now() AT TIME ZONE 'UTC') - floor(drawn.age * 1095) * INTERVAL '1 day'
                       + INTERVAL '10 hours',
                   %(mark)s, '<p>Contact</p>', 1, now() AT TIME ZONE 'UTC', 1, now() AT TIME ZONE 'UTC'
              FROM drawn JOIN customer ON customer.rank = drawn.rank
            """,
            company=company.id,
            count=count,
            subtype=env.ref("mail.mt_activities").id,
            call_share=call_share,
            meeting_share=meeting_share,
            call=call.id,
            meeting=meeting.id,
            email=types["mail.mail_activity_data_email"].id,
            author=env.ref("base.user_admin").partner_id.id,
            mark=MARK,
        )
    )
    generated = env.cr.rowcount
    env.cr.commit()
    vacuum(env.cr.dbname, ["mail_message"])
    print(f"  {generated} done activities generated in {time.perf_counter() - clock:.0f} s")
    return generated


def scan(env, company, today):
    """One scan of the contacts of `company` up to today, counted."""
    clock = time.perf_counter()
    env.cr.execute(
        SQL(
            "SELECT COUNT(*) FROM (%s) AS contact",
            env["customer.contact.source"]._contacts(company, date_to=today + timedelta(days=1)),
        )
    )
    contacts = env.cr.fetchone()[0]
    seconds = time.perf_counter() - clock
    print(f"  one scan of the contacts: {contacts} contacts in {seconds:.1f} s")
    return seconds


def refresh(env, company, today, label, partner_ids=None):
    clock = time.perf_counter()
    stats = env["customer.cadence"]._refresh(company, today, partner_ids)
    env.cr.commit()
    seconds = time.perf_counter() - clock
    written = {key: value for key, value in stats.items() if key.endswith("_written")}
    print(f"  {label}: {seconds:.1f} s, {stats['customers_counted']} customers counted, written {written}")
    return seconds, sum(written.values())


def forget_contacts(env, company):
    """Nothing of the contacts stored: the next refresh reads every message."""
    env.cr.execute(SQL("DELETE FROM customer_contact_fact WHERE company_id = %s", company.id))
    company.write({"segmentation_contacts_since": False, "segmentation_cadence_key": False})
    env.cr.commit()


def add_a_day(env, company, count):
    """A day of new done activities: `count` spread over three years, dated
    today, as `generate` writes them."""
    env.cr.execute(
        SQL(
            """
            INSERT INTO mail_message (model, res_id, message_type, subtype_id, mail_activity_type_id, author_id,
                                      record_company_id, date, subject, body,
                                      create_uid, create_date, write_uid, write_date)
            SELECT model, res_id, message_type, subtype_id, mail_activity_type_id, author_id, record_company_id,
                   date_trunc('day', now() AT TIME ZONE 'UTC') + INTERVAL '9 hours', subject, body,
                   1, now() AT TIME ZONE 'UTC', 1, now() AT TIME ZONE 'UTC'
              FROM mail_message WHERE subject = %s ORDER BY random() LIMIT %s
            """,
            MARK,
            max(1, count // 1095),
        )
    )
    added = env.cr.rowcount
    env.cr.commit()
    print(f"  {added} done activities added today")


SCREENS = {
    # label: (model, domain, grouping sets, measures); the pivot as the menu
    # opens it (its view's rows, columns and measures, no filter), read as
    # the web client does (formatted_read_grouping_sets, with the count)
    "Contact cadence (pivot)": (
        "customer.cadence.report",
        [],
        [[], ["abc_xyz_class"], ["cadence"], ["abc_xyz_class", "cadence"]],
        ["net_margin:avg", "net_margin_vs_own:avg", "__count"],
    ),
    "Recommended cadences (list)": ("customer.cadence.recommendation", [], None, None),
    "Contact overdue (priority list)": (
        "res.partner",
        [("priority_rank", ">", 0), ("attention_contact_overdue", "=", True)],
        None,
        None,
    ),
}


def first_screens(env, company):
    admin = env.ref("base.user_admin")
    user_env = env(user=admin, context={"allowed_company_ids": [company.id], "tz": "UTC"})
    slowest = 0.0
    for label, (model, domain, groupings, measures) in SCREENS.items():
        timings = []
        for _attempt in range(REPEAT):
            env.invalidate_all()
            clock = time.perf_counter()
            if groupings:
                rows = sum(
                    len(groups) for groups in user_env[model].formatted_read_grouping_sets(domain, groupings, measures)
                )
            else:
                records = user_env[model].search(domain, limit=80)
                records.read(list(user_env[model]._fields)[:20])
                rows = user_env[model].search_count(domain)
            timings.append(time.perf_counter() - clock)
        median = statistics.median(timings)
        slowest = max(slowest, median)
        print(f"  {label:<34} median {median * 1000:5.0f} ms, best {min(timings) * 1000:5.0f} ms ({rows} rows)")
    return slowest


def measure(env, args):
    company = env.ref("base.main_company")
    today = company._segmentation_today()
    if not env["customer.sales.month"].search_count([("company_id", "=", company.id)], limit=1):
        print("the classification with the analyses (sales per month missing):")
        company._recompute_customer_classification()
        env.cr.commit()
    print("done activities:")
    generate(env, company, args.activities)
    print("the contacts, then the cadence refresh: from nothing, again, after a day:")
    scan_seconds = scan(env, company, today)
    forget_contacts(env, company)
    first_seconds, _written = refresh(env, company, today, "first refresh (every message)")
    _seconds, rewritten = refresh(env, company, today, "rerun", set())
    add_a_day(env, company, args.activities)
    nightly_seconds, _written = refresh(env, company, today, "nightly refresh", set())
    ratio = nightly_seconds / scan_seconds if scan_seconds else float("inf")
    print(
        f"  first refresh / scan: {first_seconds / scan_seconds:.2f}; nightly refresh / scan: {ratio:.2f} "
        f"(target {TARGET_RATIO}); rerun wrote {rewritten} (expected 0)"
    )
    print("first screens (server time):")
    slowest = first_screens(env, company)
    ok = ratio <= TARGET_RATIO and not rewritten and slowest < TARGET_SCREEN
    print(
        f"nightly refresh {ratio:.2f}x the scan, rerun {rewritten} rows, slowest first screen {slowest * 1000:.0f} ms: "
        f"{'OK' if ok else 'MISSED'}"
    )


def main(argv=None):
    args = parse_args(argv)
    with odoo_env(args, "customer_cadence_report") as env:
        measure(env, args)


if __name__ == "__main__":
    sys.stdout.reconfigure(line_buffering=True)
    main()
