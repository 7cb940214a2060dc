-- Every formula evaluated: value = numerator / denominator × scale. A value whose input is missing
-- or whose denominator is zero is null, with the reason from the catalogue; never a silent 0.
-- Weekly rows are kept only for the indicators the catalogue marks weekly (daily-ledger ones).
-- Reads: formulas (grain, period, dept, metric, numerator, denominator), metric_catalogue, periods.
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
    case
        when f.numerator is null or f.denominator is null then c.missing
        when f.denominator = 0 then coalesce(c.zero, c.missing)
    end as reason,
    p.prior_period,
    p.yoy_period
from formulas f
join metric_catalogue c on c.metric = f.metric
join periods p on p.grain = f.grain and p.period = f.period
where f.grain <> 'week' or c.weekly
