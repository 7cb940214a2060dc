"""Turn one spreadsheet cell into a typed value, accepting every spelling LEDGERS.md allows.

Each parser returns the value or raises `CellError` with a message a department assistant can act on.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata

from openpyxl.utils.datetime import from_excel

from ledgers import rules
from ledgers.specs import Column

_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
# The time of day after a date is read only to be range-checked (25:99 is no time): ledgers count days.
_TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?$")
_DATE_PATTERNS = (
    # A date-time keeps its date as written: a time, and a `Z` or offset suffix (an ISO export),
    # say nothing the daily grain needs (the time is only range-checked).
    re.compile(
        r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})"
        r"(?:[ t](\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)\s*(?:z|[+-]\d{2}(?::?\d{2})?)?)?$"
    ),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$"),
)
_MONTH_PATTERNS = (
    re.compile(r"^(\d{4})[-/.](\d{1,2})$"),
    re.compile(r"^(\d{4})(\d{2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(?:份)?$"),
)


class CellError(ValueError):
    """A cell that breaks the contract; the message says what was expected."""


def is_blank(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and value.strip() == ""


def as_text(value: object) -> str:
    """Cell text as the user sees it; whole numbers read as floats lose their '.0'."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return unicodedata.normalize("NFKC", str(value)).strip()


def clean_text(text: str) -> str:
    """Ledger text without control characters (but tab and line breaks) and without invisible
    format characters (bidi overrides that turn `CARD‮xlsx.exe` around, zero-width spaces): they
    would reach report files, links and workbooks, where XML cannot hold them."""
    if text.isprintable():
        return text
    return "".join(
        c for c in text if c in "\t\n\r" or unicodedata.category(c) not in ("Cc", "Cf", "Cs", "Co")
    ).strip()


def visible(name: str) -> str:
    """A file or sheet name with its control and invisible format characters spelled out
    (`\\u202e`): shown in reports, it cannot hide or reverse part of itself, and two names that
    differ only by such a character stay two names."""
    if name.isprintable():
        return name
    return "".join(
        c
        if c == " " or unicodedata.category(c) not in ("Cc", "Cf", "Cs", "Co", "Zl", "Zp")
        else f"\\u{ord(c):04x}"
        for c in name
    )


def _number(value: object) -> float:
    if isinstance(value, bool):
        raise CellError(f"expected a number, found {value!r}")
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, dt.date):
        raise CellError(f"expected a number, found the date {as_text(value)}")
    text = as_text(value).replace(" ", "")
    if "%" in text:
        raise CellError(f"expected a number without a percentage sign, found {text!r}")
    if _THOUSANDS.match(text):
        text = text.replace(",", "")
    try:
        number = float(text)
    except ValueError:
        raise CellError(f"expected a number, found {text!r}") from None
    if not math.isfinite(number):
        raise CellError(f"expected a number, found {text!r}")
    return number


def _date(value: object) -> dt.date:
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        if value < FIRST_SERIAL_DATE:  # a date cell holding a day number below 61
            raise CellError(
                f"{value.isoformat()} is before 1900-03-01, where Excel's day numbers name no date "
                "reliably (60 would be 1900-02-29, which never existed): a mistyped date?"
            )
        return value
    if isinstance(value, dt.time):  # a date cell holding 0 or a negative day number
        raise CellError(f"expected a date, found only a time of day ({value.isoformat()})")
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _serial_or_compact(float(value))
    text = as_text(value)
    for pattern in _DATE_PATTERNS:
        if match := pattern.match(text.lower()):
            year, month, day = (int(g) for g in match.groups()[:3])
            clock = match.groups()[3] if len(match.groups()) > 3 else None
            if clock and not _valid_time(clock):
                raise CellError(f"{text!r} holds no valid time of day ({clock})")
            try:
                return dt.date(year, month, day)
            except ValueError:
                raise CellError(f"{text!r} is not a calendar date") from None
    if re.fullmatch(r"\d{5}(\.0+)?", text):  # an Excel serial number that arrived as text
        return _serial_or_compact(float(text))
    raise CellError(
        f"expected a date such as 2026-10-01, 2026/10/1 or 2026年10月1日, found {text!r}"
    )


