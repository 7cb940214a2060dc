"""The report's own words (`labels.toml`) in Chinese and English; indicator names are in the catalogue."""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

LABELS_PATH = Path(__file__).with_name("labels.toml")
LANGUAGES = ("zh", "en")


@cache
def _load() -> dict[str, dict[str, dict[str, str]]]:
    return tomllib.loads(LABELS_PATH.read_text(encoding="utf-8"))


def check_language(lang: str) -> str:
    """The language code itself, or a ValueError naming the ones reports are written in."""
    if lang not in LANGUAGES:
        raise ValueError(f"report language {lang!r} is not one of {', '.join(LANGUAGES)}")
    return lang


def text(key: str, lang: str) -> str:
    """A UI word; a missing key is a KeyError so that a typo never reaches a printed page."""
    return _load()["text"][key][lang]


def status(code: str | None, lang: str) -> str | None:
    """ok / watch / alert in the reader's language."""
    return None if code is None else _load()["status"][code][lang]


def factor(code: str | None, lang: str) -> str | None:
    """internal / external; a value the enum does not know is shown as written."""
    if code is None:
        return None
    return _load()["factor"].get(code, {}).get(lang, code)


def kind(code: str | None, lang: str) -> str | None:
    """A department kind (medical, surgical, medtech, other); an unknown kind as written."""
    if code is None:
        return None
    return _load()["kinds"].get(code, {}).get(lang, code)


def severity(code: str | None, lang: str) -> str | None:
    """A data-quality finding's severity; an unknown one as written."""
    if code is None:
        return None
    return _load()["severity"].get(code, {}).get(lang, code)


def unit(code: str, lang: str) -> str:
    """A catalogue unit for display; an unknown unit is shown as its code."""
    return _load()["units"].get(code, {}).get(lang, code)
