-- metric_values: one row per grain, period, department group and indicator (compute.py's
-- docstring), read from the narrow stored table metric_facts (integer keys, the value, its
-- numerator and denominator, the reason for a null, a group's coverage, when it was computed)
-- and its three small key tables: metric_fact_periods (a period's key, first and last day, the
-- periods it is compared with and how much of it the data covers), metric_fact_depts and
-- metric_fact_metrics. The same columns, types and rows as the table it replaced: storing the
-- period's six columns and three text keys with each of 2 M values cost a third of the step.
create or replace view metric_values as
select
    p.grain,
    p.period,
    d.dept,
    m.metric,
    f.value,
    f.numerator,
    f.denominator,
    f.reason,
    p.prior_period,
    p.yoy_period,
    p.period_start,
    p.period_end,
    p.months_covered,
    p.months_in_period,
    f.depts_included,
    f.depts_in_group,
    f.computed_at
from metric_facts f
join metric_fact_periods p on p.period_id = f.period_id
join metric_fact_depts d on d.dept_id = f.dept_id
join metric_fact_metrics m on m.metric_id = f.metric_id
