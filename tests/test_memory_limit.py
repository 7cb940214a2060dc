"""The pipeline's DuckDB connections carry a memory limit (DEPTOPS_MEMORY_LIMIT, default 2GB), so a
city's or a region's load spills to disk instead of taking most of the machine's memory."""

import pytest

from pipelines.definitions import build_definitions
from pipelines.settings import DEFAULT_MEMORY_LIMIT, Settings, memory_limit_from


@pytest.mark.parametrize(
    ("text", "limit"),
    [(None, DEFAULT_MEMORY_LIMIT), ("", DEFAULT_MEMORY_LIMIT), (" 4GB ", "4GB"), ("None", None)],
)
def test_memory_limit_from_the_environment(text, limit, monkeypatch):
    monkeypatch.delenv("DEPTOPS_MEMORY_LIMIT", raising=False)  # None reads the environment
    assert memory_limit_from(text) == limit


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
