-- The pipeline's core indicators per real department (not ALL or KIND:) from metric_values.
select grain, period, dept, metric, value from metric_values
where list_contains($grains, grain) and list_contains($metrics, metric)
  and dept in (select code from raw_departments) and value is not null
