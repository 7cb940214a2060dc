-- The rows of the temp view fact_rows (metric_values' columns but the period's, which
-- metric_fact_periods holds) as metric_facts rows: their keys' ids (fact_keys.sql registered
-- them; a key without one is null, which metric_facts' not null refuses, never a row lost).
select
    p.period_id,
    d.dept_id,
    m.metric_id,
    r.value,
    r.numerator,
    r.denominator,
    r.reason,
    r.depts_included,
    r.depts_in_group,
    r.computed_at
from fact_rows r
left join metric_fact_periods p on p.grain = r.grain and p.period = r.period
left join metric_fact_depts d on d.dept = r.dept
left join metric_fact_metrics m on m.metric = r.metric
