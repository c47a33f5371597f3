import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_utils";

// Data from test_russian.py: a Russian-speaking salesperson with one AX
// customer, "Tour Ru Ltd", in a company of its own.
registry.category("web_tour.tours").add("customer_segmentation_russian_tour", {
    steps: () => [
        {
            content: "My Priority Clients, in Russian",
            trigger: ".o_breadcrumb:contains('Мои приоритетные клиенты')",
        },
        {
            trigger: ".o_searchview_facet:contains('Мои клиенты')",
        },
        {
            trigger: ".o_list_view .o_data_row:contains('Tour Ru Ltd')",
        },
        ...stepUtils.goToAppSteps("sale.sale_menu_root", "Open Sales"),
        {
            trigger: '.o-dropdown[data-menu-xmlid="customer_segmentation.customer_client_base_menu"]',
            run: "click",
        },
        {
            trigger: '.o-dropdown-item[data-menu-xmlid="customer_segmentation.res_partner_menu_abc_xyz_matrix"]',
            run: "click",
        },
        {
            content: "the matrix, its filters and strategies in Russian",
            trigger: ".o_customer_segmentation_matrix .o_matrix_filter_user_id:contains('Продавец')",
        },
        {
            trigger: ".o_customer_segmentation_matrix:contains('Удерживать')",
        },
        {
            trigger: ".o_customer_segmentation_matrix .o_matrix_company:contains('Компания')",
        },
    ],
});
