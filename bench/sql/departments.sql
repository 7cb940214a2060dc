-- The departments the benchmark's warehouse holds.
select count(*) from raw_departments
