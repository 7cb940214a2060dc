-- metric_report: every indicator value with its comparisons and its status against its band.
-- prior (环比) is the period before at the same grain, yoy (同比) the same period a year earlier.
-- Absolute changes of a % indicator are in percentage points; relative changes are fractions of
-- the compared value's size (|compared|), so that a deficit that shrinks is a positive change.
-- Band: the department's row in the targets ledger, else the `*` row, else the catalogue default;
-- a targets row replaces the whole band (a blank limit there means no limit on that side).
-- Status: inside the band ok; outside by at most 10% of the band's limit watch; further alert.
create or replace view metric_report as
with compared as (
    select
        v.*,
        c.unit,
        c.name_zh,
        c.name_en,
        c.family,
        prior.value as prior_value,
        yoy.value as yoy_value,
        (v.value - prior.value) * (case when c.unit = '%' then 100 else 1 end) as prior_change,
        case when prior.value <> 0 then (v.value - prior.value) / abs(prior.value) end
            as prior_change_rel,
        (v.value - yoy.value) * (case when c.unit = '%' then 100 else 1 end) as yoy_change,
        case when yoy.value <> 0 then (v.value - yoy.value) / abs(yoy.value) end
            as yoy_change_rel,
        case
            when own_target.metric is not null then own_target.low
            when all_target.metric is not null then all_target.low
            else c.band_low
        end as band_low,
        case
            when own_target.metric is not null then own_target.high
            when all_target.metric is not null then all_target.high
            else c.band_high
        end as band_high
    from metric_values v
    join metric_catalogue c on c.metric = v.metric
    left join raw_targets own_target on own_target.dept = v.dept and own_target.metric = v.metric
    left join raw_targets all_target on all_target.dept = '*' and all_target.metric = v.metric
    left join metric_values prior
        on prior.grain = v.grain and prior.period = v.prior_period
        and prior.dept = v.dept and prior.metric = v.metric
    left join metric_values yoy
        on yoy.grain = v.grain and yoy.period = v.yoy_period
        and yoy.dept = v.dept and yoy.metric = v.metric
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
from compared
