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
select grain, period, dept, 'consumables_per_100', line_consumables_expense, op_revenue + ip_revenue - drug_revenue from period_sums
union all
-- service_revenue_ratio = service_revenue / medical_revenue
select grain, period, dept, 'service_revenue_ratio', service_revenue, op_revenue + ip_revenue from period_sums
union all
-- op_revenue_per_visit = op_revenue / (outpatient_visits + emergency_visits)
select grain, period, dept, 'op_revenue_per_visit', op_revenue, outpatient_visits + emergency_visits from period_sums
union all
-- revenue_per_exam = medical_revenue / exams (shown for medical-technology departments)
select grain, period, dept, 'revenue_per_exam', op_revenue + ip_revenue, exams from period_sums
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
union all
-- personnel_expense_ratio = personnel_expense / total_expense
select grain, period, dept, 'personnel_expense_ratio', line_personnel_expense, total_expense from period_sums
union all
-- cost_per_100_revenue = total_expense / medical_revenue × 100
select grain, period, dept, 'cost_per_100_revenue', total_expense, op_revenue + ip_revenue from period_sums
union all
-- op_drug_per_visit = op_drug_revenue / visits (门急诊人次)
select grain, period, dept, 'op_drug_per_visit', line_op_drug_revenue, outpatient_visits + emergency_visits from period_sums
union all
-- ip_drug_per_discharge = ip_drug_revenue / discharges
select grain, period, dept, 'ip_drug_per_discharge', line_ip_drug_revenue, discharges from period_sums
union all
-- Year to date (本年累计), month grain only. ytd_sums holds, for each month M, the sums over
-- January…M ('ytd'), the same months a year earlier ('ytd_ly') and the whole year before ('ly')
-- (periods.year_to_date_spans); a span counts only when the warehouse holds all its months.
-- revenue_ytd = Σ medical_revenue, Jan…M
select 'month', period, dept, 'revenue_ytd', case when months_covered = months_in_period then op_revenue + ip_revenue end, 1 from ytd_sums where grain = 'ytd'
union all
-- expense_ytd = Σ total_expense, Jan…M
select 'month', period, dept, 'expense_ytd', case when months_covered = months_in_period then total_expense end, 1 from ytd_sums where grain = 'ytd'
union all
-- time_progress = days from 1 January to the end of M / days(Y), for a group keeping finance (a
-- clinic without any has nothing to track against the budget); the span's dates: 1 January of Y
-- (period_start) to the last day of M (period_end)
select 'month', period, dept, 'time_progress', case when finance_months is not null then dayofyear(period_end) end, dayofyear(make_date(year(period_start), 12, 31)) from ytd_sums where grain = 'ytd'
union all
-- revenue_budget_ytd_execution = revenue_ytd / Σ revenue_budget over the 12 months of Y
select 'month', y.period, y.dept, 'revenue_budget_ytd_execution', case when y.months_covered = y.months_in_period then y.op_revenue + y.ip_revenue end, b.revenue_budget from ytd_sums y left join annual_budgets b on b.dept = y.dept and b.year = year(y.period_start) where y.grain = 'ytd'
union all
-- expense_budget_ytd_execution = expense_ytd / Σ expense_budget over the 12 months of Y
select 'month', y.period, y.dept, 'expense_budget_ytd_execution', case when y.months_covered = y.months_in_period then y.total_expense end, b.expense_budget from ytd_sums y left join annual_budgets b on b.dept = y.dept and b.year = year(y.period_start) where y.grain = 'ytd'
union all
-- revenue_forecast = revenue_ytd × (medical_revenue of Y−1 / Σ medical_revenue Jan…M of Y−1), written
-- revenue_ytd / (Σ Jan…M of Y−1 / medical_revenue of Y−1): last year's seasonal shape is the
-- denominator, unknown without all of Y−1
select 'month', y.period, y.dept, 'revenue_forecast', case when y.months_covered = y.months_in_period then y.op_revenue + y.ip_revenue end, case when ly.months_covered = 12 and l.months_covered = l.months_in_period then (l.op_revenue + l.ip_revenue) / (ly.op_revenue + ly.ip_revenue) end from ytd_sums y left join ytd_sums l on l.grain = 'ytd_ly' and l.period = y.period and l.dept = y.dept left join ytd_sums ly on ly.grain = 'ly' and ly.period = y.period and ly.dept = y.dept where y.grain = 'ytd'
union all
-- revenue_forecast_execution = revenue_forecast / Σ revenue_budget of Y, written
-- revenue_ytd / (shape × budget); without the year's budget the denominator is 0 (reason no_budget_year)
select 'month', y.period, y.dept, 'revenue_forecast_execution', case when y.months_covered = y.months_in_period then y.op_revenue + y.ip_revenue end, case when ly.months_covered = 12 and l.months_covered = l.months_in_period then coalesce((l.op_revenue + l.ip_revenue) / (ly.op_revenue + ly.ip_revenue) * b.revenue_budget, 0) end from ytd_sums y left join ytd_sums l on l.grain = 'ytd_ly' and l.period = y.period and l.dept = y.dept left join ytd_sums ly on ly.grain = 'ly' and ly.period = y.period and ly.dept = y.dept left join annual_budgets b on b.dept = y.dept and b.year = year(y.period_start) where y.grain = 'ytd'
