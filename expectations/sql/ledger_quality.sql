-- Ledger quality per department and month, each component 0–100 (formulas in checks.toml):
--   completeness = 100 × mean share present of the ledgers expected (workload: days present /
--                  days expected; a monthly ledger: 1 or 0)
--   timeliness   = 100 × share of the expected ledgers in by the due day (left out: not in and
--                  not yet due, or in but when it came is not known)
--   accuracy     = 100 × max(0, 1 − faulty / rows); rows: the department's rows of the month in the
--                  monthly and daily ledgers; faulty: distinct rows named by accuracy findings, plus
--                  one per accuracy finding naming no row. Findings on the master ledgers
--                  ($master_ledgers: department list, roster, register, targets) are not counted.
--   score        = weighted mean of the defined components.
-- Grain: one row per department and month that has an expected ledger or a row, of the months
-- begun by $today: a later month's rows are plans (budgets entered ahead), nothing to score yet.
-- Reads: the staged ledgers, the discharges as dq_episode_months (episode_months.sql),
-- dq_expected_ledgers (expected_ledgers.sql), dq_run_findings (this run's findings).
-- Parameters: $months, $today, $master_ledgers, $completeness_weight, $timeliness_weight,
-- $accuracy_weight.
with months as (
    select month
    from (select unnest($months::date[]) as month)
    where month <= cast($today as date)
),

expected as (
    select
        dept,
        month,
        case
            when ledger = 'workload' then least(days_present, days_expected) / days_expected
            else cast(is_present as double)
        end as share_present,
        case
            when cast(arrived_at as date) <= due_date then 1.0
            when arrived_at is not null and not is_arrival_known then null
            when arrived_at is null and cast($today as date) <= due_date then null
            else 0.0
        end as on_time
    from dq_expected_ledgers
),

ledger_rows as (
    select dept, cast(date_trunc('month', date) as date) as month, count(*) as rows
    from staged_workload
    group by all
    union all
    select dept, month, sum(episodes) from dq_episode_months group by all
    union all
    select dept, month, count(*) from staged_finance group by all
    union all
    select dept, month, count(*) from staged_supplies group by all
    union all
    select dept, month, count(*) from staged_patient_feedback group by all
    union all
    select dept, month, count(*) from staged_appointments group by all
    union all
    select e.dept, u.month, count(*)
    from staged_equipment_usage u join raw_equipment e on e.asset_code = u.asset_code
    group by all
),

row_counts as (
    select dept, month, cast(sum(rows) as bigint) as rows
    from ledger_rows
    where month in (select month from months)
    group by all
),

faults as (
    select
        dept,
        period as month,
        count(distinct (ledger, file, sheet, "row")) filter (where "row" is not null)
            + count(*) filter (where "row" is null) as faulty
    from dq_run_findings
    where dimension = 'accuracy' and not list_contains($master_ledgers, ledger)
    group by all
),

components as (
    select
        d.code as dept,
        m.month,
        100 * (select avg(share_present) from expected e where e.dept = d.code and e.month = m.month)
            as completeness,
        100 * (select avg(on_time) from expected e where e.dept = d.code and e.month = m.month)
            as timeliness,
        case
            when r.rows > 0 then 100 * greatest(0, 1 - coalesce(f.faulty, 0) / r.rows)
        end as accuracy,
        r.rows is not null
        or exists (select 1 from expected e where e.dept = d.code and e.month = m.month) as is_kept
    from raw_departments d
    cross join months m
    left join row_counts r on r.dept = d.code and r.month = m.month
    left join faults f on f.dept = d.code and f.month = m.month
)

select
    dept,
    month,
    completeness,
    timeliness,
    accuracy,
    (
        coalesce($completeness_weight * completeness, 0)
        + coalesce($timeliness_weight * timeliness, 0)
        + coalesce($accuracy_weight * accuracy, 0)
    ) / nullif(
        $completeness_weight * (completeness is not null)::int
        + $timeliness_weight * (timeliness is not null)::int
        + $accuracy_weight * (accuracy is not null)::int,
        0
    ) as score
from components
where is_kept
