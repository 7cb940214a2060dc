-- The complaints register (投诉登记) against the patient feedback ledger's complaint count of the
-- same department and month: the count published is the feedback ledger's, the detail (category,
-- channel, closure) the register's, so the two must list the same complaints (LEDGERS.md).
-- Grain: one row per feedback row whose count differs from the register's by more than
-- $complaints_count_tolerance. Compared only in the months the register is kept (it holds some
-- complaint of the month), and where the feedback row gives a count.
-- Parameters: $months, $complaints_count_tolerance.
with kept as (
    select distinct cast(date_trunc('month', date) as date) as month
    from raw_complaints
    where list_contains($months, cast(date_trunc('month', date) as date))
),

registered as (
    select dept, cast(date_trunc('month', date) as date) as month, count(*) as registered
    from raw_complaints
    where list_contains($months, cast(date_trunc('month', date) as date))
    group by all
)

select
    f.dept,
    strftime(f.month, '%Y-%m') as period,
    f.source_file as file,
    f.source_sheet as sheet,
    f.source_row as "row",
    f.complaints as feedback_complaints,
    coalesce(r.registered, 0) as registered
from raw_patient_feedback f
join kept k on k.month = f.month
left join registered r on r.dept = f.dept and r.month = f.month
where list_contains($months, f.month)
  and f.complaints is not null
  and abs(f.complaints - coalesce(r.registered, 0)) > $complaints_count_tolerance
