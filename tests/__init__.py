from . import test_customer_classification
from . import test_classification_tour
