-- One key of a department-month in two files, one row fuller than the other (issue 15): the
-- loader keeps the fuller row and lists the other as a duplicate (rejected_rows.fewer_values: how
-- many more values the kept row holds). Two files disagreeing on what the month holds is an error
-- for that department-month, so that someone looks at which file is right (a near-empty register
-- read as a ledger, or a partial re-export) before its indicators are published.
-- Grain: one row per duplicate row set aside; file, sheet and row are the thinner row's.
-- Ledgers whose key has no department or no day or month (the department list, the equipment
-- register, episodes) are left to gx_unique.
-- Parameters: $months (first days of the months to check).
with duplicates as (
    select
        ledger,
        file,
        sheet,
        "row",
        twin,
        fewer_values,
        json_extract_string("values", '$.dept') as dept,
        cast(coalesce(json_extract_string("values", '$.date'),
                      json_extract_string("values", '$.month')) as date) as day
    from rejected_rows
    where is_conflict and fewer_values > 0
)

select
    dept,
    strftime(day, '%Y-%m') as period,
    ledger,
    file,
    sheet,
    "row",
    twin,
    fewer_values
from duplicates
where dept is not null
  and list_contains($months, cast(date_trunc('month', day) as date))
