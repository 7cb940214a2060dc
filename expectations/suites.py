"""Great Expectations suites generated from the ledger specs, run on what the warehouse holds.

One suite per ledger kind: required columns not null, numeric bounds, enumerations, the key unique,
and the column-pair rules (end ≥ start, part ≤ total). GX is imported lazily: it costs seconds to
import; each kind's suite is built once per process and run on as many frames as needed.

`validate_ledger` runs a suite over the accepted rows (raw_<kind>); `suite_findings` runs it over
the months checked, on every valid row of every file (staged_<kind>), so that the same key sent
twice is seen, and turns the unexpected rows into findings that name file, sheet and row. Either
way GX is handed only the rows that could fail (`suspect_rows`), selected in DuckDB by the SQL of
the suite's rules (ledgers.rules), and GX is imported only when there are some.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache

import duckdb
import pandas as pd

from expectations.checks import Finding, gx_check_for, make_finding
from ledgers import clock, rules
from ledgers.loader import latest_stored_day
from ledgers.rules_of_rows import keys_distinct, keys_proven
from ledgers.specs import WITHHELD, Ledger, ledger, ledgers
from metrics.periods import month_end, month_key, month_start, periods_between, shift


@dataclass
class ExpectationOutcome:
    """One expectation's verdict, in words a department assistant can read."""

    expectation: str
    column: str
    success: bool
    unexpected_count: int
    examples: list[str] = field(default_factory=list)
    kwargs: dict = field(default_factory=dict, repr=False)
    unexpected_index: list = field(default_factory=list, repr=False)


@dataclass
class SuiteOutcome:
    kind: str
    rows: int
    outcomes: list[ExpectationOutcome]
    frame: pd.DataFrame | None = field(default=None, repr=False)

    @property
    def success(self) -> bool:
        return all(o.success for o in self.outcomes)

    @property
    def failed(self) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if not o.success]


def lower_bound(column) -> float | None:
    """The column's floor (ledgers.rules): its strict floor, its min, or 0 for whole numbers and
    amounts that may not be negative."""
    found = rules.between(column)
    return None if found is None else found["min_value"]


@cache
def suite_rules(kind: str, today: dt.date | None = None) -> tuple[rules.Rule, ...]:
    """The rules of one ledger that have an expectation (ledgers.rules: required, bounds, allowed
    values, the order of two columns, not in the future, registered, the department known, the
    key unique), in the suite's order; those dated against the future as of `today`."""
    spec = ledger(kind)
    return tuple(r for r in rules.ledger_rules(spec, today) if r.has_expectation)


def suite_parameters(con: duckdb.DuckDBPyConnection, spec: Ledger) -> dict:
    """The values of the suite's parameters for a run today: the latest date allowed, the codes
    registered (ledgers.rules: Rule.parameters)."""
    found: dict = {}
    for rule in suite_rules(spec.kind, clock.today()):
        found |= rule.parameters(con)
    return found


def build_expectations(spec: Ledger) -> list:
    """The GX expectations of one ledger, each its rule's (ledgers.rules)."""
    return [rule.expectation() for rule in suite_rules(spec.kind)]


@cache
def _context():
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return context


@cache
def _validation_definition(kind: str):
    """The suite of one ledger kind, built once per process (in memory, nothing on disk)."""
    import great_expectations as gx

    spec = ledger(kind)
    context = _context()
    batch = (
        context.data_sources.add_pandas(f"{spec.kind}_rows")
        .add_dataframe_asset(spec.kind)
        .add_batch_definition_whole_dataframe("loaded")
    )
    suite = context.suites.add(gx.ExpectationSuite(name=spec.kind))
    for expectation in build_expectations(spec):
        suite.add_expectation(expectation)
    return context.validation_definitions.add(
        gx.ValidationDefinition(name=spec.kind, data=batch, suite=suite)
    )


def validate(frame: pd.DataFrame, spec: Ledger, parameters: dict | None = None) -> SuiteOutcome:
    """Run the spec's suite on a frame of ledger rows (with lineage columns); `parameters` are
    its parameters' values (`suite_parameters`)."""
    frame = frame.reset_index(drop=True)
    result = _validation_definition(spec.kind).run(
        batch_parameters={"dataframe": frame},
        expectation_parameters=parameters or None,
        result_format={"result_format": "COMPLETE", "partial_unexpected_count": 5},
    )
    outcomes = []
    for item in result.results:
        config = item.expectation_config
        kwargs = dict(config.kwargs)
        column = _column_of(kwargs)
        indexes = [i for i in (item.result.get("unexpected_index_list") or []) if i in frame.index]
        examples = [
            f"{frame.at[i, 'source_file']} row {frame.at[i, 'source_row']}" for i in indexes[:5]
        ]
        outcomes.append(
            ExpectationOutcome(
                expectation=config.type,
                column=column,
                success=bool(item.success),
                unexpected_count=int(item.result.get("unexpected_count") or 0),
                examples=examples,
                kwargs=kwargs,
                unexpected_index=indexes,
            )
        )
    return SuiteOutcome(spec.kind, len(frame), outcomes, frame)


