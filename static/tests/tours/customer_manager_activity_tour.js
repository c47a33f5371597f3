import { registry } from "@web/core/registry";

// Data from test_manager_activity_tour.py: Tour Activity Seller has two A
// customers of cell AX, one contacted today, one never contacted although
// every 7 days is recommended (overdue); Tour Other Seller one B customer
// contacted 60 days ago.

registry.category("web_tour.tours").add("customer_manager_activity_tour", {
    steps: () => [
        {
            content: "the salespeople's coverage side by side",
            trigger: ".o_pivot th:contains(Contacted in 30 Days (%))",
        },
        { trigger: ".o_pivot .o_pivot_header_cell_closed:contains(Tour Activity Seller)" },
        { trigger: ".o_pivot .o_pivot_header_cell_closed:contains(Tour Other Seller)" },
        { content: "contacts a month per cell", trigger: ".o_switch_view.o_graph", run: "click" },
        { trigger: ".o_graph_renderer canvas" },
        { content: "switch to the list", trigger: ".o_switch_view.o_list", run: "click" },
        {
            content: "half the seller's customers contacted in 30 days",
            trigger: ".o_data_row:contains(Tour Activity Seller) td[name=coverage_30]:contains(50.0)",
        },
        { trigger: ".o_data_row:contains(Tour Activity Seller) td[name=overdue_a_count]:contains(1)" },
        { trigger: ".o_data_row:contains(Tour Other Seller) td[name=contacted_90_count]:contains(1)" },
        {
            content: "open the seller's overdue A customers",
            trigger: ".o_data_row:contains(Tour Activity Seller) button[name=action_open_overdue_customers]",
            run: "click",
        },
        {
            content: "the filters opened are facets the manager sees",
            trigger: ".o_searchview_facet:contains(Not Contacted within the Interval)",
        },
        { trigger: ".o_searchview_facet:contains(A Customers)" },
        {
            content: "the customer never contacted, not the one called today",
            trigger:
                ".o_list_view:not(:has(.o_data_row:contains(Tour Called Today))) .o_data_row:contains(Tour Never Called)",
        },
    ],
});

// The same screen as Tour Activity Seller: their own customers only.
registry.category("web_tour.tours").add("customer_manager_activity_seller_tour", {
    steps: () => [
        { content: "switch to the list", trigger: ".o_switch_view.o_list", run: "click" },
        {
            content: "the seller's own row, with the overdue A customer",
            trigger: ".o_data_row:contains(Tour Activity Seller) td[name=overdue_a_count]:contains(1)",
        },
        {
            content: "no other salesperson's row",
            trigger: ".o_list_view:not(:has(.o_data_row:contains(Tour Other Seller))) .o_data_row",
        },
        {
            content: "open the overdue A customers",
            trigger: ".o_data_row:contains(Tour Activity Seller) button[name=action_open_overdue_customers]",
            run: "click",
        },
        { trigger: ".o_searchview_facet:contains(Not Contacted within the Interval)" },
        {
            content: "the customer never contacted",
            trigger:
                ".o_list_view:not(:has(.o_data_row:contains(Tour Called Today))) .o_data_row:contains(Tour Never Called)",
        },
    ],
});
