-- Discharged episodes' drug and consumables costs against the finance ledger's inpatient drug and
-- consumables revenue of the same month and department. Revenue is booked by service date and
-- episodes by discharge date, so they drift apart a little: flagged when the gap exceeds
-- $costs_tolerance_rel of the finance figure.
-- Grain: one row per department, month and item (drug, consumables) beyond the tolerance.
-- Compared only where both ledgers have the department's month and both figures are known.
-- Reads: raw_finance, dq_episode_months (episode_months.sql: the accepted episodes by month).
-- Parameters: $months, $costs_tolerance_rel.
with episodes as (
    select
        dept,
        month,
        sum(drug_cost) as drug,
        sum(consumables_cost) as consumables
    from dq_episode_months
    where is_accepted and list_contains($months, month)
    group by all
),

finance as (
    select
        dept,
        month,
        sum(ip_drug_revenue) as drug,
        sum(ip_consumables_revenue) as consumables
    from raw_finance
    where list_contains($months, month)
    group by all
),

items as (
    select e.dept, e.month, 'drug' as item, e.drug as episodes_total, f.drug as finance_total
    from episodes e join finance f using (dept, month)
    union all
    select e.dept, e.month, 'consumables', e.consumables, f.consumables
    from episodes e join finance f using (dept, month)
),

compared as (
    select
        *,
        abs(episodes_total - finance_total) / nullif(abs(finance_total), 0) as difference_pct
    from items
    where episodes_total is not null and finance_total is not null
)

select
    dept,
    strftime(month, '%Y-%m') as period,
    case when item = 'consumables' then 'consumables' end as variant,
    episodes_total,
    finance_total,
    difference_pct,
    $costs_tolerance_rel as tolerance_pct
from compared
where
    coalesce(difference_pct > $costs_tolerance_rel, episodes_total <> 0)
