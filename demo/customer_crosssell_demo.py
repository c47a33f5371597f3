import logging
from datetime import timedelta

from odoo.fields import Command

_logger = logging.getLogger(__name__)

# Who buys what the cross-sell demo needs: (left product, right product,
# customers buying both, the customer buying only the left one). At the
# level of categories this makes strong rules ("Desks -> Office Chairs":
# 11 of the 12 desk buyers also buy chairs) and one customer to call each.
BASKETS = (
    (
        "product_height_adjustable_desk",
        "product_ergonomic_office_chair",
        (
            "Harbor Point Coworking",
            "Summit Ridge Medical Group",
            "Meridian Business Parks",
            "Northgate Property Management",
            "Maple Leaf Office Interiors",
            "Pacific Crest University",
            "Greenfield Accounting",
            "Oak & Stone Law Partners",
            "Copperline Marketing Agency",
            "Harborview Logistics",
            "Fjord Design Studio",
        ),
        "Keystone Insurance Agency",
    ),
    (
        "product_coffee_machine",
        "product_coffee_capsules",
        (
            "Cascade Hotels & Resorts",
            "Lakeshore Unified School District",
            "Bright Smile Dental Clinics",
            "Blue Heron Veterinary Hospitals",
            "Vista Real Estate Advisors",
            "Sonoran Call Center Services",
            "Elm Street Public Library",
        ),
        "Copper Kettle Café Group",
    ),
)


def load_crosssell_demo(env):
    """Invoices that make a few strong cross-sell rules among the demo
    customers (mined by run_demo, the demo's last step)."""
    company = env.company
    journal = env["account.journal"].search(
        [*env["account.journal"]._check_company_domain(company), ("type", "=", "sale")], limit=1
    )
    if not journal:
        _logger.warning("No sales journal in company %s: no cross-sell demo invoices", company.id)
        return
    today = env.company._segmentation_today()
    values = []
    for number, (left, right, both, missing) in enumerate(BASKETS):
        left = env.ref(f"customer_segmentation.{left}")
        right = env.ref(f"customer_segmentation.{right}")
        names = (*both, missing)
        partners = env["res.partner"].search([("name", "in", names), ("is_company", "=", True)])
        by_name = {partner.name: partner for partner in partners}
        for position, name in enumerate(names):
            if name not in by_name:
                continue
            products = [(left, 1 + position % 3)]
            if name != missing:
                products.append((right, 2 + position % 4))
            values.append(
                {
                    "move_type": "out_invoice",
                    "journal_id": journal.id,
                    "partner_id": by_name[name].id,
                    "invoice_date": today - timedelta(days=40 + 9 * position + 5 * number),
                    "invoice_line_ids": [
                        Command.create(
                            {"product_id": product.id, "quantity": quantity, "price_unit": product.lst_price}
                        )
                        for product, quantity in products
                    ],
                }
            )
    invoices = env["account.move"].with_context(tracking_disable=True).create(values)
    invoices.action_post()
    _logger.info("Cross-sell demo: %s invoices (mined by the demo's last step)", len(invoices))
