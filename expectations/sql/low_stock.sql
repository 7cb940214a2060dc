-- Items below their safety stock (低于安全库存) at the end of the month: a warning for the report.
-- Grain: one row per supplies row with closing_qty < reorder_level.
-- Parameters: $months.
select
    dept,
    strftime(month, '%Y-%m') as period,
    source_file as file,
    source_sheet as sheet,
    source_row as "row",
    item_code,
    item_name,
    closing_qty as closing,
    reorder_level
from raw_supplies
where list_contains($months, month) and closing_qty < reorder_level
