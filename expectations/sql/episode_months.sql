-- The discharged episodes (出院病人明细) counted once per run for every check that reads them by
-- month: per department, discharge month, surgery month, file and whether the rows are accepted
-- (raw_discharges) or outranked by a twin (outranked_discharges; the two are staged_discharges):
-- how many episodes, and their drug and consumables costs summed (exact decimals: a sum of these
-- sums is the sum of the episodes'). Scanning the 4 M episodes of a city once here, instead of
-- once in each of the five queries that read this, saves about 0.6 s of CPU.
-- The episodes are read from their stored tables and grouped by the id of their sheet, whose file
-- is looked up afterwards in ledger_sources (the left join the raw_/outranked_ views make, and a
-- second sum where two sheets name one file): the views joined every episode to its lineage and
-- grouped 20 M rows on the file's text, 0.85-1.0 -> 0.67 s of CPU at region scale.
-- Grain: one row per department, discharge month, surgery month, file and acceptance.
-- Read (as dq_episode_months) by discharges_vs_episodes, surgeries_vs_episodes and
-- episode_costs_vs_finance (the accepted rows), expected_ledgers and ledger_quality (every
-- file's rows).
with by_sheet as (
    select
        dept,
        cast(date_trunc('month', discharge_date) as date) as month,
        cast(date_trunc('month', surgery_date) as date) as surgery_month,
        source_id,
        is_accepted,
        count(*) as episodes,
        sum(drug_cost) as drug_cost,
        sum(consumables_cost) as consumables_cost
    from (
        select
            dept, discharge_date, surgery_date, source_id, drug_cost, consumables_cost,
            true as is_accepted
        from stored_raw_discharges
        union all
        select
            dept, discharge_date, surgery_date, source_id, drug_cost, consumables_cost,
            false as is_accepted
        from stored_outranked_discharges
    )
    group by all
)

select
    s.dept,
    s.month,
    s.surgery_month,
    l.file as source_file,
    s.is_accepted,
    cast(sum(s.episodes) as bigint) as episodes,
    sum(s.drug_cost) as drug_cost,
    sum(s.consumables_cost) as consumables_cost
from by_sheet s
left join ledger_sources l on l.source_id = s.source_id
group by all
