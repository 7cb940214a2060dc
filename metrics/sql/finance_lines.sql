-- finance_lines: every revenue and expense line of the finance ledger (门诊药品收入 … 其他费用)
-- summed over each period computed and each department group, for the reports' revenue and
-- expense structure tables (收入结构, 支出结构) and the revenue change by line. The lines travel
-- through period_sums like every measure, so a line follows the same rules as the indicators: the
-- months-present rule for a department, the departments complete for it for a group, and the
-- 同比 windows of periods in progress (grain 'yoy:<grain>', keyed by the period they serve).
-- Grain: one row per grain, period, department group and line with an amount (unknown lines
-- have no row). Reads: period_sums (the line_<column> measures of measures_monthly_ledgers.sql).
select grain, period, dept, substr(line, 6) as line, amount
from (
    unpivot (
        select grain, period, dept, columns('^line_')
        from period_sums
        where grain not in ('week', 'yoy:week')
    )
    on columns('^line_')
    into name line value amount
)
