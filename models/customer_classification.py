import time
from dataclasses import asdict
from datetime import timedelta

import pandas as pd
from markupsafe import Markup

from odoo import api, models
from odoo.tools import SQL
from odoo.tools.misc import format_amount, format_date

from ..analytics import FACT_COLUMNS, OWN_COLUMNS, classify, lifecycle, reconcile, window_bounds
from ..analytics.classification import DATE_COLUMNS, FLOAT_COLUMNS, INTEGER_COLUMNS, ROUNDING
from ..analytics.priority import class_drops, priority_ranks
from ..analytics.rhythm import rhythm_start
from ..tools.frames import copy_frame, stage_rows
from ..tools.locks import lock_or_raise
from ..tools.sync import insert_all
from .common import MONEY_READERS

# what a run reads and writes on the partner (the standings are kept apart)
STATE_COLUMNS = (*OWN_COLUMNS, "abc_class_manual")
SQL_TYPES = {
    **dict.fromkeys(FLOAT_COLUMNS, "float8"),
    **dict.fromkeys(INTEGER_COLUMNS, "int4"),
    **dict.fromkeys(DATE_COLUMNS, "date"),
}


class CustomerClassification(models.AbstractModel):
    """Runs the classification of one company: one aggregate query, the
    engine, then a bulk write of what changed. Kept apart from the partner
    model so that the whole data path reads in one place."""

    _name = "customer.classification"
    _description = "Customer Classification Run"

    @api.model
    def _run(self, company, run_date=None, rebuild=False):
        """Bring the facts of `company` up to date (all of them on a
        `rebuild`, see customer.analysis._refresh_facts), classify its
        customers from them, write their classes and lifecycle statuses,
        and return figures of the run: customers classified, rows and
        statuses written, class changes, the seconds spent fetching the
        aggregate, in the engine and writing back, and for the analyses
        that follow: the run date, the customers whose analyses may have
        changed (`partner_ids`, None for all; of them, those changed only in
        some months: `moved_months`, see customer.analysis._refresh_facts)
        and the spells of activity (`spell_rows`, None when nothing was
        computed).

        A run on the date and with the settings of the last one (the churn
        threshold of the statuses included)
        (`segmentation_last_run_key`), when no document or customer changed
        since, has nothing to compute: it classifies nothing again.

        The caller holds the transaction: on any error nothing of this
        company is written.
        """
        run_date = run_date or company._segmentation_today()
        rules = company._segmentation_rules_checked()
        priority = company._priority_rules_checked()
        self._lock_company(company)
        clock = time.perf_counter()
        facts_stats, partner_ids, moved_months = self.env["customer.analysis"]._refresh_facts(company, rebuild)
        facts_seconds = time.perf_counter() - clock
        group_reasons = self._group_moves(company)
        churn_months = company._segmentation_churn_months()
        run_key = repr((run_date.isoformat(), rules, priority, churn_months))
        if partner_ids == set() and company.segmentation_last_run_key == run_key:
            return {
                "facts": facts_stats,
                "facts_seconds": facts_seconds,
                "run_date": run_date,
                "partner_ids": partner_ids,
                "moved_months": moved_months,
                "spell_rows": None,
                "aggregate_rows": 0,
                "customers": self._classified_count(company),
                "written": 0,
                "statuses_written": 0,
                "standings_written": 0,
                "changes": 0,
                "drop_activities": 0,
                "aggregate_seconds": 0.0,
                "engine_seconds": 0.0,
                "write_seconds": 0.0,
            }
        self.env.flush_all()
        clock = time.perf_counter()
        facts = self._fetch_facts(company, rules, run_date)
        current = self._fetch_state(company)
        spell_rows = self.env["customer.analysis"]._lifecycle_spells(company, run_date)
        fetched = time.perf_counter()
        computed, limits = classify(facts, run_date, rules)
        to_write, changes, standings = reconcile(
            computed, current.drop(columns=["lifecycle_status"]), run_date, priority.cell_order
        )
        computed_statuses = (
            lifecycle.statuses(spell_rows, lifecycle.month_index(run_date), churn_months)
            if len(spell_rows)
            else pd.Series(dtype=object)
        )
        statuses = lifecycle.status_changes(computed_statuses, current["lifecycle_status"])
        computed_at = time.perf_counter()
        self._write_state(company, to_write, statuses)
        standings_written = self.env["customer.classification.standing"]._store(company, standings)
        self._write_history(company, changes, run_date, group_reasons)
        company.segmentation_last_limits = asdict(limits)
        self.env["res.partner"].invalidate_model([*STATE_COLUMNS, "lifecycle_status"])
        self.env["customer.classification.history"].invalidate_model()
        activities = self._plan_drop_activities(company, changes, computed, run_date, priority)
        if partner_ids is not None:
            partner_ids |= set(changes.index.tolist())
            # a class change reaches every analysis, whatever months the sales changed in
            moved_months = {
                partner_id: months for partner_id, months in moved_months.items() if partner_id not in changes.index
            }
        if company.segmentation_last_run_key != run_key:
            company.sudo().segmentation_last_run_key = run_key
        return {
            "facts": facts_stats,
            "facts_seconds": facts_seconds,
            "run_date": run_date,
            "partner_ids": partner_ids,
            "moved_months": moved_months,
            "spell_rows": spell_rows,
            "aggregate_rows": len(facts),
            "customers": len(computed),
            "written": len(to_write),
            "statuses_written": len(statuses),
            "standings_written": standings_written,
            "changes": len(changes),
            "drop_activities": activities,
            "aggregate_seconds": fetched - clock,
            "engine_seconds": computed_at - fetched,
            "write_seconds": time.perf_counter() - computed_at,
        }

    def _classified_count(self, company):
        """Customers of `company` with a classification stored."""
        [(count,)] = self.env.execute_query(
            SQL("SELECT COUNT(*) FROM res_partner WHERE classification_revenue ? %s", str(company.id))
        )
        return count

    def _lock_company(self, company):
        """One run per company at a time: the button and the scheduled action
        must not interleave their writes. Other transactions may still
        reference the company (new invoices) meanwhile."""
        lock_or_raise(
            company,
            self.env._(
                "The customers of %(company)s are being classified right now; try again in a moment.",
                company=company.name,
            ),
        )

    def _fetch_facts(self, company, rules, run_date):
        """The aggregate the engine classifies (FACT_COLUMNS): per customer,
        its month rows within the window and one total row. Fetched as two
        frames, each with only the columns of its rows: the months of a
        large base are most of its million rows."""
        start, end = window_bounds(run_date, rules.fetch_months)
        months = copy_frame(
            self.env.cr,
            SQL(
                """
                SELECT partner_id, month, revenue, document_count AS doc_count
                  FROM customer_sales_month
                 WHERE company_id = %s AND month >= %s AND month < %s
                """,
                company.id,
                start,
                end,
            ),
        )
        totals = copy_frame(self.env.cr, self._totals_query(company, rules, run_date))
        facts = pd.concat([months.assign(is_total=False), totals.assign(is_total=True)], ignore_index=True)
        return facts.reindex(columns=list(FACT_COLUMNS))

    def _totals_query(self, company, rules, run_date):
        """SQL of the total row of each customer: its window sums, exact and
        rounded once, here, its first and last purchase and the days it
        bought on over the rhythm's months (credit notes are not
        purchases), from one pass over its documents' facts
        (customer.sales.document) in the order of their index. Its month
        rows are the stored months (customer.sales.month), which the run
        brought up to date just before."""
        abc_start, end = window_bounds(run_date, rules.abc_window_months)
        previous_start, _abc_start = window_bounds(abc_start, rules.abc_window_months)
        in_abc = SQL("date >= %s AND date < %s", abc_start, end)
        in_previous = SQL("date >= %s AND date < %s", previous_start, abc_start)
        return SQL(
            """
            SELECT partner_id,
                   ROUND(COALESCE(SUM(revenue) FILTER (WHERE %(in_abc)s), 0), %(digits)s) AS window_revenue,
                   ROUND(COALESCE(SUM(margin) FILTER (WHERE %(in_abc)s), 0), %(digits)s) AS window_margin,
                   COUNT(*) FILTER (WHERE NOT is_refund AND %(in_abc)s) AS window_doc_count,
                   MIN(date) FILTER (WHERE NOT is_refund) AS first_date,
                   MAX(date) FILTER (WHERE NOT is_refund) AS last_date,
                   ROUND(SUM(revenue) FILTER (WHERE %(in_previous)s), %(digits)s) AS previous_revenue,
                   ARRAY_AGG(date - DATE '1970-01-01')
                       FILTER (WHERE NOT is_refund AND date >= %(rhythm_start)s AND date <= %(run_date)s)
                       AS sale_days
              FROM customer_sales_document
             WHERE company_id = %(company)s
             GROUP BY partner_id
            """,
            company=company.id,
            in_abc=in_abc,
            in_previous=in_previous,
            rhythm_start=rhythm_start(run_date),
            run_date=run_date,
            digits=ROUNDING["classification_revenue"],
        )

    def _fetch_state(self, company):
        """What is stored now for `company` (STATE_COLUMNS and the lifecycle
        status), one row per customer that has anything (index
        `partner_id`)."""
        key = str(company.id)
        columns = (*STATE_COLUMNS, "lifecycle_status")
        has_any = SQL(" OR ").join(SQL("%s ? %s", SQL.identifier(column), key) for column in columns)
        query = SQL(
            "SELECT id AS partner_id, %s FROM res_partner WHERE %s",
            SQL(", ").join(
                SQL("%s ->> %s AS %s", SQL.identifier(column), key, SQL.identifier(column)) for column in columns
            ),
            has_any,
        )
        state = copy_frame(self.env.cr, query).set_index("partner_id")
        for column in DATE_COLUMNS:
            state[column] = pd.to_datetime(state[column])
        for column in (
            "abc_class",
            "abc_class_computed",
            "xyz_class",
            "abc_xyz_class",
            "abc_class_manual",
            "lifecycle_status",
        ):
            state[column] = state[column].astype(object).where(state[column].notna(), None)
        return state

    def _write_state(self, company, to_write, statuses):
        """Write the changed rows into the per-company JSON columns: the
        classification of the customers of `to_write` (OWN_COLUMNS) and the
        lifecycle status of those of `statuses` (a Series; None removes it),
        each partner rewritten once whatever changed in it: the first run
        of 100,000 customers spent 6.1 s rewriting them all a second time
        for their statuses (a wide row and some thirty indexes). COPY them
        into a temporary table, then merge it in one UPDATE; a missing
        value removes the company's key. COPY spares building and parsing a
        query of a million literals."""
        if to_write.empty and statuses.empty:
            return
        key = str(company.id)
        ids = to_write.index.union(statuses.index)
        own = to_write.reindex(ids).astype(object)
        own = own.where(own.notna(), None)
        status = statuses.reindex(ids).astype(object)
        staged = stage_rows(
            self.env.cr,
            "customer_classification_new",
            {
                "id": "int4",
                "classified": "bool",
                "status_changed": "bool",
                "lifecycle_status": "varchar",
                **{column: SQL_TYPES.get(column, "varchar") for column in OWN_COLUMNS},
            },
            [
                ids.tolist(),
                ids.isin(to_write.index).tolist(),
                ids.isin(statuses.index).tolist(),
                [value if isinstance(value, str) else None for value in status],
                *(_column_values(own[column], column) for column in OWN_COLUMNS),
            ],
        )

        def assignment(column, flag):
            return SQL(
                "%(column)s = CASE WHEN NOT new.%(flag)s THEN partner.%(column)s"
                " WHEN new.%(column)s IS NULL THEN partner.%(column)s - %(key)s"
                " ELSE COALESCE(partner.%(column)s, '{}'::jsonb) || jsonb_build_object(%(key)s, new.%(column)s) END",
                column=SQL.identifier(column),
                flag=SQL.identifier(flag),
                key=key,
            )

        assignments = SQL(", ").join(
            [
                *(assignment(column, "classified") for column in OWN_COLUMNS),
                assignment("lifecycle_status", "status_changed"),
            ]
        )
        self.env.cr.execute(
            SQL("UPDATE res_partner partner SET %s FROM %s AS new WHERE partner.id = new.id", assignments, staged)
        )
        self.env.cr.execute(SQL("DROP TABLE %s", staged))

    def _group_moves(self, company):
        """Record in which client group each entity is counted now for
        `company` (`classification_group_id`: its group when the company
        classifies groups as one and the group counts in it, else none) and
        return why the classes of the entities that moved since the last run
        may change: {partner id: (reason, group id)}, an entity that joined a
        group (or moved to another) or left one, and the head of every group
        that gained or lost members. Written in SQL, without stamping the
        partners: the next run must not read them again for this."""
        key = str(company.id)
        counted = SQL("client_group.id") if company.segmentation_classify_groups else SQL("NULL::int4")
        rows = self.env.execute_query(
            SQL(
                """
                WITH counted AS (
                    SELECT partner.id, (partner.classification_group_id ->> %(key)s)::int4 AS old_group,
                           %(counted)s AS new_group
                      FROM res_partner partner
                      LEFT JOIN customer_client_group client_group
                             ON client_group.id = partner.client_group_id
                            AND (client_group.company_id IS NULL OR client_group.company_id = %(company)s)
                     WHERE partner.client_group_id IS NOT NULL OR partner.classification_group_id ? %(key)s
                ), moved AS (
                    SELECT * FROM counted WHERE old_group IS DISTINCT FROM new_group
                ), written AS (
                    UPDATE res_partner partner
                       SET classification_group_id = CASE
                               WHEN moved.new_group IS NULL THEN partner.classification_group_id - %(key)s
                               ELSE COALESCE(partner.classification_group_id, '{}'::jsonb)
                                    || jsonb_build_object(%(key)s, moved.new_group)
                           END
                      FROM moved
                     WHERE partner.id = moved.id
                )
                SELECT moved.id,
                       CASE WHEN moved.new_group IS NULL THEN 'left_group' ELSE 'joined_group' END,
                       client_group.id
                  FROM moved
                  LEFT JOIN customer_client_group client_group
                         ON client_group.id = COALESCE(moved.new_group, moved.old_group)
                UNION ALL
                SELECT client_group.head_partner_id, 'group_members', client_group.id
                  FROM customer_client_group client_group
                 WHERE client_group.id IN (SELECT old_group FROM moved UNION SELECT new_group FROM moved)
                   AND client_group.head_partner_id NOT IN (SELECT id FROM moved)
                """,
                key=key,
                counted=counted,
                company=company.id,
            )
        )
        self.env["res.partner"].invalidate_model(["classification_group_id"])
        return {partner_id: (reason, group_id) for partner_id, reason, group_id in rows}

    def _write_history(self, company, changes, run_date, reasons):
        """One row per class change of `changes`, saying why when `reasons`
        ({partner id: (reason, client group id)}, see _group_moves) knows."""
        if changes.empty:
            return
        partner_ids = changes.index.tolist()
        known = [reasons.get(partner_id, (None, None)) for partner_id in partner_ids]
        staged = stage_rows(
            self.env.cr,
            "customer_classification_change",
            {
                "partner_id": "int4",
                "old_abc": "varchar",
                "new_abc": "varchar",
                "old_xyz": "varchar",
                "new_xyz": "varchar",
                "metric": "float8",
                "reason": "varchar",
                "client_group_id": "int4",
            },
            [
                partner_ids,
                changes["old_abc_class"].tolist(),
                changes["new_abc_class"].tolist(),
                changes["old_xyz_class"].tolist(),
                changes["new_xyz_class"].tolist(),
                changes["metric_value"].tolist(),
                [reason for reason, _group in known],
                [group for _reason, group in known],
            ],
        )
        insert_all(
            self.env["customer.classification.history"],
            len(changes),
            SQL(
                """
                INSERT INTO customer_classification_history
                       (partner_id, company_id, date, old_abc_class, new_abc_class,
                        old_xyz_class, new_xyz_class, old_abc_xyz_class, new_abc_xyz_class, metric_value,
                        reason, client_group_id, create_uid, create_date, write_uid, write_date)
                SELECT new.partner_id, %(company)s, %(date)s, new.old_abc, new.new_abc,
                       new.old_xyz, new.new_xyz, new.old_abc || new.old_xyz, new.new_abc || new.new_xyz, new.metric,
                       new.reason, new.client_group_id,
                       %(uid)s, now() AT TIME ZONE 'UTC', %(uid)s, now() AT TIME ZONE 'UTC'
                  FROM %(staged)s AS new
                """,
                company=company.id,
                date=run_date,
                uid=self.env.uid,
                staged=staged,
            ),
        )
        self.env.cr.execute(SQL("DROP TABLE %s", staged))

    def _rerank(self, company):
        """Rank the customers of `company` again from what is stored, when
        the priority of the cells changes or a manual class moves a customer
        to another cell between two runs (a run ranks as it classifies).
        Writes the ranks that move; returns how many."""
        cell_order = company._priority_rules_checked().cell_order
        self.env.flush_all()
        ranked = copy_frame(
            self.env.cr,
            SQL(
                """
                SELECT standing.partner_id, standing.priority_rank,
                       partner.abc_xyz_class ->> %(key)s AS abc_xyz_class,
                       (partner.classification_revenue ->> %(key)s)::float8 AS classification_revenue
                  FROM customer_classification_standing standing
                  JOIN res_partner partner ON partner.id = standing.partner_id
                 WHERE standing.company_id = %(company)s
                """,
                key=str(company.id),
                company=company.id,
            ),
        ).set_index("partner_id")
        ranked["abc_xyz_class"] = ranked["abc_xyz_class"].astype(object).where(ranked["abc_xyz_class"].notna(), None)
        ranks = priority_ranks(ranked["abc_xyz_class"], ranked["classification_revenue"], cell_order)
        moved = ranks[ranks.to_numpy() != ranked["priority_rank"].to_numpy()]
        if len(moved):
            self.env["customer.classification.standing"]._store_figure(
                company, "priority_rank", dict(zip(moved.index.tolist(), moved.astype(int).tolist(), strict=True))
            )
        return len(moved)

    def _plan_drop_activities(self, company, changes, computed, run_date, rules):
        """One activity per class drop found by this run (a new history row
        whose ABC or XYZ class went down), for the customer's salesperson,
        with the old and new class and the figures in its note; all created
        in one batch. A first run finds no drop (no class before), a rerun
        on the same data no change at all. Returns how many."""
        if not rules.drop_activity or changes.empty:
            return 0
        dropped = changes[class_drops(changes)]
        if dropped.empty:
            return 0
        activity_type = company._drop_activity_type()
        partners = (
            self.env["res.partner"]
            .sudo()
            .browse(dropped.index.tolist())
            .filtered(lambda partner: partner.user_id.active and not partner.user_id.share)
        )
        if not activity_type or not partners:
            return 0
        model_id = self.env["ir.model"]._get_id("res.partner")
        deadline = run_date + timedelta(days=rules.drop_activity_days)
        vals_list = []
        for user, group in partners.grouped("user_id").items():
            notes = self.with_context(lang=user.lang)._drop_notes(company, group, dropped, computed, user, run_date)
            vals_list += [
                {
                    "res_model_id": model_id,
                    "res_id": partner.id,
                    "activity_type_id": activity_type.id,
                    "summary": summary,
                    "note": note,
                    "date_deadline": deadline,
                    "user_id": user.id,
                    "automated": True,
                }
                for partner, (summary, note) in zip(group, notes, strict=True)
            ]
        self.env["mail.activity"].sudo().with_context(mail_activity_quick_update=True).create(vals_list)
        return len(vals_list)

    def _drop_notes(self, company, partners, dropped, computed, user, run_date):
        """(summary, HTML note) of the drop activity of each partner, in the
        language of `user`; amounts only when `user` may read them."""
        money = user.has_groups(MONEY_READERS)
        currency = company.currency_id
        notes = []
        for partner in partners:
            change = dropped.loc[partner.id]
            figures = computed.loc[partner.id] if partner.id in computed.index else None
            old_cell = _cell(change["old_abc_class"], change["old_xyz_class"])
            new_cell = _cell(change["new_abc_class"], change["new_xyz_class"])
            lines = [
                self.env._(
                    "The class of %(customer)s dropped from %(old)s to %(new)s in the classification of %(date)s.",
                    customer=partner.display_name,
                    old=old_cell,
                    new=new_cell,
                    date=format_date(self.env, run_date),
                )
            ]
            if figures is not None:
                if money:
                    lines.append(
                        self.env._(
                            "Revenue in the window: %(revenue)s; margin: %(margin)s.",
                            revenue=format_amount(self.env, figures["classification_revenue"], currency),
                            margin=format_amount(self.env, figures["classification_margin"], currency),
                        )
                    )
                if pd.notna(figures["revenue_change_percent"]):
                    lines.append(
                        self.env._(
                            "Revenue against the window before: %(change)s %%.",
                            change=f"{figures['revenue_change_percent']:+.1f}",
                        )
                    )
                if pd.notna(figures["last_purchase_date"]):
                    lines.append(
                        self.env._(
                            "Last purchase: %(date)s.", date=format_date(self.env, figures["last_purchase_date"].date())
                        )
                    )
                if pd.notna(figures["purchase_interval_days"]):
                    lines.append(
                        self.env._(
                            "Usually buys every %(days)s days; next purchase expected on %(date)s.",
                            days=int(figures["purchase_interval_days"]),
                            date=format_date(self.env, figures["next_purchase_date"].date()),
                        )
                    )
            summary = self.env._("Class dropped: %(old)s to %(new)s", old=old_cell, new=new_cell)
            notes.append((summary, Markup("").join(Markup("<p>%s</p>") % line for line in lines)))
        return notes


def _column_values(series, column):
    """Python values for one array parameter: dates as `date`, numbers as
    plain floats and ints, missing values as None."""
    if column in DATE_COLUMNS:
        return [value.date() if value is not None else None for value in series]
    if column in INTEGER_COLUMNS:
        return [int(value) if value is not None else None for value in series]
    if column in FLOAT_COLUMNS:
        return [float(value) if value is not None else None for value in series]
    return [str(value) if value is not None else None for value in series]


def _cell(abc, xyz):
    """The cell a pair of classes makes, in words when a class is missing."""
    if abc and xyz:
        return abc + xyz
    return abc or xyz or "-"
