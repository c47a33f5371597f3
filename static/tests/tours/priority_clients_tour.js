import { registry } from "@web/core/registry";

// Data from test_priority_tour.py: the tour salesperson has "Tour Overdue Ltd"
// (AX, bought every 30 days, 20 days late, nothing planned) and "Tour Calm
// Ltd" (CY, not late); "Tour Foreign Ltd" belongs to another salesperson.
registry.category("web_tour.tours").add("customer_segmentation_priority_clients_tour", {
    url: "/odoo/action-customer_segmentation.action_my_priority_clients",
    steps: () => [
        {
            content: "the list opens on my clients, most important first",
            trigger: ".o_list_view .o_data_row:first-child:contains('Tour Overdue Ltd')",
        },
        {
            trigger: ".o_searchview_facet:contains('My Clients')",
        },
        {
            content: "another salesperson's customer is not listed",
            trigger: ".o_list_view:not(:has(.o_data_row:contains('Tour Foreign Ltd')))",
        },
        {
            content: "the reasons are written out",
            trigger: ".o_data_row:contains('Tour Overdue Ltd') td[name=attention_reasons]:contains('overdue by 20 days')",
        },
        {
            content: "keep only the customers who need attention",
            trigger: ".o_searchview_dropdown_toggler",
            run: "click",
        },
        {
            trigger: ".o_filter_menu .o-dropdown-item:contains('Needs Attention')",
            run: "click",
        },
        {
            trigger: ".o_searchview_facet:contains('Needs Attention')",
        },
        {
            content: "the calm customer is gone, the late one stays",
            trigger: ".o_list_view:not(:has(.o_data_row:contains('Tour Calm Ltd'))) .o_data_row:contains('Tour Overdue Ltd')",
        },
        {
            content: "see them as cards grouped by cell",
            trigger: ".o_switch_view.o_kanban",
            run: "click",
        },
        {
            trigger: ".o_kanban_group:has(.o_column_title:contains('AX')) .o_kanban_record:contains('Tour Overdue Ltd')",
            run: "click",
        },
        {
            content: "the customer's form: the Segmentation tab",
            trigger: ".o_notebook .nav-link:contains('Segmentation')",
            run: "click",
        },
        {
            content: "why it needs attention, and its rhythm",
            trigger: ".alert-warning:contains('Needs attention'):contains('overdue by 20 days')",
        },
        {
            trigger: ".o_field_widget[name=purchase_interval_days]:contains('30')",
        },
        {
            trigger: ".o_field_widget[name=purchase_overdue_days]:contains('20')",
        },
    ],
});
