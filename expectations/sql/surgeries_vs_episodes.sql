-- Ward surgeries (业务量台账 手术台次) against discharged episodes with a surgery date in the month
-- (by surgery month, in the discharging department). An episode may hold more than one operation,
-- so a gap up to the larger of $surgeries_tolerance_abs and $surgeries_tolerance_rel × the ward
-- count is tolerated. More operated episodes than operations is always a fault. Fewer is one only
-- once the month is settled: a patient operated on late in the month is in the discharges ledger
-- only once discharged, so until the ledger holds discharges of the following month the episodes
-- of the latest month fall short by nature.
-- Grain: one row per department and month beyond the tolerance. Compared only where the ward
-- reported surgeries and the episodes ledger holds the month.
-- Reads: raw_workload, dq_episode_months (episode_months.sql: the accepted episodes by month).
-- Parameters: $months, $surgeries_tolerance_rel, $surgeries_tolerance_abs.
with ward as (
    select dept, cast(date_trunc('month', date) as date) as month, sum(surgeries) as ward_surgeries
    from raw_workload
    where list_contains($months, cast(date_trunc('month', date) as date))
    group by all
    having count(surgeries) > 0
),

episodes as (
    select dept, surgery_month as month, cast(sum(episodes) as bigint) as episodes
    from dq_episode_months
    where is_accepted and list_contains($months, surgery_month)
    group by all
),

discharge_months as (
    select distinct month
    from dq_episode_months
    where is_accepted
),

compared as (
    select
        w.dept,
        w.month,
        w.ward_surgeries,
        coalesce(e.episodes, 0) as episodes,
        greatest($surgeries_tolerance_abs, $surgeries_tolerance_rel * w.ward_surgeries) as tolerance,
        w.month + interval 1 month in (select month from discharge_months) as is_settled
    from ward w
    left join episodes e on e.dept = w.dept and e.month = w.month
    where w.month in (select month from discharge_months)
)

select
    dept,
    strftime(month, '%Y-%m') as period,
    ward_surgeries,
    episodes,
    ward_surgeries - episodes as difference,
    tolerance
from compared
where
    episodes - ward_surgeries > tolerance
    or (ward_surgeries - episodes > tolerance and is_settled)
