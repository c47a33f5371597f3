from . import customer_crosssell_demo
from . import customer_segmentation_demo
