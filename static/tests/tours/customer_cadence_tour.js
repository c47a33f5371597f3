import { registry } from "@web/core/registry";

// Data from test_cadence_tour.py: three shops of the documents' example,
// visited daily, every three days and weekly in turns (cell AY), every
// three days recommended; the shops are overdue, "Tour Calm Shop" is not.

registry.category("web_tour.tours").add("customer_cadence_report_tour", {
    steps: () => [
        {
            content: "cadences side by side, each customer compared with itself",
            trigger: ".o_pivot th:contains(Net Margin vs Own Average)",
        },
        { trigger: ".o_pivot .o_pivot_header_cell_closed:contains(AY)" },
        { trigger: ".o_pivot th:contains(Twice a Week)" },
        { content: "switch to the list", trigger: ".o_switch_view.o_list", run: "click" },
        { trigger: ".o_data_row:contains(Tour Shop 1):contains(Daily)" },
    ],
});

registry.category("web_tour.tours").add("customer_cadence_recommendation_tour", {
    steps: () => [
        {
            content: "every three days pays in AY",
            trigger: ".o_data_row:contains(AY) td[name=state]:contains(Recommended)",
        },
        { trigger: ".o_data_row:contains(AY) td[name=cadence]:contains(Twice a Week)" },
        { trigger: ".o_data_row:contains(AY) td[name=runner_up_cadence]:contains(Daily)" },
        { content: "a cell without data says so", trigger: ".o_data_row:contains(CZ) td[name=state]:contains(Not Enough Customers)" },
    ],
});

registry.category("web_tour.tours").add("customer_contact_overdue_tour", {
    steps: () => [
        {
            content: "my clients, the shops' reasons written out",
            trigger: ".o_data_row:contains(Tour Shop 1) td[name=attention_reasons]:contains(Contact overdue by)",
        },
        { trigger: ".o_list_view .o_data_row:contains(Tour Calm Shop)" },
        { content: "open the filters", trigger: ".o_searchview_dropdown_toggler", run: "click" },
        { trigger: ".o_filter_menu .o-dropdown-item:contains(Contact Overdue)", run: "click" },
        { trigger: ".o_searchview_facet:contains(Contact Overdue)" },
        {
            content: "the calm shop is gone, the overdue shops stay",
            trigger:
                ".o_list_view:not(:has(.o_data_row:contains(Tour Calm Shop))) .o_data_row:contains(Tour Shop 3)",
        },
        { trigger: ".o_list_view .o_data_row:contains(Tour Shop 2)" },
    ],
});
