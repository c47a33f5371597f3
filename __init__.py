# Odoo imports this package as odoo.addons.customer_segmentation; pytest
# imports it under the clone's folder name while collecting the engine's
# Odoo-free tests, and must not pull in the Odoo models then.
if __name__.startswith("odoo.addons."):
    from . import models
    from . import report
    from . import wizards
    from . import demo
