-- The months the warehouse holds ('2026-10'), in order: every month that some dated ledger row
-- belongs to. A finance row with budget lines only (the annual budget entered ahead, in January)
-- loads, but does not make its month held: a period's budget execution then uses only the budgets
-- of the months it covers.
select distinct strftime(m, '%Y-%m') as month from (
    select date_trunc('month', date) as m from raw_workload
    union select month from raw_ward_monthly
    union select date_trunc('month', discharge_date) from raw_discharges
    -- a finance row holds its month by an actual line (any *_revenue or *_expense column), not by
    -- its budget lines alone; data_extent.sql says the same of revenue and expense
    union select month from (
        select month, coalesce(*columns('_(revenue|expense)$')) as actual from raw_finance
    ) where actual is not null
    union select month from raw_patient_feedback
    union select month from raw_appointments
    union select month from raw_supplies
    union select month from raw_equipment_usage
)
order by 1
