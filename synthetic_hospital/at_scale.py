"""A synthetic ledger inbox at benchmark scale, generated with numpy and written with DuckDB.

Patients are simulated per department and day, so that the ledgers agree with each other: the
daily workload's admissions, discharges, surgeries and midnight census are counted from the
discharged episodes (plus those admitted in a warm-up before the first day and those still in the
ward after the last), so the ward flow identity holds exactly and ALOS, occupancy and turnover are
meaningful. Big ledgers are written as an HIS exports them, one file per month: discharged
episodes as CSV with Chinese headers, the daily workload as Parquet with English headers. The small
ledgers (departments, roster, equipment, finance, feedback, appointments) are xlsx workbooks.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
from openpyxl import Workbook

GENERATOR_VERSION = 4  # bump when the generated content changes, so cached inboxes are rebuilt


@dataclass(frozen=True)
class Scale:
    name: str
    departments: int
    first_year: int
    years: int
    admissions_per_bedded_dept_day: float  # mean over departments


SCALES = {
    "small": Scale("small", 6, 2024, 2, 4.0),
    "city": Scale("city", 200, 2021, 5, 14.8),
    "region": Scale("region", 1000, 2021, 5, 14.8),
}

KINDS = ("medical", "surgical", "medtech")
BASES = {
    "medical": [("心内科", "Cardiology"), ("呼吸内科", "Respiratory"), ("消化内科", "Gastro")],
    "surgical": [("普外科", "General Surgery"), ("骨科", "Orthopaedics"), ("神经外科", "Neuro")],
    "medtech": [("影像科", "Radiology"), ("检验科", "Laboratory")],
}
OUTCOMES_ZH = np.array(["治愈", "好转", "未愈", "死亡", "其他"])
OUTCOME_SHARES = [0.35, 0.55, 0.06, 0.01, 0.03]
PAYERS = np.array(["城镇职工", "城乡居民", "自费", "商业保险"])
WARMUP_DAYS = 120  # patients admitted before the first day, still in the ward on it

DISCHARGE_HEADERS = {
    "episode_id": "病例编号",
    "dept": "出院科室",
    "admit_date": "入院日期",
    "discharge_date": "出院日期",
    "surgery_date": "手术日期",
    "surgery_grade": "手术级别",
    "outcome": "转归",
    "complication": "并发症",
    "total_cost": "总费用",
    "drug_cost": "药品费",
    "consumables_cost": "耗材费",
    "payer": "医保类型",
    "drg": "DRG组",
}


def inbox_path(root: Path, scale: str) -> Path:
    return root / f"inbox-{scale}"


def ensure_inbox(root: Path, scale: str, progress=print) -> tuple[Path, dict]:
    """The cached inbox of this scale, generated on first use; returns (path, manifest)."""
    folder = inbox_path(root, scale)
    manifest_path = folder / ".manifest.json"  # hidden: the loader skips dot files
    if manifest_path.exists():
        manifest = json.loads(manifest_path.read_text())
        if manifest.get("generator_version") == GENERATOR_VERSION:
            progress(f"reusing the {scale} inbox in {folder}")
            return folder, manifest
    if folder.exists():
        shutil.rmtree(folder)
    started = time.perf_counter()
    progress(f"generating the {scale} inbox in {folder}")
    manifest = generate(folder, SCALES[scale])
    manifest["generation_seconds"] = round(time.perf_counter() - started, 2)
    manifest_path.write_text(json.dumps(manifest, indent=2, ensure_ascii=False))
    progress(f"generated in {manifest['generation_seconds']} s: {manifest['rows']}")
    return folder, manifest


def generate(folder: Path, scale: Scale, seed: int = 20261123) -> dict:
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    first = dt.date(scale.first_year, 1, 1)
    last = dt.date(scale.first_year + scale.years - 1, 12, 31)
    n_days = (last - first).days + 1

    departments = _departments(rng, scale.departments)
    bedded = departments[departments["beds"] > 0].reset_index(drop=True)

    con = duckdb.connect()
    episodes = _episodes(rng, bedded, n_days, scale)
    con.register("episodes_frame", episodes)
    con.execute(
        "create table episodes as select * from episodes_frame",
    )
    con.unregister("episodes_frame")
    workload = _workload(rng, departments, episodes, n_days, first)
    con.register("workload_frame", workload)
    con.execute("create table workload as select * from workload_frame")
    con.unregister("workload_frame")

    months = pd.period_range(first, last, freq="M")
    for month in months:
        start = month.start_time.date()
        end = month.end_time.date()
        _copy_discharges(con, folder / f"出院病人明细_{month}.csv", first, start, end)
        _copy_workload(con, folder / f"workload_{month}.parquet", start, end)

    rows = {
        "discharges": con.execute(
            "select count(*) from episodes where discharge_day between 0 and ?", [n_days - 1]
        ).fetchone()[0],
        "workload": len(workload),
    }
    rows |= _small_ledgers(rng, con, folder, departments, months, first, n_days)
    con.close()
    return {
        "generator_version": GENERATOR_VERSION,
        "scale": asdict(scale),
        "first_day": first.isoformat(),
        "last_day": last.isoformat(),
        "months": len(months),
        "rows": rows,
        "files": len([p for p in folder.iterdir() if not p.name.startswith(".")]),
    }


def _departments(rng: np.random.Generator, count: int) -> pd.DataFrame:
    slot = np.arange(count) % 10  # 4 medical : 3 surgical : 3 medtech
    kinds = np.where(slot < 4, "medical", np.where(slot < 7, "surgical", "medtech"))
    # Medtech departments with beds are rare; most have none.
    beds = np.where(kinds == "medtech", 0, rng.integers(40, 160, count))
    beds[(kinds == "medtech") & (np.arange(count) % 20 == 9)] = 20
    names_zh, names_en = [], []
    for i, kind in enumerate(kinds):
        zh, en = BASES[kind][i % len(BASES[kind])]
        names_zh.append(f"{zh}{i + 1:04d}")
        names_en.append(f"{en} {i + 1:04d}")
    return pd.DataFrame(
        {
            "code": [f"D{i + 1:04d}" for i in range(count)],
            "name_zh": names_zh,
            "name_en": names_en,
            "kind": kinds,
            "beds": beds,
        }
    )


def _episodes(rng: np.random.Generator, bedded: pd.DataFrame, n_days: int, scale: Scale):
    """One row per inpatient episode admitted from the warm-up on; day numbers from the first day."""
    beds = bedded["beds"].to_numpy()
    # Admissions so that occupancy is about 85% at ALOS about 8.5 days.
    rate = beds * 0.85 / 8.5
    rate *= scale.admissions_per_bedded_dept_day / rate.mean()
    days = np.arange(-WARMUP_DAYS, n_days)
    weekday = (days + 5) % 7  # good enough: a weekly rhythm
    rhythm = np.where(weekday >= 5, 0.7, 1.1)
    counts = rng.poisson(np.outer(rate, rhythm))
    dept_index = np.repeat(np.repeat(np.arange(len(beds)), len(days)), counts.ravel())
    admit = np.repeat(np.tile(days, len(beds)), counts.ravel())
    n = len(admit)
    los = np.floor(rng.gamma(2.2, 3.9, n)).astype(np.int64)
    discharge = admit + los
    surgical = (bedded["kind"].to_numpy() == "surgical")[dept_index] & (rng.random(n) < 0.6)
    surgical |= rng.random(n) < 0.05
    offset = np.minimum(np.floor(rng.gamma(1.5, 1.6, n)).astype(np.int64), los)
    grade = rng.choice(4, n, p=[0.2, 0.35, 0.3, 0.15]) + 1
    per_day = rng.lognormal(np.log(1800), 0.35, n)
    total = np.round(np.maximum(los, 1) * per_day + rng.uniform(300, 3000, n), 2)
    drug = np.round(total * rng.uniform(0.12, 0.4, n), 2)
    consumables = np.round(total * rng.uniform(0.04, 0.22, n), 2)
    return pd.DataFrame(
        {
            "dept": bedded["code"].to_numpy()[dept_index],
            "serial": np.arange(n),
            "admit_day": admit,
            "discharge_day": discharge,
            "surgery_day": np.where(surgical, admit + offset, -(10**6)),
            "surgery_grade": grade,
            "outcome": rng.choice(len(OUTCOMES_ZH), n, p=OUTCOME_SHARES),
            "complication": rng.random(n) < 0.04,
            "total_cost": total,
            "drug_cost": drug,
            "consumables_cost": consumables,
            "payer": rng.choice(len(PAYERS), n, p=[0.45, 0.4, 0.1, 0.05]),
            "drg": rng.integers(0, 400, n),
        }
    )


def _workload(rng, departments, episodes, n_days, first) -> pd.DataFrame:
    """One row per department and day, counted from the episodes; census = in the ward at midnight."""
    codes = departments["code"].to_numpy()
    index = {code: i for i, code in enumerate(codes)}
    n_dept = len(codes)
    shift = WARMUP_DAYS
    width = n_days + shift + 400
    dept = episodes["dept"].map(index).to_numpy()
    admit = episodes["admit_day"].to_numpy() + shift
    discharge = episodes["discharge_day"].to_numpy() + shift
    admitted = np.bincount(dept * width + admit, minlength=n_dept * width).reshape(n_dept, width)
    discharged = np.bincount(
        dept * width + np.minimum(discharge, width - 1), minlength=n_dept * width
    ).reshape(n_dept, width)
    census = np.cumsum(admitted - discharged, axis=1)
    surgery = episodes["surgery_day"].to_numpy() + shift
    has_surgery = surgery >= 0
    operated = np.bincount(
        dept[has_surgery] * width + surgery[has_surgery], minlength=n_dept * width
    ).reshape(n_dept, width)
    window = slice(shift, shift + n_days)
    beds = departments["beds"].to_numpy()
    is_medtech = departments["kind"].to_numpy() == "medtech"
    visits_rate = np.where(is_medtech, 20, rng.uniform(60, 260, n_dept))
    day_numbers = np.arange(n_days)
    weekday = (day_numbers + first.weekday()) % 7
    rhythm = np.where(weekday >= 5, 0.35, 1.0)
    outpatient = rng.poisson(np.outer(visits_rate, rhythm))
    emergency = rng.poisson(np.outer(np.where(is_medtech, 0, visits_rate * 0.08), np.ones(n_days)))
    exams = rng.poisson(np.outer(np.where(is_medtech, 400, visits_rate * 0.6), rhythm))
    dates = np.array(first, dtype="datetime64[D]") + day_numbers
    return pd.DataFrame(
        {
            "date": np.tile(dates, n_dept),
            "dept": np.repeat(codes, n_days),
            "outpatient_visits": outpatient.ravel(),
            "emergency_visits": emergency.ravel(),
            "admissions": admitted[:, window].ravel(),
            "discharges": discharged[:, window].ravel(),
            "transfers_in": 0,
            "transfers_out": 0,
            "open_beds": np.repeat(beds, n_days),
            "census": census[:, window].ravel(),
            "surgeries": operated[:, window].ravel(),
            "exams": exams.ravel(),
        }
    )


def _copy_discharges(con, path: Path, first: dt.date, start: dt.date, end: dt.date) -> None:
    """One month of discharged episodes as an HIS CSV export (Chinese headers, ISO dates)."""
    h = DISCHARGE_HEADERS
    con.execute(
        f"""copy (
            select printf('%s-%09d', dept, serial) as "{h["episode_id"]}",
                   dept as "{h["dept"]}",
                   $first + admit_day::integer as "{h["admit_date"]}",
                   $first + discharge_day::integer as "{h["discharge_date"]}",
                   case when surgery_day > -1000000 then $first + surgery_day::integer end
                       as "{h["surgery_date"]}",
                   case when surgery_day > -1000000 then surgery_grade end as "{h["surgery_grade"]}",
                   $outcomes[outcome + 1] as "{h["outcome"]}",
                   case when complication then '是' else '否' end as "{h["complication"]}",
                   total_cost::decimal(18, 2) as "{h["total_cost"]}",
                   drug_cost::decimal(18, 2) as "{h["drug_cost"]}",
                   consumables_cost::decimal(18, 2) as "{h["consumables_cost"]}",
                   $payers[payer + 1] as "{h["payer"]}",
                   printf('%s%02d', chr(65 + (drg // 20)::integer), drg % 20) as "{h["drg"]}"
            from episodes
            where $first + discharge_day::integer between $start and $end
            order by discharge_day, serial
        ) to '{path}' (header, delimiter ',')""",  # noqa: S608 -- headers are our constants
        {
            "first": first,
            "start": start,
            "end": end,
            "outcomes": OUTCOMES_ZH.tolist(),
            "payers": PAYERS.tolist(),
        },
    )


def _copy_workload(con, path: Path, start: dt.date, end: dt.date) -> None:
    """One month of the daily workload ledger as a Parquet export (English canonical headers)."""
    con.execute(
        f"""copy (select * from workload where date between $start and $end order by dept, date)
            to '{path}' (format parquet)""",  # noqa: S608 -- our own path
        {"start": start, "end": end},
    )


def _write_xlsx(path: Path, sheet: str, header: list[str], rows) -> int:
    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(sheet)
    worksheet.append(header)
    count = 0
    for row in rows:
        worksheet.append(list(row))
        count += 1
    workbook.save(path)
    return count


def _small_ledgers(rng, con, folder, departments, months, first, n_days) -> dict[str, int]:
    rows = {}
    kind_zh = {"medical": "内科系统", "surgical": "外科系统", "medtech": "医技"}
    rows["departments"] = _write_xlsx(
        folder / "科室字典.xlsx",
        "科室",
        ["科室编码", "科室名称", "英文名称", "科室类型", "编制床位"],
        (
            (r.code, r.name_zh, r.name_en, kind_zh[r.kind], int(r.beds))
            for r in departments.itertuples()
        ),
    )
    # Roster: doctors and nurses in proportion to beds (or a small team), some leavers.
    roster = []
    titles = ["主任医师", "副主任医师", "主治医师", "住院医师"]
    for r in departments.itertuples():
        doctors = max(4, int(r.beds) // 6)
        nurses = max(3, int(r.beds * 0.5))
        for role, count in (("医师", doctors), ("护士", nurses)):
            for n in range(count):
                start = first - dt.timedelta(days=int(rng.integers(30, 3000)))
                end = None
                if rng.random() < 0.1:
                    end = first + dt.timedelta(days=int(rng.integers(0, n_days)))
                title = titles[n % 4] if role == "医师" else "护师"
                roster.append((r.code, f"{r.code}-{role}{n:03d}", role, title, 1, start, end))
    rows["staffing"] = _write_xlsx(
        folder / "人力资源台账.xlsx",
        "人员",
        ["科室", "工号", "岗位", "职称", "折算人数", "入科日期", "离科日期"],
        roster,
    )
    # Equipment: two devices per medtech department (one large), one per other department.
    devices = []
    for r in departments.itertuples():
        count = 2 if r.kind == "medtech" else 1
        for n in range(count):
            large = "是" if (r.kind == "medtech" and n == 0) else "否"
            bought = first - dt.timedelta(days=int(rng.integers(100, 2000)))
            devices.append(
                (
                    f"{r.code}-EQ{n}",
                    r.code,
                    "CT" if large == "是" else "监护仪",
                    large,
                    bought,
                    1_500_000.0,
                    8,
                )
            )
    rows["equipment"] = _write_xlsx(
        folder / "设备登记.xlsx",
        "设备",
        ["资产编号", "使用科室", "设备名称", "大型设备", "购置日期", "原值", "折旧年限"],
        devices,
    )
    usage = []
    for month in months:
        for asset, *_ in devices:
            hours = float(rng.integers(300, 600))
            usage.append(
                (
                    asset,
                    str(month),
                    int(rng.integers(100, 3000)),
                    hours,
                    720.0,
                    float(rng.integers(0, 20)),
                )
            )
    rows["equipment_usage"] = _write_xlsx(
        folder / "设备使用.xlsx",
        "使用",
        ["资产编号", "月份", "检查人次", "使用时长", "可用时长", "故障停机时长"],
        usage,
    )
    # Finance, feedback and appointments per department and month, from the simulated activity.
    monthly = con.execute(
        """with wl as (
               select dept, strftime(date, '%Y-%m') as month, sum(outpatient_visits) as op,
                      sum(emergency_visits) as er
               from workload group by all),
           ep as (
               select dept, strftime($first + discharge_day::integer, '%Y-%m') as month,
                      sum(total_cost) as total, sum(drug_cost) as drug,
                      sum(consumables_cost) as consumables
               from episodes group by all)
           select wl.dept, wl.month, wl.op, wl.er, coalesce(ep.total, 0), coalesce(ep.drug, 0),
                  coalesce(ep.consumables, 0)
           from wl left join ep using (dept, month)
           where wl.month in (select unnest($months))
           order by wl.month, wl.dept""",
        {"first": first, "months": [str(m) for m in months]},
    ).fetchall()
    finance_header = [
        "月份", "科室", "门诊药品收入", "门诊卫生材料收入", "门诊检查收入", "门诊医疗服务收入",
        "住院药品收入", "住院卫生材料收入", "住院医疗服务收入", "人员经费", "药品费",
        "卫生材料费", "固定资产折旧费", "其他费用", "收入预算", "支出预算",
    ]  # fmt: skip
    by_year: dict[str, list] = {}
    feedback, appointments = [], []
    for dept, month, op, er, total, drug, consumables in monthly:
        op_revenue = (op + er) * 260.0
        ip_service = total - drug - consumables
        revenue = op_revenue + total
        expense = revenue * float(rng.uniform(0.85, 1.0))
        by_year.setdefault(month[:4], []).append(
            (
                month, dept, round(op_revenue * 0.35, 2), round(op_revenue * 0.1, 2),
                round(op_revenue * 0.25, 2), round(op_revenue * 0.3, 2), round(drug, 2),
                round(consumables, 2), round(ip_service, 2), round(expense * 0.4, 2),
                round(drug * 0.9, 2), round(consumables * 0.9, 2), round(expense * 0.08, 2),
                round(expense * 0.1, 2), round(revenue * float(rng.uniform(0.95, 1.05)), 2),
                round(expense * float(rng.uniform(0.95, 1.05)), 2),
            )
        )  # fmt: skip
        surveys = int(rng.integers(50, 200))
        samples = int(rng.integers(20, 80))
        feedback.append(
            (
                month,
                dept,
                surveys,
                int(surveys * rng.uniform(0.85, 0.99)),
                int(rng.integers(0, 4)),
                int(rng.integers(0, 10)),
                samples,
                round(float(rng.uniform(10, 40)), 1),
            )
        )
        slots = int(op * 0.8)
        booked = int(slots * rng.uniform(0.6, 1.0))
        appointments.append((month, dept, slots, booked, int(booked * rng.uniform(0.85, 0.97))))
    rows["finance"] = 0
    for year, finance in by_year.items():
        rows["finance"] += _write_xlsx(
            folder / f"经济运行台账{year}.xlsx", "经济", finance_header, finance
        )
    rows["patient_feedback"] = _write_xlsx(
        folder / "患者满意度.xlsx",
        "反馈",
        [
            "月份",
            "科室",
            "调查人数",
            "满意人数",
            "投诉件数",
            "表扬件数",
            "候诊测量人次",
            "平均候诊时间",
        ],
        feedback,
    )
    rows["appointments"] = _write_xlsx(
        folder / "预约挂号.xlsx",
        "预约",
        ["月份", "科室", "号源数", "预约人次", "到诊人次"],
        appointments,
    )
    return rows
