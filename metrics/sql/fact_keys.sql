-- The keys of values about to be stored in metric_facts, from the temp views fact_periods (grain,
-- period and the period's columns, one row per period), fact_depts (dept) and fact_metrics
-- (metric): a new one gets the next free id; a period already there takes the columns it has now
-- (a period in progress covers more months once recomputed). Ids are never reused or renumbered.
-- Statements separated by a line holding ';' alone (compute.statements).
update metric_fact_periods t
set period_start = s.period_start, period_end = s.period_end, prior_period = s.prior_period,
    yoy_period = s.yoy_period, months_covered = s.months_covered,
    months_in_period = s.months_in_period
from fact_periods s
where t.grain = s.grain and t.period = s.period
;
insert into metric_fact_periods
select
    (select coalesce(max(period_id), 0) from metric_fact_periods)
        + row_number() over (order by s.grain, s.period) as period_id,
    s.grain, s.period, s.period_start, s.period_end, s.prior_period, s.yoy_period,
    s.months_covered, s.months_in_period
from fact_periods s
anti join metric_fact_periods t on t.grain = s.grain and t.period = s.period
;
insert into metric_fact_depts
select
    (select coalesce(max(dept_id), 0) from metric_fact_depts)
        + row_number() over (order by s.dept) as dept_id,
    s.dept
from (select distinct dept from fact_depts) s
anti join metric_fact_depts t on t.dept = s.dept
;
insert into metric_fact_metrics
select
    (select coalesce(max(metric_id), 0) from metric_fact_metrics)
        + row_number() over (order by s.metric) as metric_id,
    s.metric
from (select distinct metric from fact_metrics) s
anti join metric_fact_metrics t on t.metric = s.metric
