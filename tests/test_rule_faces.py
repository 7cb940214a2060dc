"""One rule, four faces (ledgers.rules): on small ledgers built here, each kind of rule's Python
check (the general path's, cell by cell or row by row) and its SQL predicate and reason (the
set-based path's) reject the same rows with the same words; its Great Expectations expectation,
run through the suites' SQL pre-filter over a warehouse table holding the same rows, fails on
those rows and no other; and its sentence is in the templates' instructions and docs/ledgers.md.
The rows each case rejects are written out by hand."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pandas as pd
import pytest
from openpyxl import load_workbook

from expectations.suites import suite_findings, validate_table
from ledgers import clock, rules
from ledgers.loader import ensure_schema, store_rows
from ledgers.specs import ledger, ledgers
from ledgers.templates import WORDS, write_template
from ledgers.values import CellError, parse_cell

ROOT = Path(__file__).resolve().parents[1]
TODAY = dt.date(2026, 11, 27)
DEPARTMENTS = ("CARD",)  # the department list's codes in the warehouse below
D = dt.date

# (ledger, column, rule kind, rows: the cells as written, rows rejected: row -> reason). A row
# not named writes None in the ledger's other columns. Row numbers start at 2, as Excel's below
# a header.
CASES = [
    (
        "appointments",
        "slots",
        rules.Required,
        [{"slots": 10}, {"slots": None}, {"slots": 0}],
        {3: "is required but blank"},
    ),
    (  # 0 and 744 (31 × 24 hours) are allowed; a fraction of an hour too
        "equipment_usage",
        "hours_used",
        rules.Range,
        [{"hours_used": v} for v in (0, 744, -1, 745, 10.5)],
        {4: "must be at least 0, found -1", 5: "must be at most 744, found 745"},
    ),
    (  # a count's floor of 0, which no line of specs.toml writes (count, not negative_ok)
        "workload",
        "census",
        rules.Range,
        [{"census": 0}, {"census": -3}],
        {3: "must be at least 0, found -3"},
    ),
    (  # a strict floor: a weight of 0 is no weight
        "drg_weights",
        "weight",
        rules.Range,
        [{"weight": 0.5}, {"weight": 0}],
        {3: "must be greater than 0, found 0"},
    ),
    (  # a refund: negative_ok, no floor at all
        "finance",
        "op_drug_revenue",
        rules.Range,
        [{"op_drug_revenue": -120.5}, {"op_drug_revenue": 300}],
        {},
    ),
    (  # a value, an alias of one (内科 is medical), one that is neither, a blank
        "departments",
        "kind",
        rules.OneOf,
        [{"kind": "medical"}, {"kind": "内科"}, {"kind": "dental"}, {"kind": None}],
        {
            4: "'dental' is not one of medical/内科系统/内科, surgical/外科系统/外科, "
            "medtech/医技, other/其他"
        },
    ),
    (  # discharged before admitted; the same day is a day case
        "discharges",
        "discharge_date",
        rules.Order,
        [
            {"admit_date": D(2026, 10, 1), "discharge_date": D(2026, 10, 5)},
            {"admit_date": D(2026, 10, 5), "discharge_date": D(2026, 10, 5)},
            {"admit_date": D(2026, 10, 6), "discharge_date": D(2026, 10, 5)},
            {"admit_date": None, "discharge_date": D(2026, 10, 5)},
        ],
        {4: "must be ≥ 入院日期 (2026-10-06), found 2026-10-05"},
    ),
    (  # a part above its total: 120 of drugs in a stay costing 100.5
        "discharges",
        "drug_cost",
        rules.Order,
        [{"drug_cost": 120, "total_cost": 100.5}, {"drug_cost": 100.5, "total_cost": 100.5}],
        {2: "must be ≤ 总费用 (100.5), found 120"},
    ),
    (  # waiting times measured (5 samples) but no average given
        "patient_feedback",
        "avg_wait_minutes",
        rules.RequiredIf,
        [
            {"wait_samples": 5, "avg_wait_minutes": None},
            {"wait_samples": 0, "avg_wait_minutes": None},
            {"wait_samples": None, "avg_wait_minutes": None},
            {"wait_samples": 5, "avg_wait_minutes": 12.5},
        ],
        {2: "is required when wait_samples is above 0"},
    ),
    (  # today is 2026-11-27: tomorrow is a mistyped date
        "workload",
        "date",
        rules.DateLimit,
        [{"date": D(2026, 11, 27)}, {"date": D(2026, 11, 28)}],
        {3: "2026-11-28 is in the future (today is 2026-11-27): a mistyped year?"},
    ),
    (  # a month: this month is allowed, the next is not
        "supplies",
        "month",
        rules.DateLimit,
        [{"month": "2026-11"}, {"month": "2026-12"}],
        {3: "2026-12-01 is in the future (today is 2026-11-27): a mistyped year?"},
    ),
    (  # the register holds CT-1 only
        "equipment_usage",
        "asset_code",
        rules.Reference,
        [{"asset_code": "CT-1"}, {"asset_code": "MRI-9"}],
        {3: "'MRI-9' is not registered in the equipment ledger"},
    ),
    (  # the department list holds CARD only (the warehouse's rows name departments by code);
        # a blank department is the Required rule's
        "workload",
        "dept",
        rules.KnownDepartment,
        [{"dept": "CARD"}, {"dept": "ORTH"}, {"dept": None}, {"dept": "*"}],
        {
            3: "department 'ORTH' is not in the department list (科室字典)",
            5: "department '*' is not in the department list (科室字典)",
        },
    ),
    (  # `*` is every department in targets, and no other ledger
        "targets",
        "dept",
        rules.KnownDepartment,
        [{"dept": "*"}, {"dept": "CARD"}, {"dept": "ORTH"}],
        {4: "department 'ORTH' is not in the department list (科室字典)"},
    ),
]
IDS = [f"{kind}.{column}-{rule.__name__}" for kind, column, rule, _, _ in CASES]
CELL_RULES = (rules.Required, rules.Range, rules.OneOf)
COLUMNS = [(spec.kind, c) for spec in ledgers().values() for c in spec.columns]


def the_rule(kind: str, column: str, rule_kind: type):
    (found,) = [
        r
        for r in rules.ledger_rules(ledger(kind), TODAY)
        if isinstance(r, rule_kind) and r.column == column
    ]
    return found


def header(kind: str):
    """A column as a file's header names it (the Chinese template's header)."""
    return lambda name: ledger(kind).by_name[name].label("zh")


def stored(kind: str, rows: list[dict]) -> list[dict]:
    """The rows as the warehouse would hold them had another tool written them: each cell parsed
    where it parses, else as written (a -1 count stays -1, 'dental' stays 'dental')."""
    spec = ledger(kind)
    records = []
    for number, row in enumerate(rows, 2):
        record = {}
        for name, cell in row.items():
            try:
                record[name] = parse_cell(spec.by_name[name], cell)
            except CellError:
                record[name] = cell
        records.append(
            record | {"source_file": "hand.csv", "source_sheet": "", "source_row": number}
        )
    return records


def python_face(kind: str, rule, rows: list[dict], known: set) -> dict[int, str]:
    """Row -> reason by the Python check: a cell rule's as the cell parser raises it, a rule
    between a row's cells on the parsed row."""
    spec = ledger(kind)
    rejected = {}
    for number, (row, record) in enumerate(zip(rows, stored(kind, rows), strict=True), 2):
        if isinstance(rule, CELL_RULES):
            try:
                parse_cell(spec.by_name[rule.column], row.get(rule.column))
            except CellError as error:
                rejected[number] = str(error)
        elif isinstance(rule, rules.Reference):
            if rule.fails(record, known):
                rejected[number] = rule.reason(record)
        elif isinstance(rule, rules.KnownDepartment):  # by code, as the warehouse holds them
            codes = {code.casefold(): code for code in DEPARTMENTS}
            if record[rule.column] is not None and rule.resolve(record[rule.column], codes) is None:
                rejected[number] = rule.reason(record)
        elif rule.fails(record):
            rejected[number] = rule.reason(record, header(kind))
    return rejected


