from . import customer_segmentation_demo
