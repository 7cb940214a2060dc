-- Additive measures per department and month from the ledgers that list days, episodes or date
-- ranges: the daily workload ledger, discharged episodes, the staff roster and the equipment register.
-- Grain: one row per department and month. Every indicator at every grain and group is a formula
-- over sums of these columns and of measures_monthly_ledgers.sql's (METRICS.md, "Periods and
-- aggregation"): never a mean of ratios.
--
-- These measures are plain sums: what the ledger lists is what happened. A day without a workload
-- row, a month without a discharged episode, a month without anyone in post add nothing (a missing
-- day of the daily ledger is for the data-quality checks). A measure is null only where the ledger
-- never gives it in the month: a ward without a clinic column, a department without beds, a
-- department with no roster at all; a sum over nothing but nulls stays null, never 0.
-- Ledger numbers with decimals (fte, hours, minutes, quantities) are summed as exact decimals,
-- decimal(38, 10): a sum of doubles depends on the order DuckDB's threads add them in, and two
-- runs on the same rows would differ in the last binary digit.
-- Parameters: $months (first days of the months to compute).
with months as (
    select unnest($months::date[]) as month
),

-- The daily workload ledger, summed per month (blank cells skipped; all blank stays null).
daily as (
    select
        dept,
        cast(date_trunc('month', day) as date) as month,
        sum(outpatient_visits) as outpatient_visits,
        sum(emergency_visits) as emergency_visits,
        sum(admissions) as admissions,
        sum(discharges) as discharges,
        sum(surgeries) as surgeries,
        sum(exams) as exams,
        sum(available_bed_days) as available_bed_days,
        sum(occupied_bed_days) as occupied_bed_days,
        sum(workload_days) as workload_days
    from dept_day_measures
    where date_trunc('month', day) in (select month from months)
    group by all
),

-- The monthly ward summary (病房工作月报) of a hospital whose information system gives no daily
-- rows: its department-month stands in for the daily ledger's, with the same measures, so the
-- bed and workload indicators of months, quarters, years and groups are the same formulas. A
-- department-month the daily ledger holds keeps the daily rows (they carry the days the weekly
-- indicators need): the summary of that month is ignored. Open bed-days are given, or else the
-- average open beds × the month's days. Like the daily ledger (measures_daily.sql), a file that
-- never gives a department's emergency visits says it has no emergency service: 0.
-- workload_days counts the month's days (the ledger is there); ward_monthly_months marks the
-- department-month known only by month, which the weekly indicators report (period_sums.sql).
ward_monthly as (
    select
        m.dept,
        m.month,
        m.outpatient_visits,
        case when m.emergency_given = 0 then 0 else m.emergency_visits end as emergency_visits,
        m.admissions,
        m.discharges,
        m.surgeries,
        cast(null as integer) as exams,
        coalesce(m.available_bed_days::decimal(38, 10),
                 m.avg_open_beds::decimal(38, 10) * day(last_day(m.month))) as available_bed_days,
        m.occupied_bed_days,
        day(last_day(m.month)) as workload_days,
        1 as ward_monthly_months
    from (
        select *, count(emergency_visits) over (partition by source_file, dept) as emergency_given
        from raw_ward_monthly
    ) m
    anti join daily d on d.dept = m.dept and d.month = m.month
    where m.month in (select month from months)
),

workload as (
    select * from daily
    union all by name
    select * from ward_monthly
),

-- Each episode with its DRG weights row (the view discharges_weighted.sql: grouped, weight, ...).
weighted as (
    select *
    from discharges_weighted
    where date_trunc('month', discharge_date) in (select month from months)
),