@pytest.fixture
def warehouse(tmp_path):
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as con:
        ensure_schema(con)
        store_rows(
            con, ledger("equipment"), "select 'CT-1' as asset_code, 'A' as dept, 'CT' as name"
        )
        store_rows(
            con,
            ledger("departments"),
            "select 'CARD' as code, '心内科' as name_zh, 'medical' as kind",
        )
        yield con


def store(con, kind: str, rows: list[dict]) -> None:
    """The rows as the loader stores accepted rows: raw_<kind> and staged_<kind> (views) show
    them (beside the fixture's register rows, which break no rule)."""
    con.register("frame", pd.DataFrame.from_records(stored(kind, rows)))
    store_rows(con, ledger(kind), "from frame")


def sql_face(con, kind: str, rule) -> dict[int, str | None]:
    """Row -> reason by the rule's SQL predicate and reason over the stored rows."""
    if isinstance(rule, rules.Registered):
        failing, reason = rule.failure_sql(), rule.reason_sql()
    else:
        failing = rule.failure_sql()
        reason = rule.reason_sql(lambda name: rules.literal(header(kind)(name)))
    return dict(
        con.execute(
            f"select source_row, {reason} from {ledger(kind).staged_table} "  # noqa: S608
            f"where coalesce({failing}, false) order by source_row"
        ).fetchall()
    )


