-- Additive measures per department and month, from every ledger.
-- Grain: one row per department and month. Every indicator at every grain and group is a formula over
-- sums of these columns (METRICS.md, "Periods and aggregation"): never a mean of ratios.
-- A measure is null when its ledger has nothing for the department and month.
-- Parameters: $months (first days of the months to compute).
with months as (
    select unnest($months::date[]) as month
),

workload as (
    select
        dept,
        cast(date_trunc('month', day) as date) as month,
        sum(outpatient_visits) as outpatient_visits,
        sum(emergency_visits) as emergency_visits,
        sum(admissions) as admissions,
        sum(discharges) as discharges,
        sum(surgeries) as surgeries,
        sum(exams) as exams,
        sum(available_bed_days) as available_bed_days,
        sum(occupied_bed_days) as occupied_bed_days,
        count(*) as workload_days
    from dept_day_measures
    where date_trunc('month', day) in (select month from months)
    group by all
),

-- Episodes count in the month of their discharge date. LOS = discharge − admission, 0 counted as 1.
episodes as (
    select
        dept,
        cast(date_trunc('month', discharge_date) as date) as month,
        count(*) as episodes,
        sum(greatest(discharge_date - admit_date, 1)) as los_days,
        count(surgery_date) as surgical_episodes,
        coalesce(sum(surgery_date - admit_date), 0) as preop_days,
        count(*) filter (where surgery_date is not null and surgery_grade in (3, 4))
            as grade34_episodes,
        count(outcome) as outcome_episodes,
        count(*) filter (where outcome = 'cured') as cured_episodes,
        count(*) filter (where outcome in ('cured', 'improved')) as cured_improved_episodes,
        count(*) filter (where outcome = 'died') as died_episodes,
        count(complication) as complication_recorded_episodes,
        count(*) filter (where complication) as complication_episodes,
        count(total_cost) as costed_episodes,
        sum(total_cost) as episode_total_cost,
        -- the drug share pairs each episode's drug cost with its own total: both must be known
        sum(drug_cost) filter (where total_cost is not null) as episode_drug_cost,
        sum(total_cost) filter (where drug_cost is not null) as episode_total_cost_with_drug
    from raw_discharges
    where date_trunc('month', discharge_date) in (select month from months)
    group by all
),

-- Finance lines: an unknown line makes its total unknown (LEDGERS.md: missing is null, not zero).
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
        sum(consumables_expense) as consumables_expense,
        sum(revenue_budget) as revenue_budget,
        sum(expense_budget) as expense_budget
    from raw_finance
    where month in (select month from months)
    group by all
),

-- Days each large device was in service in the month (purchase to retirement, both inclusive).
large_device_days as (
    select
        e.dept,
        m.month,
        sum(
            least(coalesce(e.retired_date, last_day(m.month)), last_day(m.month))
            - greatest(coalesce(e.purchase_date, m.month), m.month) + 1
        ) as large_device_days
    from raw_equipment e
    cross join months m
    where e.large
      and coalesce(e.purchase_date, m.month) <= last_day(m.month)
      and coalesce(e.retired_date, m.month) >= m.month
    group by all
),

equipment as (
    select
        e.dept,
        u.month,
        sum(u.uses) filter (where e.large) as large_device_uses,
        sum(u.hours_used) filter (where u.hours_available is not null) as equipment_hours_used,
        sum(u.hours_available) filter (where u.hours_used is not null) as equipment_hours_available,
        sum(u.downtime_hours) filter (where u.hours_available is not null)
            as equipment_downtime_hours,
        sum(u.hours_available) filter (where u.downtime_hours is not null)
            as equipment_hours_available_for_downtime
    from raw_equipment_usage u
    join raw_equipment e on e.asset_code = u.asset_code
    where u.month in (select month from months)
    group by all
),

feedback as (
    select
        dept,
        month,
        sum(surveys) filter (where satisfied is not null) as surveys,
        sum(satisfied) filter (where surveys is not null) as satisfied,
        sum(complaints) as complaints,
        -- the waiting time of several months is weighted by how many waits were measured
        sum(avg_wait_minutes * wait_samples) as wait_minutes_total,
        sum(wait_samples) filter (where avg_wait_minutes is not null) as wait_samples
    from raw_patient_feedback
    where month in (select month from months)
    group by all
),

appointments as (
    select
        dept,
        month,
        sum(slots) as appointment_slots,
        sum(booked) as appointments_booked,
        sum(attended) as appointments_attended
    from raw_appointments
    where month in (select month from months)
    group by all
),

supplies as (
    select
        dept,
        month,
        sum(issued_qty * unit_price) as supplies_issued_value,
        coalesce(sum(issued_qty * unit_price) filter (where category = 'office'), 0)
            as office_supplies_issued_value
    from raw_supplies
    where month in (select month from months)
    group by all
),

-- FTE-days: for each day of the month, the fte of every roster row in post that day.
-- Training hours count in the month the posting starts (the roster gives no finer date).
staffing as (
    select
        s.dept,
        m.month,
        sum(s.fte * (least(coalesce(s.end_date, last_day(m.month)), last_day(m.month))
                     - greatest(s.start_date, m.month) + 1)) as all_fte_days,
        coalesce(sum(s.fte * (least(coalesce(s.end_date, last_day(m.month)), last_day(m.month))
                     - greatest(s.start_date, m.month) + 1)) filter (where s.role = 'doctor'), 0)
            as doctor_fte_days,
        coalesce(sum(s.fte * (least(coalesce(s.end_date, last_day(m.month)), last_day(m.month))
                     - greatest(s.start_date, m.month) + 1)) filter (where s.role = 'nurse'), 0)
            as nurse_fte_days,
        coalesce(sum(s.fte * (least(coalesce(s.end_date, last_day(m.month)), last_day(m.month))
                     - greatest(s.start_date, m.month) + 1))
                 filter (where s.role = 'doctor' and s.title in ('senior', 'associate')), 0)
            as senior_doctor_fte_days,
        coalesce(sum(s.training_hours) filter (where date_trunc('month', s.start_date) = m.month), 0)
            as training_hours
    from raw_staffing s
    cross join months m
    where s.start_date <= last_day(m.month)
      and coalesce(s.end_date, m.month) >= m.month
    group by all
),

spine as (
    select dept, month from workload
    union select dept, month from episodes
    union select dept, month from finance
    union select dept, month from large_device_days
    union select dept, month from equipment
    union select dept, month from feedback
    union select dept, month from appointments
    union select dept, month from supplies
    union select dept, month from staffing
)

select
    spine.dept,
    spine.month,
    columns(workload.* exclude (dept, month)),
    columns(episodes.* exclude (dept, month)),
    columns(finance.* exclude (dept, month)),
    columns(large_device_days.* exclude (dept, month)),
    columns(equipment.* exclude (dept, month)),
    columns(feedback.* exclude (dept, month)),
    columns(appointments.* exclude (dept, month)),
    columns(supplies.* exclude (dept, month)),
    columns(staffing.* exclude (dept, month))
from spine
left join workload using (dept, month)
left join episodes using (dept, month)
left join finance using (dept, month)
left join large_device_days using (dept, month)
left join equipment using (dept, month)
left join feedback using (dept, month)
left join appointments using (dept, month)
left join supplies using (dept, month)
left join staffing using (dept, month)
