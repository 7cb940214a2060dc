-- Additive measures per department and day, from the daily workload ledger (业务量台账).
-- Grain: one row per department and day. The weekly indicators are formulas over their sums, and
-- measures.sql sums them per month.
-- A blank cell stays null (unknown), so a sum over only blank cells is null, never 0.
-- Parameters: $months (first days of the months to compute).
select
    dept,
    date as day,
    outpatient_visits,
    emergency_visits,
    admissions,
    discharges,
    surgeries,
    exams,
    open_beds as available_bed_days,  -- one day of open beds is one available bed-day
    census as occupied_bed_days,      -- the midnight census counts each occupied bed once a day
    1 as workload_days                -- days with a ledger row: says whether the ledger is there
from raw_workload
where date_trunc('month', date) in (select unnest($months::date[]))
