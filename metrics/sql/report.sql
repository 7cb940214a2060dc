-- metric_report: every indicator value with its comparisons and its status against its band.
-- prior (环比) is the period before at the same grain, yoy (同比) the same period a year earlier.
-- Absolute changes of a % indicator are in percentage points; relative changes are fractions.
-- Band: the department's row in the targets ledger, else the `*` row, else the catalogue default.
-- Status: inside the band ok; outside by at most 10% of the band's limit watch; further alert.
create or replace view metric_report as
with targets as (
    -- the department's own row wins over the `*` row
    select
        v.grain, v.period, v.dept, v.metric, t.low, t.high,
        row_number() over (
            partition by v.grain, v.period, v.dept, v.metric order by t.dept = '*'
        ) as rank
    from metric_values v
    join raw_targets t on t.metric = v.metric and (t.dept = v.dept or t.dept = '*')
),

compared as (
    select
        v.*,
        c.unit,
        c.name_zh,
        c.name_en,
        c.family,
        prior.value as prior_value,
        yoy.value as yoy_value,
        (v.value - prior.value) * (case when c.unit = '%' then 100 else 1 end) as prior_change,
        case when prior.value <> 0 then v.value / prior.value - 1 end as prior_change_rel,
        (v.value - yoy.value) * (case when c.unit = '%' then 100 else 1 end) as yoy_change,
        case when yoy.value <> 0 then v.value / yoy.value - 1 end as yoy_change_rel,
        case when t.rank is not null then t.low else c.band_low end as band_low,
        case when t.rank is not null then t.high else c.band_high end as band_high
    from metric_values v
    join metric_catalogue c on c.metric = v.metric
    left join targets t
        on t.grain = v.grain and t.period = v.period and t.dept = v.dept
        and t.metric = v.metric and t.rank = 1
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
