-- The additive measures summed over each period to compute and each department group:
-- the department itself, the hospital (ALL) and its kind (KIND:medical, KIND:surgical, ...).
-- Grain: one row per grain, period and department group. Weeks sum the daily table, the other
-- grains the monthly one. days and workdays come with the period, never summed over departments.
-- Reads: periods_to_compute (grain, period), periods, dept_month_measures, dept_day_measures.
with groups as (
    select code as dept, code as group_code from raw_departments
    union all
    select code, 'ALL' from raw_departments
    union all
    select code, 'KIND:' || kind from raw_departments
),

wanted as (
    select p.*
    from periods p
    semi join periods_to_compute c on c.grain = p.grain and c.period = p.period
),

monthly as (
    select w.grain, w.period, g.group_code as dept, sum(columns(m.* exclude (dept, month)))
    from wanted w
    join dept_month_measures m on list_contains(w.months, m.month)
    join groups g on g.dept = m.dept
    where w.grain <> 'week'
    group by all
),

weekly as (
    select w.grain, w.period, g.group_code as dept, sum(columns(d.* exclude (dept, day)))
    from wanted w
    join dept_day_measures d on d.day between w.period_start and w.period_start + 6
    join groups g on g.dept = d.dept
    where w.grain = 'week'
    group by all
),

sums as (
    select * from monthly
    union all by name
    select * from weekly
)

select sums.*, w.days, w.workdays
from sums
join wanted w using (grain, period)
