"""The walking skeleton's indicators against values computed by hand, through the real pipeline:
ledger files -> Dagster runs (on an instance in memory: Dagster's history is not what is tested
here; test_injection and the `deptops run` tests keep the persistent one) -> DuckDB in tmp_path ->
metrics.csv."""

from __future__ import annotations

import datetime as dt

import dagster as dg
import pandas as pd
import pytest

from pipelines.runner import run_pipeline
from pipelines.settings import Settings
from tests.ledger_files import days, write_csv, write_xlsx

D = dt.date

# Ward A (medical, 10 beds) and ward B (surgical, beds changed in February); C has no beds.
# Each tuple: (first day, last day, open_beds, census, discharges per day).
WARD_PLAN = {
    "A": [
        (D(2024, 1, 1), D(2024, 1, 31), 10, 6, 1),
        (D(2025, 1, 1), D(2025, 1, 31), 10, 8, 1),
        (D(2025, 2, 1), D(2025, 2, 28), 10, 9, 2),
        (D(2025, 3, 1), D(2025, 3, 31), 10, 7, 1),
    ],
    "B": [
        (D(2025, 1, 1), D(2025, 1, 31), 20, 15, 2),
        (D(2025, 2, 1), D(2025, 2, 28), 30, 27, 4),
        (D(2025, 3, 1), D(2025, 3, 31), 20, 18, 2),
    ],
}
# Episodes of ward A (id, admitted, discharged): LOS 4, 0 (counts as 1) and 13 days.
EPISODES_A = [
    ("e1", "2025-01-01", "2025-01-05"),
    ("e2", "2025-01-10", "2025-01-10"),
    ("e3", "2025-01-20", "2025-02-02"),
]


@pytest.fixture(scope="module")
def metrics(tmp_path_factory) -> pd.DataFrame:
    root = tmp_path_factory.mktemp("hand")
    inbox = root / "inbox"
    write_xlsx(
        inbox / "科室字典.xlsx",
        {
            "科室": [
                ["科室编码", "科室名称", "英文名称", "科室类型"],
                ["A", "心内科", "Cardiology", "内科系统"],
                ["B", "骨科", "Orthopaedics", "外科系统"],
                ["C", "放射科", "Radiology", "医技"],
            ]
        },
    )
    rows = [["日期", "科室", "出院人数", "实际开放床位", "期末在院人数"]]
    for dept, plan in WARD_PLAN.items():
        for first, last, beds, census, discharges in plan:
            rows += [[day.isoformat(), dept, discharges, beds, census] for day in days(first, last)]
    rows += [
        [day.isoformat(), "放射科", 0, None, None] for day in days(D(2025, 1, 1), D(2025, 1, 31))
    ]
    write_xlsx(inbox / "业务量台账.xlsx", {"2025": [["全院业务量台账"], [], *rows]})
    write_csv(
        inbox / "出院病人明细.csv",
        [["病例编号", "出院科室", "入院日期", "出院日期"]]
        + [[e, "A", a, d] for e, a, d in EPISODES_A],
    )
    # the indicators and their export (metrics.csv) are what is read: no report is rendered
    with dg.DagsterInstance.ephemeral() as instance:
        run_pipeline(
            Settings(home=root / "home", inbox=inbox),
            progress=lambda _: None,
            reports=(),
            instance=instance,
        )
    frame = pd.read_csv(root / "home" / "reports" / "metrics.csv", dtype={"period": str})
    return frame.set_index(["grain", "period", "dept", "metric"])


def value(metrics: pd.DataFrame, grain: str, period: str, dept: str, metric: str, column="value"):
    return metrics.loc[(grain, period, dept, metric), column]


def test_month_values(metrics):
    # A, January 2025: 31 days × 8 occupied / 31 days × 10 open = 248 / 310
    assert value(metrics, "month", "2025-01", "A", "occupied_bed_days") == 248
    assert value(metrics, "month", "2025-01", "A", "available_bed_days") == 310
    assert value(metrics, "month", "2025-01", "A", "bed_occupancy") == pytest.approx(248 / 310)
    # turnover = discharges / average open beds = 31 / (310 / 31)
    assert value(metrics, "month", "2025-01", "A", "bed_turnover") == pytest.approx(3.1)
    # B, February 2025: occupancy 28 × 27 / (28 × 30) = 756 / 840; turnover 112 / (840 / 28)
    assert value(metrics, "month", "2025-02", "B", "bed_occupancy") == pytest.approx(756 / 840)
    assert value(metrics, "month", "2025-02", "B", "bed_turnover") == pytest.approx(112 / 30)
    assert value(metrics, "month", "2025-02", "B", "discharges") == 112
    # ALOS of A in January: stays of 4 and 0 (counted as 1) days -> (4 + 1) / 2
    assert value(metrics, "month", "2025-01", "A", "alos") == pytest.approx(2.5)
    assert value(metrics, "month", "2025-01", "A", "alos", "numerator") == 5
    assert value(metrics, "month", "2025-01", "A", "alos", "denominator") == 2
    assert value(metrics, "month", "2025-02", "A", "alos") == pytest.approx(13.0)


