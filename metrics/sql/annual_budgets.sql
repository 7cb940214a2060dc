-- The annual budgets (METRICS.md, "Year to date"): Σ revenue_budget and Σ expense_budget over the
-- 12 months of a year, from the finance ledger itself, budget lines entered ahead included (they hold
-- no month, so the measure tables do not have them). A department's annual budget is known only
-- when all 12 months are entered; a group's only when every department of it that keeps a budget
-- that year has all 12.
-- Grain: one row per department group and year (an integer, 2026).
-- Reads: raw_finance, departments_in_groups.
with by_department as (
    select
        dept,
        year(month) as year,
        case when count(revenue_budget) = 12 then sum(revenue_budget) end as revenue_budget,
        case when count(expense_budget) = 12 then sum(expense_budget) end as expense_budget,
        count(revenue_budget) > 0 as keeps_revenue_budget,
        count(expense_budget) > 0 as keeps_expense_budget
    from raw_finance
    group by all
)

select
    g.group_code as dept,
    b.year,
    case when bool_and(b.revenue_budget is not null or not b.keeps_revenue_budget)
        then sum(b.revenue_budget) end as revenue_budget,
    case when bool_and(b.expense_budget is not null or not b.keeps_expense_budget)
        then sum(b.expense_budget) end as expense_budget
from by_department b
join departments_in_groups g on g.dept = b.dept
group by g.group_code, b.year