@pytest.mark.parametrize(("kind", "column", "rule_kind", "rows", "rejected"), CASES, ids=IDS)
def test_python_and_sql_reject_the_same_rows_with_the_same_reason(
    warehouse, kind, column, rule_kind, rows, rejected
):
    rule = the_rule(kind, column, rule_kind)
    assert python_face(kind, rule, rows, known={"CT-1"}) == rejected
    store(warehouse, kind, rows)
    assert sql_face(warehouse, kind, rule) == rejected


GX_CASES = [case for case in CASES if the_rule(*case[:3]).expectation() is not None]


@pytest.mark.parametrize(
    ("kind", "column", "rule_kind", "rows", "rejected"),
    GX_CASES,
    ids=[f"{k}.{c}-{r.__name__}" for k, c, r, _, _ in GX_CASES],
)
def test_the_expectation_fails_on_the_same_rows(warehouse, kind, column, rule_kind, rows, rejected):
    """GX over the warehouse table, handed the rows the pre-filter selects (suspect_rows), on
    TODAY in Shanghai (the latest date a DateLimit allows is a parameter given when the suite
    runs, as the register's codes are: drawn from the warehouse)."""
    rule = the_rule(kind, column, rule_kind)
    store(warehouse, kind, rows)
    noon = dt.datetime.combine(TODAY, dt.time(12), ZoneInfo("Asia/Shanghai"))
    with clock.frozen(noon):
        outcome = validate_table(warehouse, ledger(kind), ledger(kind).staged_table, None)
    expected = dict(rule.expectation().configuration.kwargs)
    parameter = next(
        ((k, v["$PARAMETER"]) for k, v in expected.items() if isinstance(v, dict)), None
    )
    (own,) = [
        o
        for o in outcome.outcomes
        if o.expectation == rule.expectation().expectation_type
        and all(o.kwargs.get(k) == v for k, v in expected.items() if not isinstance(v, dict))
    ]
    if parameter is not None:  # the run's value: TODAY's limit, the register's codes
        argument, name = parameter
        assert own.kwargs[argument] == rule.parameters(warehouse)[name]
    assert own.success == (not rejected)
    assert sorted(int(outcome.frame.at[i, "source_row"]) for i in own.unexpected_index) == sorted(
        rejected
    )


