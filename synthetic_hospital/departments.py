"""The demo hospital's departments: four wards and a radiology department without beds."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Department:
    code: str
    name_zh: str
    name_en: str
    kind: str
    assistant: str
    beds_authorised: int | None


DEPARTMENTS = (
    Department("CARD", "心内科", "Cardiology", "medical", "王敏", 40),
    Department("RESP", "呼吸内科", "Respiratory Medicine", "medical", "王敏", 36),
    Department("GSUR", "普外科", "General Surgery", "surgical", "张磊", 50),
    Department("ORTH", "骨科", "Orthopaedics", "surgical", "张磊", 38),
    Department("RAD", "放射科", "Radiology", "medtech", "陈静", None),
)
BY_CODE = {d.code: d for d in DEPARTMENTS}
KIND_ZH = {"medical": "内科系统", "surgical": "外科系统", "medtech": "医技", "other": "其他"}
