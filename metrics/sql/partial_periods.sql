-- The periods the data covers only in part (METRICS.md, "Periods in progress"): a week, quarter or
-- year whose months (days, for a week) the warehouse does not hold all of. Each is compared with a
-- window of the same months (weekdays) a year earlier, its 同比 (累计同比), which
-- metrics.periods.yoy_window makes from this row and sql/spans.sql counts.
-- Reads: periods.
select grain, period, first_day, last_day, months, months_covered
from periods
where grain in ('week', 'quarter', 'year') and months_covered < months_in_period
order by grain, period
