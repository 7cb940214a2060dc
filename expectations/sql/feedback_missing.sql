-- Patient feedback (surveys) present for every department that had outpatient visits in the month.
-- Grain: one row per department and month without patient feedback rows.
-- Reads: dq_expected_ledgers (expected_ledgers.sql).
select dept, period, 'patient_feedback' as ledger, outpatient_visits
from dq_expected_ledgers
where ledger = 'patient_feedback' and not is_present
