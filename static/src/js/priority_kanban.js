import { registry } from "@web/core/registry";
import { KanbanRenderer } from "@web/views/kanban/kanban_renderer";
import { kanbanView } from "@web/views/kanban/kanban_view";

/**
 * My Priority Clients as cards: the columns keep the server's order (the
 * cells by the company's priority, see res.partner._group_expand_abc_xyz_class)
 * and the customers without a cell (new ones, or without sales in the window)
 * come last, where the standard kanban puts an empty group first.
 */
export class PriorityKanbanRenderer extends KanbanRenderer {
    getGroupsOrRecords() {
        const items = super.getGroupsOrRecords();
        if (!this.props.list.isGrouped) {
            return items;
        }
        return [...items.filter((item) => item.group.value), ...items.filter((item) => !item.group.value)];
    }
}

registry.category("views").add("customer_segmentation_priority_kanban", {
    ...kanbanView,
    Renderer: PriorityKanbanRenderer,
});
