-- The additive measures summed over each period to compute and each department group: the
-- department itself, the hospital (ALL) and its kind (KIND:medical, KIND:surgical, ...).
-- Grain: one row per grain, period and department group, for every department and kind of the
-- department list, data or not: a group without data gets nulls, so every indicator says why.
-- Weeks sum the daily table, the other grains the monthly ones. days and workdays come with the
-- period, never summed over departments.
-- Reads: sum_periods (the periods to sum: periods.sql's rows or spans.sql's),
-- departments_in_groups (groups.sql), raw_departments, dept_day_measures,
-- dept_month_measures, dept_month_ledger_measures.
--
-- Two kinds of measures, two rules (METRICS.md: missing is null, never a silent 0):
-- * Lists of days, episodes and date ranges (dept_day_measures, dept_month_measures) are plain
--   sums over the period and the group: a day or month without rows adds nothing.
-- * Ledgers kept one row per month (dept_month_ledger_measures: finance, patient feedback,
--   appointments, supplies, equipment usage) follow the months-present rule. For one department
--   and a period P of n months (the months of P the warehouse holds), a measure is
--     - its sum, when all n months give it;
--     - null ("not kept"), when no month of P gives it: the department does not keep it;
--     - null ("unknown"), when only some months give it: a quarter whose February finance ledger
--       is missing has no revenue, rather than two months of revenue shown as the quarter's.
--   The months a department is expected to give are those of P from its start date (成立日期) to
--   its end date: before it opened or after it closed it is not incomplete.
--   A group's measure (a kind, the hospital) is the sum over its departments that are complete for
--   it (METRICS.md, "Groups over longer periods"): one small clinic missing a month never blanks
--   the hospital's quarter. How many departments that is, against how many keep the ledger in P,
--   is the group's coverage per ledger (`coverage`: a list of {ledger, included, in_group}),
--   which evaluate.sql gives each indicator. At month grain a department cannot be "unknown": one
--   without the month's ledger is left out of the group's month (the data-quality checks report
--   the missing ledger), and each of its quarters and years is unknown.
--   Each measure travels from the departments to the groups as {total, is_gap}.
--
-- The 同比 windows of partial periods (spans, grains 'yoy:<grain>') are summed like periods:
-- a window of a week adds only its own days. The year-to-date spans only their monthly ledgers.
with wanted as (
    select * from sum_periods
),

