"""metric_values is a view over narrow tables (metrics/sql/metric_values.sql): a warehouse whose
metric_values is still a table converts when the indicators' tables are ensured, every row the
same, and a period's columns are stored once however many values it has."""

from __future__ import annotations

import datetime as dt

import duckdb

from metrics.compute import VALUE_COLUMNS, ensure_tables, store_values

INSERT = "insert into {} values (" + ", ".join(["?"] * 17) + ")"  # noqa: S608 -- our names
WHEN = dt.datetime(2026, 11, 1, 8, tzinfo=dt.UTC)
LATER = dt.datetime(2026, 11, 2, 8, tzinfo=dt.UTC)
# grain, period, dept, metric, value, numerator, denominator, reason, prior, yoy, start, end,
# months_covered, months_in_period, depts_included, depts_in_group, computed_at
ROWS = [
    ("month", "2026-10", "A", "alos", 7.5, 75.0, 10.0, None, "2026-09", "2025-10",
     dt.date(2026, 10, 1), dt.date(2026, 10, 31), 1, 1, None, None, WHEN),
    ("month", "2026-10", "ALL", "alos", None, 75.0, 0.0, "zero", "2026-09", "2025-10",
     dt.date(2026, 10, 1), dt.date(2026, 10, 31), 1, 1, 1, 2, LATER),
    # a quarter in progress: two of its three months
    ("quarter", "2026-Q4", "A", "bed_occupancy", 0.8, 48.8, 61.0, None, "2026-Q3", "2025-Q4",
     dt.date(2026, 10, 1), dt.date(2026, 12, 31), 2, 3, None, None, WHEN),
]  # fmt: skip


def test_an_old_warehouse_keeps_its_values_as_they_were(tmp_path):
    with duckdb.connect(str(tmp_path / "old.duckdb")) as con:
        con.execute(f"create table metric_values ({VALUE_COLUMNS})")
        con.executemany(INSERT.format("metric_values"), ROWS)
        ensure_tables(con)
        assert con.execute(
            "select table_type from information_schema.tables where table_name = 'metric_values'"
        ).fetchone() == ("VIEW",)
        assert sorted(con.execute("select * from metric_values").fetchall(), key=str) == sorted(
            ROWS, key=str
        )
        # two periods, two groups, two indicators: each stored once, with the three values
        assert con.execute(
            "select (select count(*) from metric_fact_periods), "
            "(select count(*) from metric_fact_depts), (select count(*) from metric_fact_metrics), "
            "(select count(*) from metric_facts)"
        ).fetchone() == (2, 2, 2, 3)
        # opened again: nothing moves (the view reads the same tables)
        ensure_tables(con)
        assert con.execute("select count(*) from metric_values").fetchone() == (3,)


def test_values_of_new_keys_get_new_ids_and_old_keys_keep_theirs(tmp_path):
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        ensure_tables(con)
        con.execute(f"create temp table written ({VALUE_COLUMNS})")
        con.executemany(INSERT.format("written"), ROWS[:1])
        assert store_values(con, "select * from written") == 1
        con.execute("delete from written")
        con.executemany(INSERT.format("written"), ROWS[1:])
        assert store_values(con, "select * from written") == 2
        # 2026-10 and A were there (id 1); ALL and 2026-Q4, bed_occupancy are new (id 2)
        assert con.execute(
            "select period_id, dept_id, metric_id from metric_facts order by all"
        ).fetchall() == [(1, 1, 1), (1, 2, 1), (2, 1, 2)]
        assert sorted(con.execute("select * from metric_values").fetchall(), key=str) == sorted(
            ROWS, key=str
        )
