-- How far the data reaches (METRICS.md, "Periods in progress"), one row:
-- * data_month: the latest month in which the daily workload ledger holds days, the monthly ward
--   summary a month, or the finance ledger holds revenue (budget lines entered ahead do not
--   count); a hospital keeping none falls back to the latest month held. A quarter or year whose last month is after it is in
--   progress.
-- * last_workload_day: the last day of the daily workload ledger. A week whose Sunday is after it
--   is in progress (the weekly indicators are built from that ledger alone).
-- Reads: raw_workload, raw_ward_monthly, raw_finance, dept_month_measures, dept_month_ledger_measures.
with activity as (
    select cast(date_trunc('month', date) as date) as month from raw_workload
    union all
    select month from raw_ward_monthly
    union all
    select month from raw_finance
    where coalesce(
        op_drug_revenue, op_consumables_revenue, op_exam_revenue, op_lab_revenue,
        op_service_revenue, op_other_revenue, ip_drug_revenue, ip_consumables_revenue,
        ip_exam_revenue, ip_lab_revenue, ip_service_revenue, ip_other_revenue) is not null
),

held as (
    select month from dept_month_measures
    union all
    select month from dept_month_ledger_measures
)

select
    coalesce((select max(month) from activity), (select max(month) from held)) as data_month,
    (select max(date) from raw_workload) as last_workload_day
