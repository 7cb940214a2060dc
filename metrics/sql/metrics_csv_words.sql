-- The words of metrics.csv's text columns as ENUM types, in the catalog metrics_csv_words that
-- metrics.export attaches (in memory) for one write: metrics_csv.sql reads its text columns as
-- them, so that the writer's sort and its CSV writer move small integers instead of 2 M rows of
-- text (at city scale the sort of the text took about as long as everything else), and the
-- writer checks the formula rule once per word instead of once per cell (ledgers/excel_text.py).
-- The words of a column the file is sorted on (grain, period, dept, metric) are declared in their
-- text order, which is then the enum's order: the same order as the text's.
-- Every word a column can hold must be here, or the cast fails (never a word lost). The words
-- come from the small tables of metric_values' keys and from the catalogue (metric_report joins
-- it: every metric it shows is one of the catalogue's).
create type metrics_csv_words.grain as enum (
    select distinct grain from metric_fact_periods where grain is not null order by grain
);
create type metrics_csv_words.period as enum (
    select distinct period from (
        select period from metric_fact_periods
        union all
        select prior_period from metric_fact_periods
        union all
        select yoy_period from metric_fact_periods
    ) where period is not null order by period
);
create type metrics_csv_words.dept as enum (
    select distinct dept from metric_fact_depts where dept is not null order by dept
);
create type metrics_csv_words.metric as enum (
    select distinct metric from metric_catalogue where metric is not null order by metric
);
create type metrics_csv_words.reason as enum (
    select distinct reason from metric_facts where reason is not null order by reason
);
create type metrics_csv_words.unit as enum (
    select distinct unit from metric_catalogue where unit is not null order by unit
);
create type metrics_csv_words.name_zh as enum (
    select distinct name_zh from metric_catalogue where name_zh is not null order by name_zh
);
create type metrics_csv_words.name_en as enum (
    select distinct name_en from metric_catalogue where name_en is not null order by name_en
);
create type metrics_csv_words.family as enum (
    select distinct family from metric_catalogue where family is not null order by family
);
-- The words metric_report (metrics/sql/report.sql) gives a value's status and the reason a
-- comparison is left out. Declared here rather than read from the report (that would compute it
-- once more): a word report.sql adds and this list lacks fails the cast, and so the export, loudly.
-- As ENUMs their cells are a byte in the writer's sort instead of a string (10 M rows at region
-- scale), and checked against the formula rule once, not cell by cell.
create type metrics_csv_words.status as enum ('alert', 'ok', 'watch');
create type metrics_csv_words.comparison_reason as enum ('partial_period');
