import { registry } from "@web/core/registry";

// Data from test_client_group_tour.py: "Tour Holding Ltd" heads the group
// "Tour Holding Group" (class AX), which the tour's company classifies as
// one; "Tour Subsidiary Ltd" is in no group yet.
registry.category("web_tour.tours").add("customer_segmentation_client_group_tour", {
    url: "/odoo/customers",
    steps: () => [
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
            content: "the customer list shows the client group of each entity",
            trigger: ".o_list_view .o_data_row:contains(Tour Holding Ltd) td[name=client_group_id]:contains(Tour Holding Group)",
        },
        {
            trigger: ".o_list_view .o_data_row:contains(Tour Subsidiary Ltd) td[name=client_group_id]:empty",
        },
        {
            content: "open the subsidiary",
            trigger: ".o_list_view .o_data_row td:contains(Tour Subsidiary Ltd)",
            run: "click",
        },
        {
            content: "put it into the group from its form",
            trigger: ".o_form_view .o_field_widget[name=client_group_id] input",
            run: "edit Tour Holding",
        },
        {
            trigger: ".o-autocomplete--dropdown-item:contains('Tour Holding Group')",
            run: "click",
        },
        {
            trigger: ".o_form_button_save:enabled",
            run: "click",
        },
        {
            content: "wait for the save",
            trigger: ".o_form_saved",
        },
        {
            trigger: ".o_notebook .nav-link:contains(Segmentation)",
            run: "click",
        },
        {
            content: "the member shows the group's cell, counted under the head",
            trigger: ".alert[name=client_group_classified]:contains(Tour Holding Ltd):contains(AX)",
        },
        {
            content: "back to the list",
            trigger: ".o_breadcrumb .o_back_button a, .o_breadcrumb li.breadcrumb-item a:contains(Customers)",
            run: "click",
        },
        {
            content: "the subsidiary is listed in the group",
            trigger: ".o_list_view .o_data_row:contains(Tour Subsidiary Ltd) td[name=client_group_id]:contains(Tour Holding Group)",
        },
    ],
});
