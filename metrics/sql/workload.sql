-- Workload (业务量): counts summed over the period. A count's denominator is 1.
-- Reads: period_sums (one row per grain, period and department group).
select grain, period, dept, 'outpatient_visits' as metric, outpatient_visits as numerator, 1 as denominator from period_sums
union all
select grain, period, dept, 'emergency_visits', emergency_visits, 1 from period_sums
union all
select grain, period, dept, 'admissions', admissions, 1 from period_sums
union all
select grain, period, dept, 'discharges', discharges, 1 from period_sums
union all
select grain, period, dept, 'surgeries', surgeries, 1 from period_sums
union all
select grain, period, dept, 'exams', exams, 1 from period_sums