def test_the_key_and_its_expectation():
    """The key's rule (rules.Unique): two rows of CARD on 2026-10-01 break it, whichever file."""
    spec = ledger("workload")
    (unique,) = [r for r in rules.row_set_rules(spec) if isinstance(r, rules.Unique)]
    assert unique.key == ("dept", "date")
    frame = pd.DataFrame(
        {
            "dept": ["CARD", "CARD", "CARD"],
            "date": [D(2026, 10, 1), D(2026, 10, 1), D(2026, 10, 2)],
            "source_file": ["a.csv", "b.csv", "a.csv"],
            "source_sheet": ["", "", ""],
            "source_row": [2, 2, 3],
        }
    )
    with duckdb.connect() as con:
        ensure_schema(con)
        con.register("frame", frame)
        store_rows(con, spec, "from frame")
        outcome = validate_table(con, spec, spec.staged_table, None)
    (own,) = [
        o for o in outcome.outcomes if o.expectation == "expect_compound_columns_to_be_unique"
    ]
    assert not own.success and own.unexpected_count == 2  # the two rows of 10-01, not 10-02


def test_far_past_in_python_and_sql():
    """Ten years before the data month 2026-10: 2016-10-01 is allowed, 2016-09-30 is not."""
    far = rules.far_past(ledger("workload"))
    reference = D(2026, 10, 1)
    days = [D(2016, 10, 1), D(2016, 9, 30), None]
    python = [
        far.reason(day, rules.since_data_month(reference)) if far.fails(day, reference) else None
        for day in days
    ]
    assert python == [
        None,
        "2016-09-30 is more than 10 years (ReadLimits.past_years) before the data month "
        "2026-10: a mistyped year?",
        None,
    ]
    with duckdb.connect() as con:
        sql = [
            con.execute(
                f"select case when coalesce({far.failure_sql('$d', '$r')}, false) "
                f"then {far.reason_sql('$d', rules.since_data_month_sql('$r'))} end",
                {"d": day, "r": reference},
            ).fetchone()[0]
            for day in days
        ]
    assert sql == python


# --- sentences ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def instructions(tmp_path_factory) -> dict:
    """(kind, lang) -> the template's instructions: the intro and column label -> its row."""
    out = tmp_path_factory.mktemp("templates")
    found = {}
    for kind in {case[0] for case in SAID} | {"workload"}:
        for lang in ("zh", "en"):
            sheet = load_workbook(write_template(ledger(kind), out / f"{kind}_{lang}.xlsx", lang))[
                WORDS[lang]["instructions"]
            ]
            rows = {r[0]: r for r in sheet.iter_rows(min_row=3, values_only=True)}
            found[kind, lang] = (sheet["A1"].value, rows)
    return found


def docs_section(kind: str) -> list[str]:
    text = (ROOT / "docs" / "ledgers.md").read_text(encoding="utf-8")
    section = text.split(f"\n## {kind} (")[1].split("\n## ")[0]
    return section.splitlines()


# Every rule kind of a column, the ones without an SQL face too (their Python check is the
# reader's or the loader's: test_fast_load, test_desk_ledgers).
SAID = [case[:3] for case in CASES if case[2] is not rules.KnownDepartment] + [
    ("equipment", "large", rules.YesNo),
    ("equipment", "large", rules.Default),
    ("staffing", "fte", rules.Default),
    ("targets", "metric", rules.IndicatorName),
    ("commentary", "topic", rules.IndicatorName),
]


def test_every_kind_of_column_rule_is_said():
    kinds = {type(r) for _, c in COLUMNS for r in rules.column_rules(c)}
    assert kinds == {rule_kind for _, _, rule_kind in SAID}


