-- The DRG/DIP groups of each department in a report's months (病种与医保): every coded episode
-- discharged in $months, with its weights row as discharges_weighted gives it (the discharge
-- year's row first, else the row without a year; metrics/sql/discharges_weighted.sql).
-- Grain: one row per department and code. Additive sums only: the reports add departments up to
-- the hospital and the department kinds, and divide there (a group's averages, never means of
-- ratios). LOS = discharge − admission, 0 counted as 1, as measures.sql counts it.
-- Parameters: $months (first days of the report's months).
with episodes as (
    select *, greatest(discharge_date - admit_date, 1) as los
    from discharges_weighted
    where list_contains($months, cast(date_trunc('month', discharge_date) as date))
      and drg is not null
)

select
    dept,
    drg,
    min(drg_name) as name,
    bool_or(grouped) as grouped,
    count(*) as cases,
    sum(weight::double) filter (where grouped) as total_weight,
    sum(los) as bed_days,
    -- against the benchmark stay: the episodes whose row gives one
    count(*) filter (where benchmark_los is not null) as stay_benchmarked_cases,
    sum(los) filter (where benchmark_los is not null) as stay_benchmarked_days,
    sum(benchmark_los::double) filter (where benchmark_los is not null) as benchmark_days,
    -- cost: over the episodes whose cost is recorded
    count(total_cost) as costed_cases,
    sum(total_cost::double) as total_cost,
    sum(los) filter (where total_cost is not null) as costed_bed_days,
    count(*) filter (where benchmark_cost is not null and total_cost is not null)
        as cost_benchmarked_cases,
    sum(total_cost::double) filter (where benchmark_cost is not null) as benchmarked_cost,
    sum(benchmark_cost::double) filter (where total_cost is not null) as benchmark_cost,
    -- settlement: over the episodes with a payment standard and a cost (as drg_margin)
    count(*) filter (where drg_payment is not null and total_cost is not null) as paid_cases,
    sum((drg_payment - total_cost)::double) as margin,
    count(*) filter (where total_cost > drg_payment) as losing_cases
from episodes
group by dept, drg
order by dept, drg
