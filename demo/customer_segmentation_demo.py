import logging
import math
import random
import re
import time
from datetime import datetime

from dateutil.relativedelta import relativedelta
from markupsafe import Markup

from odoo.fields import Command

_logger = logging.getLogger(__name__)

SEED = 19
HISTORY_MONTHS = 36

# The client base of an office furniture and supplies distributor. Revenue is
# what the customer buys in the twelve full months before the current one, in
# thousands of the company currency; the levels are set so that the default
# thresholds (80 % / 95 %) cut A, B and C between the groups below with a
# margin, whatever the install date. The pattern gives the XYZ class: X buys
# every month about the same, Y every month with seasonal swings, Z now and
# then; "lost" stopped buying over a year ago (no class), "new" started last
# month (an ABC class, no XYZ class yet).
CUSTOMERS = (
    # name, city, country, pattern, revenue, contact person
    ("Harbor Point Coworking", "Boston", "US", "X", 420, "Emily Carter"),
    ("Summit Ridge Medical Group", "Denver", "US", "X", 360, "Daniel Brooks"),
    ("Lakeshore Unified School District", "Chicago", "US", "X", 300, None),
    ("Cascade Hotels & Resorts", "Seattle", "US", "X", 250, "Grace Nakamura"),
    ("Meridian Business Parks", "Atlanta", "US", "Y", 390, "Marcus Hill"),
    ("Northgate Property Management", "Minneapolis", "US", "Y", 330, None),
    ("Maple Leaf Office Interiors", "Toronto", "CA", "Y", 270, "Chloe Tremblay"),
    ("Pacific Crest University", "San Diego", "US", "Y", 230, None),
    ("Ironwood Construction Group", "Dallas", "US", "Z", 340, "Ryan Alvarez"),
    ("Sierra Event Productions", "Las Vegas", "US", "Z", 280, None),
    ("Atlas Fit-Out Contractors", "Houston", "US", "Z", 240, None),
    ("Riverbend County Administration", "Kansas City", "US", "Z", 210, "Patricia Owens"),
    ("Greenfield Accounting", "Columbus", "US", "X", 46, "Laura Bennett"),
    ("Oak & Stone Law Partners", "Philadelphia", "US", "X", 39, None),
    ("Bright Smile Dental Clinics", "Phoenix", "US", "X", 33, None),
    ("Keystone Insurance Agency", "Pittsburgh", "US", "X", 30, "Kevin Walsh"),
    ("Blue Heron Veterinary Hospitals", "Tampa", "US", "X", 27, None),
    ("Quill & Ledger Bookkeeping", "Richmond", "US", "X", 25, None),
    ("Copperline Marketing Agency", "Austin", "US", "Y", 43, "Sofia Ramirez"),
    ("Harborview Logistics", "Baltimore", "US", "Y", 37, None),
    ("Vista Real Estate Advisors", "Miami", "US", "Y", 32, None),
    ("Fjord Design Studio", "Vancouver", "CA", "Y", 29, "Erik Lindqvist"),
    ("Sonoran Call Center Services", "Tucson", "US", "Y", 27, None),
    ("Elm Street Public Library", "Hartford", "US", "Y", 25, None),
    ("Trailhead Outdoor Events", "Salt Lake City", "US", "Z", 41, None),
    ("Redwood Film Studios", "Los Angeles", "US", "Z", 35, "Jordan Lee"),
    ("Beacon Trade Fair Services", "Orlando", "US", "Z", 31, None),
    ("Granite State Renovations", "Manchester", "US", "Z", 28, None),
    ("Monarch Wedding Venues", "Nashville", "US", "Z", 26, None),
    ("Altamira Oficinas", "Monterrey", "MX", "Z", 26, "Andrea Castillo"),
    ("Pinecrest Pediatrics", "Raleigh", "US", "X", 12, None),
    ("Cornerstone Tax Advisors", "Omaha", "US", "X", 10.5, None),
    ("Little Acorns Daycare", "Madison", "US", "X", 9.5, "Hannah Schultz"),
    ("Willow Creek Yoga Studio", "Boulder", "US", "X", 8, None),
    ("Main Street Pharmacy", "Albany", "US", "X", 7, None),
    ("Tidewater Surveyors", "Norfolk", "US", "X", 6, None),
    ("Prairie Sky Insurance Brokers", "Winnipeg", "CA", "X", 5, None),
    ("Hillside Optometry", "Spokane", "US", "X", 4, None),
    ("Lantern Translation Services", "Providence", "US", "X", 3.5, None),
    ("Red Barn Farm Supply", "Des Moines", "US", "Y", 11.5, "Tom Jensen"),
    ("Silver Lining Cleaning Co.", "Louisville", "US", "Y", 10, None),
    ("Foxglove Florists", "Savannah", "US", "Y", 9, None),
    ("Copper Kettle Café Group", "Milwaukee", "US", "Y", 7.5, None),
    ("Evergreen Landscaping", "Olympia", "US", "Y", 6.5, None),
    ("Starling Print Shop", "Burlington", "US", "Y", 5.5, None),
    ("Coastal Kayak Tours", "Charleston", "US", "Y", 4.5, None),
    ("Northern Lights Music School", "Anchorage", "US", "Y", 4, None),
    ("Bayou Catering Company", "New Orleans", "US", "Y", 3, None),
    ("Ridgeway Photography", "Santa Fe", "US", "Z", 11, None),
    ("Blue Mesa Pop-up Stores", "Albuquerque", "US", "Z", 10, None),
    ("Old Mill Antiques", "Lancaster", "US", "Z", 9, None),
    ("Harvest Moon Festival Association", "Sacramento", "US", "Z", 8.5, "Olivia Grant"),
    ("Quarry Lane Builders", "Boise", "US", "Z", 8, None),
    ("Driftwood Holiday Rentals", "Myrtle Beach", "US", "Z", 7, None),
    ("Kestrel Drone Surveys", "Reno", "US", "Z", 6, None),
    ("Lighthouse Community Theater", "Portland", "US", "Z", 5, None),
    ("Juniper Consulting", "Cheyenne", "US", "Z", 4.5, None),
    ("Cedar Point Scout Council", "Toledo", "US", "Z", 3.5, None),
    ("Marlowe Travel Agency", "Buffalo", "US", "lost", 30, None),
    ("Nova Biotech Labs", "Cambridge", "US", "new", 4, "Priya Sharma"),
)
# Customers that started buying a few months ago: their XYZ series starts at
# the first purchase, so regular buying still reads as X.
FIRST_PURCHASE_MONTHS_AGO = {"Keystone Insurance Agency": 10, "Tidewater Surveyors": 7}
# Customers of both demo salespeople whose recent months tell a story that
# makes them need attention (their revenue in the window stays the same, so
# their ABC class does not move): "skipped" bought every month but not last
# month nor this one (XYZ drops from X to Z between last month's run and
# today's, which plans an activity), "stopped" bought nothing for three months
# (late on its rhythm), "fading" bought 1.8 times as much the year before
# (revenue down 44 %). A customers with nothing planned need attention anyway.
ATTENTION_STORIES = {
    "Blue Heron Veterinary Hospitals": "skipped",
    "Oak & Stone Law Partners": "skipped",
    "Silver Lining Cleaning Co.": "stopped",
    "Fjord Design Studio": "stopped",
    "Greenfield Accounting": "fading",
    "Quill & Ledger Bookkeeping": "fading",
}
# Opportunities in the pipeline of the demo salespeople, for customers of
# every class: their cards carry the customer's cell, and the Priority
# Pipeline puts the A customers' deals first whatever their amount.
# customer, opportunity, expected revenue, stage
OPPORTUNITIES = (
    ("Harbor Point Coworking", "Second floor fit-out", 18000, "crm.stage_lead2"),
    ("Meridian Business Parks", "Lobby seating for three buildings", 9500, "crm.stage_lead1"),
    ("Ironwood Construction Group", "Site office furniture", 7200, "crm.stage_lead3"),
    ("Oak & Stone Law Partners", "Partners' offices", 6400, "crm.stage_lead1"),
    ("Blue Heron Veterinary Hospitals", "Waiting room chairs", 4800, "crm.stage_lead2"),
    ("Greenfield Accounting", "Standing desks for the team", 3900, "crm.stage_lead1"),
    ("Fjord Design Studio", "Studio chairs", 5200, "crm.stage_lead3"),
    ("Silver Lining Cleaning Co.", "Yearly supplies contract", 2600, "crm.stage_lead1"),
    ("Ridgeway Photography", "Gallery furniture", 24000, "crm.stage_lead2"),
    ("Nova Biotech Labs", "Lab office equipment", 12500, "crm.stage_lead1"),
)
CONTACT_FUNCTIONS = ("Purchasing Manager", "Office Manager", "Facilities Manager")
# Contacts of the last CONTACT_MONTHS months, per customer: each month at the
# more frequent of two cadences of its level when its margin of the month
# after is above its usual (a salesperson who calls more sells more),
# else at the less frequent one: contacts per month (more, less), by yearly
# revenue (thousands), largest first. Big customers get a visit (Meeting)
# a month besides their calls.
CONTACT_MONTHS = 15
CONTACT_LEVELS = ((150, (10, 4)), (20, (5, 2)), (0, (3, 1)))
# customers not contacted for the last two months, so that their next contact
# is overdue: those whose stories (ATTENTION_STORIES) stopped their purchases,
# and a few the salespeople let slip
UNCONTACTED_STORIES = ("stopped", "skipped")
LAPSED_CONTACTS = ("Sierra Event Productions", "Pacific Crest University", "Copper Kettle Café Group")
# Price discount in percent by yearly revenue (thousands), largest first, so
# that margins differ from revenue and a margin-based ABC differs too.
DISCOUNTS = ((150, 10.0), (20, 5.0), (0, 0.0))
# Line amounts at least this many times the net unit price keep the rounding
# of quantities small against a customer's monthly revenue.
MIN_UNITS_PER_LINE = 15


