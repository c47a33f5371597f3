import { registry } from "@web/core/registry";

// Data from test_priority_tour.py: "Tour Matrix Seller" has one AX customer
// ("Tour Overdue Ltd", 12,000) and one CY customer ("Tour Calm Ltd", 3,000).
registry.category("web_tour.tours").add("customer_segmentation_abc_xyz_matrix_tour", {
    url: "/odoo/action-customer_segmentation.action_abc_xyz_matrix",
    steps: () => [
        {
            content: "the matrix shows the nine cells with their strategy",
            trigger: ".o_customer_segmentation_matrix td[data-cell=AX] .o_matrix_strategy:contains('Retain')",
        },
        {
            trigger: ".o_customer_segmentation_matrix td[data-cell=CZ]",
        },
        {
            content: "filter on a salesperson",
            trigger: ".o_matrix_filter_user_id input",
            run: "edit Tour Matrix",
        },
        {
            trigger: ".o-autocomplete--dropdown-item:contains('Tour Matrix Seller')",
            run: "click",
        },
        {
            content: "the grid shows that salesperson's customers only",
            trigger: "td[data-cell=AX] .o_matrix_count:contains('1')",
        },
        {
            trigger: "td[data-cell=CY] .o_matrix_count:contains('1')",
        },
        {
            trigger: "td[data-cell=BX] .o_matrix_count:contains('0')",
        },
        {
            content: "the totals add the cells up",
            trigger: "td.o_matrix_grand_total:contains('2')",
        },
        {
            trigger: "td[data-cell=AX] .o_matrix_value:contains('12,000')",
        },
        {
            content: "switch revenue to margin",
            trigger: "button[data-measure=margin]",
            run: "click",
        },
        {
            trigger: "button.btn-primary[data-measure=margin]",
        },
        {
            trigger: "td[data-cell=AX] .o_matrix_value:contains('4,000')",
        },
        {
            content: "open the customers of the AX cell",
            trigger: "td[data-cell=AX]",
            run: "click",
        },
        {
            content: "the list says what it lists, its filters are facets that can be removed",
            trigger: ".o_breadcrumb:contains('Customers AX')",
        },
        {
            trigger: ".o_searchview_facet:contains('AX') .o_facet_remove",
        },
        {
            trigger: ".o_searchview_facet:contains('Tour Matrix Seller') .o_facet_remove",
        },
        {
            content: "only that salesperson's AX customer is listed",
            trigger: ".o_list_view .o_data_row:contains('Tour Overdue Ltd')",
        },
        {
            trigger: ".o_list_view:not(:has(.o_data_row:contains('Tour Calm Ltd'))):not(:has(.o_data_row:nth-child(2)))",
        },
        {
            content: "back to the matrix through the breadcrumb",
            trigger: ".o_breadcrumb .o_back_button, .breadcrumb-item a:contains('ABC-XYZ Matrix')",
            run: "click",
        },
        {
            trigger: ".o_customer_segmentation_matrix td[data-cell=AX]",
        },
    ],
});
