import { registry } from "@web/core/registry";

// Data from test_crm_tour.py: the tour salesperson has "Tour Key Deal" for
// "Tour Key Ltd" (AX, 20 days late on a 30-day rhythm, nothing planned) and
// "Tour Small Deal" for "Tour Small Ltd" (CY, calm), and "Tour Cold Lead"
// without a customer.
registry.category("web_tour.tours").add("customer_segmentation_crm_pipeline_tour", {
    url: "/odoo/action-customer_segmentation.action_priority_pipeline",
    steps: () => [
        {
            content: "the key customer's deal shows its cell and a warning",
            trigger: ".o_kanban_record:contains('Tour Key Deal') .o_customer_segmentation_cell_AX",
        },
        {
            trigger: ".o_kanban_record:contains('Tour Key Deal') .o_customer_segmentation_attention",
        },
        {
            content: "the most important customer comes first in its stage",
            trigger: ".o_kanban_group:has(.o_kanban_record:contains('Tour Key Deal')) .o_kanban_record:first:contains('Tour Key Deal')",
        },
        {
            content: "a lead without a customer shows no cell",
            trigger: ".o_kanban_record:contains('Tour Cold Lead'):not(:has(.o_customer_segmentation_cell))",
        },
        {
            content: "keep only the deals of customers who need attention",
            trigger: ".o_searchview_dropdown_toggler",
            run: "click",
        },
        {
            trigger: ".o_filter_menu .o-dropdown-item:contains('Customer Needs Attention')",
            run: "click",
        },
        {
            trigger: ".o_searchview_facet:contains('Customer Needs Attention')",
        },
        {
            content: "the calm customer's deal and the cold lead are gone",
            trigger: ".o_kanban_renderer:not(:has(.o_kanban_record:contains('Tour Small Deal'))):not(:has(.o_kanban_record:contains('Tour Cold Lead')))",
        },
        {
            trigger: ".o_kanban_record:contains('Tour Key Deal')",
            run: "click",
        },
        {
            content: "the opportunity says why its customer needs attention",
            trigger: ".o_form_view .alert-warning:contains('The customer needs attention'):contains('overdue by 20 days')",
        },
        {
            trigger: ".o_form_view .o_field_widget[name=customer_abc_xyz_class]:contains('AX')",
        },
    ],
});

// Data from test_crm_tour.py, as a sales manager: the pipeline analysis by
// the customer's cell counts the key customer's deal under AX.
registry.category("web_tour.tours").add("customer_segmentation_pipeline_by_cell_tour", {
    url: "/odoo/action-customer_segmentation.action_pipeline_by_customer_cell",
    steps: () => [
        {
            content: "the pivot has a row per customer cell",
            trigger: ".o_pivot .o_pivot_header_cell_closed:contains('AX')",
        },
        {
            trigger: ".o_pivot .o_pivot_header_cell_closed:contains('CY')",
        },
        {
            content: "and a column per won status",
            trigger: ".o_pivot th:contains('Pending')",
        },
    ],
});
