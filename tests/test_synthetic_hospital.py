"""The synthetic hospital's shared pieces, by hand: the ward flow both generators count the daily
workload with, and headers spelled from the contract."""

from __future__ import annotations

import numpy as np

from synthetic_hospital.spelling import headers
from synthetic_hospital.workload import ward_flow


def test_ward_flow_counts_the_episodes_by_hand():
    # ward 0: A admitted day 0, operated day 1, discharged day 2; B admitted day 1, discharged
    # day 5 (after the last day: never counted as a discharge), no operation (-1).
    # ward 1: C admitted and discharged on day 3 (a day case: never in the midnight census).
    flow = ward_flow(
        ward=np.array([0, 0, 1]),
        admit=np.array([0, 1, 3]),
        discharge=np.array([2, 5, 3]),
        surgery=np.array([1, -1, -1]),
        wards=2,
        days=4,
    )
    assert flow["admissions"].tolist() == [[1, 1, 0, 0], [0, 0, 0, 1]]
    assert flow["discharges"].tolist() == [[0, 0, 1, 0], [0, 0, 0, 1]]
    assert flow["surgeries"].tolist() == [[0, 1, 0, 0], [0, 0, 0, 0]]
    # census = the day before's + admissions − discharges: ward 0 1, 1+1 = 2, 2−1 = 1, 1
    assert flow["census"].tolist() == [[1, 2, 1, 1], [0, 0, 0, 0]]


def test_headers_take_an_alias_by_column():
    # appointments.attended is 预约就诊人次 or 到诊人次 (its second alias); the others their first
    assert headers("appointments", ["month", "dept", "attended"], alias={"attended": 1}) == [
        "月份",
        "科室",
        "到诊人次",
    ]
    assert headers("appointments", ["slots", "attended"]) == ["号源数", "预约就诊人次"]
    assert headers("appointments", ["slots"], lang="en") == ["slots"]
