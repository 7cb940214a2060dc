-- Appointments present for every department that had outpatient visits in the month.
-- Grain: one row per department and month without appointments rows.
-- Reads: dq_expected_ledgers (expected_ledgers.sql).
select dept, period, 'appointments' as ledger, outpatient_visits
from dq_expected_ledgers
where ledger = 'appointments' and not is_present
