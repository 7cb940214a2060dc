-- Service and supplies (服务与物资): patient feedback, appointments, supplies drawn.
-- Reads: period_sums.

-- satisfaction_rate = Σ satisfied / Σ surveys
select grain, period, dept, 'satisfaction_rate' as metric, satisfied as numerator, surveys as denominator from period_sums
union all
-- complaints = Σ patient_feedback.complaints, a department-month it lacks: the register's count
-- (measures_monthly_ledgers.sql)
select grain, period, dept, 'complaints', complaints, 1 from period_sums
union all
-- complaint_closure_rate = complaints of P closed within 15 days / complaints of P registered
select grain, period, dept, 'complaint_closure_rate', complaints_closed_in_time, registered_complaints
from period_sums
union all
-- complaints_per_10k = Σ complaints / (visits + discharges) × 10,000 (scale), visits = outpatient +
-- emergency (measures_daily.sql). A department without beds (no open beds and no discharges in the
-- ledger) discharges nobody: 0 discharges, so that a clinic-only department such as 放射科 has a
-- rate; a ward whose discharges are blank stays unknown.
select grain, period, dept, 'complaints_per_10k', complaints,
    outpatient_visits + emergency_visits
    + case when discharges is null and available_bed_days is null then 0 else discharges end
from period_sums
union all
-- outpatient_wait_minutes = Σ (avg_wait_minutes × wait_samples) / Σ wait_samples
select grain, period, dept, 'outpatient_wait_minutes', wait_minutes_total, wait_samples from period_sums
union all
-- appointment_rate = Σ attended / outpatient_visits
select grain, period, dept, 'appointment_rate', appointments_attended, outpatient_visits from period_sums
union all
-- slot_utilization = Σ booked / Σ slots
select grain, period, dept, 'slot_utilization', appointments_booked, appointment_slots from period_sums
union all
-- no_show_rate = (Σ booked − Σ attended) / Σ booked
select grain, period, dept, 'no_show_rate', appointments_booked - appointments_attended, appointments_booked from period_sums
union all
-- supplies_issued_value = Σ issued_qty × unit_price
select grain, period, dept, 'supplies_issued_value', supplies_issued_value, 1 from period_sums
union all
-- office_supplies_issued_value = the same, category office
select grain, period, dept, 'office_supplies_issued_value', office_supplies_issued_value, 1 from period_sums
