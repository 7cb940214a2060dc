-- Days missing from the daily workload ledger (业务量日报缺天), for departments that report workload.
-- Grain: one row per department and month with a day missing; the first ten days are listed.
-- Reads: dq_expected_ledgers (expected_ledgers.sql: which departments, how many days by now).
with expected as (
    select dept, month, period, days_expected, days_present
    from dq_expected_ledgers
    where ledger = 'workload' and days_present < days_expected
),

calendar as (
    select
        dept,
        period,
        cast(unnest(range(month, month + to_days(days_expected), interval 1 day)) as date) as day
    from expected
),

missing as (
    select
        c.*,
        row_number() over (partition by c.dept, c.period order by c.day) as rank
    from calendar c
    anti join raw_workload w on w.dept = c.dept and w.date = c.day
),

listed as (
    select dept, period, string_agg(strftime(day, '%m-%d'), ', ' order by day) as missing_days
    from missing
    where rank <= 10
    group by all
)

select
    e.dept,
    e.period,
    e.days_expected,
    e.days_expected - e.days_present as days_missing,
    l.missing_days || case when e.days_expected - e.days_present > 10 then ', …' else '' end
        as missing_days
from expected e
join listed l using (dept, period)
