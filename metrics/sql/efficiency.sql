-- Efficiency (效率): beds, length of stay, equipment.
-- Reads: period_sums (one row per grain, period and department group); days = days(P).
-- avg_open_beds(P) = available_bed_days / days(P): beds are a stock, so they are time-weighted.

-- available_bed_days = Σ open_beds over the days of P
select grain, period, dept, 'available_bed_days' as metric, available_bed_days as numerator, 1 as denominator from period_sums
union all
-- occupied_bed_days = Σ midnight census over the days of P
select grain, period, dept, 'occupied_bed_days', occupied_bed_days, 1 from period_sums
union all
-- avg_open_beds = available_bed_days / days(P)
select grain, period, dept, 'avg_open_beds', available_bed_days, days from period_sums
union all
-- bed_occupancy = occupied_bed_days / available_bed_days
select grain, period, dept, 'bed_occupancy', occupied_bed_days, available_bed_days from period_sums
union all
-- bed_turnover = discharges / avg_open_beds
select grain, period, dept, 'bed_turnover', discharges, available_bed_days / days from period_sums
union all
-- bed_work_days = occupied_bed_days / avg_open_beds
select grain, period, dept, 'bed_work_days', occupied_bed_days, available_bed_days / days from period_sums
union all
-- alos = Σ LOS / discharged episodes (LOS = discharge − admission, a 0-day stay counts as 1)
select grain, period, dept, 'alos', los_days, episodes from period_sums
union all
-- preop_days = Σ (surgery − admission) / episodes with a surgery date
select grain, period, dept, 'preop_days', preop_days, surgical_episodes from period_sums
union all
-- large_equipment_daily_uses = Σ uses of large devices / Σ days each large device was in service
select grain, period, dept, 'large_equipment_daily_uses', large_device_uses, large_device_days from period_sums
union all
-- equipment_utilization = Σ hours_used / Σ hours_available
select grain, period, dept, 'equipment_utilization', equipment_hours_used, equipment_hours_available from period_sums
union all
-- equipment_downtime_rate = Σ downtime_hours / Σ hours_available
select grain, period, dept, 'equipment_downtime_rate', equipment_downtime_hours, equipment_hours_available_for_downtime from period_sums
