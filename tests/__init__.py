from . import test_customer_classification
from . import test_classification_access
from . import test_classification_tour
from . import test_customer_segment
from . import test_segment_tour
from . import test_priority_clients
from . import test_priority_tour
