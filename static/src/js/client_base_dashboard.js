import { Component, onWillStart, useState } from "@odoo/owl";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { ControlPanel } from "@web/search/control_panel/control_panel";
import { standardActionServiceProps } from "@web/webclient/actions/action_service";

const ABC = ["A", "B", "C"];
const XYZ = ["X", "Y", "Z"];

/**
 * The landing page of the client base: a tile per figure a manager watches
 * (customers needing attention, A customers overdue, churn, the revenue share
 * of A, plan achievement, cell migration) and the customers per cell. Every
 * figure comes from customer.client.base.dashboard.get_dashboard; a tile opens
 * the list it counts, with its filters as facets; a cell opens the matrix.
 */
export class ClientBaseDashboard extends Component {
    static template = "customer_segmentation.ClientBaseDashboard";
    static props = { ...standardActionServiceProps };
    static components = { ControlPanel };

    setup() {
        this.orm = useService("orm");
        this.actionService = useService("action");
        this.abc = ABC;
        this.xyz = XYZ;
        this.state = useState({ tiles: [], matrix: {}, company: "", loaded: false });
        onWillStart(() => this.load());
    }

    async load() {
        const data = await this.orm.call("customer.client.base.dashboard", "get_dashboard", []);
        this.state.tiles = data.tiles;
        this.state.matrix = Object.fromEntries(data.matrix.map((entry) => [entry.cell, entry.count]));
        this.state.company = data.company;
        this.state.loaded = true;
    }

    get hasMatrix() {
        return Object.keys(this.state.matrix).length > 0;
    }

    count(abc, xyz) {
        return this.state.matrix[abc + xyz] || 0;
    }

    openTile(tile) {
        return this.actionService.doAction(tile.action);
    }

    openMatrix() {
        return this.actionService.doAction("customer_segmentation.action_abc_xyz_matrix");
    }
}

registry.category("actions").add("customer_segmentation.client_base_dashboard", ClientBaseDashboard);
