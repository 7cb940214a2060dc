"""Data quality: checks that stop a wrong number before it reaches a report.

- `suites`: Great Expectations suites per ledger, generated from ledgers/specs.toml, run per month.
- `sql/`: one SQL file per reconciliation, completeness, timeliness and anomaly check.
- `checks.toml` / `checks`: the catalogue of checks (severity, ledgers, messages in zh and en);
  `thresholds.toml`: every threshold, documented.
- `findings`: run the checks (`run_checks`, `run_ledger_checks`, `run_anomaly_checks`), store
  dq_findings, publication_blocks and ledger_quality, write data_quality.csv.
"""