-- Episodes count in the month of their discharge date. LOS = discharge − admission, 0 counted as 1.
-- A denominator counts the episodes whose field is recorded, so a blank cell is not read as "no".
-- A conditional count or sum is written `count(case when c then 1 end)`, `sum(case when c then x
-- end)`, not with a FILTER clause: the same rows (a case without else is null where c is not true,
-- which count and sum skip) at about 0.3 s less CPU over 4.0 M episodes (DuckDB 2.0, city scale).
episodes as (
    select
        dept,
        cast(date_trunc('month', discharge_date) as date) as month,
        count(*) as episodes,
        sum(greatest(discharge_date - admit_date, 1)) as los_days,
        count(surgery_date) as surgical_episodes,
        coalesce(sum(surgery_date - admit_date), 0) as preop_days,
        count(case when surgery_date is not null and surgery_grade in (3, 4) then 1 end)
            as grade34_episodes,
        count(outcome) as outcome_episodes,
        count(case when outcome = 'cured' then 1 end) as cured_episodes,
        count(case when outcome in ('cured', 'improved') then 1 end) as cured_improved_episodes,
        -- death from 转归 or from 离院方式 (病案首页 code 5): either column may be the one kept
        count(case when outcome = 'died' or discharge_mode = 'died' then 1 end) as died_episodes,
        count(complication) as complication_recorded_episodes,
        count(case when complication then 1 end) as complication_episodes,
        count(total_cost) as costed_episodes,
        sum(total_cost) as episode_total_cost,
        -- the drug share pairs each episode's drug cost with its own total: both must be known
        sum(case when total_cost is not null then drug_cost end) as episode_drug_cost,
        sum(case when drug_cost is not null then total_cost end) as episode_total_cost_with_drug,
        count(case when surgery_date is not null and surgery_grade = 4 then 1 end)
            as grade4_episodes,
        -- surgery_cost_per_case: over the operated episodes whose cost is recorded
        count(case when surgery_date is not null then total_cost end) as surgical_costed_episodes,
        sum(case when surgery_date is not null then total_cost end) as surgical_total_cost,
        -- insured_share: 自费 / self-pay is uninsured; a blank payer is unknown
        count(payer) as payer_episodes,
        count(case when payer is not null and lower(trim(payer)) not in (
            '自费', '自付', '全自费', 'self-pay', 'self pay', 'selfpay', 'self-paid', 'uninsured')
            then 1 end) as insured_episodes,
        -- insurance_fund_share pairs the fund's payment with the episode's own total
        sum(case when total_cost is not null then insurance_paid end) as insurance_paid,
        sum(case when insurance_paid is not null then total_cost end) as insurance_cost,
        -- DRG/DIP settlement: over episodes with a payment standard and a cost
        count(case when drg_payment is not null and total_cost is not null then 1 end)
            as drg_paid_episodes,
        sum(drg_payment - total_cost) as drg_margin,
        count(case when total_cost > drg_payment then 1 end) as drg_overspend_episodes,
        -- case mix: grouped episodes only (weights from drg_weights)
        -- unknown, not 0, without a weights ledger (the indicators then say no_drg_weights)
        case when exists (select 1 from raw_drg_weights)
            then count(case when grouped then 1 end) end as drg_cases,
        sum(case when grouped then weight::decimal(38, 10) end) as total_weight,
        -- ratios summed as exact decimals, so that the sum does not depend on the order DuckDB's
        -- threads add them in
        sum(case when grouped and total_cost is not null
            then (total_cost::double / benchmark_cost::double)::decimal(38, 18) end)
            as cost_ratio_sum,
        count(case when grouped and benchmark_cost is not null and total_cost is not null
            then 1 end) as cost_indexed_cases,
        sum(case when grouped
            then (greatest(discharge_date - admit_date, 1) / benchmark_los::double)::decimal(38, 18)
            end) as time_ratio_sum,
        count(case when grouped and benchmark_los is not null then 1 end) as time_indexed_cases,
        count(case when grouped and low_risk then 1 end) as low_risk_cases,
        count(case when grouped and low_risk and (outcome = 'died' or discharge_mode = 'died')
            then 1 end) as low_risk_died
    from weighted
    group by all
),

