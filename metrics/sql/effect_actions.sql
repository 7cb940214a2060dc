-- The improvement measures (actions ledger) whose effect is computed (METRICS.md, 实施效果), each
-- with an id that names its windows, its start month and how many months after it the data holds.
-- Grain: one row per measure, in the order of actions.csv (department, start date, measure).
-- after_months: the months after the start month up to 6 and up to the data month (data_extent).
-- Reads: raw_actions, data_extent.
select
    cast(row_number() over (order by dept, start_date, measure) as varchar) as id,
    dept,
    measure,
    metric,
    owner,
    start_date,
    due_date,
    status,
    done_date,
    target,
    cast(date_trunc('month', start_date) as date) as start_month,
    coalesce(greatest(0, least(6, datediff(
        'month', date_trunc('month', start_date), (select max(data_month) from data_extent)))), 0)
        as after_months
from raw_actions