def _column_of(kwargs: dict) -> str:
    """The column (or columns) an expectation's arguments name."""
    return (
        kwargs.get("column") or kwargs.get("column_A") or ", ".join(kwargs.get("column_list", []))
    )


def validate_ledger(con: duckdb.DuckDBPyConnection, kind: str) -> SuiteOutcome:
    """Run the suite of one ledger kind over the rows the warehouse accepted (raw_<kind>)."""
    return validate_table(con, ledger(kind), ledger(kind).table, None)


def validate_table(
    con: duckdb.DuckDBPyConnection, spec: Ledger, table: str, months: list[str] | None
) -> SuiteOutcome:
    """Run one ledger's suite over a table of its rows (those of some months when given).

    GX sees only the rows that could fail: DuckDB selects them with one condition derived from
    the suite's own expectations (`suspect_rows`). The verdicts are GX's and the same as over the
    whole table, because every row an expectation could find unexpected is among them, with
    every row sharing its key for the uniqueness expectations; what GX is spared is turning
    millions of good rows into a pandas frame (7 GiB and minutes at city scale)."""
    if months is not None and spec.period and _every_month_in(con, spec, table, months):
        months = None  # the whole table: no month to test in each of its rows
    scope, params = _scope(spec, table, months)
    rows = con.execute(f"select count(*) from {scope}", params).fetchone()[0]  # noqa: S608
    parameters = suite_parameters(con, spec)
    # No row at all (a ledger the hospital does not keep, or none in these months): no suspect
    # either, without the three or four queries that look for them (a check run over a small
    # warehouse, where most of the 17 kinds are empty, spent about a fifth of its CPU on them)
    suspects = suspect_rows(con, spec, scope, params) if rows else pd.DataFrame()
    # No row any expectation could find unexpected: every expectation is met, as GX finds over
    # the whole table (tests/test_suites_prefilter.py compares); GX's run on no rows cost 0.1-0.5 s
    # of CPU per ledger kind, 3.6 s for the 17 kinds at city scale, and GX is not even imported
    # (5.4 s of CPU) nor the suite built (1.2 s for the 17) while no ledger has a suspect row
    if len(suspects):
        outcome = validate(suspects, spec, parameters)
    else:
        outcome = _all_met(suspects, spec, parameters)
    outcome.rows = rows
    return outcome


def _all_met(frame: pd.DataFrame, spec: Ledger, parameters: dict) -> SuiteOutcome:
    """The outcome of a suite none of whose expectations found an unexpected row: each rule's
    expectation as data (ledgers.rules: Rule.expects), without importing GX, its arguments with
    the parameters' values, as a GX run gives them."""
    outcomes = []
    for rule in suite_rules(spec.kind):
        expectation, arguments = rule.expects()
        kwargs = {
            k: parameters[v["$PARAMETER"]] if isinstance(v, dict) and "$PARAMETER" in v else v
            for k, v in arguments.items()
        }
        outcomes.append(ExpectationOutcome(expectation, _column_of(kwargs), True, 0, kwargs=kwargs))
    return SuiteOutcome(spec.kind, len(frame), outcomes, frame)


def _scope(spec: Ledger, table: str, months: list[str] | None) -> tuple[str, dict]:
    """The rows of a table a validation covers, as a SQL relation and its parameters: the rows
    whose period column falls in one of the months; a ledger without one, or no months, whole."""
    if spec.period is None or months is None:
        return table, {}
    # dates, not 'YYYY-MM' text: formatting 4 M dates per scan took seconds at city scale
    where = f"""list_contains($months, date_trunc('month', "{spec.period}")::date)"""
    scope = f"(select * from {table} where {where})"  # noqa: S608 -- names from specs
    return scope, {"months": sorted(month_start(m) for m in months)}


def _every_month_in(
    con: duckdb.DuckDBPyConnection, spec: Ledger, table: str, months: list[str]
) -> bool:
    """Whether every row of a table falls in one of `months`: then its scope is the whole table
    (testing 4 M discharges' months cost 0.15 s of CPU per scan at city scale)."""
    period = f'"{spec.period}"'
    first, last, undated = con.execute(
        f"select min({period}), max({period}), count(*) - count({period}) from {table}"  # noqa: S608 -- names from specs
    ).fetchone()
    if undated:  # a row without a date is in no month (stored behind the loader's back)
        return False
    if first is None:
        return True
    start = month_key(first)
    spanned = range(periods_between("month", start, month_key(last)) + 1)
    return {shift("month", start, step) for step in spanned} <= set(months)


