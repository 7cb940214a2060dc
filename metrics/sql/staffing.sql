-- Staffing (人力): averages over FTE-days (Σ over the days of P of the fte of staff in post).
-- Reads: period_sums; days = days(P), workdays = workdays(P).

-- doctors_fte = doctor FTE-days / days(P)
select grain, period, dept, 'doctors_fte' as metric, doctor_fte_days as numerator, days as denominator from period_sums
union all
-- nurses_fte = nurse FTE-days / days(P)
select grain, period, dept, 'nurses_fte', nurse_fte_days, days from period_sums
union all
-- nurse_bed_ratio = nurse FTE-days / available_bed_days
select grain, period, dept, 'nurse_bed_ratio', nurse_fte_days, available_bed_days from period_sums
union all
-- nurse_doctor_ratio = nurse FTE-days / doctor FTE-days
select grain, period, dept, 'nurse_doctor_ratio', nurse_fte_days, doctor_fte_days from period_sums
union all
-- senior_title_share = senior + associate doctor FTE-days / doctor FTE-days
select grain, period, dept, 'senior_title_share', senior_doctor_fte_days, doctor_fte_days from period_sums
union all
-- visits_per_doctor_day = (outpatient + emergency visits) / (doctor FTE-days × workdays(P) / days(P))
select grain, period, dept, 'visits_per_doctor_day', outpatient_visits + emergency_visits, doctor_fte_days * workdays / days from period_sums
union all
-- bed_days_per_doctor_day = occupied_bed_days / doctor FTE-days
select grain, period, dept, 'bed_days_per_doctor_day', occupied_bed_days, doctor_fte_days from period_sums
union all
-- training_hours_per_fte = Σ training_hours / (all FTE-days / days(P))
select grain, period, dept, 'training_hours_per_fte', training_hours, all_fte_days / days from period_sums
union all
-- staff_fte = all roles' FTE-days / days(P)
select grain, period, dept, 'staff_fte', all_fte_days, days from period_sums
union all
-- technicians_fte = technician FTE-days / days(P)
select grain, period, dept, 'technicians_fte', technician_fte_days, days from period_sums
union all
-- nurse_senior_title_share = senior + associate + intermediate nurse FTE-days / nurse FTE-days
select grain, period, dept, 'nurse_senior_title_share', senior_nurse_fte_days, nurse_fte_days from period_sums
union all
-- hires = staff codes whose posting starts in P with none of theirs in the department the day
-- before (distinct per period: period_sums.sql)
select grain, period, dept, 'hires', hires, 1 from period_sums
union all
-- leavers = staff codes whose posting ends in P with none of theirs the day after
select grain, period, dept, 'leavers', leavers, 1 from period_sums
union all
-- turnover_rate = leavers / (staff-days / days(P)), staff-days counting each posting 1 a day
select grain, period, dept, 'turnover_rate', leavers, staff_days / days from period_sums
