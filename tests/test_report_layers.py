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


def test_every_report_page_extends_the_one_base_template():
    """One head, one stylesheet, one place that loads plotly.js (base.html): every page the
    reports render extends it, read from the templates' Jinja syntax trees. The one page of its
    own is protected.html, the password page that seals a report (it must load nothing)."""
    import re

    from jinja2 import nodes

    from reports.render.html import TEMPLATES_DIR, environment

    env = environment()
    parents = {}
    for path in sorted(TEMPLATES_DIR.glob("*.html")):
        tree = env.parse(path.read_text(encoding="utf-8"))
        extends = [node.template.value for node in tree.find_all(nodes.Extends)]
        parents[path.name] = extends[0] if extends else None
    # the templates Python renders as a page: get_template("…") and render_page("…", …)
    source = "\n".join(p.read_text(encoding="utf-8") for p in ROOT.rglob("*.py"))
    pages = set(re.findall(r'(?:get_template|render_page)\(\s*"([\w.]+\.html)"', source))
    assert {"period.html", "weekly.html", "dashboard.html", "index.html"} <= pages
    assert {page: parents[page] for page in pages - {"protected.html"}} == dict.fromkeys(
        pages - {"protected.html"}, "base.html"
    )
    # and no template but these two opens an <html> of its own
    whole = {n for n in parents if "<html" in (TEMPLATES_DIR / n).read_text(encoding="utf-8")}
    assert whole == {"base.html", "protected.html"}
