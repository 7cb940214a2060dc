"""A first compute over more workload rows than a DuckDB row group (122,880) keeps every measure.

compute_months makes the measure tables inside its own transaction and fills them there. Made as
`select * from (query) limit 0` (d5e479a, reverted in 8b37cca), a first compute at city scale
stored every workload measure of dept_month_measures as null, with the same columns and types;
the small warehouses of the other tests never showed it, the city bench's agreement check did."""

from __future__ import annotations

import duckdb

from ledgers.loader import ensure_schema, store_rows
from ledgers.specs import ledger
from metrics.compute import compute_months

# 2025, 400 departments × 365 days = 146,000 daily rows: more than one row group
DEPARTMENTS = 400
DAYS = 365


def test_a_first_compute_bigger_than_a_row_group_keeps_every_workload_measure(tmp_path):
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        ensure_schema(con)  # the ledger tables only: compute_months makes its own
        store_rows(
            con,
            ledger("departments"),
            """select 'D' || lpad(i::varchar, 3, '0') as code, 30 as beds_authorised,
                      'departments.csv' as source_file, null as source_sheet,
                      'a1' as source_sha256, i + 2 as source_row
               from range(400) t(i)""",
        )
        store_rows(
            con,
            ledger("workload"),
            """select date '2025-01-01' + (i // 400)::integer as date,
                      'D' || lpad((i % 400)::varchar, 3, '0') as dept, 10 as outpatient_visits,
                      'workload.csv' as source_file, null as source_sheet,
                      'b2' as source_sha256, i + 2 as source_row
               from range(146000) t(i)""",
        )
        compute_months(con, [f"2025-{m:02d}" for m in range(1, 13)])
        # by hand: 12 months × 400 departments, each day 10 visits: 10 × 365 × 400 = 1,460,000;
        # January's 31 days give each department 310
        assert con.execute(
            "select count(*), count(outpatient_visits), sum(outpatient_visits) "
            "from dept_month_measures"
        ).fetchone() == (12 * DEPARTMENTS, 12 * DEPARTMENTS, 10 * DAYS * DEPARTMENTS)
        assert con.execute(
            "select value from metric_values "
            "where grain = 'month' and period = '2025-01' and dept = 'D007' "
            "and metric = 'outpatient_visits'"
        ).fetchone() == (310,)
