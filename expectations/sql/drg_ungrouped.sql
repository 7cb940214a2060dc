-- Episodes whose DRG/DIP code has no row in the weights catalogue (未入组, METRICS.md "Case mix and
-- medical insurance"; the rule is the view discharges_weighted): they are left out of the case-mix
-- indicators, so the assistant is told which codes. Only when a weights ledger is loaded (without
-- one, the indicators say so themselves).
-- Grain: one row per department and month with such episodes; file, sheet and row are the first's.
-- Parameters: $months (first days of the months to check).
with ungrouped as (
    select
        *,
        strftime(discharge_date, '%Y-%m') as period
    from discharges_weighted
    where list_contains($months, cast(date_trunc('month', discharge_date) as date))
      and drg is not null
      and not grouped
      and exists (select 1 from raw_drg_weights)
)

select
    dept,
    period,
    arg_min(source_file, discharge_date) as file,
    arg_min(source_sheet, discharge_date) as sheet,
    arg_min(source_row, discharge_date) as "row",
    count(*) as episodes,
    string_agg(distinct drg, '、' order by drg) as codes
from ungrouped
group by dept, period
