-- The DuckDB floor: the core indicators per department and month, quarter and year in one
-- query over the inbox files with DuckDB's own readers ($workload_files: the Parquet files,
-- $discharge_files: the discharges CSV files). Formulas as in bench/references.py's docstring.
with workload as (
    select dept, date, discharges, open_beds, census from read_parquet($workload_files)
),
-- the day after the data month: a quarter or year in progress counts its days up to it
held as (select last_day(max(date)) + interval 1 day as data_end from workload),
episodes as (
    select "出院科室" as dept, "出院日期" as out_date,
           greatest("出院日期" - "入院日期", 1) as los
    from read_csv($discharge_files, header = true,
                  columns = {'病例编号': 'VARCHAR', '出院科室': 'VARCHAR', '入院日期': 'DATE',
                             '出院日期': 'DATE', '手术日期': 'DATE', '手术级别': 'VARCHAR',
                             '转归': 'VARCHAR', '并发症': 'VARCHAR', '总费用': 'VARCHAR',
                             '药品费': 'VARCHAR', '耗材费': 'VARCHAR', '医保类型': 'VARCHAR',
                             'DRG组': 'VARCHAR'})
),
workload_periods as (
    select dept, p.grain, p.period, p.days, sum(discharges) as discharges,
           sum(open_beds) as available, sum(census) as occupied
    from workload, held,
         unnest([
             {'grain': 'month', 'period': strftime(date, '%Y-%m'),
              'days': day(last_day(date))},
             {'grain': 'quarter', 'period': year(date) || '-Q' || quarter(date),
              'days': datediff('day', date_trunc('quarter', date),
                               least(date_trunc('quarter', date) + interval 3 month, data_end))},
             {'grain': 'year', 'period': year(date)::varchar,
              'days': datediff('day', date_trunc('year', date),
                               least(date_trunc('year', date) + interval 1 year, data_end))}
         ]) as u(p)
    group by all
),
episode_periods as (
    select dept, p.grain, p.period, sum(los) as los, count(*) as episodes
    from episodes,
         unnest([{'grain': 'month', 'period': strftime(out_date, '%Y-%m')},
                 {'grain': 'quarter', 'period': year(out_date) || '-Q' || quarter(out_date)},
                 {'grain': 'year', 'period': year(out_date)::varchar}]) as u(p)
    group by all
),
core as (
    select grain, period, dept,
           w.discharges::double as discharges,
           w.available::double as available_bed_days,
           w.occupied::double as occupied_bed_days,
           w.occupied / nullif(w.available, 0) as bed_occupancy,
           w.discharges / (nullif(w.available, 0) / w.days) as bed_turnover,
           e.los / e.episodes as alos
    from workload_periods w
    full join episode_periods e using (dept, grain, period)
)
unpivot core on columns(* exclude (grain, period, dept)) into name metric value value
