-- A month's ledgers not all in by the due day (the 5th of the following month; the monthly report
-- is due by the 10th): each expected ledger that arrived after the due day, or has still not
-- arrived and the due day is past.
-- A month whose arrival is not known (every file holding it also holds later months and was
-- saved after the due day: see expected_ledgers.sql) is not called late.
-- Grain: one row per department, month and ledger kind late.
-- Reads: dq_expected_ledgers (expected_ledgers.sql: arrival = the file's modified time).
-- Parameters: $today, $report_day.
select
    dept,
    period,
    ledger,
    arrival_file as file,
    case when arrived_at is null then 'missing' end as variant,
    cast(arrived_at as date) as arrived,
    due_date,
    cast(month + interval 1 month + to_days(cast($report_day as integer) - 1) as date)
        as report_date,
    cast($today as date) as today
from dq_expected_ledgers
where
    (is_arrival_known and cast(arrived_at as date) > due_date)
    or (arrived_at is null and cast($today as date) > due_date)
