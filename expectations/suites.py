"""Great Expectations suites generated from the ledger specs, run on what the warehouse holds.

One suite per ledger kind: required columns not null, numeric bounds, enumerations, the key unique,
and the column-pair rules (end ≥ start). GX is imported lazily: it costs seconds to import.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb
import pandas as pd

from ledgers.specs import Ledger, ledger


@dataclass
class ExpectationOutcome:
    """One expectation's verdict, in words a department assistant can read."""

    expectation: str
    column: str
    success: bool
    unexpected_count: int
    examples: list[str] = field(default_factory=list)


@dataclass
class SuiteOutcome:
    kind: str
    rows: int
    outcomes: list[ExpectationOutcome]

    @property
    def success(self) -> bool:
        return all(o.success for o in self.outcomes)

    @property
    def failed(self) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if not o.success]


def build_expectations(spec: Ledger) -> list:
    """The GX expectations of one ledger, derived from its spec."""
    import great_expectations.expectations as gxe

    expectations = []
    for column in spec.columns:
        if column.required:
            expectations.append(gxe.ExpectColumnValuesToNotBeNull(column=column.name))
        if column.type in ("int", "number", "amount"):
            low = column.min
            if low is None and column.type in ("int", "amount") and not column.negative_ok:
                low = 0
            if column.gt is not None:
                low = column.gt
            if low is not None or column.max is not None:
                expectations.append(
                    gxe.ExpectColumnValuesToBeBetween(
                        column=column.name,
                        min_value=low,
                        max_value=column.max,
                        strict_min=column.gt is not None,
                    )
                )
        if column.enum is not None and column.type == "text":
            expectations.append(
                gxe.ExpectColumnValuesToBeInSet(column=column.name, value_set=list(column.enum))
            )
        if column.ge_column:
            expectations.append(
                gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                    column_A=column.name,
                    column_B=column.ge_column,
                    or_equal=True,
                    ignore_row_if="either_value_is_missing",
                )
            )
    if len(spec.key) == 1:
        expectations.append(gxe.ExpectColumnValuesToBeUnique(column=spec.key[0]))
    else:
        expectations.append(gxe.ExpectCompoundColumnsToBeUnique(column_list=list(spec.key)))
    return expectations


def validate(frame: pd.DataFrame, spec: Ledger) -> SuiteOutcome:
    """Run the spec's suite on a frame of ledger rows (in memory, nothing written to disk)."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    batch = (
        context.data_sources.add_pandas(f"{spec.kind}_rows")
        .add_dataframe_asset(spec.kind)
        .add_batch_definition_whole_dataframe("loaded")
    )
    suite = context.suites.add(gx.ExpectationSuite(name=spec.kind))
    for expectation in build_expectations(spec):
        suite.add_expectation(expectation)
    definition = context.validation_definitions.add(
        gx.ValidationDefinition(name=spec.kind, data=batch, suite=suite)
    )
    result = definition.run(
        batch_parameters={"dataframe": frame},
        result_format={"result_format": "COMPLETE", "partial_unexpected_count": 5},
    )
    outcomes = []
    for item in result.results:
        config = item.expectation_config
        kwargs = config.kwargs
        column = (
            kwargs.get("column")
            or kwargs.get("column_A")
            or ", ".join(kwargs.get("column_list", []))
        )
        indexes = item.result.get("unexpected_index_list") or []
        examples = [
            f"{frame.at[i, 'source_file']} row {frame.at[i, 'source_row']}"
            for i in indexes[:5]
            if isinstance(i, int) and i in frame.index
        ]
        outcomes.append(
            ExpectationOutcome(
                expectation=config.type,
                column=column,
                success=bool(item.success),
                unexpected_count=int(item.result.get("unexpected_count") or 0),
                examples=examples,
            )
        )
    return SuiteOutcome(spec.kind, len(frame), outcomes)


def validate_ledger(con: duckdb.DuckDBPyConnection, kind: str) -> SuiteOutcome:
    """Run the suite of one ledger kind over the rows the warehouse accepted."""
    spec = ledger(kind)
    frame = con.execute(f"select * from {spec.table}").df()  # noqa: S608 -- table name from specs
    return validate(frame, spec)
