-- A workload file ($path) with one cell changed: the first row's outpatient visits + 1
-- (the one-month change of the incremental measurement).
select * replace (outpatient_visits + (row_number() over () = 1)::int as outpatient_visits)
from read_parquet($path)
