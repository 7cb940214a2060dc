-- Additive measures per department and day, from the daily workload ledger (业务量台账).
-- Grain: one row per department and day. The weekly indicators are formulas over their sums, and
-- measures.sql sums them per month.
-- A blank cell stays null (unknown), so a sum over only blank cells is null, never 0.
-- One exception, METRICS.md "Visits": a department whose rows in a workload file never give
-- emergency visits (the file has no emergency column, or leaves it blank for that department all
-- through) has no emergency service: it counts 0 emergency visits, so that its 门急诊人次 is its
-- outpatient visits, not unknown. Judged per file, as a department may open an emergency service
-- in a later year's ledger; a blank cell in a file that gives emergency visits stays unknown.
-- Parameters: $months (first days of the months to compute).
with without_emergency as (
    select source_file, dept
    from raw_workload
    group by source_file, dept
    having count(emergency_visits) = 0
)

select
    w.dept,
    w.date as day,
    w.outpatient_visits,
    case when n.dept is not null then 0 else w.emergency_visits end as emergency_visits,
    w.admissions,
    w.discharges,
    w.surgeries,
    w.exams,
    w.open_beds as available_bed_days,  -- one day of open beds is one available bed-day
    w.census as occupied_bed_days,      -- the midnight census counts each occupied bed once a day
    1 as workload_days                  -- days with a ledger row: says whether the ledger is there
from raw_workload w
left join without_emergency n on n.source_file = w.source_file and n.dept = w.dept
where date_trunc('month', w.date) in (select unnest($months::date[]))
