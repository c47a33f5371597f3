from . import customer_classification
from . import customer_classification_history
from . import customer_segmentation_demo
from . import res_company
from . import res_config_settings
from . import res_partner
