-- The ledgers each department is expected to keep for a month, and whether and when they came.
-- Grain: one row per department, month and ledger kind expected. Read by the completeness and
-- timeliness checks (workload_days_missing, finance_missing, feedback_missing, appointments_missing,
-- ledger_late) and by ledger_quality. Reads the staged ledgers, the discharges as dq_episode_months
-- (episode_months.sql: every file's episodes by month).
-- Expected:
--   workload          the department has workload rows in the month or in the
--                     $workload_history_months months before; one row a day up to the day before
--                     $today (the ward reports yesterday this morning); not a month the
--                     monthly ward summary (病房工作月报) gives for the department
--   discharges        the ward reported discharges in the month
--   finance           the department has beds: open beds in the month, or authorised beds
--   patient_feedback  the department had outpatient visits in the month
--   appointments      the department had outpatient visits in the month
--   supplies          the department kept the supplies ledger the month before
--   equipment_usage   a device of the department reported its use the month before
-- A monthly ledger is expected only once its month is over ($today after its last day), and only
-- of a hospital that keeps that ledger kind at all (some row in any month): a hospital without a
-- finance ledger is told so once in its reports, not once per department and month.
-- Present: the department has rows of the month in the ledger (any file). Arrived: the earliest
-- first sight of the files holding those rows (ledger_files.first_seen: when the pipeline first
-- saw the file's content, or its modified time then if earlier; a later re-save or copy of the same
-- content does not move it). Due: the $due_day of the following month.
-- A file also holding later months (a yearly workbook saved again each month) was saved for
-- those: its time says when the month arrived only if it is on time. Where every file holding the
-- month holds later ones too and was saved after the due day, when the month came is not known
-- (is_arrival_known false): it is not called late.
-- Parameters: $months (first days of the months), $today, $workload_history_months, $due_day.
with months as (
    select
        unnest($months::date[]) as month
),

periods as (
    select
        month,
        cast(month + interval 1 month + to_days(cast($due_day as integer) - 1) as date) as due_date,
        -- days of the month the daily ledger should hold by now
        greatest(0, least(last_day(month), cast($today as date) - 1) - month + 1) as days_expected,
        last_day(month) < cast($today as date) as is_over
    from months
),

-- every department-month of each monthly or daily ledger, with the file the rows came from (the
-- daily and per-episode ledgers' rows made distinct first: 4 M episodes at city scale, joined
-- to their files and grouped twice, took 1.7 s of CPU where their 12 k department-months
-- take a fraction; what reads them takes the least, the most or any, unchanged by repeats)
ledger_rows as (
    select distinct
        'workload' as ledger, dept, cast(date_trunc('month', date) as date) as month, source_file
    from staged_workload
    union all
    select distinct 'discharges', dept, month, source_file
    from dq_episode_months
    union all
    select 'finance', dept, month, source_file from staged_finance
    union all
    select 'supplies', dept, month, source_file from staged_supplies
    union all
    select 'patient_feedback', dept, month, source_file from staged_patient_feedback
    union all
    select 'appointments', dept, month, source_file from staged_appointments
    union all
    select 'equipment_usage', e.dept, u.month, u.source_file
    from staged_equipment_usage u
    join raw_equipment e on e.asset_code = u.asset_code
),

last_month_of_file as (
    select ledger, source_file, max(month) as last_month
    from ledger_rows
    group by all
),

arrivals as (
    select
        r.ledger,
        r.dept,
        r.month,
        min(f.first_seen) as arrived_at,
        arg_min(f.file, f.first_seen) as arrival_file,
        bool_or(l.last_month = r.month) as is_last_month_of_a_file
    from ledger_rows r
    join ledger_files f on f.file = r.source_file
    join last_month_of_file l on l.ledger = r.ledger and l.source_file = r.source_file
    group by all
),

ward as (
    select
        w.dept,
        cast(date_trunc('month', w.date) as date) as month,
        count(distinct w.date) filter (where w.date < cast($today as date)) as days_present,
        max(w.open_beds) as open_beds,
        coalesce(sum(w.discharges), 0) > 0 as has_discharges,
        sum(w.outpatient_visits) as outpatient_visits
    from raw_workload w
    group by all
),

workload_reporters as (
    select distinct p.month, w.dept
    from periods p
    join ward w
        on w.month between p.month - to_months(cast($workload_history_months as integer)) and p.month
    where p.days_expected > 0
    -- a month the monthly ward summary gives is not expected by day (病房工作月报)
    and not exists (select 1 from raw_ward_monthly m where m.dept = w.dept and m.month = p.month)
),

beds as (
    -- open beds in the month's daily ledger, else the authorised beds of the department list
    select p.month, d.code as dept, coalesce(w.open_beds, d.beds_authorised) as open_beds
    from periods p
    cross join raw_departments d
    left join ward w on w.dept = d.code and w.month = p.month
    where p.is_over and coalesce(w.open_beds, 0) + coalesce(d.beds_authorised, 0) > 0
),

expected as (
    select dept, month, 'workload' as ledger from workload_reporters
    union all
    select w.dept, w.month, 'discharges'
    from ward w join periods p using (month) where p.is_over and w.has_discharges
    union all
    select dept, month, 'finance' from beds
    union all
    select w.dept, w.month, unnest(['patient_feedback', 'appointments'])
    from ward w join periods p using (month) where p.is_over and w.outpatient_visits > 0
    union all
    select distinct s.dept, p.month, 'supplies'
    from periods p join raw_supplies s on s.month = p.month - interval 1 month
    where p.is_over
    union all
    select distinct e.dept, p.month, 'equipment_usage'
    from periods p
    join raw_equipment_usage u on u.month = p.month - interval 1 month
    join raw_equipment e on e.asset_code = u.asset_code
    where p.is_over
)

select
    e.dept,
    e.month,
    strftime(e.month, '%Y-%m') as period,
    e.ledger,
    a.arrived_at is not null as is_present,
    a.arrived_at,
    a.arrival_file,
    a.arrived_at is not null
    and (cast(a.arrived_at as date) <= p.due_date or a.is_last_month_of_a_file) as is_arrival_known,
    p.due_date,
    case when e.ledger = 'workload' then p.days_expected end as days_expected,
    case when e.ledger = 'workload' then coalesce(w.days_present, 0) end as days_present,
    b.open_beds,
    w.outpatient_visits
from expected e
join periods p on p.month = e.month
semi join raw_departments d on d.code = e.dept
semi join (select distinct ledger from ledger_rows) kept on kept.ledger = e.ledger
left join arrivals a on a.ledger = e.ledger and a.dept = e.dept and a.month = e.month
left join ward w on w.dept = e.dept and w.month = e.month
left join beds b on b.dept = e.dept and b.month = e.month