@pytest.mark.parametrize(
    ("kind", "column", "rule_kind"), SAID, ids=[f"{k}.{c}-{r.__name__}" for k, c, r in SAID]
)
def test_the_sentence_is_in_the_instructions_and_the_docs(instructions, kind, column, rule_kind):
    rule = the_rule(kind, column, rule_kind)
    spec_column = ledger(kind).by_name[column]
    (line,) = [
        line
        for line in docs_section(kind)
        if line.startswith((f"| {column} |", f"| **{column}** |"))
    ]
    for lang in ("zh", "en"):
        _, rows_ = instructions[kind, lang]
        label, _, required, text = rows_[spec_column.label(lang)][:4]
        if isinstance(rule, rules.Required):  # the header's mark, not a sentence
            assert required == WORDS[lang]["yes"] and line.startswith(f"| **{column}** |")
            continue
        sentence = rule.sentence(
            lang, lambda name, lang=lang: ledger(kind).by_name[name].label(lang)
        )
        assert sentence and sentence in text, (lang, sentence, text)
    if not isinstance(rule, rules.Required):
        assert rule.sentence("en", detail=True) in line.split(" | ")[-1]


def test_the_ledger_rules_sentences_are_in_the_intro_and_the_docs(instructions):
    """The key, the department list and the dates it allows: the templates' intro and the
    ledger's line in the docs."""
    spec = ledger("workload")
    said = rules.row_set_rules(spec)
    assert {type(r) for r in said} == {
        rules.Unique,
        rules.KnownDepartment,
        rules.FarPast,
        rules.AfterStart,
    }
    (grain,) = [line for line in docs_section("workload") if line.startswith("Grain:")]
    for rule in said:
        assert rule.sentence("en", detail=True) in grain
        for lang in ("zh", "en"):
            intro, _ = instructions["workload", lang]
            assert rule.sentence(lang, lambda n, lang=lang: spec.by_name[n].label(lang)) in intro
    assert "每个科室、日期只填一行" in instructions["workload", "zh"][0]
    assert "10 years before the hospital's data" in grain


def test_the_department_list_rules_in_python_and_sql():
    """CARD (心内科) starts on 2026-10-15: a daily row of 10-14 is before it, one of 10-15 is not;
    a monthly ledger may report October (the month it starts in) but not September. ORTH is in
    no list; `*` is every department in targets only."""
    after = rules.of_ledger(ledger("workload"), rules.AfterStart)
    monthly = rules.of_ledger(ledger("supplies"), rules.AfterStart)
    start = D(2026, 10, 15)
    cases = [
        (after, D(2026, 10, 14), start),
        (after, D(2026, 10, 15), start),
        (after, D(2026, 10, 14), None),
        (monthly, D(2026, 10, 1), start),
        (monthly, D(2026, 9, 1), start),
    ]
    python = [
        rule.reason("CARD", begin, day) if rule.fails(day, begin) else None
        for rule, day, begin in cases
    ]
    too_early = "department CARD starts on 2026-10-15 (科室字典); this row is dated "
    assert python == [f"{too_early}2026-10-14", None, None, None, f"{too_early}2026-09-01"]
    with duckdb.connect() as con:
        sql = [
            con.execute(
                f"select case when not coalesce({rule.holds_sql('$d::date', '$s::date')}, false) "
                f"then {rule.reason_sql('$c', '$s::date', '$d::date')} end",
                {"d": day, "s": begin, "c": "CARD"},
            ).fetchone()[0]
            for rule, day, begin in cases
        ]
        assert sql == python

        known = rules.of_ledger(ledger("workload"), rules.KnownDepartment)
        codes = {"card": "CARD", "心内科": "CARD"}
        assert [known.resolve(v, codes) for v in ("CARD", "心内科", "ORTH", "*")] == [
            "CARD",
            "CARD",
            None,
            None,
        ]
        assert rules.of_ledger(ledger("targets"), rules.KnownDepartment).resolve("*", codes) == "*"
        reason = "department 'ORTH' is not in the department list (科室字典)"
        assert known.reason({"dept": "ORTH"}) == reason
        (worded,) = con.execute(
            f"select {known.reason_sql(expression='$v')}", {"v": "ORTH"}
        ).fetchone()
        assert worded == reason