def load_segmentation_demo(company, product_ids, salesperson_ids):
    """Create the demo client base of `company` from Python (three
    years of invoices for sixty customers are far too many records to
    write out as XML): the customers, their invoices and a few credit
    notes. They are classified by run_demo, once every demo document is
    loaded."""
    company.ensure_one()
    env = company.env
    started = time.perf_counter()
    journal = env["account.journal"].search(
        [*env["account.journal"]._check_company_domain(company), ("type", "=", "sale")], limit=1
    )
    if not journal:
        _logger.warning("No sales journal in company %s: no customer segmentation demo invoices", company.id)
        return
    rng = random.Random(SEED)
    today = env.company._segmentation_today()
    products = env["product.product"].browse(product_ids).sorted("lst_price")
    salespeople = env["res.users"].browse(salesperson_ids)
    moves = env["account.move"].with_company(company).with_context(tracking_disable=True)

    customers = _create_demo_customers(env, rng, salespeople)
    invoice_vals = []
    monthly = {}
    for spec, customer in zip(CUSTOMERS, customers, strict=True):
        name, _city, _country, pattern, revenue, _contact = spec
        amounts = _monthly_amounts(
            rng, pattern, revenue * 1000.0, FIRST_PURCHASE_MONTHS_AGO.get(name), ATTENTION_STORIES.get(name)
        )
        vals_list = _invoice_vals(rng, customer, journal, products, amounts, revenue, today)
        monthly[customer] = _monthly_margins(vals_list, products, today)
        invoice_vals += vals_list
    invoices = moves.create(invoice_vals)
    invoices.action_post()
    refunds = moves.create(_refund_vals(rng, invoices, today))
    refunds.action_post()
    contacts = _create_demo_contacts(company, customers, monthly, today)
    _logger.info(
        "Customer segmentation demo: %s customers, %s invoices, %s credit notes and %s contacts in %.1f s",
        len(customers),
        len(invoices),
        len(refunds),
        len(contacts),
        time.perf_counter() - started,
    )