def batch_scope(
    con: duckdb.DuckDBPyConnection, spec: Ledger, scope: str, params: dict
) -> tuple[str, dict]:
    """The rows of a scope as the suite's batch has them: with the first date each row may be
    dated, by its department's start and by the data month (ledgers.rules.DatedFrom: FarPast,
    AfterStart), as columns of their own, which the suite's expectations compare its date with."""
    bounded = [r for r in suite_rules(spec.kind) if isinstance(r, rules.DatedFrom)]
    if not bounded:
        return scope, params
    start, join = "cast(null as date)", ""
    if spec.dept:
        start = "ds.start_date"
        departments = ledger("departments").table
        join = f'left join {departments} ds on ds.code = s."{spec.dept}"'
    carried = ", ".join(
        f"{rule.bound_sql(start, '$data_month')} as {rules.quoted(rule.bound)}" for rule in bounded
    )
    batch = f"(select s.*, {carried} from {scope} s {join})"  # noqa: S608 -- names from specs
    return batch, params | {"data_month": data_month(con)}


def data_month(con: duckdb.DuckDBPyConnection) -> dt.date | None:
    """The latest month the hospital's dated rows reach, a date after today not counted: what the
    far-past span counts back from where a department has no start (rules.FarPast), as the
    loader judged it (its staged rows)."""
    day = latest_stored_day(con, clock.today())
    return None if day is None else day.replace(day=1)


def _keys_held_once(
    con: duckdb.DuckDBPyConnection, spec: Ledger, listed: str, scope: str, params: dict
) -> bool:
    """Whether every row of `scope` has a key of its own. The accepted rows whole, or every
    file's rows whole while none was outranked (staged_<kind> is then raw_<kind>'s rows), by the
    proof recorded for raw_<kind> (rules_of_rows.keys_proven: one sort per run where the blocking
    suite and the ledger checks each sorted the keys); some months' rows by a proof of their own."""
    if scope == spec.table or (
        scope == spec.staged_table
        and not con.execute(f"select exists (from {spec.outranked_table})").fetchone()[0]  # noqa: S608 -- names from specs
    ):
        return keys_proven(con, spec.table, listed)
    return keys_distinct(con, listed, scope, params)


def suspect_rows(
    con: duckdb.DuckDBPyConnection, spec: Ledger, scope: str, params: dict
) -> pd.DataFrame:
    """The rows of `scope` that some expectation of the ledger's suite could find unexpected, in
    ledger order: those for which an expectation's rule's SQL predicate (ledgers.rules, the one
    the set-based load rejects rows by) holds, and those sharing a key. Names and bounds come
    from the specs; the scope's values are bound as parameters."""
    terms, keys = [], None
    for rule in suite_rules(spec.kind, clock.today()):
        if isinstance(rule, rules.Unique):
            keys = list(rule.key)
        elif isinstance(rule, rules.DatedFrom):
            terms.append(rule.batch_failure_sql())
        else:
            terms.append(rule.failure_sql())
    twins = "false"
    listed = ", ".join(f'"{k}"' for k in keys or ())
    if keys and not _keys_held_once(con, spec, listed, scope, params):
        # Keys sent more than once, first on their own: usually none, and then the scan below
        # is a plain filter (as one correlated condition it took seconds at city scale).
        con.execute(
            f"create or replace temp table suspect_keys as "  # noqa: S608 -- names from specs
            f"select {listed} from {scope} group by all having count(*) > 1",
            params,
        )
        if con.execute("select count(*) from suspect_keys").fetchone()[0]:
            same = " and ".join(f'd."{k}" is not distinct from s."{k}"' for k in keys)
            twins = f"exists (select 1 from suspect_keys d where {same})"  # noqa: S608
    # A WHERE keeps the rows it finds true: a term that is null (a value missing) keeps none, as
    # false would, so the terms are OR-ed bare. Each wrapped in coalesce(…, false), the same rows
    # cost a third more to find: 20 M episodes 1.47 -> 0.93 s of CPU per scan at region scale
    # (DuckDB no longer sees plain comparisons it can test cheaply)
    condition = " or ".join(f"({term})" for term in terms) or "false"
    batch, params = batch_scope(con, spec, scope, params)
    try:
        # Counted first, which reads only the columns the conditions name: usually no row could
        # fail, and selecting them read every column of every row to find none (the 4 M
        # episodes' 20 columns: 0.4 s of CPU per scan at city scale)
        (suspect,) = con.execute(
            f"select count(*) from {batch} s where {condition} or {twins}",  # noqa: S608 -- names from specs
            params,
        ).fetchone()
        return con.execute(
            f"""select * from {batch} s where {condition} or {twins}
                order by source_file, source_sheet, source_row
                limit {"all" if suspect else 0}""",  # noqa: S608 -- names from specs
            params,
        ).df()
    finally:
        con.execute("drop table if exists suspect_keys")


