-- Case mix and medical insurance (病种与医保): from discharged episodes and the DRG/DIP weights
-- ledger, counted by discharge date in P (METRICS.md). An episode is grouped (入组) when its drg
-- has a weights row (of its discharge year first, else the row without a year): measures.sql.
-- Reads: period_sums. The exact decimal sums (weights, ratios) are cast to double here: the union of
-- the family files would otherwise give them the scale of the amounts (2) and round them.

-- drg_cases = grouped episodes
select grain, period, dept, 'drg_cases' as metric, drg_cases as numerator, 1 as denominator from period_sums
union all
-- drg_groups = distinct drg among grouped episodes of P and the group (not additive)
select grain, period, dept, 'drg_groups', case when drg_cases is not null then drg_groups end, 1 from period_sums
union all
-- total_weight = Σ weight over grouped episodes
select grain, period, dept, 'total_weight', case when drg_cases is not null then coalesce(total_weight, 0)::double end, 1 from period_sums
union all
-- cmi = total_weight / drg_cases
select grain, period, dept, 'cmi', coalesce(total_weight, 0)::double, drg_cases from period_sums
union all
-- cost_index = Σ (total_cost / benchmark_cost) / grouped episodes with a benchmark_cost
select grain, period, dept, 'cost_index', coalesce(cost_ratio_sum, 0)::double, cost_indexed_cases from period_sums
union all
-- time_index = Σ (LOS / benchmark_los) / grouped episodes with a benchmark_los
select grain, period, dept, 'time_index', coalesce(time_ratio_sum, 0)::double, time_indexed_cases from period_sums
union all
-- low_risk_mortality = died episodes in low-risk groups / episodes in low-risk groups
select grain, period, dept, 'low_risk_mortality', low_risk_died, low_risk_cases from period_sums
union all
-- insured_share = episodes whose payer is not 自费 / self-pay / episodes with a payer
select grain, period, dept, 'insured_share', insured_episodes, payer_episodes from period_sums
union all
-- insurance_fund_share = Σ insurance_paid / Σ total_cost, over episodes with insurance_paid
select grain, period, dept, 'insurance_fund_share', case when episodes is not null then coalesce(insurance_paid, 0) end, case when episodes is not null then coalesce(insurance_cost, 0) end from period_sums
union all
-- drg_margin = Σ (drg_payment − total_cost) over episodes with drg_payment
select grain, period, dept, 'drg_margin', case when drg_paid_episodes > 0 then drg_margin end, 1 from period_sums
union all
-- drg_overspend_share = episodes with total_cost > drg_payment / episodes with drg_payment
select grain, period, dept, 'drg_overspend_share', drg_overspend_episodes, drg_paid_episodes from period_sums
union all
-- surgery_cost_per_case = Σ total_cost / episodes, over episodes with a surgery_date
select grain, period, dept, 'surgery_cost_per_case', coalesce(surgical_total_cost, 0), surgical_costed_episodes from period_sums