def run_demo(company):
    """The demo's last step, once every demo document is loaded: the
    classifications of a year, a quarter and a month ago, then today's (so
    that history, cell migration, class drops and their activities are as in
    production, and a first "Recompute now" changes nothing), the plans (from the stored sales), the opportunities,
    the dynamic segments, the cross-sell rules, and quotations that get
    suggestions."""
    env = company.env
    started = time.perf_counter()
    today = company._segmentation_today()
    # a year ago, a quarter ago and last month, as the nightly run would have:
    # the history behind cell migration, class drops and their activities
    for months in (12, 3, 1):
        env["customer.classification"].sudo()._run(company, today - relativedelta(months=months))
    company.sudo().action_recompute_customer_classification()
    env["customer.sales.plan"].with_company(company)._create_demo_plans()
    customers = env["res.partner"].search([("name", "in", [spec[0] for spec in CUSTOMERS]), ("is_company", "=", True)])
    _create_demo_opportunities(company, customers)
    env["customer.segment"].search([("company_id", "=", company.id), ("segment_type", "=", "dynamic")]).action_refresh()
    stats = company.sudo()._mine_crosssell_rules()
    quotations = _create_demo_quotations(company)
    _logger.info(
        "Customer segmentation demo classified, planned and mined in %.1f s: %s rules, %s quotations",
        time.perf_counter() - started,
        stats["rules"],
        len(quotations),
    )


