-- Finance ledger present for every department with beds, every month that is over.
-- Grain: one row per department and month without finance rows.
-- Reads: dq_expected_ledgers (expected_ledgers.sql: "with beds" = open beds in the month's daily
-- ledger, or authorised beds in the department list).
select dept, period, 'finance' as ledger, open_beds
from dq_expected_ledgers
where ledger = 'finance' and not is_present
