-- The effect of each improvement measure (METRICS.md, 实施效果): its indicator over the 6 months
-- before the start month (before) and up to 6 after it (after), the same windows a year earlier
-- (before_ly, after_ly), and effect = (after − before) − (after_ly − before_ly), the change beyond
-- last year's seasonal move; without both year-ago windows, after − before (seasonal = false).
-- Fewer than $min_months_after months after the start, or no value before or after: 数据不足
-- (insufficient_data), no effect. Values in the indicator's unit (a % as a fraction).
-- A count (denominator 1) is taken per month of its window, so that 3 months after compare with 6
-- before. verdict: improved / worsened / unchanged by the indicator's direction; for an indicator
-- without one (a band, none), towards the measure's target (a % target written 30 is 0.30) from
-- `before`; no_direction without either; not_evaluated for a measure without an indicator.
-- Grain: one row per measure. Reads: effect_actions, effect_values (evaluate.sql over
-- effects.windows), periods (those windows: the 'effect_after' one's months_in_period is how many
-- months after the start it covers), metric_catalogue. Parameters: $min_months_after.
with windows as (
    select
        period as id,
        dept,
        metric,
        grain,
        -- a count (denominator 1: visits, complaints) per month, so that windows of different
        -- lengths compare; a ratio is already one
        case
            when months_in_period = 0 or months_covered < months_in_period then null
            when denominator = 1 then value / months_covered
            else value
        end as value,
        denominator = 1 as per_month,
        months_covered
    from effect_values
),

pivoted as (
    select
        a.*,
        cast(coalesce(p.months_in_period, 0) as bigint) as after_months,
        c.unit,
        c.direction,
        max(w.months_covered) filter (where w.grain = 'effect_before') as months_before,
        max(w.value) filter (where w.grain = 'effect_before') as before,
        max(w.value) filter (where w.grain = 'effect_after') as after,
        max(w.value) filter (where w.grain = 'effect_before_ly') as before_ly,
        max(w.value) filter (where w.grain = 'effect_after_ly') as after_ly,
        coalesce(bool_or(w.per_month), false) as per_month
    from effect_actions a
    left join periods p on p.grain = 'effect_after' and p.period = a.id
    left join metric_catalogue c on c.metric = a.metric
    left join windows w on w.id = a.id and w.dept = a.dept and w.metric = a.metric
    group by all
),

judged as (
    select
        *,
        a.metric is not null and a.after_months >= $min_months_after
            and a.before is not null and a.after is not null as evaluable,
        a.before_ly is not null and a.after_ly is not null as seasonal,
        case when a.unit = '%' and a.target > 1 then a.target / 100 else a.target end
            as target_value
    from pivoted a
),

effects as (
    select
        *,
        case
            when not evaluable then null
            when seasonal then (after - before) - (after_ly - before_ly)
            else after - before
        end as effect,
        case
            when direction = 'up' then 1
            when direction = 'down' then -1
            when target_value is not null and target_value <> before then sign(target_value - before)
        end as good_way
    from judged
)

select
    id,
    dept,
    measure,
    metric,
    owner,
    start_date,
    due_date,
    status,
    done_date,
    target_value as target,
    coalesce(months_before, 0) as months_before,
    case when metric is null then 0 else after_months end as months_after,
    before,
    after,
    before_ly,
    after_ly,
    effect,
    seasonal,
    per_month,
    case
        when metric is null then 'not_evaluated'
        when not evaluable then 'insufficient_data'
        when good_way is null then 'no_direction'
        when effect * good_way > 0 then 'improved'
        when effect * good_way < 0 then 'worsened'
        else 'unchanged'
    end as verdict
from effects
order by cast(id as integer)
