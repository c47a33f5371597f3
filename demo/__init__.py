from . import customer_crosssell_demo
