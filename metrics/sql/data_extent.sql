-- How far the data reaches (METRICS.md, "Periods in progress"), one row:
-- * data_month: the latest month in which the daily workload ledger holds days, the monthly ward
--   summary a month, or the finance ledger holds revenue or expense (budget lines entered ahead
--   do not count); a hospital keeping none falls back to the latest month held. A quarter or
--   year whose last month is after it is in progress.
-- * last_workload_day: the last day of the daily workload ledger. A week whose Sunday is after it
--   is in progress (the weekly indicators are built from that ledger alone).
-- Reads: raw_workload, raw_ward_monthly, raw_finance, dept_month_measures, dept_month_ledger_measures.
with activity as (
    select cast(date_trunc('month', date) as date) as month from raw_workload
    union all
    select month from raw_ward_monthly
    union all
    -- an actual line (any *_revenue or *_expense column, as in held_months.sql), not a budget
    select month from (
        select month, coalesce(*columns('_(revenue|expense)$')) as actual from raw_finance
    ) where actual is not null
),

held as (
    select month from dept_month_measures
    union all
    select month from dept_month_ledger_measures
)

select
    coalesce((select max(month) from activity), (select max(month) from held)) as data_month,
    (select max(date) from raw_workload) as last_workload_day
