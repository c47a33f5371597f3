from . import test_customer_classification
