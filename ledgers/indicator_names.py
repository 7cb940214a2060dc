"""Indicators named in ledgers (targets.metric, commentary.topic): an assistant writes an indicator
by its id, its Chinese or its English name (catalogue.toml); the warehouse keeps the id.

A column whose spec says `indicator = "required"` must name one: anything else is a rejected row
whose message gives the closest indicator names. `indicator = "or_text"` keeps a value that names
none as written (a free topic)."""

from __future__ import annotations

import difflib
from functools import cache

from ledgers.specs import normalise_header
from metrics import catalogue


@cache
def _spellings() -> dict[str, str]:
    """Folded spelling -> indicator id, for every id and every zh/en name."""
    spellings = {}
    for indicator in catalogue.indicators().values():
        for spelling in (indicator.id, indicator.zh, indicator.en):
            spellings[normalise_header(spelling)] = indicator.id
    return spellings


def resolve(value: object) -> str | None:
    """The id of the indicator `value` names, or None."""
    return None if value is None else _spellings().get(normalise_header(value))


def closest(value: object, count: int = 3) -> list[str]:
    """The indicators whose id or names look most like `value`, as "中文名 (id)"."""
    found = difflib.get_close_matches(
        normalise_header(value), _spellings(), n=count * 3, cutoff=0.4
    )
    ids = list(dict.fromkeys(_spellings()[spelling] for spelling in found))[:count]
    indicators = catalogue.indicators()
    return [f"{indicators[i].zh} ({i})" for i in ids]


def unknown_message(value: object) -> str:
    """Why a cell that must name an indicator is rejected, with what the writer may have meant."""
    near = closest(value)
    hint = f"; closest: {', '.join(near)}" if near else ""
    return f"{value!r} is not an indicator of the catalogue (id, Chinese or English name){hint}"
