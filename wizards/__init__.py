from . import base_partner_merge_automatic_wizard
from . import customer_base_review_wizard
from . import customer_selection_mixin
from . import customer_segment_assign_wizard
from . import customer_crosssell_suggestion_wizard
from . import customer_cell_transition_wizard
from . import customer_client_group_wizard
