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
