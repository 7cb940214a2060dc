-- Stock continuity: an item's opening quantity equals its closing quantity of the month before.
-- Grain: one row per supplies row whose opening differs by more than $stock_tolerance from the
-- same department's and item's closing of the previous month (checked where both are known).
-- Parameters: $months, $stock_tolerance.
select
    s.dept,
    strftime(s.month, '%Y-%m') as period,
    s.source_file as file,
    s.source_sheet as sheet,
    s.source_row as "row",
    s.item_code,
    s.item_name,
    s.opening_qty as opening,
    strftime(p.month, '%Y-%m') as previous_month,
    p.closing_qty as previous_closing
from raw_supplies s
join raw_supplies p
    on p.dept = s.dept and p.item_code = s.item_code and p.month = s.month - interval 1 month
where
    list_contains($months, s.month)
    and abs(s.opening_qty - p.closing_qty) > $stock_tolerance
