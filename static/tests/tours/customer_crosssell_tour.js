import { registry } from "@web/core/registry";

// Data comes from test_crosssell_tour.py: of the customers who buy Tour
// Desks, 75 % also buy Tour Chairs; "Tour Missing One" and "Tour Missing
// Two" buy desks only, and the first has a draft quotation.
registry.category("web_tour.tours").add("customer_crosssell_tour", {
    steps: () => [
        {
            content: "the rules report lists Tour Desks -> Tour Chairs with its two customers to call",
            trigger: ".o_list_view .o_data_row:has(td[name=consequent_category_id]:contains(Tour Chairs)):has(td[name=missing_customer_count]:contains(2))",
        },
        {
            content: "its confidence",
            trigger: ".o_data_row:has(td[name=consequent_category_id]:contains(Tour Chairs)) td[name=confidence]:contains(75)",
        },
        {
            content: "open the customers who buy desks and no chairs",
            trigger: ".o_data_row:has(td[name=consequent_category_id]:contains(Tour Chairs)) button[name=action_open_missing_customers]",
            run: "click",
        },
        {
            trigger: ".o_list_view .o_data_row:contains(Tour Missing Two)",
        },
        {
            content: "exactly the two customers",
            trigger: ".o_list_view:not(:has(.o_data_row:nth-child(3))) .o_data_row:contains(Tour Missing One)",
        },
        {
            content: "open the first one",
            trigger: ".o_list_view .o_data_row td.o_data_cell:contains(Tour Missing One)",
            run: "click",
        },
        {
            content: "the customer's cross-selling tab",
            trigger: ".o_notebook .nav-link:contains(Cross-selling)",
            run: "click",
        },
        {
            content: "chairs are suggested, with the reason",
            trigger: ".o_field_widget[name=suggested_category_ids]:contains(Tour Chairs)",
        },
        {
            trigger: ".o_field_widget[name=crosssell_reasons]:contains(75 % of the customers who buy Tour Desks also buy Tour Chairs)",
        },
        {
            content: "its quotations",
            trigger: ".o_form_view .oe_stat_button:has(.o_field_widget[name=sale_order_count])",
            run: "click",
        },
        {
            content: "open the draft quotation",
            trigger: ".o_list_view .o_data_row td.o_data_cell:first",
            run: "click",
        },
        {
            content: "suggestions for the quotation",
            trigger: ".o_form_view .o_form_statusbar button:contains(Suggestions)",
            run: "click",
        },
        {
            content: "the desk it buys, to reorder",
            trigger: ".modal .o_data_row:has(td[name=kind]:contains(Usual)):contains(Tour Desk)",
        },
        {
            content: "choose the chair suggested by the rule",
            trigger: ".modal .o_data_row:has(td[name=kind]:contains(Cross-sell)):contains(Tour Chair) td[name=selected] input",
            run: "click",
        },
        {
            trigger: ".modal .o_data_row:contains(Tour Chair) td[name=selected] input:checked",
        },
        {
            content: "add it to the quotation",
            trigger: ".modal button[name=action_add_lines]",
            run: "click",
        },
        {
            content: "the chair is on the quotation",
            trigger: ".o_form_view .o_field_widget[name=order_line] .o_data_row:contains(Tour Chair)",
        },
    ],
});
