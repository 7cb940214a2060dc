"""How `make test` (pytest-xdist, `--dist loadgroup`) hands the tests to its workers; the hooks are
imported by tests/conftest.py.

A test that uses a module-, class- or package-scoped fixture goes with the rest of its file (one
unit: the fixture is built once); any other test is a unit of its own, so the tests of one long
file (test_bench, test_reliability) run on both workers at once. The units are handed out in this
order: those with whole-pipeline runs (marked slow) first, most first, then the files, largest
first, then the single tests, so that the last units are short and no worker ends alone on a long
one.

Why not xdist's own loadgroup (an `xdist_group` mark per test)? With pytest 9.2 it groups nothing:
it renames each test's node id, which pytest no longer reads (pytest-xdist issue #1386), and its
order is the number of tests per unit, which put the few-test files of whole runs last. So each
worker writes the units it computed (the same on every worker) beside the workers' temporary
folders, and the controller's scheduler reads them, in the order written.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

UNITS_FILE = "xdist-units.json"


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    files = {item: _file_unit(item) for item in items}
    unit = {item: files[item] or item.nodeid for item in items}
    slow: dict[str, int] = {}
    size: dict[str, int] = {}
    for item in items:
        slow[unit[item]] = slow.get(unit[item], 0) + (item.get_closest_marker("slow") is not None)
        size[unit[item]] = size.get(unit[item], 0) + 1
    # stable: a unit's tests keep the collection's order
    items.sort(key=lambda item: (-slow[unit[item]], not files[item], -size[unit[item]]))
    if os.environ.get("PYTEST_XDIST_WORKER"):
        # each worker's basetemp is <the controller's basetemp>/popen-gwN
        folder = config._tmp_path_factory.getbasetemp().parent  # type: ignore[attr-defined]
        mine = folder / f"{UNITS_FILE}.{os.environ['PYTEST_XDIST_WORKER']}"
        mine.write_text(json.dumps({item.nodeid: unit[item] for item in items}), "utf-8")
        os.replace(mine, folder / UNITS_FILE)  # whole, whichever worker writes last


def _file_unit(item: pytest.Item) -> str | None:
    """The test's file when it uses a fixture built once per module or class, else None."""
    info = getattr(item, "_fixtureinfo", None)
    if info is None:
        return None
    for definitions in info.name2fixturedefs.values():
        if any(d.scope in ("module", "class", "package") for d in definitions):
            return item.path.as_posix()
    return None


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log):
    """For `--dist loadgroup`: xdist's unit scheduler over the units the workers wrote (other
    modes as xdist has them)."""
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    config.option.loadscopereorder = False  # the order written is the point

    class UnitScheduling(LoadScopeScheduling):
        units: dict[str, str] | None = None

        def _split_scope(self, nodeid: str) -> str:
            if self.units is None:
                # written by every worker before it reported its collection, which the
                # scheduler waits for
                path = Path(config._tmp_path_factory.getbasetemp()) / UNITS_FILE  # type: ignore[attr-defined]
                self.units = json.loads(path.read_text("utf-8")) if path.exists() else {}
            return self.units.get(nodeid, nodeid.split("::")[0])

    return UnitScheduling(config, log)