def test_the_findings_of_the_date_and_register_expectations(warehouse):
    """Rows stored behind the loader's back (another tool, a register edited since): a device
    the register no longer holds, a month after this one, a department not in the list. Each is
    a finding of its expectation (but the device: the SQL check's), in the rule's words, on TODAY (2026-11-27: the latest month
    allowed is 2026-11, its first day as the warehouse holds a month)."""
    store(warehouse, "equipment_usage", [{"asset_code": "MRI-9", "month": "2026-10", "uses": 3}])
    store(warehouse, "equipment_usage", [{"asset_code": "CT-1", "month": "2026-12", "uses": 3}])
    store(warehouse, "workload", [{"dept": "ORTH", "date": D(2026, 10, 3)}])
    noon = dt.datetime.combine(TODAY, dt.time(12), ZoneInfo("Asia/Shanghai"))
    with clock.frozen(noon):
        found = suite_findings(warehouse, ["2026-10", "2026-12"], ["equipment_usage", "workload"])
    said = sorted(
        (f.ledger, f.check, f.period, f.message_en) for f in found if f.check != "gx_not_null"
    )
    # (MRI-9 fails the suite, test_the_expectation_fails_on_the_same_rows, but its finding is
    # the SQL check equipment_usage_unregistered's: one finding per fault)
    assert said == [
        (
            "equipment_usage",
            "gx_range",
            "2026-12",
            "Equipment usage: Month is 2026-12-01, outside the allowed range (≤ 2026-11-01). "
            "Correct it.",
        ),
        (
            "workload",
            "gx_enum",
            "2026-10",
            "Daily workload: Department 'ORTH' is not registered in the department list. "
            "Register it first, or correct the value.",
        ),
    ]
    (zh,) = [f.message_zh for f in found if f.ledger == "workload" and f.check == "gx_enum"]
    assert "未在科室字典中登记" in zh


# Every spelling the specs allow for an allowed value or a yes/no, as written, in other case and
# spacing, and ones they do not allow: SQL converts the first (rules.spelling_sql, the set-based
# load's) to what parse_cell gives, and leaves the others NULL for Python to word.
SPELT = [
    (spec.kind, c)
    for spec in ledgers().values()
    for c in spec.columns
    if c.enum or c.type == "bool"
]


@pytest.mark.parametrize(("kind", "column"), SPELT, ids=[f"{k}.{c.name}" for k, c in SPELT])
def test_allowed_and_yes_no_spellings_convert_in_sql_as_in_python(kind, column):
    from ledgers.bulk import CANONICAL, _spelt_in_sql
    from ledgers.specs import reading_rules

    if column.type == "bool":
        allowed = [s for s in reading_rules().bool_true | reading_rules().bool_false if s]
    else:
        allowed = [s for value, aliases in column.enum.items() for s in (value, *aliases)]
    variants = [f" {s.upper()} " for s in allowed] + [s.replace(" ", "_") for s in allowed]
    odd = ["unknown", "内科 系统", "1.0", "  ", "Ｙｅｓ", "是的"]
    sql = rules.spelling_sql(column, "$cell")
    with duckdb.connect() as con:

        def sql_and_python(cell: str):
            (plain, converted) = con.execute(
                f"select regexp_full_match($cell, '{CANONICAL['text']}'), {sql}",  # noqa: S608
                {"cell": cell},
            ).fetchone()
            if column.type == "int" and converted is not None:
                converted = int(converted)
            try:
                return plain, converted, parse_cell(column, cell)
            except CellError:
                return plain, converted, CellError

        by_sql = {}
        for cell in sorted(set(allowed + variants)):  # each converts in SQL, as Python converts it
            plain, converted, python = sql_and_python(cell)
            if plain:  # (outside plain characters, such as ｙｅｓ: Python's)
                assert converted is not None and converted == python, (cell, converted, python)
                by_sql[cell] = python
        for cell in odd:  # refused, or a blank: SQL leaves it to Python
            plain, converted, python = sql_and_python(cell)
            assert converted is None, (cell, converted, python)
        # the set-based load's map of a file's distinct spellings: these converted in SQL, the
        # odd ones left to parse_cell
        assert _spelt_in_sql(con, column, [*allowed, *variants, *odd]) == by_sql