-- Spans of the same months have the same sums: the whole year before ('ly') is one span for each
-- of its twelve months, and January…M ('ytd') is again the 'ytd_ly' of M a year later. The sums
-- below are made once per set of months (a week, or a week's 同比 window, per its days), for one
-- span of the set (`summed`), and every span of the set takes them: the 156 year-to-date spans of
-- 60 held months are the 60 sets of their 'ytd' spans (ytd_sums at city scale 1.6-2.0 -> 1.0 s CPU).
keyed as (
    select
        grain,
        period,
        first_value(grain) over sets as sum_grain,
        first_value(period) over sets as sum_period
    from wanted
    window sets as (
        partition by
            case when grain in ('week', 'yoy:week') then grain || ' ' || period end,
            grain in ('ytd', 'ytd_ly', 'ly'),
            months
        order by grain, period
    )
),

summed as (
    select w.*
    from wanted w
    semi join keyed k on k.sum_grain = w.grain and k.sum_period = w.period
),

-- Every group in every period wanted: the rows of the result.
spine as (
    select w.grain, w.period, g.group_code as dept
    from wanted w
    cross join (select distinct group_code from departments_in_groups) g
),

-- Plain sums: the daily ledger per week, then every list per month, quarter and year.
-- A day belongs to the ISO week starting on its Monday: an equality join (a range join
-- `day between period_start and period_start + 6` took 2.4 s at city scale).
listed as (
    select w.grain, w.period, g.group_code as dept, sum(columns(d.* exclude (dept, day)))
    from summed w
    join dept_day_measures d
        on cast(date_trunc('week', d.day) as date) = w.period_start
        and d.day between w.first_day and w.last_day
    join departments_in_groups g on g.dept = d.dept
    where w.grain in ('week', 'yoy:week')
    group by all
    union all by name
    select
        w.grain,
        w.period,
        g.group_code as dept,
        sum(columns(m.* exclude (dept, month, drg_codes, hire_codes, leaver_codes))),
        -- not additive: the distinct DRG codes of the period and group, counted afresh
        len(list_distinct(flatten(list(m.drg_codes)))) as drg_groups,
        -- the same for the staff hired and leaving (null where no department has a roster)
        case when count(m.hire_codes) > 0
            then len(list_distinct(flatten(list(m.hire_codes)))) end as hires,
        case when count(m.leaver_codes) > 0
            then len(list_distinct(flatten(list(m.leaver_codes)))) end as leavers
    from summed w
    join dept_month_measures m on list_contains(w.months, m.month)
    join departments_in_groups g on g.dept = m.dept
    -- The year-to-date spans (periods.year_to_date_spans: ytd, ytd_ly, ly) sum the ledgers kept
    -- per month alone: the year-to-date indicators read nothing else (compute.py checks their
    -- catalogue inputs), and these lists over 180 spans cost a third of their sums at city scale.
    where w.grain not in ('week', 'yoy:week', 'ytd', 'ytd_ly', 'ly')
    group by all
),

-- A week's departments known only by the monthly ward summary (病房工作月报) in its month: they
-- have no days to sum, and evaluate.sql says so (`monthly_only`) rather than "no workload rows".
monthly_only as (
    select w.grain, w.period, g.group_code as dept, count(distinct m.dept) as monthly_only_depts
    from summed w
    join dept_month_measures m on list_contains(w.months, m.month)
    join departments_in_groups g on g.dept = m.dept
    where w.grain in ('week', 'yoy:week') and m.ward_monthly_months = 1
    group by all
),

-- The months of P each department is expected to give: those from its start to its end date.
expected as (
    select
        w.grain,
        w.period,
        d.code as dept,
        len(list_filter(w.months, lambda m:
            m >= coalesce(cast(date_trunc('month', d.start_date) as date), m)
            and m <= coalesce(d.end_date, m))) as months_expected
    from summed w
    cross join raw_departments d
    where w.grain not in ('week', 'yoy:week')
),

-- The months-present rule, per department: {sum over P, whether only some months give it}.
kept_by_department as (
    select
        w.grain,
        w.period,
        l.dept,
        {'total': sum(columns(l.* exclude (dept, month))),
         'is_gap': count(columns(l.* exclude (dept, month))) not in (0, e.months_expected)}
    from summed w
    join dept_month_ledger_measures l on list_contains(w.months, l.month)
    join expected e on e.grain = w.grain and e.period = w.period and e.dept = l.dept
    where w.grain not in ('week', 'yoy:week')
    group by w.grain, w.period, e.months_expected, l.dept
),

-- ... and per group: the sum over the departments that give it whole (a department's own group
-- has one member: unknown when it is unknown). The same aggregate counts the group's coverage of
-- each ledger (`<ledger>__coverage`: included, in_group; coverage_by_ledger below): a second
-- aggregate over the departments joined to their groups cost 0.02-0.04 s more CPU at city scale.
kept as (
    select
        k.grain,
        k.period,
        g.group_code as dept,
        sum(case when columns(k.* exclude (grain, period, dept)).is_gap then null
                 else columns(k.* exclude (grain, period, dept)).total end),
        {'included': count(case when not columns('(.*)_months$').is_gap
                                     and columns('(.*)_months$').total is not null then 1 end),
         'in_group': count(columns('(.*)_months$').total)} as '\1__coverage'
    from kept_by_department k
    join departments_in_groups g on g.dept = k.dept
    group by k.grain, k.period, g.group_code
),

-- (the sums alone: the columns period_sums gives)
kept_sums as (
    select columns(lambda c: not suffix(c, '__coverage')) from kept
),

-- A week's departments by where their workload comes from: days of the daily ledger, or only the
-- monthly ward summary of the week's month (no days to sum).
week_depts as (
    select distinct w.grain, w.period, d.dept, true as daily
    from summed w
    join dept_day_measures d
        on cast(date_trunc('week', d.day) as date) = w.period_start
        and d.day between w.first_day and w.last_day
    where w.grain in ('week', 'yoy:week')
    union all
    select w.grain, w.period, m.dept, false as daily
    from summed w
    join dept_month_measures m on list_contains(w.months, m.month)
    where w.grain in ('week', 'yoy:week') and m.ward_monthly_months = 1
),

-- The group's coverage per ledger: departments that give the ledger whole for P, of those that
-- keep it in P. One entry per monthly ledger, found by its `<ledger>_months` column, so a ledger
-- added to measures_monthly_ledgers.sql is covered without a line here; and for a week, the
-- workload: departments with days, of those with days or a monthly ward summary (a hospital's
-- week without its summary-only departments says so rather than reading as the whole hospital).
coverage_by_ledger as (
    select
        w.grain,
        w.period,
        g.group_code as dept,
        'workload' as ledger,
        count(distinct w.dept) filter (where w.daily) as included,
        count(distinct w.dept) as in_group
    from week_depts w
    join departments_in_groups g on g.dept = w.dept
    group by all
    union all
    select
        u.grain,
        u.period,
        u.dept,
        regexp_replace(u.ledger, '__coverage$', '') as ledger,
        u.counts.included,
        u.counts.in_group
    from (
        unpivot (select grain, period, dept, columns('__coverage$') from kept)
        on columns('__coverage$') into name ledger value counts
    ) u
),

coverage as (
    select
        grain,
        period,
        dept,
        -- sorted after the aggregate (by ledger, the structs' first field, one per ledger): an
        -- ordered aggregate kept a sort per group, 0.5 s more CPU per call at city scale
        list_sort(list({'ledger': ledger, 'included': included, 'in_group': in_group}))
            as coverage
    from coverage_by_ledger
    group by all
)

select
    spine.grain,
    spine.period,
    spine.dept,
    columns(listed.* exclude (grain, period, dept)),
    columns(kept_sums.* exclude (grain, period, dept)),
    coverage.coverage,
    monthly_only.monthly_only_depts,
    -- the period's (or span's) first and last day: what a formula needs of its dates (economics.sql)
    w.period_start,
    w.period_end,
    w.days,
    w.workdays,
    w.months_covered,
    w.months_in_period
from spine
join wanted w using (grain, period)
join keyed k using (grain, period)
left join listed
    on listed.grain = k.sum_grain and listed.period = k.sum_period and listed.dept = spine.dept
left join kept_sums
    on kept_sums.grain = k.sum_grain and kept_sums.period = k.sum_period
    and kept_sums.dept = spine.dept
left join coverage
    on coverage.grain = k.sum_grain and coverage.period = k.sum_period
    and coverage.dept = spine.dept
left join monthly_only
    on monthly_only.grain = k.sum_grain and monthly_only.period = k.sum_period
    and monthly_only.dept = spine.dept
