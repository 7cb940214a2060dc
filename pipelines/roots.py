"""The folders a deployment may read and write: its own HOME and inbox (as its Definitions were
built, from the settings or DEPTOPS_* variables) and DEPTOPS_ROOTS (paths separated by ':').

Run config can set a resource's paths (the UI's launchpad shows them); a path outside these roots
is refused when the run starts, so a launched run cannot read or write elsewhere on the disk.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOTS_VARIABLE = "DEPTOPS_ROOTS"
_registered: set[Path] = set()


class OutsideRoots(ValueError):
    """A path outside the deployment's roots."""


def register(*paths: Path) -> None:
    """Allow these folders (the deployment's own HOME and inbox) and everything under them."""
    _registered.update(Path(p).resolve() for p in paths)


def roots() -> set[Path]:
    extra = os.environ.get(ROOTS_VARIABLE, "")
    return _registered | {Path(p).resolve() for p in extra.split(os.pathsep) if p.strip()}


def check(path: Path | str, what: str) -> Path:
    """`path` resolved (symbolic links and `..` followed), when it is inside a root."""
    resolved = Path(path).resolve()
    if not any(resolved == root or resolved.is_relative_to(root) for root in roots()):
        allowed = ", ".join(sorted(str(r) for r in roots())) or "none"
        raise OutsideRoots(
            f"the {what} {resolved} is outside this deployment's folders ({allowed}); "
            f"set {ROOTS_VARIABLE} to allow another"
        )
    return resolved
