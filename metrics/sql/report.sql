-- metric_report: every indicator value with its comparisons and its status against its band.
-- prior (环比) is the period before at the same grain, yoy (同比) the same period a year earlier.
-- Periods in progress (METRICS.md): a week, quarter or year that ends after the data (data_extent)
-- is `in_progress`. A period is compared only with a period the data covers as much: 环比 only
-- between two whole periods, 同比 of a whole period only with a whole one, and 同比 of a partial
-- period with the same months (days) a year earlier (metric_windows: 累计同比). A comparison left
-- out for that says why: prior_reason / yoy_reason `partial_period`.
-- Absolute changes of a % indicator are in percentage points; relative changes are fractions of
-- the compared value's size (|compared|), so that a deficit that shrinks is a positive change.
-- Band: the department's row in the targets ledger, else the `*` row, else the catalogue default (or
-- for an indicator with `band_around`, that indicator's value ± 5 points);
-- a targets row replaces the whole band (a blank limit there means no limit on that side). Of a
-- department's (or `*`'s) rows, the one for the period's year comes first, else the one without a
-- year: next year's targets leave this year's statuses as they were.
-- Status: inside the band ok; outside by at most 10% of the band's limit watch; further alert.
-- metric_report_keyed: the same with metric_values' three ids first (the export, metrics_csv.sql,
-- reads the texts of its keys by them); metric_report leaves them out.
-- A value's 环比 and 同比 are found by the ids of the periods it is compared with, a period's
-- prior_period and yoy_period (metric_fact_periods), not by text: joining 2 M values with
-- themselves on four text keys was a third of the export at city scale. A period's coverage is
-- the period's own (metric_fact_periods), whichever value it is read with.
create or replace view metric_report_keyed as
with compared_periods as (
    select
        p.period_id,
        prior.period_id as prior_id,
        yoy.period_id as yoy_id,
        prior.months_covered = prior.months_in_period as prior_whole,
        yoy.months_covered = yoy.months_in_period as yoy_whole
    from metric_fact_periods p
    left join metric_fact_periods prior on prior.grain = p.grain and prior.period = p.prior_period
    left join metric_fact_periods yoy on yoy.grain = p.grain and yoy.period = p.yoy_period
),

-- the 同比 windows of periods in progress by the ids of their keys (a window whose keys are not
-- those of a value belongs to no value)
windows as (
    select p.period_id, d.dept_id, m.metric_id, w.value, w.months_covered, w.months_in_period
    from metric_windows w
    join metric_fact_periods p on p.grain = w.grain and p.period = w.period
    join metric_fact_depts d on d.dept = w.dept
    join metric_fact_metrics m on m.metric = w.metric
),

covered as (
    select
        v.*,
        v.grain <> 'month' and v.period_end > case v.grain
            when 'week' then x.last_workload_day
            else last_day(x.data_month)
        end as in_progress,
        v.months_covered = v.months_in_period as is_whole,
        case v.grain when 'week' then isoyear(v.period_start) else year(v.period_start) end
            as period_year,
        c.prior_id,
        c.yoy_id,
        c.prior_whole,
        c.yoy_whole
    from metric_values_keyed v
    join compared_periods c on c.period_id = v.period_id
    left join data_extent x on true
),

paired as (
    select
        v.* exclude (prior_id, yoy_id, prior_whole, yoy_whole),
        case when v.is_whole and not coalesce(v.in_progress, false) and v.prior_whole
            then prior.value end as prior_value,
        case
            when v.is_whole and not coalesce(v.in_progress, false)
                then case when v.yoy_whole then yoy.value end
            when w.months_covered = w.months_in_period then w.value
        end as yoy_value,
        prior.value is not null as has_prior,
        yoy.value is not null or w.value is not null as has_yoy
    from covered v
    left join metric_facts prior
        on prior.period_id = v.prior_id and prior.dept_id = v.dept_id
        and prior.metric_id = v.metric_id
    left join metric_facts yoy
        on yoy.period_id = v.yoy_id and yoy.dept_id = v.dept_id and yoy.metric_id = v.metric_id
    left join windows w
        on w.period_id = v.period_id and w.dept_id = v.dept_id and w.metric_id = v.metric_id
),

compared as (
    select
        v.* exclude (is_whole, has_prior, has_yoy, period_year),
        case when v.prior_value is null and v.has_prior then 'partial_period' end as prior_reason,
        case when v.yoy_value is null and v.has_yoy then 'partial_period' end as yoy_reason,
        c.unit,
        c.name_zh,
        c.name_en,
        c.family,
        (v.value - v.prior_value) * (case when c.unit = '%' then 100 else 1 end) as prior_change,
        case when v.prior_value <> 0 then (v.value - v.prior_value) / abs(v.prior_value) end
            as prior_change_rel,
        (v.value - v.yoy_value) * (case when c.unit = '%' then 100 else 1 end) as yoy_change,
        case when v.yoy_value <> 0 then (v.value - v.yoy_value) / abs(v.yoy_value) end
            as yoy_change_rel,
        case
            when own_year.metric is not null then own_year.low
            when own_target.metric is not null then own_target.low
            when all_year.metric is not null then all_year.low
            when all_target.metric is not null then all_target.low
            when c.band_around is not null then around.value - 0.05
            else c.band_low
        end as band_low,
        case
            when own_year.metric is not null then own_year.high
            when own_target.metric is not null then own_target.high
            when all_year.metric is not null then all_year.high
            when all_target.metric is not null then all_target.high
            when c.band_around is not null then around.value + 0.05
            else c.band_high
        end as band_high
    from paired v
    join metric_catalogue c on c.metric = v.metric
    -- the period's year: a week's is its ISO year (2026-W53 ends on 3 January 2027)
    left join raw_targets own_year on own_year.dept = v.dept and own_year.metric = v.metric
        and own_year.year = v.period_year
    left join raw_targets own_target on own_target.dept = v.dept and own_target.metric = v.metric
        and own_target.year is null
    left join raw_targets all_year on all_year.dept = '*' and all_year.metric = v.metric
        and all_year.year = v.period_year
    left join raw_targets all_target on all_target.dept = '*' and all_target.metric = v.metric
        and all_target.year is null
    -- a band around another indicator's value (catalogue band_around): time_progress ± 5 points.
    -- Only those indicators' values are hashed (a join with every value cost a fifth of the view's
    -- CPU at city scale).
    left join (
        select period_id, dept_id, metric, value
        from metric_values_keyed
        where metric in (select band_around from metric_catalogue)
    ) around
        on c.band_around is not null and around.period_id = v.period_id
        and around.dept_id = v.dept_id and around.metric = c.band_around
)

select
    *,
    case
        when value is null or (band_low is null and band_high is null) then null
        -- a hair of tolerance so that a value on the limit is not lost to floating point
        when (band_low is null or value >= band_low - 1e-12)
             and (band_high is null or value <= band_high + 1e-12) then 'ok'
        when band_low is not null and value < band_low
            then case when band_low - value <= 0.1 * abs(band_low) + 1e-12 then 'watch' else 'alert' end
        else case when value - band_high <= 0.1 * abs(band_high) + 1e-12 then 'watch' else 'alert' end
    end as status
from compared;

create or replace view metric_report as
select * exclude (period_id, dept_id, metric_id) from metric_report_keyed;