def _valid_time(clock: str) -> bool:
    hour, minute, second = (int(g or 0) for g in _TIME.match(clock).groups())
    return hour < 24 and minute < 60 and second < 60


# Excel's day numbers: 61 is 1900-03-01. Below it Excel counts a 1900-02-29 that never was (60),
# so 1 to 60 name no date reliably; 0 and negative numbers name none at all.
FIRST_SERIAL = 61
FIRST_SERIAL_DATE = dt.date(1900, 3, 1)


def _serial_or_compact(number: float) -> dt.date:
    if number.is_integer() and 19000101 <= number <= 29991231:
        return _date(str(int(number)))
    if number.is_integer() and FIRST_SERIAL <= number < 2958466:
        return from_excel(int(number)).date()  # openpyxl absorbs Excel's 1900 leap-year bug
    if number.is_integer() and number < FIRST_SERIAL:
        raise CellError(
            f"expected a date, found the number {number:g}: Excel day numbers start at "
            f"{FIRST_SERIAL} (1900-03-01); 60 would be 1900-02-29, which never existed"
        )
    raise CellError(f"expected a date, found the number {number:g}")


def _month(value: object) -> dt.date:
    if isinstance(value, dt.date):
        return (value.date() if isinstance(value, dt.datetime) else value).replace(day=1)
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
        if number.is_integer() and 190001 <= number <= 299912:
            value = str(int(number))
        else:
            return _date(value).replace(day=1)
    text = as_text(value)
    for pattern in _MONTH_PATTERNS:
        if match := pattern.match(text):
            year, month = (int(g) for g in match.groups())
            if 1 <= month <= 12:
                return dt.date(year, month, 1)
            raise CellError(f"{text!r} is not a month")
    try:
        return _date(text).replace(day=1)
    except CellError:
        raise CellError(
            f"expected a month such as 2026-10, 2026/10, 202610 or 2026年10月, found {text!r}"
        ) from None


def _bool(value: object) -> bool:
    found = rules.YesNo.read(value)  # ledgers.rules: the spellings its sentence names
    if found is None:
        raise CellError(rules.YesNo.problem(value))
    return found


def parse_cell(column: Column, value: object, factor: float = 1.0) -> object:
    """Parse and check one cell against its column's type and single-cell rules."""
    if hasattr(value, "ref"):  # reader.UncalculatedFormula or reader.ErrorValue, named by cell
        raise CellError(value.problem)
    checks = rules.cell_rules(column)  # ledgers.rules: the same rules as SQL, GX and the docs
    if is_blank(value):
        if checks.required:
            raise CellError(checks.required.reason())
        return column.default
    if checks.one_of is not None:
        canonical = checks.one_of.canonical(value)
        if canonical is None:
            raise CellError(checks.one_of.problem(value))
        value = canonical
    kind = column.type
    if kind == "text":
        return clean_text(as_text(value))
    if kind == "date":
        return _date(value)
    if kind == "month":
        return _month(value)
    if kind == "bool":
        return _bool(value)
    if column.percent and isinstance(value, str) and value.strip().endswith(("%", "％")):
        value = value.strip()[:-1]  # a target of a % indicator written 30%: 30, as if written 30
    number = _number(value)
    if kind == "amount":
        number = round(number * factor, 2)
    _check_storable(kind, number)
    if checks.range is not None and (problem := checks.range.problem(number)):
        raise CellError(problem)
    if kind == "int":
        if not number.is_integer():
            raise CellError(f"expected a whole number, found {number:g}")
        return int(number)
    return number


# What the warehouse can hold, checked before any cast: DECIMAL(18,2) amounts stop below 10^16,
# BIGINT counts at 2^63; other numbers are summed as DECIMAL(38,10), so one cell stays below 10^15.
STORABLE = {"amount": 1e16, "int": 2.0**63, "number": 1e15}


def _check_storable(kind: str, number: float) -> None:
    bound = STORABLE.get(kind)
    if bound is not None and abs(number) >= bound:
        raise CellError(
            f"{number:g} is beyond what the warehouse stores for this column "
            f"(less than {bound:.0e} in size): a mistyped or run-together number?"
        )
