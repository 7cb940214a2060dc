-- discharges_weighted: every discharged episode with its DRG/DIP weights row (METRICS.md, "Case mix
-- and medical insurance"): the row of its discharge year if there is one, else the row without a
-- year. An episode with such a row is grouped (入组). The one place this rule is written: the
-- measures (measures.sql) and the reports' DRG tables read it.
create or replace view discharges_weighted as
select
    d.*,
    coalesce(y.name, a.name) as drg_name,
    coalesce(y.weight, a.weight) as weight,
    coalesce(y.benchmark_los, a.benchmark_los) as benchmark_los,
    coalesce(y.benchmark_cost, a.benchmark_cost) as benchmark_cost,
    coalesce(y.low_risk, a.low_risk) as low_risk,
    coalesce(y.drg, a.drg) is not null as grouped
from raw_discharges d
left join raw_drg_weights y on y.drg = d.drg and y.year = year(d.discharge_date)
left join raw_drg_weights a on a.drg = d.drg and a.year is null
