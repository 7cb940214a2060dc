-- A monthly ward summary (病房工作月报) for a department-month the daily workload ledger already
-- holds: the daily rows win and the summary is ignored (LEDGERS.md, ward_monthly), which the
-- assistant is told, so that two ledgers of the same figures are not kept by mistake.
-- Grain: one row per department and month with such a summary, at its own file, sheet and row.
-- Parameters: $months (first days of the months to check).
select
    w.dept,
    strftime(w.month, '%Y-%m') as period,
    w.source_file as file,
    w.source_sheet as sheet,
    w.source_row as "row",
    (select count(*) from raw_workload d
     where d.dept = w.dept and date_trunc('month', d.date) = w.month) as daily_days
from raw_ward_monthly w
where list_contains($months, w.month)
  and exists (
      select 1 from raw_workload d
      where d.dept = w.dept and date_trunc('month', d.date) = w.month
  )
