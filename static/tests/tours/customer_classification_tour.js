import { registry } from "@web/core/registry";

// Data comes from test_classification_tour.py: "Tour Anchor Ltd" is AX,
// "Tour Second Ltd" CZ, the only customers with a class in the tour's
// company. Text typed in the search is searched once the search offers it
// (Enter pressed before its list of fields is open searches nothing), in a
// view that is loaded (one that is still being replaced takes the text away).
registry.category("web_tour.tours").add("customer_classification_manager_tour", {
    url: "/odoo/action-customer_segmentation.res_partner_action_abc_xyz_matrix",
    steps: () => [
        {
            content: "the ABC-XYZ matrix opens as a pivot with the A row",
            trigger: ".o_pivot .o_pivot_header_cell_closed:contains('A')",
        },
        {
            content: "switch to the kanban view",
            trigger: ".o_switch_view.o_kanban",
            run: "click",
        },
        {
            content: "the cards are loaded",
            trigger: ".o_kanban_view .o_kanban_record",
        },
        {
            content: "look the test customer up (the database's other customers may fill the first page)",
            trigger: ".o_kanban_view .o_searchview_input",
            run: "edit Tour Anchor",
        },
        {
            content: "search it by name, once the search offers it",
            trigger: ".o_searchview_autocomplete .o-dropdown-item.focus:contains(Name)",
            run: "click",
        },
        {
            trigger: ".o_searchview_facet:contains(Tour Anchor)",
        },
        {
            content: "the cell is a coloured badge on the card",
            trigger: ".o_kanban_record:contains('Tour Anchor Ltd') .o_customer_segmentation_cell_AX",
            run: "click",
        },
        {
            content: "the customer's segment is a tag on its form",
            trigger: ".o_form_view .o_field_widget[name=segment_ids] .o_tag:contains('Tour Key Accounts')",
        },
        {
            content: "open the Segmentation tab",
            trigger: ".o_notebook .nav-link:contains('Segmentation')",
            run: "click",
        },
        {
            content: "the tab shows the cell and the manual class an administrator may set",
            trigger: ".o_field_widget[name=abc_xyz_class]:contains('AX')",
        },
        {
            trigger: ".o_field_widget[name=abc_class_manual]",
        },
        {
            content: "the history of class changes is listed",
            trigger: ".o_field_widget[name=classification_history_ids] .o_data_row",
        },
        {
            content: "go to the Sales settings",
            trigger: "body",
            run() {
                window.location.href = "/odoo/action-sale.action_sale_config_settings";
            },
            expectUnloadPage: true,
        },
        {
            content: "the Customer Segmentation block is there",
            trigger: ".o_settings_container:has(.o_field_widget[name=segmentation_sales_source])",
        },
        {
            trigger: ".o_field_widget[name=segmentation_abc_threshold_a] input",
        },
        {
            content: "recompute now: the run is queued for the scheduled action",
            trigger: "button[name=action_queue_customer_classification]",
            run: "click",
        },
        {
            content: "a notification says so",
            trigger: ".o_notification:contains('Classification queued')",
        },
        {
            content: "the settings, reloaded, show the run queued and who asked for it",
            trigger: ".o_field_widget[name=segmentation_run_status]:contains('Recompute queued'):contains('Tour Administrator')",
        },
    ],
});

registry.category("web_tour.tours").add("customer_classification_salesman_tour", {
    url: "/odoo/action-account.res_partner_action_customer",
    steps: () => [
        {
            content: "the customers open as a list",
            trigger: ".o_list_view .o_data_row",
        },
        {
            content: "look the test customers up (the database's other customers may fill the first page)",
            trigger: ".o_list_view .o_searchview_input",
            run: "edit Tour",
        },
        {
            content: "search them by name, once the search offers it",
            trigger: ".o_searchview_autocomplete .o-dropdown-item.focus:contains(Name)",
            run: "click",
        },
        {
            trigger: ".o_searchview_facet:contains(Tour)",
        },
        {
            content: "wait for the list to be loaded before opening the search panel",
            trigger: ".o_list_view:not(:has(.o_data_row:not(:contains(Tour)))) .o_data_row:contains('Tour Anchor Ltd')",
        },
        {
            content: "group customers by ABC-XYZ cell",
            trigger: ".o_list_view .o_searchview_dropdown_toggler",
            run: "click",
        },
        {
            trigger: ".o_group_by_menu .o-dropdown-item:contains('ABC-XYZ Cell')",
            run: "click",
        },
        {
            trigger: ".o_searchview_facet:contains('ABC-XYZ Cell')",
        },
        {
            trigger: ".o_group_name:contains('AX')",
            run: "click",
        },
        {
            trigger: ".o_data_row td[name=complete_name]:contains('Tour Anchor Ltd')",
            run: "click",
        },
        {
            content: "a salesperson sees the customer's segment as a tag",
            trigger: ".o_form_view .o_field_widget[name=segment_ids] .o_tag:contains('Tour Key Accounts')",
        },
        {
            trigger: ".o_notebook .nav-link:contains('Segmentation')",
            run: "click",
        },
        {
            content: "a salesperson sees the classes but not the manual override",
            trigger: ".o_field_widget[name=abc_xyz_class]:contains('AX'):not(:has(input))",
        },
        {
            trigger: ".o_notebook:not(:has(.o_field_widget[name=abc_class_manual]))",
        },
    ],
});
