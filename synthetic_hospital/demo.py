"""The demo hospital: a ledger inbox simulated patient by patient.

`write_demo` writes the files that the department operations assistants (科室运营助理) of a small
general hospital would keep: five departments (cardiology, respiratory medicine, general surgery,
orthopaedics and a radiology department without beds), one row per department and day in the
workload ledgers, one row per discharged episode, monthly finance, roster, equipment, supplies,
patient feedback, appointments, commentary and targets.

How the numbers are made
- Wards. Every day each bed department admits its emergency patients (Poisson, whatever the
  census) and calls elective patients from its waiting list up to its planned census (85.5% of the
  open beds, fewer at weekends). Each patient draws a stay in nights from a gamma distribution; an
  operation splits it into a pre-operative wait and a post-operative stay, so the wait never
  exceeds the stay. The plan and the stays give an occupancy of about 85%, an average stay of
  about 8.5 days and a pre-operative wait of about 2.4 days; the simulation starts 90 days before
  the first month so that the wards are at steady state on day one.
- Every figure of the workload ledger is counted from those episodes (census = admitted on or
  before the day and discharged after it), so the ward flow identity holds exactly and the
  discharges ledger lists the same episodes that the daily discharges count.
- Story lines for the reports: general surgery opens 5 more beds on 2025-07-01; respiratory
  medicine fills up in winter and adds extra beds (加床); orthopaedic demand rises through 2026,
  lifting its occupancy by about 5 points; a 3.0T MRI arrives in 2025-04 and a ward monitor is
  replaced; a few staff join and leave.
- Money: episode costs scale with the stay; the inpatient finance lines sum the episodes of the
  month to the cent; the outpatient lines follow the visits and exams; expenses are 85-95% of the
  revenue, with depreciation and maintenance taken from the equipment register and its use.
- Supplies follow the ward's bed-days or the exams, with an order-up-to policy and an occasional
  late delivery, so that stock sometimes falls below the safety stock.

The files look like a real inbox and exercise the reading rules of LEDGERS.md: Chinese headers in
most files and English in some, alias headers, title rows, totals rows, merged department cells,
units in headers (元, 万元, h, 分钟, 人次), Excel dates and every listed text spelling of dates and
months, departments by code, Chinese or English name, thousands separators, and CSV files in UTF-8,
UTF-8 with BOM and GB18030. No column identifies a patient.

Every random stream is derived from `seed` and a name, so a seed gives the same hospital.
"""

from __future__ import annotations

from pathlib import Path

from synthetic_hospital.files import stamp_saved
from synthetic_hospital.hospital import simulate
from synthetic_hospital.layouts import write_discharges, write_finance, write_workload
from synthetic_hospital.registers import (
    write_actions,
    write_appointments,
    write_assets,
    write_commentary,
    write_complaints,
    write_departments,
    write_drg_weights,
    write_equipment_usage,
    write_feedback,
    write_staffing,
    write_targets,
    write_training,
)
from synthetic_hospital.timeline import Calendar

# What the demo hospital is called in its reports' headers (the ledgers do not name a hospital:
# `deptops run` gives this name when it builds the demo, pipelines.settings.hospital_name).
HOSPITAL_NAME = "示例市第一人民医院"


def write_demo(
    out: Path,
    *,
    first_month: str = "2024-01",
    last_month: str = "2026-10",
    seed: int = 20261123,
) -> list[Path]:
    """Write the demo hospital's ledger inbox into `out` (created if missing); return the paths."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    hospital = simulate(Calendar.of(first_month, last_month), seed)
    paths = [
        write_departments(out),
        *write_workload(out, hospital.workload),
        *write_discharges(out, hospital.episodes),
        *write_finance(out, hospital.finance),
        write_staffing(out, hospital.roster),
        write_assets(out, hospital.supplies),
        write_equipment_usage(out, hospital.usage),
        write_feedback(out, hospital.feedback),
        write_appointments(out, hospital.appointments),
        write_commentary(out, hospital.commentary),
        write_targets(out),
        write_drg_weights(out, hospital.drg_weights),
        write_training(out, hospital.training),
        write_complaints(out, hospital.complaints),
        write_actions(out, hospital.actions),
    ]
    for path in paths:
        stamp_saved(path, last_month)
    return sorted(paths)
