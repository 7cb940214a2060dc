"""The reports package runs one way: data → content → render → publish (reports/__init__.py).

A module imports only its own stage, the stages before it, and the shared vocabulary (labels,
periods, formatting, files); nothing imports itself back round a cycle, not even for type hints.
Read from the source with `ast`, so an import inside a function or under TYPE_CHECKING counts.
"""

from __future__ import annotations

import ast
from pathlib import Path

import reports

ROOT = Path(reports.__file__).parent
STAGES = ["data", "content", "render", "publish"]
SHARED = {"labels", "periods", "formatting", "files"}


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(ROOT.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(("reports", *parts))] = path
    return found


def _imports(path: Path, modules: dict[str, Path]) -> set[str]:
    """The reports modules `path` imports (`from reports.x import y` names module x.y if it is one)."""
    named = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("reports"):
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                named.add(full if full in modules else node.module)
        elif isinstance(node, ast.Import):
            named |= {a.name for a in node.names if a.name.startswith("reports")}
    return named


def _stage(module: str) -> int | None:
    """The stage's position, -1 for the shared vocabulary, None for the package itself."""
    parts = module.split(".")
    if len(parts) < 2:
        return None
    if parts[1] in SHARED:
        return -1
    return STAGES.index(parts[1])


def test_every_module_sits_in_a_stage_or_the_shared_vocabulary():
    loose = [m for m in _modules() if m.count(".") == 1 and m.split(".")[1] not in SHARED]
    assert loose == [f"reports.{stage}" for stage in sorted(STAGES)]


def test_no_stage_imports_a_later_one():
    modules = _modules()
    backwards = []
    for module, path in modules.items():
        own = _stage(module)
        if own is None:
            continue
        for target in _imports(path, modules):
            stage = _stage(target)
            if stage is not None and stage > own:
                backwards.append(f"{module} imports {target}")
    assert backwards == []


def test_no_import_cycle():
    modules = _modules()
    graph = {
        m: {t for t in _imports(p, modules) if t in modules and t != m} for m, p in modules.items()
    }
    # a package's __init__ re-exporting its own modules is no cycle of the design
    for module in graph:
        graph[module] = {t for t in graph[module] if not module.startswith(t + ".")}
    cycles = []
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                cycles.append(" → ".join([*trail[trail.index(target) :], target]))
            elif target not in state:
                visit(target, [*trail, target])
        state[node] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert cycles == []


def test_the_layer_rules_see_imports():
    """The rules above would pass on a parser that finds nothing: the report content module
    imports the warehouse, and the batch imports the content, the renderer and the files."""
    modules = _modules()
    assert "reports.data.warehouse" in _imports(modules["reports.content.report"], modules)
    batch = _imports(modules["reports.publish.batch"], modules)
    assert {"reports.content.report", "reports.render.report", "reports.files"} <= batch
