from . import customer_portfolio_report
