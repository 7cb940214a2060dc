-- The improvement measures (actions ledger) whose effect is computed (METRICS.md, 实施效果), each
-- with an id that names its windows. The windows' months (how many after the start month the data
-- holds among them) are metrics/periods.py's to count: metrics.effects.windows.
-- Grain: one row per measure, in the order of actions.csv (department, start date, measure).
-- Reads: raw_actions.
select
    cast(row_number() over (order by dept, start_date, measure) as varchar) as id,
    dept,
    measure,
    metric,
    owner,
    start_date,
    due_date,
    status,
    done_date,
    target
from raw_actions
