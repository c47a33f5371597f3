import { registry } from "@web/core/registry";

// Data comes from test_analysis_tour.py: "Tour Steady Ltd" bought every
// month of the last 14, with a plan for the current month; it has no
// salesperson, hence no sales team: its groups are named, not "None".

function switchTo(view) {
    return {
        content: `switch to the ${view} view`,
        trigger: `.o_switch_view.o_${view}`,
        run: "click",
    };
}

registry.category("web_tour.tours").add("customer_dynamics_report_tour", {
    steps: () => [
        { content: "the pivot shows the years", trigger: ".o_pivot th:contains(Revenue Change (%))" },
        { trigger: ".o_pivot .o_pivot_header_cell_closed:contains(AX)" },
        switchTo("graph"),
        { trigger: ".o_graph_renderer canvas" },
        switchTo("list"),
        { content: "the customer's rows", trigger: ".o_data_row td:contains(Tour Steady Ltd)" },
    ],
});

registry.category("web_tour.tours").add("customer_profitability_report_tour", {
    steps: () => [
        { content: "margin per profile", trigger: ".o_pivot th:contains(Margin (%))" },
        { content: "the empty team named", trigger: ".o_pivot .o_pivot_header_cell_closed:contains(No sales team)" },
        { trigger: ".o_pivot th:contains(Revenue Per Customer)" },
        switchTo("graph"),
        { trigger: ".o_graph_renderer canvas" },
    ],
});

registry.category("web_tour.tours").add("customer_plan_actual_report_tour", {
    steps: () => [
        { content: "plan against actual", trigger: ".o_pivot th:contains(Achievement (%))" },
        {
            content: "the empty salesperson named",
            trigger: ".o_pivot .o_pivot_header_cell_closed:contains(No salesperson)",
        },
        switchTo("list"),
        { content: "the planned customer", trigger: ".o_data_row:contains(Tour Steady Ltd) td:contains(1,000.00)" },
        switchTo("graph"),
        { trigger: ".o_graph_renderer canvas" },
    ],
});

registry.category("web_tour.tours").add("customer_base_report_tour", {
    steps: () => [
        { content: "the trend of the client base", trigger: ".o_graph_renderer canvas" },
        switchTo("pivot"),
        { trigger: ".o_pivot th:contains(Churn Rate (%))" },
        { trigger: ".o_pivot th:contains(New Customers)" },
        switchTo("list"),
        { trigger: ".o_data_row" },
    ],
});

// The cell migration: Tour Steady Ltd has had a cell since this run only,
// so against a year ago it comes from "New". The dates compared are read
// from the company (the rows keep none of their own): shown and sorted on.
registry.category("web_tour.tours").add("customer_cell_transition_report_tour", {
    steps: () => [
        { content: "the comparison opens as a facet", trigger: ".o_searchview_facet:contains(Against a Year Ago)" },
        { content: "where the cells came from", trigger: ".o_pivot .o_pivot_header_cell_closed:contains(New)" },
        switchTo("list"),
        { content: "the customer's row", trigger: ".o_data_row td:contains(Tour Steady Ltd)" },
        { trigger: ".o_optional_columns_dropdown_toggle", run: "click" },
        { content: "show the second date", trigger: '.o-dropdown-item input[name="date_to"]', run: "click" },
        { trigger: ".o_optional_columns_dropdown_toggle", run: "click" },
        { content: "sort on it", trigger: 'th[data-name="date_to"]', run: "click" },
        {
            content: "the run's date, read from the company",
            trigger: '.o_data_row:contains(Tour Steady Ltd) .o_data_cell[name="date_to"]:not(:empty)',
        },
    ],
});
