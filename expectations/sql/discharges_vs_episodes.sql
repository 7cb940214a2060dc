-- Ward daily discharges (业务量台账 出院人数) against discharged episodes (出院病人明细), per
-- department and month: the same patients counted twice, by hand and by the system.
-- Grain: one row per department and month where they differ by more than $discharges_tolerance.
-- Compared only where the ward reported discharges and the episodes ledger holds the month at all
-- (a ledger missing as a whole is ledger_late's finding, not a disagreement).
-- Reads: raw_workload, dq_episode_months (episode_months.sql: the accepted episodes by month).
-- Parameters: $months (first days of the months to check), $discharges_tolerance.
with ward as (
    select dept, cast(date_trunc('month', date) as date) as month, sum(discharges) as ward_discharges
    from raw_workload
    where list_contains($months, cast(date_trunc('month', date) as date))
    group by all
    having count(discharges) > 0
),

episodes as (
    select dept, month, cast(sum(episodes) as bigint) as episodes
    from dq_episode_months
    where is_accepted and list_contains($months, month)
    group by all
),

compared as (
    select w.dept, w.month, w.ward_discharges, coalesce(e.episodes, 0) as episodes
    from ward w
    left join episodes e on e.dept = w.dept and e.month = w.month
)

select
    dept,
    strftime(month, '%Y-%m') as period,
    ward_discharges,
    episodes,
    ward_discharges - episodes as difference
from compared
where
    abs(ward_discharges - episodes) > $discharges_tolerance
    and month in (select month from dq_episode_months where is_accepted)
