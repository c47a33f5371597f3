from . import customer_analysis
from . import customer_base_report
from . import customer_base_review
from . import customer_cell_transition_report
from . import customer_client_base_dashboard
from . import customer_dynamics_report
from . import customer_plan_actual_report
from . import customer_portfolio_report
