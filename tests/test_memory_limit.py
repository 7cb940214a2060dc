"""The pipeline's DuckDB connections carry a memory limit (DEPTOPS_MEMORY_LIMIT, default half of the
machine's memory), so a big load spills to disk instead of taking most of the machine's memory; the
report workers, whose connections are open at once, share it."""

import os
from pathlib import Path

import duckdb
import pytest

from pipelines.definitions import build_definitions
from pipelines.settings import DEFAULT_MEMORY_LIMIT, Settings, memory_limit_from


@pytest.mark.parametrize(
    ("text", "limit"),
    [
        (None, DEFAULT_MEMORY_LIMIT),
        ("", DEFAULT_MEMORY_LIMIT),
        (" 4GB ", "4GB"),
        ("512MiB", "512MiB"),
        ("25%", "25%"),
        ("12.5 %", "12.5 %"),
        ("None", None),
    ],
)
def test_memory_limit_from_the_environment(text, limit, monkeypatch):
    monkeypatch.delenv("DEPTOPS_MEMORY_LIMIT", raising=False)  # None reads the environment
    assert memory_limit_from(text) == limit


@pytest.mark.parametrize("text", ["4", "4 XB", "0%", "0GB", "101%", "half", "-1GB"])
def test_a_memory_limit_duckdb_would_not_read_is_refused_when_the_settings_are_made(
    text, tmp_path, monkeypatch
):
    monkeypatch.setenv("DEPTOPS_MEMORY_LIMIT", text)
    with pytest.raises(ValueError, match=r"DEPTOPS_MEMORY_LIMIT must be a size such as 8GB"):
        Settings(home=tmp_path, inbox=tmp_path)


def _machine_gib() -> float:
    """The memory DuckDB takes a share of: the machine's, or its container's limit if lower."""
    memory = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    for limit in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        text = Path(limit).read_text().strip() if Path(limit).exists() else "max"
        if text.isdigit():
            memory = min(memory, int(text))
    return memory / 2**30


def _limit_gib(config: dict) -> float:
    with duckdb.connect(config=config) as con:
        (shown,) = con.execute("select current_setting('memory_limit')").fetchone()
    number, unit = shown.split()
    return float(number) * {"MiB": 1 / 1024, "GiB": 1, "TiB": 1024}[unit]


def test_by_default_half_of_the_machines_memory(tmp_path, monkeypatch):
    monkeypatch.delenv("DEPTOPS_MEMORY_LIMIT", raising=False)
    config = Settings(home=tmp_path, inbox=tmp_path).duckdb_config()
    assert config == {"memory_limit": "50%"}
    # DuckDB shows one decimal, cut: e.g. 23.54 GiB / 2 = 11.77 -> "11.7 GiB"
    assert abs(_limit_gib(config) - _machine_gib() / 2) < 0.1


@pytest.mark.parametrize(
    ("limit", "workers", "part", "gib"),
    [
        # 8 GB = 8e9 bytes; a half 4e9 bytes = 3.725 GiB, shown "3.7 GiB"
        ("8GB", 2, "4000000000B", 3.7),
        # 3 GiB = 3 * 1024^3 = 3,221,225,472 bytes; a third 1,073,741,824 = 1 GiB
        ("3GiB", 3, "1073741824B", 1.0),
        ("512MiB", 1, "512MiB", 0.5),
    ],
)
def test_report_workers_share_the_runs_memory(tmp_path, limit, workers, part, gib):
    settings = Settings(home=tmp_path, inbox=tmp_path, memory_limit=limit)
    config = settings.duckdb_config(processes=workers)
    assert config == {"memory_limit": part}
    assert _limit_gib(config) == pytest.approx(gib)


def test_report_workers_share_a_share_of_the_machine(tmp_path):
    settings = Settings(home=tmp_path, inbox=tmp_path, memory_limit="50%")
    # two workers: 25 % each; three: 16.6667 % each (what the two and three together may hold)
    assert settings.duckdb_config(processes=2) == {"memory_limit": "25%"}
    assert settings.duckdb_config(processes=3) == {"memory_limit": "16.6667%"}
    assert abs(_limit_gib(settings.duckdb_config(processes=2)) - _machine_gib() / 4) < 0.1


def test_settings_made_anywhere_read_the_environment(tmp_path, monkeypatch):
    # `deptops run` makes its Settings itself, not through from_env
    monkeypatch.setenv("DEPTOPS_MEMORY_LIMIT", "8GB")
    assert Settings(home=tmp_path, inbox=tmp_path).memory_limit == "8GB"


def test_the_resource_connections_are_limited(tmp_path, monkeypatch):
    monkeypatch.setenv("DEPTOPS_HOME", str(tmp_path))
    monkeypatch.setenv("DEPTOPS_MEMORY_LIMIT", "300MB")
    settings = Settings.from_env()
    assert settings.memory_limit == "300MB"
    resource = build_definitions(settings).resources["duckdb"]
    with resource.get_connection() as con:
        (limit,) = con.execute("select current_setting('memory_limit')").fetchone()
    assert limit == "286.1 MiB"  # DuckDB shows 300 MB (10^6 bytes) in MiB


def test_none_leaves_duckdb_its_own_default(tmp_path, monkeypatch):
    monkeypatch.setenv("DEPTOPS_HOME", str(tmp_path))
    monkeypatch.setenv("DEPTOPS_MEMORY_LIMIT", "none")
    settings = Settings.from_env()
    assert settings.duckdb_config() == {}
    with build_definitions(settings).resources["duckdb"].get_connection() as con:
        (limit,) = con.execute("select current_setting('memory_limit')").fetchone()
    assert limit not in ("286.1 MiB", "1.8 GiB")
