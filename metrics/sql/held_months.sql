-- The months the warehouse holds ('2026-10'), in order: every month that some dated ledger row
-- belongs to. A finance row with budget lines only (the annual budget entered ahead, in January)
-- loads, but does not make its month held: a period's budget execution then uses only the budgets
-- of the months it covers.
select distinct strftime(m, '%Y-%m') as month from (
    select date_trunc('month', date) as m from raw_workload
    union select month from raw_ward_monthly
    union select date_trunc('month', discharge_date) from raw_discharges
    union select month from raw_finance
        where coalesce(
            op_drug_revenue, op_consumables_revenue, op_exam_revenue, op_lab_revenue,
            op_service_revenue, op_other_revenue, ip_drug_revenue, ip_consumables_revenue,
            ip_exam_revenue, ip_lab_revenue, ip_service_revenue, ip_other_revenue,
            personnel_expense, drug_expense, consumables_expense, depreciation_expense,
            maintenance_expense, other_expense) is not null
    union select month from raw_patient_feedback
    union select month from raw_appointments
    union select month from raw_supplies
    union select month from raw_equipment_usage
)
order by 1
