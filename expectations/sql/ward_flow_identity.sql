-- Ward flow identity (病房日报平衡), day by day:
--   census(d) = census(d−1) + admissions(d) + transfers_in(d) − discharges(d) − transfers_out(d)
-- Grain: one row per department and day where it breaks. The day before may lie in the previous
-- month. Blank transfer cells count as none (many wards keep no transfer columns); a day whose
-- census, admissions or discharges are blank, or whose day before is not in the ledger, cannot be
-- checked and is left to workload_days_missing.
-- Parameters: $months (first days of the months to check).
with days as (
    select
        *,
        lag(date) over (partition by dept order by date) as previous_date,
        lag(census) over (partition by dept order by date) as previous_census
    from raw_workload
),

checked as (
    select
        *,
        previous_census + admissions + coalesce(transfers_in, 0)
            - discharges - coalesce(transfers_out, 0) as expected_census
    from days
    where
        list_contains($months, cast(date_trunc('month', date) as date))
        and previous_date = date - 1
        and census is not null
        and previous_census is not null
        and admissions is not null
        and discharges is not null
)

select
    dept,
    strftime(date, '%Y-%m') as period,
    source_file as file,
    source_sheet as sheet,
    source_row as "row",
    date as day,
    census,
    previous_census,
    admissions,
    coalesce(transfers_in, 0) as transfers_in,
    discharges,
    coalesce(transfers_out, 0) as transfers_out,
    expected_census
from checked
where census <> expected_census
