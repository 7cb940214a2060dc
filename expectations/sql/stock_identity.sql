-- Stock identity (库存平衡): closing = opening + received − issued, for each item and month.
-- Grain: one row per supplies row where it breaks by more than $stock_tolerance. A blank received
-- quantity counts as nothing received; a row without opening or closing quantity cannot be checked.
-- Parameters: $months, $stock_tolerance.
with checked as (
    select
        *,
        opening_qty + coalesce(received_qty, 0) - issued_qty as expected_closing
    from raw_supplies
    where list_contains($months, month) and opening_qty is not null and closing_qty is not null
)

select
    dept,
    strftime(month, '%Y-%m') as period,
    source_file as file,
    source_sheet as sheet,
    source_row as "row",
    item_code,
    item_name,
    opening_qty as opening,
    coalesce(received_qty, 0) as received,
    issued_qty as issued,
    closing_qty as closing,
    expected_closing
from checked
where abs(closing_qty - expected_closing) > $stock_tolerance
