"""Plain functions of the cursor and SQL builders shared by the models and
reports (as account/tools/ is for account): no model hosts them."""