# --- findings ----------------------------------------------------------------------------------


def suite_findings(
    con: duckdb.DuckDBPyConnection, months: Iterable[str], kinds: Iterable[str] | None = None
) -> list[Finding]:
    """Every failed expectation of every ledger's suite, per month, as findings naming file, sheet
    and row. A ledger without a period column is validated whole and its findings belong to each
    month checked that the row applies to (a posting in post, a device in service)."""
    months = sorted(set(months))
    devices = dict(con.execute("select asset_code, dept from raw_equipment").fetchall())
    findings: list[Finding] = []
    for kind in kinds or ledgers():
        spec = ledger(kind)
        # One validation over all the months' rows: each finding then belongs to its row's month.
        # (Per-month validations gave the same findings at the cost of a GX run per month.)
        outcome = validate_table(con, spec, spec.staged_table, months)
        for failed in outcome.failed:
            if _told_by_sql(spec, failed):
                continue
            findings += _expectation_findings(spec, outcome.frame, failed, months, devices)
    return findings


def _told_by_sql(spec: Ledger, outcome: ExpectationOutcome) -> bool:
    """A device not in the register (rules.Reference) is the SQL check equipment_usage_unregistered's
    finding, with its uses and whether the device is in service: the suite's verdict stands, its
    finding would say the same row twice."""
    if outcome.expectation != "expect_column_values_to_be_in_set":
        return False
    column = spec.by_name.get(outcome.column)
    return column is not None and rules.of_kind(column, rules.Reference) is not None


def _expectation_findings(
    spec: Ledger,
    frame: pd.DataFrame,
    outcome: ExpectationOutcome,
    months: list[str],
    devices: dict[str, str],
) -> list[Finding]:
    check_id = gx_check_for(outcome.expectation).id
    findings = []
    duplicates = _duplicate_fields(spec, frame, outcome) if _is_uniqueness(outcome) else None
    for index in outcome.unexpected_index:
        if duplicates is not None and index not in duplicates:
            continue  # a key shared by many rows is reported once, on its first row
        row = frame.loc[index]
        fields = {
            "ledger": spec.kind,
            "file": row["source_file"],
            "sheet": row["source_sheet"],
            "row": int(row["source_row"]),
            "dept": _dept_of(spec, row, devices),
            **(
                duplicates[index]
                if duplicates is not None
                else _expectation_fields(spec, frame, outcome, index)
            ),
        }
        for month in _months_of_row(spec, row, months):
            findings.append(make_finding(check_id, {**fields, "period": month}))
    return findings


def _is_uniqueness(outcome: ExpectationOutcome) -> bool:
    kwargs = outcome.kwargs
    return "column_list" in kwargs or outcome.expectation == "expect_column_values_to_be_unique"


# A key held by more rows than this is a placeholder (an export that fills "0" for every
# episode): one finding with the count, not one per row each listing every other.
PLACEHOLDER_ROWS = 5
PLACES_SHOWN = 3


def _duplicate_fields(
    spec: Ledger, frame: pd.DataFrame, outcome: ExpectationOutcome
) -> dict[int, dict[str, object]]:
    """Row index -> what its duplicate-key message says, for the rows reported: every row of a
    key held a few times, the first row only of a placeholder key. One group-by over the rows,
    so linear in their number however many share a key (the old pairwise scan was quadratic:
    3,000 episodes keyed "0" took 5 minutes and 4.7 GB)."""
    kwargs = outcome.kwargs
    key = list(kwargs.get("column_list") or [kwargs["column"]])
    rows = frame.loc[outcome.unexpected_index]
    reported: dict[int, dict[str, object]] = {}
    for _, group in rows.groupby(key, dropna=False, sort=False):
        places = [
            f"{r.source_file}{' / ' + r.source_sheet if r.source_sheet else ''} row {r.source_row}"
            for r in group.head(
                PLACES_SHOWN if len(group) > PLACEHOLDER_ROWS else len(group)
            ).itertuples()
        ]
        if len(group) > PLACEHOLDER_ROWS:
            places.append(f"… {len(group) - PLACES_SHOWN:,} more")
        first = group.index[0]
        fields = {
            "key_zh": "、".join(spec.by_name[k].label("zh") for k in key),
            "key_en": ", ".join(spec.by_name[k].label("en") for k in key),
            # An episode's key never leaves the warehouse: its places say where it is.
            "key_value": " / ".join(
                _cell(frame.at[first, k]) if spec.shows(k) else WITHHELD for k in key
            ),
            "count": len(group),
            "places": "; ".join(places),
        }
        for index in group.index[:1] if len(group) > PLACEHOLDER_ROWS else group.index:
            reported[index] = fields
    return reported