-- DRG groups are not additive: the codes travel as a list, counted afresh per period. The distinct
-- codes are found on their own (2.3 M department-month-code triples at city scale): as a distinct
-- aggregate beside the sums above they cost 1.5-2 s more CPU. Sorted, so that the stored list is
-- the same on every run (the distinct hands the codes on in no set order).
drg_lists as (
    select dept, month, list(drg order by drg) as drg_codes
    from (
        select distinct dept, cast(date_trunc('month', discharge_date) as date) as month, drg
        from weighted
        where grouped
    )
    group by all
),

-- Days each large device was in service in the month (purchase to retirement, both inclusive).
large_devices as (
    select
        e.dept,
        m.month,
        sum(
            least(coalesce(e.retired_date, last_day(m.month)), last_day(m.month))
            - greatest(coalesce(e.purchase_date, m.month), m.month) + 1
        ) as large_device_days
    from raw_equipment e
    cross join months m
    where e.large
      and coalesce(e.purchase_date, m.month) <= last_day(m.month)
      and coalesce(e.retired_date, m.month) >= m.month
    group by all
),

-- Hires and leavers (METRICS.md, Staffing): a posting that starts with no posting of the same
-- staff code in the department the day before is a hire; one that ends with none the day after
-- is a leaver. A new contract or title from the next day (a second row) is neither, and a person
-- who leaves and is rehired later is a leaver once and a hire once.
postings as (
    select
        s.*,
        not exists (
            select 1 from raw_staffing o
            where o.dept = s.dept and o.staff_code = s.staff_code
              and o.start_date <= s.start_date - 1
              and coalesce(o.end_date, s.start_date) >= s.start_date - 1
        ) as is_hire,
        s.end_date is not null and not exists (
            select 1 from raw_staffing o
            where o.dept = s.dept and o.staff_code = s.staff_code
              and o.start_date <= s.end_date + 1
              and coalesce(o.end_date, s.end_date + 1) >= s.end_date + 1
        ) as is_leaver
    from raw_staffing s
),