def _create_demo_customers(env, rng, salespeople):
    """The companies of CUSTOMERS, in that order, some with a contact
    person whom part of the invoices are addressed to."""
    codes = {spec[2] for spec in CUSTOMERS}
    countries = {c.code: c.id for c in env["res.country"].search([("code", "in", list(codes))])}
    vals_list = []
    for index, (name, city, country, _pattern, _revenue, contact) in enumerate(CUSTOMERS):
        domain = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") + ".example.com"
        vals = {
            "name": name,
            "is_company": True,
            "city": city,
            "country_id": countries[country],
            "email": f"orders@{domain}",
            "website": f"https://www.{domain}",
            "user_id": salespeople[index % len(salespeople)].id,
        }
        if contact:
            vals["child_ids"] = [
                Command.create(
                    {
                        "name": contact,
                        "function": rng.choice(CONTACT_FUNCTIONS),
                        "email": contact.lower().replace(" ", ".") + "@" + domain,
                    }
                )
            ]
        vals_list.append(vals)
    return env["res.partner"].create(vals_list)


def _monthly_margins(invoice_vals, products, today):
    """The margin of one customer's invoices (`invoice_vals`) per month,
    index 0 the current month, index k the month k months back."""
    costs = {product.id: product.standard_price for product in products}
    this_month = today.replace(day=1)
    margins = [0.0] * (HISTORY_MONTHS + 1)
    for vals in invoice_vals:
        day = vals["invoice_date"]
        months_ago = (this_month.year - day.year) * 12 + this_month.month - day.month
        for _command, _id, line in vals["invoice_line_ids"]:
            net_price = line["price_unit"] * (1 - line["discount"] / 100)
            margins[months_ago] += line["quantity"] * (net_price - costs[line["product_id"]])
    return margins


