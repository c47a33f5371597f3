import { Component, onWillStart, useState } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { formatFloat } from "@web/core/utils/numbers";
import { RecordSelector } from "@web/core/record_selectors/record_selector";
import { registry } from "@web/core/registry";
import { user } from "@web/core/user";
import { useService } from "@web/core/utils/hooks";
import { ControlPanel } from "@web/search/control_panel/control_panel";
import { formatMonetary } from "@web/views/fields/formatters";
import { standardActionServiceProps } from "@web/webclient/actions/action_service";

const ABC = ["A", "B", "C"];
const XYZ = ["X", "Y", "Z"];

// The filters of the matrix: the customer field each one narrows, the model
// its values come from and how a chosen record becomes a domain condition.
const FILTERS = [
    { key: "user_id", model: "res.users", label: _t("Salesperson"), domain: [["share", "=", false]] },
    { key: "salesperson_team_id", model: "crm.team", label: _t("Sales Team") },
    { key: "segment_ids", model: "customer.segment", label: _t("Segment"), operator: "in" },
    { key: "country_id", model: "res.country", label: _t("Country") },
    { key: "state_id", model: "res.country.state", label: _t("State") },
    { key: "industry_id", model: "res.partner.industry", label: _t("Industry") },
];

/**
 * The ABC-XYZ matrix of the current company (the company switcher changes
 * it): per cell the number of customers, revenue or margin, share and the
 * cell's strategy, with row and column totals. Filters narrow the customers;
 * a click on a cell, a row or a column opens those customers. Every figure
 * comes from one server method, res.partner.get_abc_xyz_matrix; users who
 * may not read money get the counts only.
 */
export class AbcXyzMatrix extends Component {
    static template = "customer_segmentation.AbcXyzMatrix";
    static props = { ...standardActionServiceProps };
    static components = { ControlPanel, RecordSelector };

    setup() {
        this.orm = useService("orm");
        this.actionService = useService("action");
        this.abc = ABC;
        this.xyz = XYZ;
        this.filterSpecs = FILTERS;
        this.company = user.activeCompany;
        this.state = useState({
            measure: "revenue",
            filters: Object.fromEntries(FILTERS.map((filter) => [filter.key, false])),
            cells: {},
            loaded: false,
        });
        onWillStart(() => this.load());
    }

    // ---------------------------------------------------------------- data

    get domain() {
        const domain = [];
        for (const filter of FILTERS) {
            const value = this.state.filters[filter.key];
            if (value) {
                domain.push(filter.operator === "in" ? [filter.key, "in", [value]] : [filter.key, "=", value]);
            }
        }
        return domain;
    }

    async load() {
        const entries = await this.orm.call("res.partner", "get_abc_xyz_matrix", [], {
            domain: this.domain,
            measure: this.state.measure,
        });
        this.state.cells = Object.fromEntries(entries.map((entry) => [entry.cell, entry]));
        this.state.loaded = true;
    }

    get hasMoney() {
        return Object.values(this.state.cells).some((entry) => entry.revenue !== null);
    }

    cell(abc, xyz) {
        return this.state.cells[abc + xyz] || { cell: abc + xyz, count: 0, revenue: null, margin: null, share: null };
    }

    /** Sums over the cells of a row ("A"), a column ("X") or all (""). */
    total(abc = "", xyz = "") {
        const cells = Object.values(this.state.cells).filter(
            (entry) => entry.cell.startsWith(abc) && entry.cell.endsWith(xyz)
        );
        const sum = (key) => cells.reduce((total, entry) => total + (entry[key] || 0), 0);
        return {
            count: sum("count"),
            value: this.hasMoney ? sum(this.state.measure) : null,
            share: this.hasMoney ? sum("share") : null,
        };
    }

    value(entry) {
        return entry[this.state.measure];
    }

    // ----------------------------------------------------------- formatting

    formatAmount(value) {
        if (value === null || value === undefined) {
            return "";
        }
        return formatMonetary(value, { currencyId: this.company.currency_id, digits: [16, 0] });
    }

    formatShare(value) {
        return value === null || value === undefined ? "" : `${formatFloat(value, { digits: [16, 1] })} %`;
    }

    // -------------------------------------------------------------- actions

    async setMeasure(measure) {
        this.state.measure = measure;
        await this.load();
    }

    async setFilter(key, value) {
        this.state.filters[key] = value || false;
        if (key === "country_id") {
            this.state.filters.state_id = false;
        }
        await this.load();
    }

    filterDomain(filter) {
        const domain = [...(filter.domain || [])];
        if (filter.key === "state_id" && this.state.filters.country_id) {
            domain.push(["country_id", "=", this.state.filters.country_id]);
        }
        return domain;
    }

    async clearFilters() {
        for (const filter of FILTERS) {
            this.state.filters[filter.key] = false;
        }
        await this.load();
    }

    /** The customers of a cell ("AX"), a row ("A"), a column ("X") or the
     * whole grid (""), with the filters of the matrix: each one a facet of
     * the list's search bar, which the user sees and can remove. */
    async openCustomers(abc = "", xyz = "") {
        const facets = {};
        for (const filter of FILTERS) {
            if (this.state.filters[filter.key]) {
                facets[filter.key] = this.state.filters[filter.key];
            }
        }
        if (abc && xyz) {
            facets.abc_xyz_class = abc + xyz;
        } else if (abc) {
            facets.abc_class = abc;
        } else if (xyz) {
            facets.xyz_class = xyz;
        }
        const name = abc || xyz ? _t("Customers %s", abc + xyz) : _t("Classified Customers");
        const action = await this.orm.call("res.partner", "action_open_priority_clients", [], { facets, name });
        return this.actionService.doAction(action);
    }
}

registry.category("actions").add("customer_segmentation.abc_xyz_matrix", AbcXyzMatrix);
