import { registry } from "@web/core/registry";

// Data comes from test_segment_tour.py: "Tour Class B Ltd" is class B,
// "Tour Class C Ltd" class C, the only customers with a class in the tour's
// company.
const rule = ".o_field_widget[name=domain]";

registry.category("web_tour.tours").add("customer_segment_tour", {
    url: "/odoo/action-customer_segmentation.customer_segment_action",
    steps: () => [
        {
            content: "create a segment",
            trigger: ".o_list_button_add",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name=name] input",
            run: "edit Tour B Customers",
        },
        {
            content: "make it dynamic",
            trigger: ".o_field_widget[name=segment_type] input[data-value=dynamic]",
            run: "click",
        },
        {
            content: "the rule tab appears",
            trigger: ".o_notebook .nav-link:contains(Rule)",
            run: "click",
        },
        {
            content: "add a rule with the domain editor",
            trigger: `${rule} .o_tree_editor_row a:contains(New Rule)`,
            run: "click",
        },
        {
            content: "open the field selector of the new condition",
            trigger: `${rule} .o_tree_editor_condition .o_model_field_selector`,
            run: "click",
        },
        {
            trigger: ".o_model_field_selector_popover_search input",
            run: "edit ABC Class",
        },
        {
            content: "pick the ABC class of the customer",
            trigger: ".o_model_field_selector_popover_item[data-name=abc_class] .o_model_field_selector_popover_item_name",
            run: "click",
        },
        {
            trigger: `${rule} .o_tree_editor_condition .o_model_field_selector:contains(ABC Class)`,
        },
        {
            content: "class B",
            trigger: `${rule} .o_tree_editor_condition > .o_tree_editor_editor:last-child select`,
            run: "selectByLabel B",
        },
        {
            trigger: `${rule} .o_tree_editor_condition > .o_tree_editor_editor:last-child select:has(option:selected:contains(B))`,
        },
        {
            content: "the follow-up tab",
            trigger: ".o_notebook .nav-link:contains(Follow-up)",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name=activity_type_id] input",
            run: "edit To-Do",
        },
        {
            trigger: ".o-autocomplete--dropdown-item:contains('To-Do')",
            run: "click",
        },
        {
            content: "plan the follow-up at the cadence",
            trigger: ".o_field_widget[name=activity_planning] input[data-value=cadence]",
            run: "click",
        },
        {
            content: "the form says which contact interval applies, and that without one there is none",
            trigger: ".o_field_widget[name=activity_interval_note]:contains(members without one get no recurring activity)",
        },
        {
            content: "no delay after the entry at the cadence",
            trigger: ".o_form_view:not(:has(.o_field_widget[name=activity_delay_days]))",
        },
        {
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "once saved, refresh the members now",
            trigger: ".o_form_view button[name=action_refresh]",
            run: "click",
        },
        {
            content: "the refresh found the customer, and no other",
            trigger: "button[name=action_open_members] .o_stat_value:text(1)",
        },
        {
            content: "open the members",
            trigger: "button[name=action_open_members]",
            run: "click",
        },
        {
            content: "the class B customer is a member",
            trigger: ".o_list_view .o_data_row:contains(Tour Class B Ltd)",
        },
        {
            content: "the class C customer is not",
            trigger: ".o_list_view:not(:has(.o_data_row:contains(Tour Class C Ltd)))",
        },
    ],
});
