import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_utils";

// Data from test_dashboard_tour.py: in its own company, "Tour Dash Late Ltd"
// (AX, 20 days past its usual 30-day interval) and "Tour Dash Calm Ltd" (BX).
registry.category("web_tour.tours").add("customer_segmentation_dashboard_tour", {
    steps: () => [
        {
            content: "one A customer is overdue",
            trigger: ".o_dashboard_tile_a_overdue .o_dashboard_tile_value:contains('1')",
        },
        {
            content: "the small matrix counts one customer in AX",
            trigger: ".o_dashboard_cell[data-cell='AX']:contains('1')",
        },
        {
            content: "open the tile's list",
            trigger: ".o_dashboard_tile_a_overdue",
            run: "click",
        },
        {
            content: "the list says what it lists",
            trigger: ".o_breadcrumb:contains('A Customers Overdue')",
        },
        {
            content: "its filters are facets of the search bar, which can be removed",
            trigger: ".o_searchview_facet:contains('A Customers') .o_facet_remove",
        },
        {
            trigger: ".o_searchview_facet:contains('Overdue') .o_facet_remove",
        },
        {
            trigger: ".o_list_view .o_data_row:contains('Tour Dash Late Ltd')",
        },
        {
            content: "the calm customer is not listed",
            trigger: ".o_list_view:not(:has(.o_data_row:contains('Tour Dash Calm Ltd')))",
        },
    ],
});

registry.category("web_tour.tours").add("customer_segmentation_client_base_menu_tour", {
    steps: () => [
        ...stepUtils.goToAppSteps("sale.sale_menu_root", "Open Sales"),
        {
            content: "the addon's home in Sales",
            trigger: '.o-dropdown[data-menu-xmlid="customer_segmentation.customer_client_base_menu"]',
            run: "click",
        },
        {
            trigger: '.o-dropdown-item[data-menu-xmlid="customer_segmentation.customer_crosssell_rule_menu"]',
            run: "click",
        },
        {
            content: "a salesperson reads the rules of the company (none mined yet: a real empty state)",
            trigger: ".o_breadcrumb:contains('Cross-sell Rules')",
        },
        {
            trigger: ".o_view_nocontent, .o_list_view",
        },
    ],
});
