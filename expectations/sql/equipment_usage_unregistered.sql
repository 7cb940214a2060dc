-- Equipment usage only for registered devices, in service in the month (purchased by its last day,
-- not retired before its first). The reader refuses usage of a device missing from the register;
-- this check also catches a register changed since, and devices used outside their service life.
-- Grain: one row per usage row at fault. The department is the device's, where it is registered.
-- Parameters: $months (first days of the months to check).
select
    e.dept,
    strftime(u.month, '%Y-%m') as period,
    'equipment_usage' as ledger,
    u.source_file as file,
    u.source_sheet as sheet,
    u.source_row as "row",
    case when e.asset_code is not null then 'not_in_service' end as variant,
    u.asset_code,
    u.uses,
    e.purchase_date,
    e.retired_date
from raw_equipment_usage u
left join raw_equipment e on e.asset_code = u.asset_code
where
    list_contains($months, u.month)
    and (
        e.asset_code is null
        or e.purchase_date > last_day(u.month)
        or e.retired_date < u.month
    )
