-- Attended appointments at most the month's outpatient visits: every booked patient who came is an
-- outpatient visit, so more attended than visits means one of the two ledgers is wrong.
-- Grain: one row per appointments row (department and month) with more attended than visits.
-- Compared only where the daily ledger has outpatient visits for the department's month.
-- Parameters: $months.
with visits as (
    select dept, cast(date_trunc('month', date) as date) as month, sum(outpatient_visits) as outpatient_visits
    from raw_workload
    where list_contains($months, cast(date_trunc('month', date) as date))
    group by all
    having count(outpatient_visits) > 0
)

select
    a.dept,
    strftime(a.month, '%Y-%m') as period,
    a.source_file as file,
    a.source_sheet as sheet,
    a.source_row as "row",
    a.attended,
    v.outpatient_visits
from raw_appointments a
join visits v on v.dept = a.dept and v.month = a.month
where list_contains($months, a.month) and a.attended > v.outpatient_visits
