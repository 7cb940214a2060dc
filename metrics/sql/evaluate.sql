-- Every formula evaluated: value = numerator / denominator × scale. A value whose input is missing
-- or whose denominator is zero is null, with a reason code from the catalogue; never a silent 0.
-- Weekly rows are kept only for the indicators the catalogue marks weekly (daily-ledger ones).
-- Each value carries how much of its period the data covers (months_covered of months_in_period,
-- days for a week: periods.sql) and, for a department kind or the hospital, how many departments
-- its ledger kept per month covers (depts_included of depts_in_group: period_sums.sql), from the
-- first input of the indicator that is kept per month.
-- Reads: formulas (grain, period, dept, metric, numerator, denominator), metric_catalogue,
-- periods, period_sums.
--
-- The reason for a null value, first that applies:
-- 1. a ledger the indicator needs (catalogue `inputs`) is missing for the group and period (the
--    DRG weights ledger: for the whole warehouse): the
--    daily ledger has no row in P (`monthly_only` for a week of a department, or a group, that the
--    monthly ward summary alone gives), a monthly ledger breaks the months-present rule
--    (period_sums.sql), or no department of the group has a roster;
-- 2. the numerator is unknown: the catalogue's `missing`;
-- 3. the denominator is unknown: `missing_denominator` (else `missing`);
-- 4. the denominator is zero: `zero` (else `missing`).
with ledgers_missing as (
    select
        grain,
        period,
        dept,
        [l.ledger for l in [
            {'ledger': 'workload', 'missing': workload_days is null},
            {'ledger': 'finance', 'missing': finance_months is null},
            {'ledger': 'patient_feedback', 'missing': patient_feedback_months is null},
            {'ledger': 'appointments', 'missing': appointments_months is null},
            {'ledger': 'supplies', 'missing': supplies_months is null},
            {'ledger': 'equipment_usage', 'missing': equipment_usage_months is null},
            {'ledger': 'staffing', 'missing': all_fte_days is null},
            {'ledger': 'drg_weights', 'missing': not exists (select 1 from raw_drg_weights)},
            {'ledger': 'complaints', 'missing': not exists (select 1 from raw_complaints)}
        ] if l.missing] as ledgers,
        monthly_only_depts,
        -- A group's coverage goes to its values always (their depts_included); a department's (one
        -- member: 0 or 1 of 1) only where an entry is partial, the one case it changes a value or
        -- reason below (partial_mix): elsewhere it would give nothing but a covered entry that no
        -- case reads. A list carried to each of a department's values cost 0.2 s CPU at city scale.
        case when dept = 'ALL' or dept like 'KIND:%'
                  or list_bool_or(list_transform(coverage, lambda c: c.included < c.in_group))
            then coverage end as coverage
    from (
        select * from period_sums
        -- the year-to-date indicators' ledgers over January to the month (periods.year_to_date_spans)
        union all by name
        select * replace ('ytd' as grain) from ytd_sums where grain = 'ytd'
    )
),

formula_values as (
    select
        f.grain,
        f.period,
        f.dept,
        f.metric,
        case
            when f.numerator is null or f.denominator is null or f.denominator = 0 then null
            else cast(f.numerator as double) / cast(f.denominator as double) * c.scale
        end as value,
        cast(f.numerator as double) as numerator,
        cast(f.denominator as double) as denominator,
        c.inputs,
        c.to_date,
        c.missing,
        c.missing_denominator,
        c.zero,
        p.prior_period,
        p.yoy_period,
        p.period_start,
        p.period_end,
        p.months_covered,
        p.months_in_period
    from formulas f
    join metric_catalogue c on c.metric = f.metric
    join periods p on p.grain = f.grain and p.period = f.period
    where f.grain not in ('week', 'yoy:week') or c.weekly
),

-- Only a null value, or a value of a group (its coverage), needs the ledgers of its group and
-- period. A department's known value joins with a null key, which the hash join drops before
-- hashing: hashing grain, period and department of every value took 0.7 s at city scale. Every
-- group and period of period_sums has its row here, so the left join keeps exactly the rows an
-- inner join would. The list functions run inside a case on the joined row, so only for the rows
-- that found one (a third): over every value they cost 0.13 s more CPU at city scale, for nulls.
covered as (
    select
        v.*,
        case when m.ledgers is not null
            then list_filter(v.inputs, lambda i: list_contains(m.ledgers, i))[1] end
            as missing_input,
        -- the coverage of the indicator's first input that is kept per month
        case when m.coverage is not null then list_filter(
            list_transform(v.inputs, lambda i: list_filter(m.coverage, lambda c: c.ledger = i)[1]),
            lambda c: c is not null
        )[1] end as covered,
        case when m.coverage is not null
            then list_transform(m.coverage, lambda c: c.ledger) end as covered_ledgers,
        m.monthly_only_depts
    from formula_values v
    left join ledgers_missing m
        on m.grain = case when v.to_date then 'ytd' else v.grain end
        and m.period = v.period
        and m.dept = case
            when v.value is null or v.dept = 'ALL' or v.dept like 'KIND:%' then v.dept
        end
),

-- A group's value that mixes a ledger kept per month, summed over the departments complete for
-- the period, with one that lists days or episodes, summed over every department (revenue per
-- visit: the finance of 80 departments over the visits of 81), would compare unlike sets: when
-- the coverage is partial it is not available, for the want of that monthly ledger. So for a
-- week's workload of the departments with days over, say, the roster of every department.
evaluated as (
    select
        * exclude (inputs, missing_input, to_date, covered_ledgers),
        -- (null where there is no coverage: read as false below, as `null and ...` was)
        case when covered.included < covered.in_group
            then len(list_filter(inputs, lambda i: not list_contains(covered_ledgers, i))) > 0
        end as partial_mix,
        case when partial_mix then covered.ledger else missing_input end as missing_input
    from covered
)

select
    grain,
    period,
    dept,
    metric,
    case when not coalesce(partial_mix, false) then value end as value,
    numerator,
    denominator,
    case
        when value is not null and not coalesce(partial_mix, false) then null
        when missing_input = 'workload' and monthly_only_depts > 0 then 'monthly_only'
        when missing_input = 'workload' then 'no_workload'
        when missing_input = 'finance' then 'no_finance'
        when missing_input = 'patient_feedback' then 'no_feedback'
        when missing_input = 'appointments' then 'no_appointments'
        when missing_input = 'supplies' then 'no_supplies'
        when missing_input = 'equipment_usage' then 'no_equipment'
        when missing_input = 'staffing' then 'no_staffing'
        when missing_input = 'drg_weights' then 'no_drg_weights'
        when missing_input = 'complaints' then 'no_complaints_register'
        when numerator is null then missing
        when denominator is null then coalesce(missing_denominator, missing)
        else coalesce(zero, missing)
    end as reason,
    prior_period,
    yoy_period,
    period_start,
    period_end,
    months_covered,
    months_in_period,
    case when dept = 'ALL' or dept like 'KIND:%' then covered.included end as depts_included,
    case when dept = 'ALL' or dept like 'KIND:%' then covered.in_group end as depts_in_group
from evaluated
