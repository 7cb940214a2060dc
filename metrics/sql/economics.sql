-- Economics (经济): from the finance ledger and the discharged episodes.
-- Reads: period_sums. medical_revenue = op_revenue + ip_revenue (every op_* and ip_* line);
-- total_expense = every *_expense line.

-- medical_revenue
select grain, period, dept, 'medical_revenue' as metric, op_revenue + ip_revenue as numerator, 1 as denominator from period_sums
union all
-- total_expense
select grain, period, dept, 'total_expense', total_expense, 1 from period_sums
union all
-- margin = medical_revenue − total_expense
select grain, period, dept, 'margin', op_revenue + ip_revenue - total_expense, 1 from period_sums
union all
-- margin_rate = margin / medical_revenue
select grain, period, dept, 'margin_rate', op_revenue + ip_revenue - total_expense, op_revenue + ip_revenue from period_sums
union all
-- drug_ratio = drug_revenue / medical_revenue
select grain, period, dept, 'drug_ratio', drug_revenue, op_revenue + ip_revenue from period_sums
union all
-- consumables_ratio = consumables_revenue / medical_revenue
select grain, period, dept, 'consumables_ratio', consumables_revenue, op_revenue + ip_revenue from period_sums
union all
-- consumables_per_100 = consumables_expense / (medical_revenue − drug_revenue) × 100 (scale)
select grain, period, dept, 'consumables_per_100', consumables_expense, op_revenue + ip_revenue - drug_revenue from period_sums
union all
-- service_revenue_ratio = service_revenue / medical_revenue
select grain, period, dept, 'service_revenue_ratio', service_revenue, op_revenue + ip_revenue from period_sums
union all
-- op_revenue_per_visit = op_revenue / (outpatient_visits + emergency_visits)
select grain, period, dept, 'op_revenue_per_visit', op_revenue, outpatient_visits + emergency_visits from period_sums
union all
-- ip_revenue_per_discharge = ip_revenue / discharges
select grain, period, dept, 'ip_revenue_per_discharge', ip_revenue, discharges from period_sums
union all
-- episode_cost = Σ total_cost / episodes (with a recorded cost)
select grain, period, dept, 'episode_cost', episode_total_cost, costed_episodes from period_sums
union all
-- episode_drug_ratio = Σ drug_cost / Σ total_cost
select grain, period, dept, 'episode_drug_ratio', episode_drug_cost, episode_total_cost_with_drug from period_sums
union all
-- revenue_budget_execution = medical_revenue / revenue_budget
select grain, period, dept, 'revenue_budget_execution', op_revenue + ip_revenue, revenue_budget from period_sums
union all
-- expense_budget_execution = total_expense / expense_budget
select grain, period, dept, 'expense_budget_execution', total_expense, expense_budget from period_sums