def _create_demo_contacts(company, customers, monthly, today):
    """The salespeople's done calls and visits of the last CONTACT_MONTHS
    months (CONTACT_LEVELS), as the messages Odoo keeps of done activities,
    from the margins of the customers' invoices per month (`monthly`): a
    customer who buys nothing in a month is not contacted the month
    before, those that stopped or slipped (UNCONTACTED_STORIES,
    LAPSED_CONTACTS) not in the last two; this month's contacts end today,
    so that only those are overdue."""
    env = company.env
    call = env.ref("mail.mail_activity_data_call", raise_if_not_found=False)
    meeting = env.ref("mail.mail_activity_data_meeting", raise_if_not_found=False)
    subtype = env.ref("mail.mt_activities", raise_if_not_found=False)
    if not (call and meeting and subtype):
        return env["mail.message"]
    this_month = today.replace(day=1)
    values = []
    for spec, customer in zip(CUSTOMERS, customers, strict=True):
        name, revenue, margins = spec[0], spec[4], monthly[customer]
        more, less = next(counts for floor, counts in CONTACT_LEVELS if revenue >= floor)
        usual = sorted(margins[1:CONTACT_MONTHS])[CONTACT_MONTHS // 2]
        quiet = 2 if ATTENTION_STORIES.get(name) in UNCONTACTED_STORIES or name in LAPSED_CONTACTS else 0
        for months_ago in range(quiet, CONTACT_MONTHS):
            following = margins[months_ago - 1] if months_ago else None
            if months_ago and not following:
                continue
            count = more if months_ago == 0 or following > usual else less
            if months_ago:
                month = this_month - relativedelta(months=months_ago)
                days = [month + relativedelta(days=index * 28 // count) for index in range(count)]
            else:
                step = max(28 // count, 1)
                days = [today - relativedelta(days=index * step) for index in range(count)]
                days = [day for day in days if day >= this_month]
            for index, day in enumerate(days):
                kind = meeting if revenue >= CONTACT_LEVELS[0][0] and index == 0 else call
                values.append(
                    {
                        "model": "res.partner",
                        "res_id": customer.id,
                        "message_type": "notification",
                        "subtype_id": subtype.id,
                        "mail_activity_type_id": kind.id,
                        "author_id": customer.user_id.partner_id.id,
                        "record_company_id": company.id,
                        "date": datetime.combine(day, datetime.min.time()).replace(hour=10),
                        "body": Markup("<p>%s</p>") % kind.name,
                    }
                )
    return env["mail.message"].create(values)


def _create_demo_opportunities(company, customers):
    """The OPPORTUNITIES, each for its customer's salesperson."""
    by_name = {customer.name: customer for customer in customers}
    company.env["crm.lead"].with_company(company).with_context(tracking_disable=True).create(
        [
            {
                "name": f"{customer_name}: {title}",
                "type": "opportunity",
                "partner_id": by_name[customer_name].id,
                "user_id": by_name[customer_name].user_id.id,
                "expected_revenue": expected,
                "stage_id": company.env.ref(stage).id,
                "company_id": company.id,
            }
            for customer_name, title, expected, stage in OPPORTUNITIES
        ]
    )


def _create_demo_quotations(company):
    """A draft quotation for each customer the cross-sell demo leaves with a
    product to offer, holding what it usually buys: its Suggestions button
    shows the cross-sell item and why."""
    env = company.env
    rules = env["customer.crosssell.rule"].search(
        [("company_id", "=", company.id), ("has_customers_to_call", "=", True)], limit=3
    )
    missing = rules._missing_customers()
    values, quoted = [], set()
    for rule in rules:
        for partner_id in [partner for partner in missing[rule] if partner not in quoted][:1]:
            quoted.add(partner_id)
            left = rule.antecedent_product_ids or env["product.product"].search(
                [("categ_id", "in", rule.antecedent_category_ids.ids), ("sale_ok", "=", True)], limit=1
            )
            values.append(
                {
                    "partner_id": partner_id,
                    "company_id": company.id,
                    "user_id": env["res.partner"].browse(partner_id).user_id.id,
                    "order_line": [Command.create({"product_id": product.id}) for product in left[:1]],
                }
            )
    return env["sale.order"].with_context(tracking_disable=True).create(values)


def _monthly_amounts(rng, pattern, revenue, first_months_ago=None, story=None):
    """Revenue per month: index 0 is the current month, index k the month k
    months back, down to HISTORY_MONTHS.

    Amounts are scaled so that the twelve full months before the current one
    add up to `revenue`; a customer with nothing there ("lost") gets
    `revenue` per year of its past instead. A `story` (ATTENTION_STORIES)
    empties the last months or lifts the year before the window.
    """
    growth = rng.uniform(-0.05, 0.15)
    phase = rng.uniform(0, 2 * math.pi)
    window = range(1, 13)
    sporadic = set(rng.sample(window, rng.randint(2, 5)))
    raw = []
    for months_ago in range(HISTORY_MONTHS + 1):
        trend = (1 + growth) ** (-months_ago / 12)
        if pattern == "X":
            amount = trend * rng.uniform(0.95, 1.05)
        elif pattern == "Y":
            amount = trend * (1 + 0.24 * math.sin(2 * math.pi * months_ago / 12 + phase)) * rng.uniform(0.97, 1.03)
        elif pattern == "Z":
            buys = months_ago in sporadic if months_ago in window else rng.random() < 0.3
            amount = trend * rng.uniform(0.5, 1.5) if buys else 0.0
        elif pattern == "lost":
            amount = rng.uniform(0.9, 1.1) if months_ago > 15 else 0.0
        else:  # "new"
            amount = 1.0 if months_ago <= 1 else 0.0
        if first_months_ago is not None and months_ago > first_months_ago:
            amount = 0.0
        raw.append(amount)
    if story == "skipped":
        raw[0] = raw[1] = 0.0
    elif story == "stopped":
        raw[0] = raw[1] = raw[2] = 0.0
    elif story == "fading":
        raw[13:25] = [amount * 1.8 for amount in raw[13:25]]
    in_window = sum(raw[1:13])
    scale = revenue / in_window if in_window else revenue / 12
    return [amount * scale for amount in raw]


def _invoice_vals(rng, customer, journal, products, amounts, revenue, today):
    """Invoices of one customer for its monthly amounts: larger customers
    split a month over more invoices, invoices over up to three lines."""
    discount = next(rate for floor, rate in DISCOUNTS if revenue >= floor)
    invoices_per_month = 3 if revenue >= 150 else 2 if revenue >= 20 else 1
    contact = customer.child_ids[:1]
    this_month = today.replace(day=1)
    vals_list = []
    for months_ago, amount in enumerate(amounts):
        if not amount:
            continue
        month = this_month - relativedelta(months=months_ago)
        last_day = today.day if months_ago == 0 else 28
        count = rng.randint(1, invoices_per_month)
        for share in _split(rng, amount, count):
            line_count = rng.randint(1, min(3, max(1, int(share // 300))))
            lines = [
                Command.create(_line_vals(rng, products, part, discount)) for part in _split(rng, share, line_count)
            ]
            vals_list.append(
                {
                    "move_type": "out_invoice",
                    "journal_id": journal.id,
                    "partner_id": (contact if contact and rng.random() < 0.5 else customer).id,
                    "invoice_user_id": customer.user_id.id,
                    "invoice_date": month.replace(day=rng.randint(1, last_day)),
                    "invoice_line_ids": lines,
                }
            )
    return vals_list


def _split(rng, amount, parts):
    """`amount` cut into `parts` random but not tiny pieces."""
    weights = [rng.uniform(0.5, 1.5) for _part in range(parts)]
    total = sum(weights)
    return [amount * weight / total for weight in weights]


def _line_vals(rng, products, amount, discount):
    """A line worth about `amount`: a product cheap enough for a sizeable
    quantity (the cheapest one otherwise) at its sales price."""
    net = 1 - discount / 100
    affordable = products.filtered(lambda p: p.lst_price * net * MIN_UNITS_PER_LINE <= amount) or products[:1]
    product = rng.choice(affordable)
    return {
        "product_id": product.id,
        "quantity": max(1, round(amount / (product.lst_price * net))),
        "price_unit": product.lst_price,
        "discount": discount,
    }


def _refund_vals(rng, invoices, today):
    """Credit notes for goods returned from a few invoices of the last year:
    a tenth of the first line, dated a few days after the invoice."""
    year_ago = today - relativedelta(years=1)
    recent = invoices.filtered(lambda move: year_ago <= move.invoice_date <= today - relativedelta(days=30))
    vals_list = []
    for invoice in invoices.browse(rng.sample(recent.ids, min(8, len(recent)))):
        line = invoice.invoice_line_ids[0]
        vals_list.append(
            {
                "move_type": "out_refund",
                "journal_id": invoice.journal_id.id,
                "partner_id": invoice.partner_id.id,
                "invoice_user_id": invoice.invoice_user_id.id,
                "invoice_date": invoice.invoice_date + relativedelta(days=rng.randint(3, 20)),
                "reversed_entry_id": invoice.id,
                "ref": invoice.env._("Goods returned from %(invoice)s", invoice=invoice.name),
                "invoice_line_ids": [
                    Command.create(
                        {
                            "product_id": line.product_id.id,
                            "quantity": max(1, round(line.quantity / 10)),
                            "price_unit": line.price_unit,
                            "discount": line.discount,
                        }
                    )
                ],
            }
        )
    return vals_list
