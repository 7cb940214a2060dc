-- Additive measures per department and month from the ledgers kept one row per month: finance,
-- patient feedback, appointments, supplies and equipment usage.
-- Grain: one row per department and month that one of these ledgers has a row for.
--
-- Unlike a list of days or episodes, such a ledger has a row for every month it covers, so a
-- month without it is not "nothing happened" but "not known". A measure is null when the month
-- does not give it (no row, or a blank cell: LEDGERS.md, "missing columns are unknown, not zero");
-- `<ledger>_months` is 1 where the ledger has a row for the department and month. period_sums.sql
-- applies the months-present rule to every column of this table: summed over a period only when
-- every month of the period gives it.
-- Ledger numbers with decimals (fte, hours, minutes, quantities) are summed as exact decimals,
-- decimal(38, 10): a sum of doubles depends on the order DuckDB's threads add them in, and two
-- runs on the same rows would differ in the last binary digit.
-- Parameters: $months (first days of the months to compute).
with months as (
    select unnest($months::date[]) as month
),

-- Finance lines: an unknown line makes its total unknown (one row per department and month).
finance as (
    select
        dept,
        month,
        sum(op_drug_revenue + op_consumables_revenue + op_exam_revenue + op_lab_revenue
            + op_service_revenue + op_other_revenue) as op_revenue,
        sum(ip_drug_revenue + ip_consumables_revenue + ip_exam_revenue + ip_lab_revenue
            + ip_service_revenue + ip_other_revenue) as ip_revenue,
        sum(op_drug_revenue + ip_drug_revenue) as drug_revenue,
        sum(op_consumables_revenue + ip_consumables_revenue) as consumables_revenue,
        sum(op_service_revenue + ip_service_revenue) as service_revenue,
        sum(personnel_expense + drug_expense + consumables_expense + depreciation_expense
            + maintenance_expense + other_expense) as total_expense,
        -- every revenue and expense line as it is (line_op_drug_revenue … line_other_expense): the
        -- indicators of one line and the reports' structure tables (finance_lines.sql)
        sum(columns('^(.*_(revenue|expense))$')) as 'line_\1',
        sum(revenue_budget) as revenue_budget,
        sum(expense_budget) as expense_budget,
        1 as finance_months
    from raw_finance
    where month in (select month from months)
    group by all
),

-- Equipment usage: one row per device and month. Hours are paired (used with available, downtime
-- with available) so that a device with a blank cell drops out of both sides of its ratio.
equipment as (
    select
        e.dept,
        u.month,
        sum(u.hours_used::decimal(38, 10)) filter (where u.hours_available is not null)
            as equipment_hours_used,
        sum(u.hours_available::decimal(38, 10)) filter (where u.hours_used is not null)
            as equipment_hours_available,
        sum(u.downtime_hours::decimal(38, 10)) filter (where u.hours_available is not null)
            as equipment_downtime_hours,
        sum(u.hours_available::decimal(38, 10)) filter (where u.downtime_hours is not null)
            as equipment_hours_available_for_downtime,
        1 as equipment_usage_months
    from raw_equipment_usage u
    join raw_equipment e on e.asset_code = u.asset_code
    where u.month in (select month from months)
    group by all
),

-- Uses of the large devices in service in the month (by the register): known only when each of
-- them has its usage row; 0 for a department that reports usage but has no large device.
large_device_months as (
    select e.dept, m.month, e.asset_code
    from raw_equipment e
    cross join months m
    where e.large
      and coalesce(e.purchase_date, m.month) <= last_day(m.month)
      and coalesce(e.retired_date, m.month) >= m.month
),

large_uses as (
    select
        l.dept,
        l.month,
        case when count(u.asset_code) = count(*) then sum(u.uses) end as large_device_uses
    from large_device_months l
    left join raw_equipment_usage u on u.asset_code = l.asset_code and u.month = l.month
    group by all
),

feedback as (
    select
        dept,
        month,
        sum(surveys) filter (where satisfied is not null) as surveys,
        sum(satisfied) filter (where surveys is not null) as satisfied,
        sum(complaints) as complaints,
        -- the waiting time of several months is weighted by how many waits were measured;
        -- a month with no sample adds 0 minutes and 0 samples
        sum(case when wait_samples = 0 then 0
                 else avg_wait_minutes::decimal(38, 10) * wait_samples end) as wait_minutes_total,
        sum(wait_samples) filter (where wait_samples = 0 or avg_wait_minutes is not null)
            as wait_samples,
        1 as patient_feedback_months
    from raw_patient_feedback
    where month in (select month from months)
    group by all
),

-- The complaints register stands in for the feedback ledger's count in a department-month that
-- ledger has no row for (LEDGERS.md, complaints), in the months the register is kept (it holds
-- some complaint of the month): a department it lists none for had none.
register as (
    select d.code as dept, r.month, count(c.dept) as complaints
    from (
        select distinct cast(date_trunc('month', date) as date) as month
        from raw_complaints
        where date_trunc('month', date) in (select month from months)
    ) r
    cross join raw_departments d
    left join raw_complaints c on c.dept = d.code and date_trunc('month', c.date) = r.month
    where not exists (
        select 1 from raw_patient_feedback f where f.dept = d.code and f.month = r.month
    )
    group by all
),

appointments as (
    select
        dept,
        month,
        sum(slots) as appointment_slots,
        sum(booked) as appointments_booked,
        sum(attended) as appointments_attended,
        1 as appointments_months
    from raw_appointments
    where month in (select month from months)
    group by all
),

-- Issued value = Σ issued_qty × unit_price; an item drawn without a price makes it unknown.
supplies as (
    select
        dept,
        month,
        case when count(*) filter (where issued_qty > 0 and unit_price is null) = 0
            then coalesce(sum(issued_qty::decimal(38, 10) * unit_price), 0) end
            as supplies_issued_value,
        case when count(*) filter (where category = 'office' and issued_qty > 0
                                     and unit_price is null) = 0
            then coalesce(sum(issued_qty::decimal(38, 10) * unit_price)
                          filter (where category = 'office'), 0) end
            as office_supplies_issued_value,
        1 as supplies_months
    from raw_supplies
    where month in (select month from months)
    group by all
),

spine as (
    select dept, month from finance
    union select dept, month from equipment
    union select dept, month from large_uses
    union select dept, month from feedback
    union select dept, month from register
    union select dept, month from appointments
    union select dept, month from supplies
)

select
    spine.dept,
    spine.month,
    columns(finance.* exclude (dept, month)),
    columns(equipment.* exclude (dept, month)),
    -- a large device in service without its usage row: unknown; no large device but usage: 0
    case
        when large_uses.dept is not null then large_uses.large_device_uses
        when equipment.dept is not null then 0
    end as large_device_uses,
    columns(feedback.* exclude (dept, month, complaints)),
    coalesce(feedback.complaints, register.complaints) as complaints,
    columns(appointments.* exclude (dept, month)),
    columns(supplies.* exclude (dept, month))
from spine
left join finance using (dept, month)
left join equipment using (dept, month)
left join large_uses using (dept, month)
left join feedback using (dept, month)
left join register using (dept, month)
left join appointments using (dept, month)
left join supplies using (dept, month)
