-- What a benchmark run left in the warehouse, per table.
select 'discharges', count(*) from raw_discharges
union all select 'workload', count(*) from raw_workload
union all select 'rejected', count(*) from rejected_rows
union all select 'metric_values', count(*) from metric_values
