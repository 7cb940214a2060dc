-- The discharged episodes (出院病人明细) counted once per run for every check that reads them by
-- month: per department, discharge month, surgery month, file and whether the rows are accepted
-- (raw_discharges) or outranked by a twin (outranked_discharges; the two are staged_discharges):
-- how many episodes, and their drug and consumables costs summed (exact decimals: a sum of these
-- sums is the sum of the episodes'). Scanning the 4 M episodes of a city once here, instead of
-- once in each of the five queries that read this, saves about 0.6 s of CPU.
-- Grain: one row per department, discharge month, surgery month, file and acceptance.
-- Read (as dq_episode_months) by discharges_vs_episodes, surgeries_vs_episodes and
-- episode_costs_vs_finance (the accepted rows), expected_ledgers and ledger_quality (every
-- file's rows).
select
    dept,
    cast(date_trunc('month', discharge_date) as date) as month,
    cast(date_trunc('month', surgery_date) as date) as surgery_month,
    source_file,
    is_accepted,
    count(*) as episodes,
    sum(drug_cost) as drug_cost,
    sum(consumables_cost) as consumables_cost
from (
    select
        dept, discharge_date, surgery_date, source_file, drug_cost, consumables_cost,
        true as is_accepted
    from raw_discharges
    union all
    select
        dept, discharge_date, surgery_date, source_file, drug_cost, consumables_cost,
        false as is_accepted
    from outranked_discharges
)
group by all
