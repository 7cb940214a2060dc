-- 号源使用率 above 100%: more appointments booked than slots offered (加号, overbooking). Allowed
-- (LEDGERS.md: "more than slots is allowed and reported"), so a notice for the report to say, not
-- an error that holds the month back; the indicator shows the value as it is.
-- Grain: one row per appointments row (department and month) with booked > slots.
-- Parameters: $months (first days of the months to check).
select
    dept,
    strftime(month, '%Y-%m') as period,
    source_file as file,
    source_sheet as sheet,
    source_row as "row",
    slots,
    booked,
    booked - slots as extra,
    booked / slots as utilization_pct
from raw_appointments
where list_contains($months, month) and booked > slots and slots > 0
