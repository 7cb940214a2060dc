-- metric_values: one row per grain, period, department group and indicator (compute.py's
-- docstring), read from the narrow stored table metric_facts (integer keys, the value, its
-- numerator and denominator, the reason for a null, a group's coverage, when it was computed)
-- and its three small key tables: metric_fact_periods (a period's key, first and last day, the
-- periods it is compared with and how much of it the data covers), metric_fact_depts and
-- metric_fact_metrics. The same columns, types and rows as the table it replaced: storing the
-- period's six columns and three text keys with each of 2 M values cost a third of the step.
-- metric_values_keyed: the same with the three ids first, for the readers that join values with
-- values (metric_report's 环比 and 同比, report.sql): on the ids, not on the text keys.
create or replace view metric_values_keyed as
select
    f.period_id,
    f.dept_id,
    f.metric_id,
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
join metric_fact_metrics m on m.metric_id = f.metric_id;

create or replace view metric_values as
select * exclude (period_id, dept_id, metric_id) from metric_values_keyed;