def _expectation_fields(
    spec: Ledger, frame: pd.DataFrame, outcome: ExpectationOutcome, index: int
) -> dict[str, object]:
    """What the message of one unexpected row says: the column, its value, the rule."""
    kwargs = outcome.kwargs
    column = spec.by_name[outcome.column]
    fields: dict[str, object] = {
        "column_zh": column.label("zh"),
        "column_en": column.label("en"),
        "value": _cell(frame.at[index, column.name]),
    }
    # the rule's own words (ledgers.rules), as its expectation checks it
    if dated := _dated_from(spec, kwargs.get("column_B")):
        # a date before the first its row allows (rules.FarPast, rules.AfterStart)
        fields |= {
            "variant": dated.variant,
            "other_value": _cell(frame.at[index, dated.bound]),
            "years": getattr(dated, "years", None),
        }
    elif "column_B" in kwargs:
        other = spec.by_name[kwargs["column_B"]]
        fields |= {
            "other_zh": other.label("zh"),
            "other_en": other.label("en"),
            "other_value": _cell(frame.at[index, other.name]),
            "relation_zh": rules.Order.below("zh", other.type),
            "relation_en": rules.Order.below("en", other.type),
        }
    if "value_set" in kwargs:
        if one_of := rules.cell_rules(column).one_of:
            fields["allowed"] = one_of.listed(first_alias_only=True)
        else:  # a value another ledger must hold (rules.Registered): not registered there
            registered = _registered(spec, column)
            fields |= {
                "variant": "unregistered",
                "register_zh": registered.register_label("zh"),
                "register_en": registered.register_label("en"),
            }
    if "min_value" in kwargs or "max_value" in kwargs:
        if found := rules.cell_rules(column).range:
            fields["bounds"] = found.gx_words()
        else:  # a date not in the future (rules.DateLimit), as of the day the suite ran
            fields["bounds"] = f"≤ {pd.Timestamp(kwargs['max_value']).date().isoformat()}"
    return fields


def _dated_from(spec: Ledger, bound: str | None) -> rules.DatedFrom | None:
    """The rule whose first date allowed the batch carries in column `bound`, if any."""
    return next(
        (r for r in suite_rules(spec.kind) if isinstance(r, rules.DatedFrom) and r.bound == bound),
        None,
    )


def _registered(spec: Ledger, column) -> rules.Registered:
    """The column's rule that its values be registered in another ledger."""
    return next(
        r
        for r in suite_rules(spec.kind)
        if isinstance(r, rules.Registered) and r.column == column.name
    )


def _cell(value: object) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "—"
    if isinstance(value, pd.Timestamp | dt.datetime):
        return value.date().isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _dept_of(spec: Ledger, row: pd.Series, devices: dict[str, str]) -> str | None:
    if spec.kind == "departments":
        value = row["code"]
    elif spec.kind == "equipment_usage":
        value = devices.get(row["asset_code"])
    elif spec.dept:
        value = row[spec.dept]
    else:
        value = None
    return None if value is None or pd.isna(value) else str(value)


def _months_of_row(spec: Ledger, row: pd.Series, months: list[str]) -> list[str]:
    """The months checked that a row applies to: its own month for a ledger with a period; for the
    roster the months its posting touches, for the register the months its device is in service;
    for the department list and targets every month."""
    if spec.period:
        own = month_key(pd.Timestamp(row[spec.period]).date())
        return [own] if own in months else []
    start, end = {
        "staffing": ("start_date", "end_date"),
        "equipment": ("purchase_date", "retired_date"),
    }.get(spec.kind, (None, None))
    if start is None:
        return months
    first = None if pd.isna(row[start]) else pd.Timestamp(row[start]).date()
    last = None if pd.isna(row[end]) else pd.Timestamp(row[end]).date()
    kept = []
    for month in months:
        if (first is None or first <= month_end(month)) and (
            last is None or last >= month_start(month)
        ):
            kept.append(month)
    return kept
