-- Payer mix (医保类型构成) of each department in a report's months: discharged episodes by payer
-- as the ledger writes it (a blank payer is its own line, NULL).
-- Grain: one row per department and payer; additive sums (the reports add departments up to the
-- hospital and the department kinds).
-- Parameters: $months (first days of the report's months).
select
    dept,
    nullif(trim(payer), '') as payer,
    count(*) as episodes,
    count(total_cost) as costed_episodes,
    sum(total_cost::double) as total_cost
from raw_discharges
where list_contains($months, cast(date_trunc('month', discharge_date) as date))
group by all
order by dept, payer