def test_quarter_is_formula_over_summed_measures(metrics):
    # B, Q1 2025: occupied 465 + 756 + 558 = 1779; available 620 + 840 + 620 = 2080
    assert value(metrics, "quarter", "2025-Q1", "B", "bed_occupancy") == pytest.approx(1779 / 2080)
    # turnover = (62 + 112 + 62) / (2080 / 90 days) = 236 × 90 / 2080 = 10.2115…
    turnover = value(metrics, "quarter", "2025-Q1", "B", "bed_turnover")
    assert turnover == pytest.approx(236 * 90 / 2080)
    # ... which is not the sum of the monthly turnovers 3.1 + 3.7333 + 3.1 = 9.9333
    assert turnover != pytest.approx(62 / 20 + 112 / 30 + 62 / 20)
    assert value(
        metrics, "quarter", "2025-Q1", "B", "bed_turnover", "denominator"
    ) == pytest.approx(2080 / 90)
    # ALOS of A over Q1: (4 + 1 + 13) / 3 = 6, not the mean of the months (2.5 + 13) / 2 = 7.75
    assert value(metrics, "quarter", "2025-Q1", "A", "alos") == pytest.approx(6.0)


def test_year_and_hospital(metrics):
    # The year 2025 holds only Q1: the same sums as the quarter
    assert value(metrics, "year", "2025", "B", "bed_occupancy") == pytest.approx(1779 / 2080)
    # ALL, January 2025: (248 + 465) / (310 + 620) = 713 / 930 = 0.7667, not (0.8 + 0.75) / 2
    assert value(metrics, "month", "2025-01", "ALL", "bed_occupancy") == pytest.approx(713 / 930)
    # ALL discharges in Q1: A 31 + 56 + 31, B 62 + 112 + 62, C 0 -> 354
    assert value(metrics, "quarter", "2025-Q1", "ALL", "discharges") == 354
    # KIND:surgical is B alone
    assert value(metrics, "quarter", "2025-Q1", "KIND:surgical", "bed_occupancy") == pytest.approx(
        1779 / 2080
    )


def test_prior_and_year_ago(metrics):
    # February's prior (环比) is January: 248 / 310 = 0.8
    assert value(metrics, "month", "2025-02", "A", "bed_occupancy", "prior_value") == pytest.approx(
        0.8
    )
    # January 2025's year-ago (同比) is January 2024: 31 × 6 / 310 = 0.6
    assert value(metrics, "month", "2025-01", "A", "bed_occupancy", "yoy_value") == pytest.approx(
        0.6
    )
    # change in percentage points for a % indicator: (0.8 − 0.6) × 100 = 20
    assert value(metrics, "month", "2025-01", "A", "bed_occupancy", "yoy_change") == pytest.approx(
        20.0
    )
    # December 2024 is not in the ledgers: no prior value, never 0
    assert pd.isna(value(metrics, "month", "2025-01", "A", "bed_occupancy", "prior_value"))
    # 2025 holds January–March and is in progress; 2024 holds January alone, so the same months a
    # year earlier are not all there: no 同比 rather than Q1 against one month (186 / 310)
    assert pd.isna(value(metrics, "year", "2025", "A", "bed_occupancy", "yoy_value"))
    assert value(metrics, "year", "2025", "A", "bed_occupancy", "yoy_reason") == "partial_period"


def test_missing_is_null_with_reason(metrics):
    # C has no beds: occupancy is not available, and says why
    assert pd.isna(value(metrics, "month", "2025-01", "C", "bed_occupancy"))
    assert value(metrics, "month", "2025-01", "C", "bed_occupancy", "reason") == "no_beds"
    # B has no discharge ledger rows: ALOS is null with reason no_discharges
    assert pd.isna(value(metrics, "month", "2025-01", "B", "alos"))
    assert value(metrics, "month", "2025-01", "B", "alos", "reason") == "no_discharges"


def test_status_against_band(metrics):
    # occupancy band 80–90%: 0.8 is inside (ok); 0.75 is 0.05 below, within 10% of 0.80 (watch);
    # 0.7 (A, March: 217 / 310) is 0.1 below, beyond 0.08 (alert)
    assert value(metrics, "month", "2025-01", "A", "bed_occupancy", "status") == "ok"
    assert value(metrics, "month", "2025-01", "B", "bed_occupancy", "status") == "watch"
    assert value(metrics, "month", "2025-03", "A", "bed_occupancy", "status") == "alert"
    assert pd.isna(value(metrics, "month", "2025-01", "A", "bed_turnover", "status"))


def test_csv_sorted_with_required_columns(metrics):
    frame = metrics.reset_index()
    required = ["grain", "period", "dept", "metric", "value", "numerator", "denominator",
                "prior_value", "yoy_value", "status"]  # fmt: skip
    assert list(frame.columns[: len(required)]) == required
    keys = list(zip(frame.grain, frame.period, frame.dept, frame.metric, strict=True))
    assert keys == sorted(keys)
    assert set(frame.grain) == {"week", "month", "quarter", "year"}
