-- Per department and month of $months ('YYYY-MM'): outpatient and emergency visits from the
-- workload, the discharged episodes' costs; what the finance, feedback and appointment
-- ledgers are drawn from. $first: the first day (day 0).
with wl as (
    select dept, strftime(date, '%Y-%m') as month, sum(outpatient_visits) as op,
           sum(emergency_visits) as er
    from workload group by all),
ep as (
    select dept, strftime($first + discharge_day::integer, '%Y-%m') as month,
           -- costs are whole cents: as decimals they add up exactly, so every run
           -- gives the same month (doubles summed by parallel threads did not)
           sum(total_cost::decimal(18, 2))::double as total,
           sum(drug_cost::decimal(18, 2))::double as drug,
           sum(consumables_cost::decimal(18, 2))::double as consumables
    from episodes group by all)
select wl.dept, wl.month, wl.op, wl.er, coalesce(ep.total, 0), coalesce(ep.drug, 0),
       coalesce(ep.consumables, 0)
from wl left join ep using (dept, month)
where wl.month in (select unnest($months))
order by wl.month, wl.dept
