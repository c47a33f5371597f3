from odoo import models


class SaleOrder(models.Model):
    _inherit = "sale.order"

    # the documents a run reads again: those written since the last run
    # (customer.sales.document._changed_documents), found without reading
    # every document
    _write_date_idx = models.Index("(write_date)")

    def unlink(self):
        # what the next classification run must drop from its facts
        self.env["customer.sales.document.deletion"].sudo()._record(self, "order")
        return super().unlink()