-- FTE-days: for each day of the month, the fte of every roster row in post that day; staff-days
-- count each posting 1 a day whatever its fte (the turnover rate's headcount).
posting_months as (
    select
        s.dept,
        m.month,
        s.role,
        s.title,
        s.staff_code,
        least(coalesce(s.end_date, last_day(m.month)), last_day(m.month))
            - greatest(s.start_date, m.month) + 1 as staff_days,
        s.fte::decimal(38, 10) * (least(coalesce(s.end_date, last_day(m.month)), last_day(m.month))
                 - greatest(s.start_date, m.month) + 1) as fte_days,
        -- The roster gives training hours per posting with no date of their own: they count in
        -- the month the posting starts (only without a training ledger, below).
        case when date_trunc('month', s.start_date) = m.month
            then s.training_hours::decimal(38, 10) end as training_hours
    from postings s
    join months m
      on s.start_date <= last_day(m.month)
     and coalesce(s.end_date, m.month) >= m.month
),

-- The staff codes hired or leaving per department and month (not additive: counted afresh per
-- period, a code twice in a period is one person), kept as dept|code so a group sums its
-- departments. A hire counts in its posting's first month, a leaver in its last (end_date is never
-- before start_date: the ledger's rule), so from the postings themselves: as distinct lists over
-- the 0.5 M posting-months at city scale they cost 0.1 s more CPU.
staff_moves as (
    select
        dept,
        month,
        list(distinct code) filter (where hire) as hire_codes,
        list(distinct code) filter (where not hire) as leaver_codes
    from (
        select dept, cast(date_trunc('month', start_date) as date) as month,
               dept || '|' || staff_code as code, true as hire
        from postings
        where is_hire
        union all
        select dept, cast(date_trunc('month', end_date) as date), dept || '|' || staff_code, false
        from postings
        where is_leaver
    )
    group by all
),

-- The training ledger dates the hours: they count in the month they happen. When it holds any
-- row it is the source of training hours, and the roster's column is ignored (LEDGERS.md).
dated_training as (
    select dept, cast(date_trunc('month', date) as date) as month,
           sum(hours::decimal(38, 10)) as training_hours
    from raw_training
    where date_trunc('month', date) in (select month from months)
    group by all
),

-- A department with a roster has staffing measures every month, 0 when nobody is in post; one
-- without a roster has none (null: staffing unknown, never 0 doctors). Training hours are null for
-- a department whose roster records no training hours at all, where no training ledger is kept.
rostered as (
    select
        dept,
        bool_or(training_hours is not null)
            or exists (select 1 from raw_training) as records_training
    from raw_staffing
    group by dept
),

-- The postings' sums per department and month, before the department-months are joined with
-- their training hours and staff moves (a posting-month joined with them first carried them
-- each: 0.5 M rows at city scale where there are 12,000 department-months).
posted as (
    select
        dept,
        month,
        sum(fte_days) as all_fte_days,
        sum(fte_days) filter (where role = 'doctor') as doctor_fte_days,
        sum(fte_days) filter (where role = 'nurse') as nurse_fte_days,
        sum(fte_days) filter (where role = 'technician') as technician_fte_days,
        sum(fte_days) filter (where role = 'doctor' and title in ('senior', 'associate'))
            as senior_doctor_fte_days,
        sum(fte_days) filter (where role = 'nurse'
                                and title in ('senior', 'associate', 'intermediate'))
            as senior_nurse_fte_days,
        sum(staff_days) as staff_days,
        sum(training_hours) as training_hours
    from posting_months
    group by dept, month
),

staffing as (
    select
        r.dept,
        m.month,
        coalesce(p.all_fte_days, 0) as all_fte_days,
        coalesce(p.doctor_fte_days, 0) as doctor_fte_days,
        coalesce(p.nurse_fte_days, 0) as nurse_fte_days,
        coalesce(p.technician_fte_days, 0) as technician_fte_days,
        coalesce(p.senior_doctor_fte_days, 0) as senior_doctor_fte_days,
        coalesce(p.senior_nurse_fte_days, 0) as senior_nurse_fte_days,
        coalesce(p.staff_days, 0) as staff_days,
        coalesce(h.hire_codes, []) as hire_codes,
        coalesce(h.leaver_codes, []) as leaver_codes,
        case
            when exists (select 1 from raw_training) then coalesce(t.training_hours, 0)
            when r.records_training then coalesce(p.training_hours, 0)
        end as training_hours
    from rostered r
    cross join months m
    left join posted p on p.dept = r.dept and p.month = m.month
    left join dated_training t on t.dept = r.dept and t.month = m.month
    left join staff_moves h on h.dept = r.dept and h.month = m.month
),

-- The complaints register (投诉登记): complaints count in the month they were made; closed in
-- time = closed within 15 days of the complaint (an open one is not).
registered_complaints as (
    select
        dept,
        cast(date_trunc('month', date) as date) as month,
        count(*) as registered_complaints,
        count(*) filter (where closed_date - date <= 15) as complaints_closed_in_time
    from raw_complaints
    where date_trunc('month', date) in (select month from months)
    group by all
),

spine as (
    select dept, month from workload
    union select dept, month from episodes
    union select dept, month from large_devices
    union select dept, month from staffing
    union select dept, month from registered_complaints
)

select
    spine.dept,
    spine.month,
    columns(workload.* exclude (dept, month)),
    columns(episodes.* exclude (dept, month)),
    drg_lists.drg_codes,
    columns(large_devices.* exclude (dept, month)),
    columns(staffing.* exclude (dept, month)),
    columns(registered_complaints.* exclude (dept, month))
from spine
left join workload using (dept, month)
left join episodes using (dept, month)
left join drg_lists using (dept, month)
left join large_devices using (dept, month)
left join staffing using (dept, month)
left join registered_complaints using (dept, month)
