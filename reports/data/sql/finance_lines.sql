-- The revenue and expense lines of the finance ledger per department group, for the periods of a
-- report's trend window at its grain and for the 同比 windows of the periods in progress
-- (grain 'yoy:<grain>'): metrics' finance_lines, summed there by the indicators' rules.
-- Parameters: $grain, $periods.
select grain, period, dept, line, amount::double as amount
from finance_lines
where grain in ($grain, 'yoy:' || $grain) and list_contains($periods, period)
